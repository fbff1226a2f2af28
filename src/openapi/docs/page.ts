/**
 * The docs page: its URL, its HTML (the title, the stylesheets, the "Log out of Auth0" link,
 * Swagger UI's bundle and the initializer script, all by relative URL) and the headers of the
 * pages (this one and the OAuth 2 redirect page): the Content-Security-Policy, no Referer, no
 * framing by other sites.
 */
import type { ServerObject } from 'openapi3-ts';
import { ok, type DocsResponse } from './http';

/**
 * The page's URL under `baseUrl`: `{baseUrl}{docsPath}/`.
 *
 * @example
 * ```ts
 * docsPageUrl('http://localhost:3000/', '/docs'); // 'http://localhost:3000/docs/'
 * ```
 */
export function docsPageUrl(baseUrl: string, docsPath: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${docsPath}/`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The page's HTML; `title` is escaped.
 *
 * @example
 * ```ts
 * pageHtml('My API'); // '<!DOCTYPE html>…<title>My API</title>…'
 * ```
 */
export function pageHtml(title: string): string {
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>${escapeHtml(title)}</title>
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

/**
 * The pages' default `Content-Security-Policy` (the `contentSecurityPolicy` option's `true`):
 * scripts from the page's origin only, and network calls to it, to the tenant and to the
 * document's servers.
 *
 * @example
 * ```ts
 * defaultContentSecurityPolicy('https://tenant.auth0.com/', [{ url: 'https://api.example.com/v1' }]);
 * // "default-src 'self'; script-src 'self'; … connect-src 'self' https://tenant.auth0.com https://api.example.com; …"
 * ```
 */
export function defaultContentSecurityPolicy(issuer: string, servers: ServerObject[] = []): string {
  const origins = new Set<string>([new URL(issuer).origin]);
  for (const server of servers) {
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

/**
 * An HTML page's answer (the docs page, the OAuth 2 redirect page): no Referer, framed by the
 * same origin only, and the `Content-Security-Policy` when there is one.
 *
 * @example
 * ```ts
 * pageAnswer(pageHtml('My API'), defaultContentSecurityPolicy(auth.config.issuer));
 * ```
 */
export function pageAnswer(html: string | Buffer, csp: string | undefined): DocsResponse {
  const headers: Record<string, string> = { 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'SAMEORIGIN' };
  if (csp !== undefined) headers['Content-Security-Policy'] = csp;
  return ok('text/html; charset=utf-8', html, headers);
}
