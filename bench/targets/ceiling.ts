/**
 * The framework's ceiling: the sample's own controller (sample/api.ts: /public, /secure,
 * /secure/blabla) on routing-controllers and Koa, mounted as the sample mounts it, with checkers
 * that verify nothing (bench/lib/checkers.ts): what any check through `@Authorized` and
 * `@CurrentUser` can at best reach.
 */
import 'reflect-metadata';
import { createServer } from 'node:http';
import Koa from 'koa';
import { useKoaServer } from 'routing-controllers';
import { SampleApi } from '../../sample/api';
import { noopCheckers } from '../lib/checkers';
import { main, serve } from './serve';

main(async () => {
  const app = new Koa();
  useKoaServer(app, { controllers: [SampleApi], development: false, ...noopCheckers() });
  await serve(createServer(app.callback()));
});
