/**
 * koa-jwt with jwks-rsa's `koaJwtSecret` (its key cache and rate limit on), @koa/router for the
 * routes, and a one-line scope check on /secure/blabla as its README suggests.
 */
import { createServer } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import jwt from 'koa-jwt';
import { koaJwtSecret } from 'jwks-rsa';
import { main, serve, tenantFromEnv } from './serve';

main(async () => {
  const tenant = tenantFromEnv();
  const checkJwt = jwt({
    secret: koaJwtSecret({ jwksUri: tenant.jwksUri, cache: true, rateLimit: true, jwksRequestsPerMinute: 10 }),
    audience: tenant.audience,
    issuer: tenant.issuer,
    algorithms: ['RS256'],
  });
  const user = (ctx: Koa.Context): void => {
    const payload = ctx.state.user as { sub?: string; scope?: string };
    ctx.body = { id: payload.sub, scopes: typeof payload.scope === 'string' ? payload.scope.split(' ') : [] };
  };
  const router = new Router();
  router.get('/public', (ctx) => {
    ctx.body = { message: 'Anonymous user' };
  });
  router.get('/secure', checkJwt, user);
  router.get(
    '/secure/blabla',
    checkJwt,
    async (ctx, next) => {
      const scope = (ctx.state.user as { scope?: string }).scope;
      if (typeof scope !== 'string' || !scope.split(' ').includes('read:blabla')) ctx.throw(403, 'insufficient_scope');
      await next();
    },
    user,
  );
  const app = new Koa();
  app.use(router.routes());
  await serve(createServer(app.callback()));
});
