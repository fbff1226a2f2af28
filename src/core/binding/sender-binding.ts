/**
 * Step 3 of the pipeline: the sender may use this token. A DPoP-bound token (`cnf.jkt`, RFC 9449)
 * needs the DPoP scheme and a proof made with its key; a certificate-bound token
 * (`cnf["x5t#S256"]`, RFC 8705) needs its client certificate. Neither is ever accepted as a plain
 * bearer token, in a request or outside one.
 */
import type { AccessTokenClaims } from '../claims';
import type { Credentials } from '../credentials';
import { InvalidRequestError, InvalidTokenError } from '../errors';
import { requestUrl, type AuthRequest } from '../request';
import { certificateFromHeader, checkCertificateBinding } from './certificate';
import type { DpopProofChecker } from './dpop-proof';

/** What proving a binding needs, built once from the options. */
export interface BindingSettings {
  /** The DPoP proof checker. */
  readonly proofs: DpopProofChecker;
  /** The public origin a proof's `htu` names (`dpop.origin`); `undefined`: the request's own. */
  readonly origin: string | undefined;
  /** Certificate-bound tokens (the `mtls` option). */
  readonly mtls: {
    readonly enabled: boolean;
    readonly required: boolean;
    readonly certificateHeader: string | undefined;
    readonly trustedProxy: (address: string) => boolean;
  };
}

const CHECKED_METHODS = new Set(['jkt', 'x5t#S256']);

/**
 * The token's confirmation (RFC 7800 §3.1): none, or an object naming at least one method this API
 * checks (`jkt`, `x5t#S256`). Its other members are ignored, as RFC 7800 §3.1 asks of members that
 * are not understood. A confirmation with none of those methods (`jwk`, `jku`, `kid` alone…) binds
 * the token to something this API cannot verify: the token is refused rather than taken as
 * unbound (fail closed).
 */
function confirmation(claims: AccessTokenClaims): Record<string, unknown> | undefined {
  const { cnf } = claims;
  if (cnf === undefined) return undefined;
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) throw new InvalidTokenError('Invalid token claims (cnf)');
  const methods = Object.keys(cnf);
  if (!methods.some((method) => CHECKED_METHODS.has(method))) {
    throw new InvalidTokenError(`Token bound by a confirmation method this API cannot check (cnf.${methods[0] ?? '{}'})`);
  }
  return cnf as Record<string, unknown>;
}

/**
 * Step 3 of the pipeline: proves that the sender may use the token. Checks the confirmation's
 * shape, the scheme it demands and the client certificate, then the DPoP proof last (its replay
 * record is spent only by a request that passed every other check). Rejects with an
 * {@link InvalidTokenError}, {@link InvalidRequestError}, `InvalidDpopProofError` or a 503 of the
 * replay store when the request cannot prove it.
 *
 * @example
 * ```ts
 * await proveBinding(claims, credentials, request, settings);
 * ```
 */
export async function proveBinding(
  claims: AccessTokenClaims,
  credentials: Credentials,
  request: AuthRequest,
  settings: BindingSettings,
): Promise<void> {
  const cnf = confirmation(claims);
  const jkt = cnf?.jkt;
  if (credentials.scheme === 'Bearer' && jkt !== undefined) {
    // RFC 9449 §7.1: a DPoP-bound token must not be usable as a plain bearer token.
    throw new InvalidTokenError('DPoP-bound token sent as a Bearer token: send it with the DPoP scheme and a proof', {
      reason: 'unbound_use',
    });
  }
  let proof: { target: { method: string; url: string }; jkt: string } | undefined;
  if (credentials.scheme === 'DPoP') {
    if (jkt === undefined) {
      throw new InvalidTokenError('Token is not DPoP-bound (no cnf.jkt): send it as a Bearer token', { reason: 'unbound_use' });
    }
    if (typeof jkt !== 'string') throw new InvalidTokenError('Invalid token claims (cnf.jkt)');
    if (request.method === undefined) throw new InvalidRequestError('The request method is unknown: DPoP proofs cannot be checked');
    proof = { target: { method: request.method, url: requestUrl(request.location?.(), settings.origin) }, jkt };
  }
  const { mtls } = settings;
  if (mtls.enabled) {
    checkCertificateBinding(claims as { cnf?: unknown }, certificateOf(request, mtls), { required: mtls.required });
  } else if (cnf?.['x5t#S256'] !== undefined) {
    // RFC 8705 §3: a certificate-bound token is honoured only where its certificate can be checked.
    throw new InvalidTokenError('Certificate-bound token: this API does not check client certificates (the mtls option)', {
      reason: 'unbound_use',
    });
  }
  if (proof !== undefined) {
    const binding = { accessToken: credentials.token, jkt: proof.jkt, subject: claims.sub };
    await settings.proofs.checkProof(credentials.proof as string, proof.target, binding);
  }
}

/**
 * The client certificate. On a connection from a trusted proxy, the one its header names (none when
 * the header is absent: the connection's own certificate would be the proxy's); from anywhere
 * else, the TLS connection's own (or the one passed to `verify`), whatever headers say.
 */
function certificateOf(request: AuthRequest, mtls: BindingSettings['mtls']): Uint8Array | undefined {
  const { certificateHeader } = mtls;
  const peer = request.remoteAddress?.();
  if (certificateHeader === undefined || peer === undefined || !mtls.trustedProxy(peer)) return request.certificate?.();
  const value = request.header?.(certificateHeader);
  return typeof value === 'string' ? certificateFromHeader(value) : undefined;
}
