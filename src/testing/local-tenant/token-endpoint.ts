/**
 * The token endpoint as Auth0's clients meet it, in front of and behind oidc-provider's:
 *
 * - JSON bodies: Auth0 accepts `application/json` at `/oauth/token` and `/oauth/revoke` as well as
 *   form bodies (auth0-spa-js with `useFormData: false`, the dashboard's curl, `auth0`'s
 *   `revokeRefreshToken`); oidc-provider reads form bodies only, so a JSON body is turned into the
 *   same form body before it does.
 * - `resource` (RFC 8707) names the API as `audience` does; a request with both keeps `audience`
 *   (Auth0's Resource Parameter Compatibility Profile).
 * - `offline_access` in a token request's `scope` goes to oidc-provider under the name it has there
 *   (see `OFFLINE_SCOPE`), and comes back as `offline_access` in the answer.
 * - Auth0's error codes where clients read them: a wrong client secret (or an unknown client) is
 *   401 `access_denied` "Unauthorized", a grant type the application may not use is 403
 *   `unauthorized_client` "Grant type '…' not allowed for the client.", a refresh token refused
 *   (unknown, revoked, reused) is 403 `invalid_grant`.
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { toAuth0Scope, toProviderScope } from './directory';
import type { ProviderContext } from './oidc-provider';

/** The paths that take JSON bodies. */
const JSON_PATHS = new Set(['/oauth/token', '/oauth/revoke']);
/** oidc-provider's own body size limit. */
const MAX_BODY_BYTES = 56 * 1024;

function oauthAnswer(ctx: ProviderContext, status: number, error: string, description: string): void {
  ctx.status = status;
  ctx.set('cache-control', 'no-store');
  ctx.body = { error, error_description: description };
}

/** A request's body, or `undefined` (reading stopped) once it grows past `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A JSON object of scalar values as form parameters; `undefined` for anything else. */
function formOf(json: unknown): URLSearchParams | undefined {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') form.append(name, String(value));
    else return undefined;
  }
  return form;
}

/** The request's body as form parameters (JSON converted), or the reason it cannot be. */
async function readParameters(ctx: ProviderContext): Promise<URLSearchParams | { status: number; description: string }> {
  const raw = await readBody(ctx.req, MAX_BODY_BYTES);
  if (raw === undefined) return { status: 413, description: 'request entity too large' };
  const text = raw.toString('utf8');
  if (!ctx.is('application/json')) return new URLSearchParams(text);
  let form: URLSearchParams | undefined;
  try {
    form = formOf(JSON.parse(text));
  } catch {
    form = undefined;
  }
  return form ?? { status: 400, description: 'the JSON body must be an object of strings, numbers and booleans' };
}

/**
 * Replaces the request's body stream by `bytes` of `contentType` (a body read before oidc-provider
 * reads it), and its headers to say so.
 */
export function replaceRequestBody(ctx: ProviderContext, bytes: Buffer, contentType: string): void {
  const original = ctx.req;
  const replacement = Object.assign(Readable.from([bytes]), {
    headers: { ...original.headers, 'content-type': contentType, 'content-length': String(bytes.length) },
    rawHeaders: original.rawHeaders,
    method: original.method,
    url: original.url,
    httpVersion: original.httpVersion,
    httpVersionMajor: original.httpVersionMajor,
    httpVersionMinor: original.httpVersionMinor,
    socket: original.socket,
    connection: original.socket,
    complete: true,
  }) as unknown as IncomingMessage;
  ctx.req = replacement;
  ctx.request.req = replacement;
}

/** Replaces the request's body stream by a form body, and its headers to say so. */
function replaceBody(ctx: ProviderContext, form: URLSearchParams): void {
  replaceRequestBody(ctx, Buffer.from(form.toString(), 'utf8'), 'application/x-www-form-urlencoded');
}

/**
 * Prepares a request to `/oauth/token` or `/oauth/revoke` for oidc-provider: a JSON body becomes the
 * form body it reads, and `offline_access` in `scope` takes its provider-side name (the request's
 * stream is replaced by one of the new form, its headers say so). A body that is not a JSON object
 * of strings, numbers and booleans is answered 400 `invalid_request` here. Resolves with whether
 * the request may go on.
 *
 * @example
 * ```ts
 * if (!(await normaliseTokenRequest(ctx))) return;
 * await next();
 * ```
 */
export async function normaliseTokenRequest(ctx: ProviderContext): Promise<boolean> {
  if (ctx.method !== 'POST' || !JSON_PATHS.has(ctx.path)) return true;
  const json = ctx.is('application/json') === 'application/json';
  const form = ctx.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
  // Anything else is oidc-provider's to refuse; a form body is read only at the token endpoint.
  if (!json && !(form && ctx.path === '/oauth/token')) return true;
  const parameters = await readParameters(ctx);
  if (!(parameters instanceof URLSearchParams)) {
    oauthAnswer(ctx, parameters.status, 'invalid_request', parameters.description);
    return false;
  }
  const scope = parameters.get('scope');
  if (scope !== null) parameters.set('scope', toProviderScope(scope));
  // Auth0's Resource Parameter Compatibility Profile: with both, `audience` names the API.
  if ((parameters.get('audience') ?? '') !== '') parameters.delete('resource');
  replaceBody(ctx, parameters);
  return true;
}

/** oidc-provider's description of a grant type the client is not registered for. */
const GRANT_TYPE_NOT_ALLOWED = 'requested grant type is not allowed for this client';

/**
 * Rewrites oidc-provider's token endpoint answer into Auth0's, after it answered: `scope` shows
 * `offline_access`; a refused refresh token is 403 `invalid_grant` "Unknown or invalid refresh
 * token."; `invalid_client` becomes 401 `access_denied` "Unauthorized"; a grant type the
 * application may not use becomes 403 `unauthorized_client`.
 *
 * @example
 * ```ts
 * await next();
 * auth0TokenAnswer(ctx);
 * ```
 */
export function auth0TokenAnswer(ctx: ProviderContext): void {
  if (ctx.method !== 'POST' || ctx.path !== '/oauth/token' || ctx.body === null || typeof ctx.body !== 'object') return;
  const body = ctx.body as { error?: unknown; error_description?: unknown; scope?: unknown };
  if (typeof body.scope === 'string') {
    ctx.body = { ...body, scope: toAuth0Scope(body.scope) };
  } else if (body.error === 'invalid_grant' && ctx.oidc.params.grant_type === 'refresh_token') {
    // Unknown, expired, revoked or reused (which revoked its whole family): Auth0 says no more.
    oauthAnswer(ctx, 403, 'invalid_grant', 'Unknown or invalid refresh token.');
  } else if (body.error === 'invalid_client') {
    oauthAnswer(ctx, 401, 'access_denied', 'Unauthorized');
  } else if (body.error === 'invalid_request' && body.error_description === GRANT_TYPE_NOT_ALLOWED) {
    // oidc-provider had read the request's parameters when it refused the grant type.
    const grantType = ctx.oidc.params.grant_type ?? '';
    oauthAnswer(ctx, 403, 'unauthorized_client', `Grant type '${grantType}' not allowed for the client.`);
  }
}
