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
  /** The HTTP method (for DPoP's `htm`). */
  method?: string;
  /** The absolute request URL, computed on demand (for DPoP's `htu`). */
  url?: () => string;
  /** The `DPoP` proof header(s). */
  dpop?: string | string[];
  /** The client certificate (DER) of the request, computed on demand (RFC 8705). */
  certificate?: () => Uint8Array | undefined;
  /** Reads any request header (lower-case name), e.g. a proxy's forwarded certificate. */
  header?: (name: string) => string | string[] | undefined;
}

/** A token and the scheme it came with. */
export interface Credentials {
  scheme: 'Bearer' | 'DPoP';
  token: string;
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
  const credentials = extractCredentials(source, maxTokenLength, false);
  return credentials?.token;
}

/**
 * Returns the token and its scheme (`Bearer`, or `DPoP` when `acceptDpop`), or `undefined` when the
 * request carries no credentials of an accepted scheme. Same errors as {@link extractBearerToken}.
 *
 * @example
 * ```ts
 * const credentials = extractCredentials({ authorization: 'DPoP eyJ…' }, 8192, true); // { scheme: 'DPoP', token: 'eyJ…' }
 * ```
 */
export function extractCredentials(source: CredentialsSource, maxTokenLength = 8192, acceptDpop = true): Credentials | undefined {
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
  const name = (space === -1 ? header : header.slice(0, space)).toLowerCase();
  const scheme = name === 'bearer' ? 'Bearer' : name === 'dpop' && acceptDpop ? 'DPoP' : undefined;
  if (scheme === undefined) {
    // Another scheme (Basic, Digest…): no credentials we take, so a bare challenge (RFC 6750 §3.1).
    return undefined;
  }
  const token = space === -1 ? '' : header.slice(space + 1).trim();
  if (token === '') {
    throw new InvalidRequestError(`Malformed Authorization header: expected "${scheme} <token>"`);
  }
  if (token.length > maxTokenLength) {
    throw new InvalidTokenError(`Token too large (over ${maxTokenLength} characters)`);
  }
  if (!B64TOKEN.test(token)) {
    throw new InvalidRequestError(`Malformed Authorization header: expected "${scheme} <token>"`);
  }
  return { scheme, token };
}
