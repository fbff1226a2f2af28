/**
 * Mounts {@link Auth0Docs} on an Express app. Express is not imported: the handler is a plain
 * `(req, res, next)` function.
 */
import { Auth0Docs, type Auth0DocsOptions } from './docs';
import { isSpecOptions } from './docs/options';
import { requirePeers } from './optional-peer';
import type { HasAuth0Config } from './tenant';

/** The parts of Express's request the handler uses. */
export interface ExpressDocsRequest {
  /** The HTTP method. */
  method: string;
  /** The path, without the query string. */
  path: string;
  /** The URL as received, before a mount point was stripped. */
  originalUrl?: string;
  /** The URL, with the query string. */
  url: string;
  /** `http` or `https` (Express reads `X-Forwarded-Proto` when `trust proxy` is set). */
  protocol: string;
  /** A request header, e.g. `host`. */
  get(name: string): string | undefined;
}

/** The parts of Express's response the handler uses. */
export interface ExpressDocsResponse {
  /** Sets the status code. */
  status(code: number): unknown;
  /** Sets response headers. */
  set(field: Record<string, string>): unknown;
  /** Sends the body and ends the response. */
  send(body: string | Buffer): unknown;
}

/** An Express handler that serves the docs. */
export type ExpressDocsHandler = (req: ExpressDocsRequest, res: ExpressDocsResponse, next: (error?: unknown) => void) => void;

/**
 * The Express handler of an {@link Auth0Docs}: answers the docs' paths, passes anything else on.
 *
 * @example
 * ```ts
 * app.use(expressDocs(new Auth0Docs(auth, { spec: { routing } })));
 * ```
 */
export function expressDocs(docs: Auth0Docs): ExpressDocsHandler {
  return function auth0Docs(req, res, next) {
    if (!docs.serves(req.method, req.path)) {
      next();
      return;
    }
    const url = req.originalUrl ?? req.url;
    const query = url.indexOf('?');
    const answer = docs.handle({
      method: req.method,
      path: req.path,
      search: query === -1 ? '' : url.slice(query),
      origin: `${req.protocol}://${req.get('host') ?? 'localhost'}`,
    });
    if (answer === undefined) {
      next();
      return;
    }
    res.status(answer.status);
    res.set(answer.headers);
    res.send(answer.body);
  };
}

/**
 * Serves Swagger UI with the Auth0 sign-in and the OpenAPI document on an Express app (default
 * paths `/docs` and `/openapi.json`). Returns the {@link Auth0Docs}.
 *
 * @example
 * ```ts
 * const app = express();
 * useExpressDocs(app, auth, { spec: { info: { title: 'My API', version: '1.0.0' }, routing } });
 * useExpressServer(app, routing);
 * ```
 */
export function useExpressDocs(
  app: {
    /** Express's `app.use`. */
    use(handler: ExpressDocsHandler): unknown;
  },
  auth: HasAuth0Config,
  options: Auth0DocsOptions = {},
): Auth0Docs {
  // Every package the page and its document need, named at once, now rather than at the first request.
  requirePeers('useExpressDocs', [
    'swagger-ui-dist',
    ...(isSpecOptions(options.spec) ? ['routing-controllers-openapi', 'class-validator-jsonschema'] : []),
  ]);
  const docs = new Auth0Docs(auth, options);
  app.use(expressDocs(docs));
  return docs;
}
