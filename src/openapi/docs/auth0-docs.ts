/**
 * {@link Auth0Docs}: Swagger UI with an Auth0 sign-in and the OpenAPI document, as framework-free
 * request handling: `handle()` answers a request for one of its paths and leaves every other
 * request alone (`koa.ts` and `express.ts` mount it). This file routes; the answers come from:
 *
 * - `/openapi.json`                         the document, built at the first request
 * - `/docs`                                 redirects to `/docs/` (the page uses relative URLs)
 * - `/docs/` (and `index.html`)             the page: `page.ts`
 * - `/docs/swagger-initializer.js`          the browser script `../browser/swagger-initializer.js`, as is: `assets.ts`
 * - `/docs/swagger-initializer.json`        the script's configuration: `initializer-config.ts`
 * - `/docs/oauth2-redirect` (and `.html`)   the OAuth 2 redirect page (add it to Auth0's "Allowed Callback URLs")
 * - `/docs/logout`                          redirects to Auth0's `/v2/logout`, back to the page: `logout.ts`
 * - `/docs/auth0-docs.css`, and swagger-ui-dist's `swagger-ui.css`, `…-bundle.js`, `oauth2-redirect.js`, favicons: `assets.ts`
 */
import type { OpenAPIObject } from 'openapi3-ts';
import { organizationSet } from '../../core/organization';
import { logoutUrlFor } from '../logout-url';
import { auth0Spec } from '../spec';
import { clientIdOf, type HasAuth0Config } from '../tenant';
import { initializerScript, pageCss, swaggerUiAsset, swaggerUiFile } from './assets';
import { ok, redirect, type DocsRequest, type DocsResponse } from './http';
import { initializerConfigJson } from './initializer-config';
import { docsLogoutUrl } from './logout';
import { checkedPath, DEFAULT_DOCS_PATH, DEFAULT_SPEC_PATH, isSpecOptions, type Auth0DocsOptions } from './options';
import { defaultContentSecurityPolicy, docsPageUrl, pageAnswer, pageHtml } from './page';

/**
 * Swagger UI with an Auth0 sign-in (authorization code + PKCE, implicit, client credentials, a
 * pasted token) and the OpenAPI document, as a framework-free handler. Use `useKoaDocs` or `useExpressDocs` to mount it.
 *
 * @example
 * ```ts
 * const docs = new Auth0Docs(auth, { spec: { info: { title: 'My API', version: '1' }, routing } });
 * const answer = docs.handle({ method: 'GET', path: '/docs/', origin: 'http://localhost:3000' });
 * ```
 */
export class Auth0Docs {
  /** Where the page lives, e.g. `/docs`. */
  readonly docsPath: string;
  /** Where the document is served, e.g. `/openapi.json`. */
  readonly specPath: string;
  private readonly clientId: string | undefined;
  private document: OpenAPIObject | undefined;
  private specJson: string | undefined;

  constructor(
    private readonly auth: HasAuth0Config,
    private readonly options: Auth0DocsOptions = {},
  ) {
    this.docsPath = checkedPath('docsPath', options.docsPath ?? DEFAULT_DOCS_PATH);
    this.specPath = checkedPath('specPath', options.specPath ?? DEFAULT_SPEC_PATH);
    if (this.specPath.startsWith(`${this.docsPath}/`)) {
      throw new TypeError('routing-controllers-auth0: `specPath` must not be inside `docsPath`');
    }
    // Chosen once: the environment is configuration read at set-up, and a request must not see it change.
    this.clientId = clientIdOf(auth, options.clientId);
    if (options.logoutReturnTo !== undefined) logoutUrlFor(auth.config.issuer, this.clientId, { returnTo: options.logoutReturnTo });
    if (options.organization !== undefined) {
      // Ids or names: which of them the tenant takes is the tenant's setting, not the page's.
      organizationSet([options.organization], {
        trustNames: true,
        refuse: (message) => {
          throw new TypeError(`routing-controllers-auth0: ${message}`);
        },
        what: 'the docs option `organization`',
        trustHow: '',
      });
    }
  }

