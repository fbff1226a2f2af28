/**
 * Swagger UI with an Auth0 sign-in, served from swagger-ui-dist (no CDN: it works offline), and
 * the OpenAPI document, as framework-free request handling: `Auth0Docs.handle()` answers a request
 * for one of its paths and leaves every other request alone. `koa.ts` and `express.ts` mount it.
 *
 * Paths, with the defaults:
 * - `/openapi.json`                         the document
 * - `/docs`                                 redirects to `/docs/` (the page uses relative URLs)
 * - `/docs/`                                the page, with a one-click "Log out of Auth0"
 * - `/docs/swagger-initializer.js`          generated: spec URL, redirect URL and `initOAuth`
 * - `/docs/oauth2-redirect` (and `.html`)   the OAuth 2 redirect page (add it to Auth0's "Allowed Callback URLs")
 * - `/docs/logout`                          redirects to Auth0's `/v2/logout`, back to the page
 * - `/docs/swagger-ui.css`, `…-bundle.js`, `oauth2-redirect.js`, favicons: swagger-ui-dist's files
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { OpenAPIObject } from 'openapi3-ts';
import { auth0LogoutUrl } from './logout-url';
import { auth0Spec, type Auth0SpecOptions } from './spec';
import { clientIdOf, type HasAuth0Config } from './tenant';

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
  /** The client id the page signs in with. Default: the Auth0 object's `clientId`, else `AUTH0_CLIENT_ID`. */
  clientId?: string;
  /** Scopes pre-selected in the Authorize dialog. Default: every scope of the Auth0 object. */
  scopes?: string[];
  /** The audience sent to `/authorize` and `/oauth/token`. Default: the Auth0 object's first audience. */
  audience?: string;
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

/** A request as the handler sees it. */
export interface DocsRequest {
  method: string;
  /** The path, without the query. */
  path: string;
  /** The query, with its leading `?` (or empty). */
  search?: string;
  /** `protocol://host` of the request, for the default logout `returnTo`. */
  origin?: string;
}

/** An answer of the handler. */
export interface DocsResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

const DIST_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));

