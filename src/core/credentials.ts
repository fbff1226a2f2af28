/**
 * Step 1 of the pipeline: the credentials of a request (RFC 6750 §2.1, RFC 9449 §7.1).
 *
 * Only the `Authorization` header is read: a token in the URL (RFC 6750 §2.3) ends up in logs and
 * browser history, so a request that carries `access_token` in its query is refused with
 * `invalid_request`, and so is one that sends a token in more than one place (§3.1). A DPoP request
 * must carry exactly one proof (RFC 9449 §4.3 check 1): none, or more than one, is
 * `invalid_dpop_proof`.
 */
import { InvalidDpopProofError, InvalidRequestError, InvalidTokenError, UnauthorizedError, type AuthScheme } from './errors';
import type { AuthRequest } from './request';

/** A token, the scheme it came with, and the DPoP proof that came with it. */
export interface Credentials {
  readonly scheme: AuthScheme;
  readonly token: string;
  /** The single DPoP proof, on the DPoP scheme. */
  readonly proof?: string;
}

/** How credentials are read. */
export interface CredentialsOptions {
  /** Longest accepted token, in characters. */
  readonly maxTokenLength: number;
  /** Whether the DPoP scheme is accepted. */
  readonly acceptDpop: boolean;
  /** Whether plain Bearer tokens are accepted (not with `dpop.mode: 'required'`). */
  readonly acceptBearer: boolean;
}

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const MAX_PROOF_LENGTH = 8192;

/** RFC 9449 §4.3 check 1: exactly one proof, of a sane size. A compact JWS holds no comma. */
function singleProof(proof: string | string[] | undefined): string {
  if (Array.isArray(proof) || (typeof proof === 'string' && proof.includes(','))) {
    throw new InvalidDpopProofError('Send exactly one DPoP proof');
  }
  const value = typeof proof === 'string' ? proof.trim() : '';
  if (value === '') throw new InvalidDpopProofError('Missing DPoP proof');
  if (value.length > MAX_PROOF_LENGTH) throw new InvalidDpopProofError('DPoP proof too large');
  return value;
}

/**
 * The credentials of a request, or `undefined` when it carries none of an accepted scheme (another
 * scheme such as Basic counts as none). Throws {@link InvalidRequestError} for a malformed or
 * ambiguous request, {@link InvalidTokenError} for an oversized token,
 * {@link InvalidDpopProofError} for a DPoP request without exactly one proof, and
 * {@link UnauthorizedError} for a Bearer token where only DPoP is accepted.
 *
 * @example
 * ```ts
 * readCredentials({ authorization: 'Bearer eyJ…' }, { maxTokenLength: 8192, acceptDpop: true, acceptBearer: true }); // { scheme: 'Bearer', token: 'eyJ…' }
 * ```
 */
export function readCredentials(request: AuthRequest, options: CredentialsOptions): Credentials | undefined {
  if (request.headersCut === true) {
    throw new InvalidRequestError('Too many header fields: the server may have dropped some, so the request cannot be checked');
  }
  const header = request.authorization;
  if (Array.isArray(header) || (request.authorizationCount ?? 1) > 1) {
    throw new InvalidRequestError('Send exactly one Authorization header');
  }
  if (header === undefined || header === '') {
    if (request.queryToken) {
      throw new InvalidRequestError('Send the access token in the Authorization header, not in the URL');
    }
    return;
  }
  if (request.queryToken) {
    throw new InvalidRequestError('Send the access token in one place only (the Authorization header)');
  }
  const { scheme, token } = schemeAndToken(header.trim(), options.acceptDpop);
  if (scheme === undefined) return;
  const malformed = `Malformed Authorization header: expected "${scheme} <token>"`;
  if (token === '') throw new InvalidRequestError(malformed);
  if (token.length > options.maxTokenLength) {
    throw new InvalidTokenError(`Token too large (over ${options.maxTokenLength} characters)`);
  }
  if (!B64TOKEN.test(token)) throw new InvalidRequestError(malformed);
  if (scheme === 'Bearer' && !options.acceptBearer) {
    throw new UnauthorizedError('Bearer tokens are not accepted here: send a DPoP-bound token with a DPoP proof', {
      reason: 'scheme_not_accepted',
    });
  }
  return scheme === 'DPoP' ? { scheme, token, proof: singleProof(request.dpop) } : { scheme, token };
}

/** The accepted scheme an Authorization header names (case-insensitively), if any, and what follows it. */
function schemeAndToken(header: string, acceptDpop: boolean): { scheme: AuthScheme | undefined; token: string } {
  const space = header.indexOf(' ');
  const name = (space === -1 ? header : header.slice(0, space)).toLowerCase();
  const token = space === -1 ? '' : header.slice(space + 1).trim();
  if (name === 'bearer') return { scheme: 'Bearer', token };
  return { scheme: name === 'dpop' && acceptDpop ? 'DPoP' : undefined, token };
}