  /** The OpenAPI document (built at the first call). */
  get spec(): OpenAPIObject {
    if (this.document === undefined) {
      const spec = this.options.spec;
      if (typeof spec === 'function') this.document = spec();
      else if (isSpecOptions(spec)) this.document = auth0Spec(this.auth, { docsPath: this.docsPath, ...spec });
      else this.document = spec;
    }
    return this.document;
  }

  /** The page's URL under `baseUrl`: `…/docs/`. For the redirect page's URL, see {@link docsCallbackUrl}. */
  pageUrl(baseUrl: string): string {
    return docsPageUrl(baseUrl, this.docsPath);
  }

  /**
   * Whether {@link handle} answers a request of this method for this path: a cheap test that lets
   * the adapters leave every other request alone without building a {@link DocsRequest}.
   */
  serves(method: string, path: string): boolean {
    if (method !== 'GET' && method !== 'HEAD') return false;
    return (
      path === this.specPath ||
      (path.startsWith(this.docsPath) && (path.length === this.docsPath.length || path[this.docsPath.length] === '/'))
    );
  }

  /** The answer to a request for one of the docs' paths; `undefined` for any other request. */
  handle(request: DocsRequest): DocsResponse | undefined {
    if (!this.serves(request.method, request.path)) return undefined;
    const { path } = request;
    if (path === this.specPath) return this.specAnswer();
    if (path === this.docsPath) {
      const last = this.docsPath.slice(this.docsPath.lastIndexOf('/') + 1);
      return redirect(`${last}/${request.search ?? ''}`);
    }
    // serves() leaves only `${docsPath}/…` here.
    const name = path.slice(this.docsPath.length + 1);
    switch (name) {
      case '':
      case 'index.html':
        return pageAnswer(pageHtml(this.title()), this.contentSecurityPolicy());
      case 'swagger-initializer.js':
        return initializerScript();
      case 'swagger-initializer.json':
        return ok('application/json; charset=utf-8', initializerConfigJson(this.auth, this.options, this.specPath, this.clientId));
      case 'auth0-docs.css':
        return pageCss();
      case 'oauth2-redirect':
      case 'oauth2-redirect.html': {
        const answer = pageAnswer(swaggerUiFile('oauth2-redirect.html'), this.contentSecurityPolicy());
        // The URL carries the code or the token: keep it out of caches and Referer headers.
        answer.headers['Cache-Control'] = 'no-store';
        return answer;
      }
      case 'logout':
        return redirect(this.logoutUrl(request));
      default:
        return swaggerUiAsset(name);
    }
  }

  /** Auth0's logout URL that returns to this page (at the request's origin, or `logoutReturnTo`). */
  logoutUrl(request: Pick<DocsRequest, 'origin'> = {}): string {
    const { logoutReturnTo } = this.options;
    return docsLogoutUrl(this.auth, { clientId: this.clientId, logoutReturnTo }, this.docsPath, request.origin);
  }

  private specAnswer(): DocsResponse {
    this.specJson ??= JSON.stringify(this.spec);
    return ok('application/json; charset=utf-8', this.specJson);
  }

  private title(): string {
    // biome-ignore lint/suspicious/noUnnecessaryConditions: a finished document given by the caller may lack `info`
    return this.options.title ?? this.spec.info?.title ?? 'API';
  }

  private contentSecurityPolicy(): string | undefined {
    const option = this.options.contentSecurityPolicy ?? true;
    if (option === false) return undefined;
    if (typeof option === 'string') return option;
    return defaultContentSecurityPolicy(this.auth.config.issuer, this.spec.servers);
  }
}

/**
 * The docs redirect page's URL for a base URL: what to add to the Auth0 application's
 * "Allowed Callback URLs".
 *
 * @example
 * ```ts
 * docsCallbackUrl('http://localhost:3000'); // 'http://localhost:3000/docs/oauth2-redirect'
 * docsCallbackUrl('https://api.example.com', { docsPath: '/api/docs' }); // 'https://api.example.com/api/docs/oauth2-redirect'
 * ```
 */
export function docsCallbackUrl(baseUrl: string, options: Pick<Auth0DocsOptions, 'docsPath'> = {}): string {
  const docsPath = checkedPath('docsPath', options.docsPath ?? DEFAULT_DOCS_PATH);
  return `${docsPageUrl(baseUrl, docsPath)}oauth2-redirect`;
}
