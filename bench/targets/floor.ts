/**
 * The floor: bare Koa (no router, no framework) calling jose's `jwtVerify` with a local key set
 * that is fetched once from the tenant at start-up. Nothing is cached but the imported keys, so
 * every secured request pays one RSA verification: what any honest check must at least cost on a
 * token it has not seen.
 */
import { createServer } from 'node:http';
import Koa from 'koa';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { main, serve, tenantFromEnv } from './serve';

main(async () => {
  const tenant = tenantFromEnv();
  const response = await fetch(tenant.jwksUri);
  const keys = createLocalJWKSet((await response.json()) as JSONWebKeySet);
  const options = { issuer: tenant.issuer, audience: tenant.audience, algorithms: ['RS256'], requiredClaims: ['exp', 'sub'] };

  const app = new Koa();
  app.use(async (ctx) => {
    const path = ctx.path;
    if (path === '/public') {
      ctx.body = { message: 'Anonymous user' };
      return;
    }
    if (path !== '/secure' && path !== '/secure/blabla') {
      ctx.status = 404;
      return;
    }
    const header = ctx.get('authorization');
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
    try {
      ({ payload } = await jwtVerify(token, keys, options));
    } catch {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      return;
    }
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    if (path === '/secure/blabla' && !scopes.includes('read:blabla')) {
      ctx.status = 403;
      return;
    }
    ctx.body = { id: payload.sub, scopes };
  });
  await serve(createServer(app.callback()));
});