/** swagger-ui-dist files the page uses, and their types; nothing else of the folder is served. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui.css.map': 'application/json; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-bundle.js.map': 'application/json; charset=utf-8',
  'oauth2-redirect.js': 'text/javascript; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

const PAGE_CSS = `.auth0-docs-bar { display: flex; justify-content: flex-end; gap: 1em; align-items: center;
  max-width: 1460px; margin: 0 auto; padding: 10px 20px 0; font-family: sans-serif; font-size: 14px; }
.auth0-docs-bar a { color: #3b4151; border: 1px solid #3b4151; border-radius: 4px; padding: 5px 12px; text-decoration: none; }
.auth0-docs-bar a:hover { background: #3b4151; color: #fff; }
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is also safe inside any script context. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value, null, 2)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function checkedPath(name: string, value: string): string {
  if (!/^\/[^?#\s]*$/.test(value) || value.length < 2 || value.endsWith('/')) {
    throw new TypeError(`routing-controllers-auth0: \`${name}\` must be a path such as "/docs" (leading slash, no trailing slash)`);
  }
  return value;
}

function isSpecOptions(spec: Auth0DocsOptions['spec']): spec is Auth0SpecOptions | undefined {
  return spec === undefined || (typeof spec === 'object' && !('openapi' in spec));
}

const INITIALIZER = `window.addEventListener('load', function () {
  var config = __CONFIG__;

  // The audience is in the schemes' authorization URLs (for any Swagger UI) and in the sign-in's
  // extra query parameters (so that every flow sends it): keep one of each query parameter.
  function singleParams(href) {
    try {
      var url = new URL(href);
      var seen = {};
      var kept = new URLSearchParams();
      url.searchParams.forEach(function (value, name) {
        if (!seen[name]) { seen[name] = true; kept.append(name, value); }
      });
      url.search = kept.toString();
      return url.href;
    } catch (e) {
      return href;
    }
  }
  // Auth0 reads the audience of the password and client credentials grants from the form body;
  // Swagger UI puts its extra parameters into the token URL's query only.
  function withAudience(data) {
    var body = typeof data.body === 'string' ? data.body : '';
    var form = new URLSearchParams(body);
    var grant = form.get('grant_type');
    if (!config.audience || form.has('audience') || (grant !== 'password' && grant !== 'client_credentials')) return data;
    form.set('audience', config.audience);
    return Object.assign({}, data, { body: form.toString() });
  }
  function Auth0SignIn() {
    return {
      statePlugins: {
        auth: {
          wrapActions: {
            authPopup: function (original) {
              return function (href, redirect) { return original(singleParams(href), redirect); };
            },
            authorizeRequest: function (original) {
              return function (data) { return original(withAudience(data)); };
            }
          }
        }
      }
    };
  }

  var ui = SwaggerUIBundle(Object.assign({
    url: config.specUrl,
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    plugins: [Auth0SignIn],
    layout: 'BaseLayout',
    oauth2RedirectUrl: new URL(config.redirectPath, window.location.href).href,
    validatorUrl: null,
    persistAuthorization: config.persistAuthorization
  }, config.swaggerUiOptions));
  ui.initOAuth(config.oauth);
  window.ui = ui;

  // Forget the token in the page too before the tenant's session is ended.
  var logout = document.getElementById('auth0-logout');
  if (logout) {
    logout.addEventListener('click', function () {
      try {
        var names = Object.keys(ui.authSelectors.authorized().toJS());
        if (names.length > 0) ui.authActions.logout(names);
        window.localStorage.removeItem('authorized');
      } catch (e) { /* the link works without it */ }
    });
  }
});
`;

/**
 * Swagger UI with an Auth0 sign-in (authorization code + PKCE, implicit, …) and the OpenAPI
 * document, as a framework-free handler. Use `useKoaDocs` or `useExpressDocs` to mount it.
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
  private readonly files = new Map<string, Buffer>();
  private document: OpenAPIObject | undefined;
  private specJson: string | undefined;

  constructor(
    private readonly auth: HasAuth0Config,
    private readonly options: Auth0DocsOptions = {},
  ) {
    this.docsPath = checkedPath('docsPath', options.docsPath ?? '/docs');
    this.specPath = checkedPath('specPath', options.specPath ?? '/openapi.json');
    if (this.specPath.startsWith(`${this.docsPath}/`)) {
      throw new TypeError('routing-controllers-auth0: `specPath` must not be inside `docsPath`');
    }
    if (options.logoutReturnTo !== undefined) auth0LogoutUrl(auth, { returnTo: options.logoutReturnTo });
  }

  /** The OpenAPI document (built at the first call). */
  get spec(): OpenAPIObject {
    if (this.document === undefined) {
      const spec = this.options.spec;
      if (typeof spec === 'function') this.document = spec();
      else if (isSpecOptions(spec)) this.document = auth0Spec(this.auth, spec);
      else this.document = spec;
    }
    return this.document;
  }

  /** The redirect page's URL under `baseUrl` (`http://localhost:3000` → `…/docs/oauth2-redirect`): Auth0's "Allowed Callback URLs" needs it. */
  callbackUrl(baseUrl: string): string {
    return `${baseUrl.replace(/\/+$/, '')}${this.docsPath}/oauth2-redirect`;
  }

  /** The page's URL under `baseUrl`: `…/docs/`. */
  pageUrl(baseUrl: string): string {
    return `${baseUrl.replace(/\/+$/, '')}${this.docsPath}/`;
  }

  /** The answer to a request for one of the docs' paths; `undefined` for any other request. */
  handle(request: DocsRequest): DocsResponse | undefined {
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
    const { path } = request;
    if (path === this.specPath) return this.specResponse();
    if (path === this.docsPath) {
      const last = this.docsPath.slice(this.docsPath.lastIndexOf('/') + 1);
      return this.redirect(`${last}/${request.search ?? ''}`);
    }
    if (!path.startsWith(`${this.docsPath}/`)) return undefined;
    const name = path.slice(this.docsPath.length + 1);
    switch (name) {
      case '':
      case 'index.html':
        return this.text(200, 'text/html; charset=utf-8', this.page(), true);
      case 'swagger-initializer.js':
        return this.text(200, 'text/javascript; charset=utf-8', this.initializer(), false);
      case 'auth0-docs.css':
        return this.text(200, 'text/css; charset=utf-8', PAGE_CSS, false);
      case 'oauth2-redirect':
      case 'oauth2-redirect.html': {
        const answer = this.text(200, 'text/html; charset=utf-8', this.file('oauth2-redirect.html'), true);
        // The URL carries the code or the token: keep it out of caches and Referer headers.
        answer.headers['Cache-Control'] = 'no-store';
        return answer;
      }
      case 'logout':
        return this.redirect(this.logoutUrl(request));
      default: {
        const type = ASSETS[name];
        if (type === undefined) return undefined;
        return {
          status: 200,
          headers: { 'Content-Type': type, 'Cache-Control': 'public, max-age=86400', 'X-Content-Type-Options': 'nosniff' },
          body: this.file(name),
        };
      }
    }
  }

  /** Auth0's logout URL that returns to this page. */
  logoutUrl(request: Pick<DocsRequest, 'origin'> = {}): string {
    let returnTo = this.options.logoutReturnTo;
    if (returnTo === undefined && request.origin !== undefined) {
      // The origin comes from the request's Host header: a value that makes no URL is left out
      // (the tenant then shows its own page) rather than failing the request.
      try {
        returnTo = new URL(this.pageUrl(request.origin)).href;
      } catch {
        returnTo = undefined;
      }
    }
    return auth0LogoutUrl(this.auth, { returnTo, clientId: this.options.clientId });
  }

  private file(name: string): Buffer {
    let content = this.files.get(name);
    if (content === undefined) {
      content = readFileSync(join(DIST_DIR, name));
      this.files.set(name, content);
    }
    return content;
  }

  private specResponse(): DocsResponse {
    this.specJson ??= JSON.stringify(this.spec);
    return {
      status: 200,
      headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' },
      body: this.specJson,
    };
  }

  private redirect(location: string): DocsResponse {
    return {
      status: 302,
      headers: { Location: location, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' },
      body: `Redirecting to ${location}`,
    };
  }

  private text(status: number, type: string, body: string | Buffer, page: boolean): DocsResponse {
    const headers: Record<string, string> = {
      'Content-Type': type,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    };
    if (page) {
      headers['Referrer-Policy'] = 'no-referrer';
      headers['X-Frame-Options'] = 'SAMEORIGIN';
      const csp = this.contentSecurityPolicy();
      if (csp !== undefined) headers['Content-Security-Policy'] = csp;
    }
    return { status, headers, body };
  }

  private contentSecurityPolicy(): string | undefined {
    const option = this.options.contentSecurityPolicy ?? true;
    if (option === false) return undefined;
    if (typeof option === 'string') return option;
    const origins = new Set<string>([new URL(this.auth.config.issuer).origin]);
    for (const server of this.spec.servers ?? []) {
      try {
        origins.add(new URL(server.url).origin);
      } catch {
        // a relative server URL is the page's own origin
      }
    }
    const connect = ["'self'", ...origins].join(' ');
    return [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      `connect-src ${connect}`,
      "frame-ancestors 'self'",
      "base-uri 'self'",
      "object-src 'none'",
    ].join('; ');
  }

  private page(): string {
    // biome-ignore lint/suspicious/noUnnecessaryConditions: a finished document given by the caller may lack `info`
    const title = escapeHtml(this.options.title ?? this.spec.info?.title ?? 'API');
    return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>${title}</title>
    <link rel="stylesheet" type="text/css" href="./swagger-ui.css">
    <link rel="stylesheet" type="text/css" href="./index.css">
    <link rel="stylesheet" type="text/css" href="./auth0-docs.css">
    <link rel="icon" type="image/png" href="./favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="./favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <nav class="auth0-docs-bar">
      <a id="auth0-logout" href="./logout" title="Ends the Auth0 session, so that the next Authorize asks for a login">Log out of Auth0</a>
    </nav>
    <div id="swagger-ui"></div>
    <script src="./swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="./swagger-initializer.js" charset="UTF-8"></script>
  </body>
</html>
`;
  }

  private initializer(): string {
    const config = this.auth.config;
    const clientId = clientIdOf(this.auth, this.options.clientId);
    const oauth: Record<string, unknown> = {
      clientId: clientId ?? '',
      scopes: this.options.scopes ?? Object.keys(config.scopes),
      usePkceWithAuthorizationCodeGrant: true,
      additionalQueryStringParams: { audience: this.options.audience ?? config.audience[0] },
    };
    if (this.options.title !== undefined) oauth.appName = this.options.title;
    const settings = {
      specUrl: this.specPath,
      audience: this.options.audience ?? config.audience[0],
      redirectPath: 'oauth2-redirect',
      persistAuthorization: this.options.persistAuthorization ?? false,
      oauth,
      swaggerUiOptions: this.options.swaggerUiOptions ?? {},
    };
    return INITIALIZER.replace('__CONFIG__', () => scriptJson(settings));
  }
}

/**
 * The docs redirect page's URL for a base URL: what to add to the Auth0 application's
 * "Allowed Callback URLs".
 *
 * @example
 * ```ts
 * docsCallbackUrl('http://localhost:3000'); // 'http://localhost:3000/docs/oauth2-redirect'
 * ```
 */
export function docsCallbackUrl(baseUrl: string, options: Pick<Auth0DocsOptions, 'docsPath'> = {}): string {
  const docsPath = checkedPath('docsPath', options.docsPath ?? '/docs');
  return `${baseUrl.replace(/\/+$/, '')}${docsPath}/oauth2-redirect`;
}
