/**
 * Bearer token extraction (RFC 6750 §2.1, the Authorization request header field).
 *
 * Only the header is read: a token in the URL (§2.3) ends up in logs and browser history, so a
 * request that carries `access_token` in its query is refused with `invalid_request`, and one that
 * sends a token in more than one place is refused the same way (§3.1).
 */
import { InvalidRequestError, InvalidTokenError } from '../errors';

/** What extraction needs to know of a request, whatever the framework. */
export interface CredentialsSource {
  /** The `Authorization` header (the first one, as Node keeps it). */
  authorization: string | string[] | undefined;
  /** How many `Authorization` headers the request carried (from the raw headers); 1 when unknown. */
  authorizationCount?: number;
  /** Whether the query string carries `access_token`. */
  queryToken?: boolean;
}

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Returns the bearer token of a request, or `undefined` when the request carries no credentials.
 *
 * Another scheme (Basic, Digest…) counts as no Bearer credentials. Throws {@link InvalidRequestError}
 * for a malformed or ambiguous request and {@link InvalidTokenError} for an oversized token.
 *
 * @example
 * ```ts
 * const token = extractBearerToken({ authorization: req.headers.authorization });
 * ```
 */
export function extractBearerToken(source: CredentialsSource, maxTokenLength = 8192): string | undefined {
  let header = source.authorization;
  if (Array.isArray(header) || (source.authorizationCount ?? 1) > 1) {
    throw new InvalidRequestError('Send exactly one Authorization header');
  }
  if (header === undefined || header === '') {
    if (source.queryToken) {
      throw new InvalidRequestError('Send the access token in the Authorization header, not in the URL');
    }
    return undefined;
  }
  if (source.queryToken) {
    throw new InvalidRequestError('Send the access token in one place only (the Authorization header)');
  }
  header = header.trim();
  const space = header.indexOf(' ');
  const scheme = space === -1 ? header : header.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') {
    // Another scheme (Basic, Digest…): no Bearer credentials, so a bare challenge (RFC 6750 §3.1).
    return undefined;
  }
  const token = space === -1 ? '' : header.slice(space + 1).trim();
  if (token === '') {
    throw new InvalidRequestError('Malformed Authorization header: expected "Bearer <token>"');
  }
  if (token.length > maxTokenLength) {
    throw new InvalidTokenError(`Token too large (over ${maxTokenLength} characters)`);
  }
  if (!B64TOKEN.test(token)) {
    throw new InvalidRequestError('Malformed Authorization header: expected "Bearer <token>"');
  }
  return token;
}
