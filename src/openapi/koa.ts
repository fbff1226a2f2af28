/**
 * Mounts {@link Auth0Docs} on a Koa app. Koa is not imported: the middleware is a plain
 * `(ctx, next)` function, so that this file does not tie the library to one Koa version.
 */
import { Auth0Docs, type Auth0DocsOptions } from './docs';
import { isSpecOptions } from './docs/options';
import { requirePeers } from './optional-peer';
import type { HasAuth0Config } from './tenant';

/** The parts of Koa's context the middleware uses. */
export interface KoaDocsContext {
  /** The HTTP method. */
  method: string;
  /** The path, without the query string. */
  path: string;
  /** The query string with its `?`, or `''`. */
  search: string;
  /** `http` or `https` (Koa reads `X-Forwarded-Proto` when `app.proxy` is set). */
  protocol: string;
  /** The `Host` header (with the port). */
  host: string;
  /** The response status. */
  status: number;
  /** The response body. */
  body: unknown;
  /** Sets response headers. */
  set(field: Record<string, string>): void;
}

/** A Koa middleware that serves the docs. */
export type KoaDocsMiddleware = (ctx: KoaDocsContext, next: () => Promise<unknown>) => Promise<unknown>;

/**
 * The Koa middleware of an {@link Auth0Docs}: answers the docs' paths, passes anything else on.
 *
 * @example
 * ```ts
 * app.use(koaDocs(new Auth0Docs(auth, { spec: { routing } })));
 * ```
 */
export function koaDocs(docs: Auth0Docs): KoaDocsMiddleware {
  // Not an async function: a request for another path goes on at the cost of one test.
  return function auth0Docs(ctx, next) {
    const { method, path } = ctx;
    if (!docs.serves(method, path)) return next();
    // Koa 3's ctx.origin is the Origin header; the page's origin is protocol://host.
    const answer = docs.handle({ method, path, search: ctx.search, origin: `${ctx.protocol}://${ctx.host}` });
    if (answer === undefined) return next();
    ctx.status = answer.status;
    ctx.set(answer.headers);
    ctx.body = answer.body;
    return Promise.resolve();
  };
}

/**
 * Serves Swagger UI with the Auth0 sign-in and the OpenAPI document on a Koa app (default paths
 * `/docs` and `/openapi.json`). Returns the {@link Auth0Docs}, e.g. for its `pageUrl()`; the redirect page to
 * add to Auth0's "Allowed Callback URLs" is `docsCallbackUrl(baseUrl, { docsPath })`.
 *
 * @example
 * ```ts
 * const routing = { controllers: [Api], authorizationChecker: auth.authorizationChecker, currentUserChecker: auth.currentUserChecker };
 * const app = new Koa();
 * useKoaDocs(app, auth, { spec: { info: { title: 'My API', version: '1.0.0' }, routing } });
 * useKoaServer(app, routing);
 * ```
 */
export function useKoaDocs(
  app: {
    /** Koa's `app.use`. */
    use(middleware: KoaDocsMiddleware): unknown;
  },
  auth: HasAuth0Config,
  options: Auth0DocsOptions = {},
): Auth0Docs {
  // Every package the page and its document need, named at once, now rather than at the first request.
  requirePeers('useKoaDocs', [
    'swagger-ui-dist',
    ...(isSpecOptions(options.spec) ? ['routing-controllers-openapi', 'class-validator-jsonschema'] : []),
  ]);
  const docs = new Auth0Docs(auth, options);
  app.use(koaDocs(docs));
  return docs;
}
