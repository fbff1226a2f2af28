/**
 * Auth0's Express SDK (express-oauth2-jwt-bearer): `auth()` on the secured routes, and
 * `requiredScopes('read:blabla')` on /secure/blabla, keys from the tenant's key set.
 */
import { createServer } from 'node:http';
import express from 'express';
import { auth, requiredScopes } from 'express-oauth2-jwt-bearer';
import { main, serve, tenantFromEnv } from './serve';

main(async () => {
  const tenant = tenantFromEnv();
  const checkJwt = auth({
    issuer: tenant.issuer,
    jwksUri: tenant.jwksUri,
    audience: tenant.audience,
    tokenSigningAlg: 'RS256',
  });
  const app = express();
  app.disable('x-powered-by');
  app.get('/public', (_req, res) => {
    res.json({ message: 'Anonymous user' });
  });
  const user = (req: express.Request, res: express.Response): void => {
    const payload = req.auth?.payload ?? {};
    res.json({ id: payload.sub, scopes: typeof payload.scope === 'string' ? payload.scope.split(' ') : [] });
  };
  app.get('/secure', checkJwt, user);
  app.get('/secure/blabla', checkJwt, requiredScopes('read:blabla'), user);
  await serve(createServer(app));
});
