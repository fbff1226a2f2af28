/**
 * A hand-written checker: the sample's own controller (sample/api.ts) on routing-controllers and
 * Koa, with two checkers written directly on jose (bench/lib/checkers.ts): `createRemoteJWKSet` +
 * `jwtVerify` with issuer, audience and RS256, no cache, the user built from the claims, the scopes
 * of `@Authorized(...)` checked against `scope`.
 */
import 'reflect-metadata';
import { createServer } from 'node:http';
import Koa from 'koa';
import { useKoaServer } from 'routing-controllers';
import { SampleApi } from '../../sample/api';
import { joseCheckers } from '../lib/checkers';
import { main, serve, tenantFromEnv } from './serve';

main(async () => {
  const app = new Koa();
  useKoaServer(app, { controllers: [SampleApi], development: false, ...joseCheckers(tenantFromEnv()) });
  await serve(createServer(app.callback()));
});
