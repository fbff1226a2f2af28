/**
 * The options of the docs ({@link Auth0Docs}, `useKoaDocs`, `useExpressDocs`), their defaults,
 * and the check of the two paths among them.
 */
import type { OpenAPIObject } from 'openapi3-ts';
import type { Auth0SpecOptions } from '../spec';

/** Options of {@link Auth0Docs} (and of `useKoaDocs` / `useExpressDocs`). */
export interface Auth0DocsOptions {
  /** Where the page lives: a path without a trailing slash. Default `/docs`. */
  docsPath?: string;
  /** Where the OpenAPI document is served. Default `/openapi.json`. */
  specPath?: string;
  /**
   * The document: {@link auth0Spec}'s options (default `{}`), a finished document, or a function
   * that returns one. Built at the first request and kept.
   */
  spec?: Auth0SpecOptions | OpenAPIObject | (() => OpenAPIObject);
  /**
   * The client id the page signs in with. Default: the Auth0 object's `clientId`, else
   * `AUTH0_CLIENT_ID` as it is when the docs are set up.
   */
  clientId?: string;
  /** Scopes pre-selected in the Authorize dialog. Default: every scope of the Auth0 object. */
  scopes?: string[];
  /** The audience sent to `/authorize` and `/oauth/token`. Default: the Auth0 object's first audience. */
  audience?: string;
  /**
   * The Auth0 Organization "Authorize" signs in to: its id (`org_…`) or, on a tenant that allows
   * names in the Authentication API, its name, sent as `organization` to `/authorize` (the
   * authorization code and implicit sign-ins). `?organization=…` in the page's address overrides
   * it for that visit. Default: the Auth0 object's `organization` when it names exactly one, else
   * none (a sign-in to no organization).
   */
  organization?: string;
  /** The page's title. Default: the document's `info.title`. */
  title?: string;
  /**
   * Where Auth0 returns after "Log out of Auth0" (must be among the application's "Allowed Logout
   * URLs"). Default: the page's own URL, from the request's protocol and host.
   */
  logoutReturnTo?: string;
  /** Keep the token across page reloads (in the browser's localStorage). Default false. */
  persistAuthorization?: boolean;
  /**
   * The `Content-Security-Policy` of the page: `true` (default) allows scripts from the page's
   * origin only, and network calls to it and to the tenant; a string replaces it; `false` sends none.
   */
  contentSecurityPolicy?: boolean | string;
  /** More Swagger UI options (JSON values only), e.g. `{ docExpansion: 'none' }`. */
  swaggerUiOptions?: Record<string, unknown>;
}

/**
 * The default `docsPath`.
 *
 * @example
 * ```ts
 * new Auth0Docs(auth).docsPath === DEFAULT_DOCS_PATH; // true
 * ```
 */
export const DEFAULT_DOCS_PATH = '/docs';

/**
 * The default `specPath`.
 *
 * @example
 * ```ts
 * new Auth0Docs(auth).specPath === DEFAULT_SPEC_PATH; // true
 * ```
 */
export const DEFAULT_SPEC_PATH = '/openapi.json';

/**
 * `value` if it is a path such as `/docs` (leading slash, no trailing slash, no query); else a
 * `TypeError` that names the option.
 *
 * @example
 * ```ts
 * checkedPath('docsPath', '/api/docs'); // '/api/docs'
 * checkedPath('docsPath', '/docs/'); // throws TypeError
 * ```
 */
export function checkedPath(name: string, value: string): string {
  if (!/^\/[^?#\s]*$/.test(value) || value.length < 2 || value.endsWith('/')) {
    throw new TypeError(`routing-controllers-auth0: \`${name}\` must be a path such as "/docs" (leading slash, no trailing slash)`);
  }
  return value;
}

/**
 * Whether the `spec` option is {@link auth0Spec}'s options (or absent) rather than a document.
 *
 * @example
 * ```ts
 * isSpecOptions({ routing }); // true
 * isSpecOptions({ openapi: '3.0.3', info, paths: {} }); // false
 * ```
 */
export function isSpecOptions(spec: Auth0DocsOptions['spec']): spec is Auth0SpecOptions | undefined {
  return spec === undefined || (typeof spec === 'object' && !('openapi' in spec));
}
