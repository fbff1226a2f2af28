import 'reflect-metadata';
import cors from '@koa/cors';
import Koa from 'koa';
import { useKoaServer } from 'routing-controllers';
import { Auth0, type Auth0Options, type ReplayStore } from 'routing-controllers-auth0';
import { docsCallbackUrl, useKoaDocs } from 'routing-controllers-auth0/openapi';
import type { Registry } from 'prom-client';
import { SampleApi } from './api';
import { loopbackHostsOnly } from './loopback';
import { mcpMiddleware } from './mcp';
import { metricsMiddleware } from './observability';
import { OrganizationApi } from './organizations';

/** The sample's settings, from the environment. */
export interface SampleSettings {
  port: number;
  host: string | undefined;
  domain: string;
  audience: string;
  clientId: string | undefined;
  emailClaim: string | undefined;
  /** The signing secret of an API set to HS256 (needs `algorithms`, e.g. `['HS256']`). */
  secret?: string;
  /** The accepted signing algorithms (default RS256). */
  algorithms?: string[];
  /** A Redis shared by every replica for DPoP replay protection (`REDIS_URL`). */
  redisUrl?: string;
  /** Origins of browser apps allowed to call the API across origins (`CORS_ORIGINS`, comma-separated). */
  corsOrigins?: string[];
  /** The Auth0 Organization the docs page signs in to (`AUTH0_ORGANIZATION`: an id, or a name). */
  organization?: string;
}

/**
 * Reads `PORT`, `HOST`, `AUTH0_DOMAIN`, `AUTH0_API_AUDIENCE`, `AUTH0_CLIENT_ID`, `AUTH0_EMAIL_CLAIM`,
 * for an API set to HS256 `AUTH0_SIGNING_SECRET` with `AUTH0_TOKEN_SIGNING_ALG=HS256`, and
 * `REDIS_URL` for a replay store shared by several replicas, `CORS_ORIGINS` for browser apps on
 * other origins, and `AUTH0_ORGANIZATION` for the organization the docs page signs in to.
 */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): SampleSettings {
  const corsOrigins = (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim().replace(/\/+$/, ''))
    .filter((origin) => origin !== '');
  const algorithms = (env.AUTH0_TOKEN_SIGNING_ALG ?? '')
    .split(',')
    .map((alg) => alg.trim())
    .filter((alg) => alg !== '');
  return {
    port: Number(env.PORT ?? 3000),
    host: env.HOST || undefined,
    domain: env.AUTH0_DOMAIN ?? '',
    audience: env.AUTH0_API_AUDIENCE ?? '',
    clientId: env.AUTH0_CLIENT_ID || undefined,
    emailClaim: env.AUTH0_EMAIL_CLAIM || undefined,
    ...(env.AUTH0_SIGNING_SECRET ? { secret: env.AUTH0_SIGNING_SECRET } : {}),
    ...(algorithms.length > 0 ? { algorithms } : {}),
    ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
    ...(corsOrigins.length > 0 ? { corsOrigins } : {}),
    ...(env.AUTH0_ORGANIZATION ? { organization: env.AUTH0_ORGANIZATION.trim() } : {}),
  };
}

/** Where the sample serves its Swagger UI. */
export const SAMPLE_DOCS_PATH = '/docs';

/** How the sample app answers beyond its routes. */
export interface SampleAppOptions {
  /**
   * Answer only requests whose `Host` is a loopback name (`localhost`, `127.0.0.1`, `[::1]`), 421
   * Misdirected Request to any other (DNS rebinding). `npm start` turns it on with the local
   * tenant. Default false: a deployed API answers the names it is deployed under.
   */
  loopbackHostsOnly?: boolean;
  /** The Auth0 Organization the docs page signs in to (`AUTH0_ORGANIZATION`). */
  organization?: string;
  /** The {@link Auth0} of the MCP endpoint at `/mcp` (see mcp.ts); without it, no MCP endpoint. */
  mcp?: Auth0;
}

/**
 * Builds the sample Koa app around an {@link Auth0}: the API, its OpenAPI document at
 * `/openapi.json`, Swagger UI with the Auth0 sign-in at `/docs`, with a registry the metrics at
 * `/metrics` (to this machine only: see `metricsMiddleware`), and CORS for the listed origins (a
 * preflight allows `Authorization` and `DPoP`; answers expose `WWW-Authenticate`, `DPoP-Nonce` and
 * `Retry-After`, which a browser app needs to read); the docs page signs in to `options.organization`
 * when one is given.
 */
export function createSampleApp(auth: Auth0, metrics?: Registry, corsOrigins: readonly string[] = [], options: SampleAppOptions = {}): Koa {
  const app = new Koa();
  // First, so that a misdirected request reaches nothing else (not even a CORS preflight).
  if (options.loopbackHostsOnly === true) app.use(loopbackHostsOnly());
  if (corsOrigins.length > 0) {
    const allowed = new Set(corsOrigins);
    app.use(
      cors({
        // An origin that is not listed gets no CORS headers at all (the browser then refuses).
        origin: (ctx) => {
          const origin = ctx.get('Origin');
          return allowed.has(origin) ? origin : '';
        },
        allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
        allowHeaders: ['Authorization', 'DPoP', 'Content-Type'],
        exposeHeaders: ['WWW-Authenticate', 'DPoP-Nonce', 'Retry-After'],
        maxAge: 600,
      }),
    );
  }
  if (metrics !== undefined) app.use(metricsMiddleware(metrics));
  if (options.mcp !== undefined) app.use(mcpMiddleware(options.mcp));
  const routing = {
    controllers: [SampleApi, OrganizationApi],
    development: false,
    authorizationChecker: auth.authorizationChecker,
    currentUserChecker: auth.currentUserChecker,
  };
  useKoaDocs(app, auth, {
    docsPath: SAMPLE_DOCS_PATH,
    ...(options.organization === undefined ? {} : { organization: options.organization }),
    spec: {
      info: {
        title: 'routing-controllers-auth0 sample',
        version: '1.0.0',
        description: "fastapi-auth0's example API on routing-controllers and Koa.",
      },
      routing,
    },
  });
  useKoaServer(app, routing);
  return app;
}

/**
 * The docs redirect page of the sample running at `baseUrl` (e.g. `http://localhost:3000`): add it to
 * the Auth0 application's "Allowed Callback URLs".
 */
export function sampleCallbackUrl(baseUrl: string): string {
  return docsCallbackUrl(baseUrl, { docsPath: SAMPLE_DOCS_PATH });
}

/** The sample's docs page at `baseUrl`. */
export function sampleDocsUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${SAMPLE_DOCS_PATH}/`;
}

/** What the sample adds to the settings: the event hook and a shared replay store. */
export interface SampleExtras {
  onEvent?: Auth0Options['onEvent'];
  replayStore?: ReplayStore;
}

/** Builds the {@link Auth0} from the settings (throws a clear error when one is missing). */
export function createSampleAuth(settings: SampleSettings, extras: SampleExtras = {}): Auth0 {
  return new Auth0({
    ...(extras.onEvent === undefined ? {} : { onEvent: extras.onEvent }),
    ...(extras.replayStore === undefined ? {} : { dpop: { replayStore: extras.replayStore } }),
    domain: settings.domain,
    audience: settings.audience,
    clientId: settings.clientId,
    emailClaim: settings.emailClaim,
    scopes: { 'read:blabla': 'Read the BlaBla resource' },
    ...(settings.secret === undefined ? {} : { secret: settings.secret }),
    ...(settings.algorithms === undefined ? {} : { algorithms: settings.algorithms }),
  });
}
