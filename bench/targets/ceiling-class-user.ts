/**
 * The ceiling (bench/targets/ceiling.ts) with its fixed user an `Auth0User`, the class the sample's
 * controller declares and the library hands it: what routing-controllers' serialisation of a class
 * instance (class-transformer's class path) costs over a plain object, checks apart.
 */
import 'reflect-metadata';
import { createServer } from 'node:http';
import Koa from 'koa';
import { useKoaServer } from 'routing-controllers';
import { Auth0User } from 'routing-controllers-auth0';
import { SampleApi } from '../../sample/api';
import { noopCheckers } from '../lib/checkers';
import { main, serve } from './serve';

main(async () => {
  const app = new Koa();
  useKoaServer(app, { controllers: [SampleApi], development: false, ...noopCheckers(Auth0User) });
  await serve(createServer(app.callback()));
});
