/**
 * A whole app alone in a process of its own, for bench/micro.ts: requests injected in-process
 * (bench/lib/inject.ts) on demand of the parent, so that apps compared this way share no JIT state,
 * heap or inline caches, as HTTP targets do not (in one process, the framework's code the apps
 * share is compiled for all of them at once).
 *
 * Run by bench/micro.ts through `fork`, with MICRO_APP (sample, ceiling or ceiling-class-user),
 * MICRO_TOKEN, MICRO_CONCURRENCY and the tenant (BENCH_ISSUER, BENCH_JWKS_URI, BENCH_AUDIENCE).
 * Each `{ count }` message is answered with `{ wallNs, cpuNs }` per request over `count` requests
 * to `/secure`.
 */
import 'reflect-metadata';
import type { RequestListener } from 'node:http';
import Koa from 'koa';
import { useKoaServer } from 'routing-controllers';
import { Auth0User } from 'routing-controllers-auth0';
import { SampleApi } from '../../sample/api';
import { createSampleApp, createSampleAuth, settingsFromEnv } from '../../sample/app';
import { tenantFromEnv } from '../targets/serve';
import { type Checkers, noopCheckers } from './checkers';
import { cpuPerRequest, inject } from './inject';

/** The apps an app process can run. */
export const APP_NAMES = ['sample', 'ceiling', 'ceiling-class-user'] as const;
export type AppName = (typeof APP_NAMES)[number];

/** The sample's controller on routing-controllers and Koa with the given checkers. */
export function koaApp(checkers: Checkers): RequestListener {
  const app = new Koa();
  useKoaServer(app, { controllers: [SampleApi], development: false, ...checkers });
  return app.callback();
}

function build(name: AppName): RequestListener {
  const tenant = tenantFromEnv();
  switch (name) {
    case 'sample': {
      const settings = settingsFromEnv({ ...process.env, AUTH0_DOMAIN: tenant.issuer, AUTH0_API_AUDIENCE: tenant.audience });
      return createSampleApp(createSampleAuth(settings)).callback();
    }
    case 'ceiling':
      return koaApp(noopCheckers());
    case 'ceiling-class-user':
      return koaApp(noopCheckers(Auth0User));
  }
}

async function serveParent(): Promise<void> {
  const name = process.env.MICRO_APP as AppName;
  if (!APP_NAMES.includes(name)) throw new Error(`MICRO_APP must be one of ${APP_NAMES.join(', ')}`);
  const token = process.env.MICRO_TOKEN;
  const concurrency = Number(process.env.MICRO_CONCURRENCY ?? 50);
  const app = build(name);
  // Warm-up: the key set fetched, the token remembered, the path optimised.
  await cpuPerRequest(20_000, concurrency, () => inject(app, '/secure', token));
  process.on('message', (message: { count?: number }) => {
    if (typeof message?.count !== 'number') return;
    cpuPerRequest(message.count, concurrency, () => inject(app, '/secure', token)).then(
      (figure) => process.send?.(figure),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
  process.once('disconnect', () => process.exit(0));
  process.send?.('ready');
}

if (require.main === module) {
  serveParent().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
}
