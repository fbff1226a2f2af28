/**
 * Requests and answers of the docs, framework-free (`koa.ts` and `express.ts` translate them), and
 * the headers every answer carries.
 */

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

/**
 * A 200 answer of `type`: revalidated at every use (`no-cache`) and never sniffed; `headers` add to
 * or replace these.
 *
 * @example
 * ```ts
 * ok('application/json; charset=utf-8', '{}');
 * ok('image/png', bytes, { 'Cache-Control': 'public, max-age=86400' });
 * ```
 */
export function ok(type: string, body: string | Buffer, headers: Record<string, string> = {}): DocsResponse {
  return {
    status: 200,
    headers: { 'Content-Type': type, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff', ...headers },
    body,
  };
}

/**
 * A 302 answer to `location`.
 *
 * @example
 * ```ts
 * redirect('docs/'); // { status: 302, headers: { Location: 'docs/', … }, body: 'Redirecting to docs/' }
 * ```
 */
export function redirect(location: string): DocsResponse {
  return {
    status: 302,
    headers: { Location: location, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' },
    body: `Redirecting to ${location}`,
  };
}
