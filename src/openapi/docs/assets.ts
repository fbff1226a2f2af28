/**
 * The page's static files, each read once and kept: swagger-ui-dist's files (only those the page
 * uses; no CDN, so the page works offline), the page's own CSS, and the browser script
 * `../browser/swagger-initializer.js`, served byte for byte.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ok, type DocsResponse } from './http';

/** swagger-ui-dist's folder, found when a file of it is first asked for (it is an optional peer). */
let swaggerUiDist: string | undefined;
function swaggerUiFolder(): string {
  swaggerUiDist ??= dirname(require.resolve('swagger-ui-dist/package.json'));
  return swaggerUiDist;
}

/**
 * The initializer script's file, beside this module's folder: `src/openapi/browser/` when the
 * package runs from source, `dist/openapi/browser/` when built (the build copies it there).
 *
 * @example
 * ```ts
 * readFileSync(INITIALIZER_SCRIPT, 'utf8'); // what `/docs/swagger-initializer.js` answers
 * ```
 */
export const INITIALIZER_SCRIPT = join(__dirname, '..', 'browser', 'swagger-initializer.js');

/** swagger-ui-dist files the page uses, and their types; nothing else of the folder is served. */
const SWAGGER_UI_FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui.css.map': 'application/json; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-bundle.js.map': 'application/json; charset=utf-8',
  'oauth2-redirect.js': 'text/javascript; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/**
 * The page's own CSS (`auth0-docs.css`): the bar with the "Log out of Auth0" link.
 *
 * @example
 * ```ts
 * ok('text/css; charset=utf-8', PAGE_CSS);
 * ```
 */
export const PAGE_CSS = `.auth0-docs-bar { display: flex; justify-content: flex-end; gap: 1em; align-items: center;
  max-width: 1460px; margin: 0 auto; padding: 10px 20px 0; font-family: sans-serif; font-size: 14px; }
.auth0-docs-bar a { color: #3b4151; border: 1px solid #3b4151; border-radius: 4px; padding: 5px 12px; text-decoration: none; }
.auth0-docs-bar a:hover { background: #3b4151; color: #fff; }
`;

const files = new Map<string, Buffer>();

function cached(path: string): Buffer {
  let content = files.get(path);
  if (content === undefined) {
    content = readFileSync(path);
    files.set(path, content);
  }
  return content;
}

/**
 * A file of swagger-ui-dist, e.g. `oauth2-redirect.html`, read once and kept.
 *
 * @example
 * ```ts
 * swaggerUiFile('oauth2-redirect.html').toString('utf8');
 * ```
 */
export function swaggerUiFile(name: string): Buffer {
  return cached(join(swaggerUiFolder(), name));
}

/**
 * The answer for the initializer script: the file's bytes, read once and kept.
 *
 * @example
 * ```ts
 * initializerScript().body; // the bytes of browser/swagger-initializer.js
 * ```
 */
export function initializerScript(): DocsResponse {
  return ok('text/javascript; charset=utf-8', cached(INITIALIZER_SCRIPT));
}

/**
 * The answer for the page's CSS.
 *
 * @example
 * ```ts
 * pageCss().headers['Content-Type']; // 'text/css; charset=utf-8'
 * ```
 */
export function pageCss(): DocsResponse {
  return ok('text/css; charset=utf-8', PAGE_CSS);
}

/**
 * The answer for a swagger-ui-dist file the page uses (cached for a day: it changes with the
 * package only); `undefined` for any other name.
 *
 * @example
 * ```ts
 * swaggerUiAsset('swagger-ui-bundle.js')?.headers['Content-Type']; // 'text/javascript; charset=utf-8'
 * swaggerUiAsset('package.json'); // undefined
 * ```
 */
export function swaggerUiAsset(name: string): DocsResponse | undefined {
  const type = Object.hasOwn(SWAGGER_UI_FILES, name) ? SWAGGER_UI_FILES[name] : undefined;
  if (type === undefined) return undefined;
  return ok(type, swaggerUiFile(name), { 'Cache-Control': 'public, max-age=86400' });
}
