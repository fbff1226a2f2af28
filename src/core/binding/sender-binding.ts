/**
 * Step 3 of the pipeline: the sender may use this token. A DPoP-bound token (`cnf.jkt`, RFC 9449)
 * needs the DPoP scheme and a proof made with its key; a certificate-bound token
 * (`cnf["x5t#S256"]`, RFC 8705) needs its client certificate. Neither is ever accepted as a plain
 * bearer token, in a request or outside one.
 */
import type { ResolvedConfig } from '../config';
import type { Credentials } from '../credentials';
import { InvalidRequestError, InvalidTokenError } from '../errors';
import { requestUrl, type AuthRequest } from '../request';
import type { AccessTokenClaims } from '../claims';
import { certificateFromHeader, checkCertificateBinding } from './certificate';
import type { ProofTarget } from './dpop-proof';

const CHECKED_METHODS = new Set(['jkt', 'x5t#S256']);

/**
 * The token's confirmation (RFC 7800 §3.1): none, or an object whose every member is a method this
 * API checks. Any other shape or method (`jwk`, `jku`, `kid`…) binds the token to something the API
 * cannot verify, so the token is refused rather than taken as unbound.
 */
function confirmation(claims: AccessTokenClaims): Record<string, unknown> | undefined {
  const { cnf } = claims;
  if (cnf === undefined) return undefined;
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) throw new InvalidTokenError('Invalid token claims (cnf)');
  for (const method of Object.keys(cnf)) {
    if (!CHECKED_METHODS.has(method))
      throw new InvalidTokenError(`Token bound by a confirmation method this API cannot check (cnf.${method})`);
  }
  return cnf as Record<string, unknown>;
}

/** A DPoP proof that is still to be checked: the proof, the request it must name, the token and key it must fit. */
export interface PendingProof {
  readonly proof: string;
  readonly target: ProofTarget;
  /** `subject`: the token's `sub`, for the replay store's per-subject quota. */
  readonly binding: { readonly accessToken: string; readonly jkt: string; readonly subject: string };
}

/**
 * Checks everything of the token's binding that needs no waiting: the confirmation's shape, the
 * scheme it demands, and the client certificate. Throws an {@link InvalidTokenError} (or
 * {@link InvalidRequestError}) when the request cannot prove it. Returns the DPoP proof still to be
 * checked, or `undefined` when the binding is proven already: an unbound Bearer token waits for
 * nothing. The pipeline checks the proof last (its replay check may wait for a store), so that a
 * proof and its replay record are spent only by a request that passed every other check.
 *
 * @example
 * ```ts
 * const pending = checkBinding(claims, credentials, request, config);
 * if (pending !== undefined) await dpopChecker.checkProof(pending.proof, pending.target, pending.binding);
 * ```
 */
export function checkBinding(
  claims: AccessTokenClaims,
  credentials: Credentials,
  request: AuthRequest,
  config: ResolvedConfig,
): PendingProof | undefined {
  const cnf = confirmation(claims);
  const jkt = cnf?.jkt;
  let target: ProofTarget | undefined;
  if (credentials.scheme === 'DPoP') {
    if (jkt === undefined)
      throw new InvalidTokenError('Token is not DPoP-bound (no cnf.jkt): send it as a Bearer token', { reason: 'unbound_use' });
    if (typeof jkt !== 'string') throw new InvalidTokenError('Invalid token claims (cnf.jkt)');
    if (request.method === undefined) throw new InvalidRequestError('The request method is unknown: DPoP proofs cannot be checked');
    target = { method: request.method, url: requestUrl(request.location?.(), config.dpop.origin) };
  } else if (jkt !== undefined) {
    // RFC 9449 §7.1: a DPoP-bound token must not be usable as a plain bearer token.
    throw new InvalidTokenError('DPoP-bound token sent as a Bearer token: send it with the DPoP scheme and a proof', {
      reason: 'unbound_use',
    });
  }
  if (config.mtls.enabled) {
    checkCertificateBinding(claims as { cnf?: unknown }, certificateOf(request, config.mtls.certificateHeader), {
      required: config.mtls.required,
    });
  } else if (cnf?.['x5t#S256'] !== undefined) {
    // RFC 8705 §3: a certificate-bound token is honoured only where its certificate can be checked.
    throw new InvalidTokenError('Certificate-bound token: this API does not check client certificates (the mtls option)', {
      reason: 'unbound_use',
    });
  }
  if (target === undefined) return undefined;
  return {
    proof: credentials.proof as string,
    target,
    binding: { accessToken: credentials.token, jkt: jkt as string, subject: claims.sub },
  };
}

/**
 * The client certificate: from the trusted proxy's header when one is configured and the request
 * has headers, else the one the request itself carries (TLS, or passed to `verify`).
 */
function certificateOf(request: AuthRequest, header: string | undefined): Uint8Array | undefined {
  if (header === undefined || request.header === undefined) return request.certificate?.();
  const value = request.header?.(header);
  return typeof value === 'string' ? certificateFromHeader(value) : undefined;
}
