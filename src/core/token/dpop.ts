/**
 * DPoP proof verification (RFC 9449 §4.3 and §7.1) for a resource server.
 *
 * The proof is a JWT of `typ: dpop+jwt`, signed with the key in its own `jwk` header (public only,
 * an asymmetric algorithm from the allow-list). Its `htm` and `htu` must name this request (the URI
 * without query and fragment), `iat` must be recent, `ath` must be the SHA-256 of the access token,
 * the key's thumbprint must equal the token's `cnf.jkt`, and its `jti` must not have been seen
 * within the proof's lifetime (bounded replay cache).
 */
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, errors, jwtVerify, type JWK } from 'jose';
import { InvalidDpopProofError, InvalidRequestError, TemporarilyUnavailableError } from '../errors';

/** DPoP settings after defaults. */
export interface DpopSettings {
  algorithms: string[];
  iatOffset: number;
  iatLeeway: number;
  jtiCacheSize: number;
}

/** What the proof check needs of the request. */
export interface DpopRequest {
  /** The `DPoP` header(s). */
  proof: string | string[] | undefined;
  /** The HTTP method. */
  method: string;
  /** The absolute request URL (scheme, host, path; query and fragment are ignored). */
  url: string;
}

function withoutQuery(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    parsed.search = '';
    parsed.hash = '';
    return parsed.href;
  } catch {
    return undefined;
  }
}

/** Exactly one proof, of a sane size. */
function singleProof(proof: string | string[] | undefined): string {
  if (Array.isArray(proof) || (typeof proof === 'string' && proof.includes(','))) {
    throw new InvalidRequestError('Send exactly one DPoP proof');
  }
  if (typeof proof !== 'string' || proof.trim() === '') throw new InvalidDpopProofError('Missing DPoP proof');
  if (proof.length > 8192) throw new InvalidDpopProofError('DPoP proof too large');
  return proof.trim();
}

function describeProofError(error: unknown): string {
  if (error instanceof errors.JOSEAlgNotAllowed) return 'DPoP proof algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'Invalid DPoP proof signature';
  if (!(error instanceof errors.JWTClaimValidationFailed)) return 'Malformed DPoP proof';
  if (error.claim === 'typ') return 'Invalid DPoP proof type (expected dpop+jwt)';
  return `Invalid DPoP proof claims (${error.reason === 'missing' ? `missing "${error.claim}"` : error.claim})`;
}

/**
 * Verifies DPoP proofs and remembers their `jti`s against replay.
 *
 * @example
 * ```ts
 * const dpop = new DpopVerifier({ algorithms: ['ES256'], iatOffset: 300, iatLeeway: 30, jtiCacheSize: 10000 });
 * await dpop.verify({ proof: req.headers.dpop, method: 'GET', url: 'https://api.example.com/secure' }, token, claims.cnf.jkt);
 * ```
 */
export class DpopVerifier {
  private readonly settings: DpopSettings;
  private readonly seen = new Map<string, number>();

  constructor(settings: DpopSettings) {
    this.settings = settings;
  }

  /** Number of proof `jti`s remembered now. */
  get rememberedProofs(): number {
    return this.seen.size;
  }

  /** Throws {@link InvalidDpopProofError} (or {@link InvalidRequestError} for two proofs) unless the proof is good. */
  async verify(request: DpopRequest, accessToken: string, jkt: unknown): Promise<void> {
    const { payload, jwk } = await this.verifySignature(singleProof(request.proof));
    const jti = this.checkClaims(payload, request, accessToken);
    if (typeof jkt !== 'string' || (await calculateJwkThumbprint(jwk, 'sha256')) !== jkt) {
      throw new InvalidDpopProofError('DPoP proof key does not match the token (cnf.jkt)');
    }
    this.remember(jti, jkt, ((payload.iat as number) + this.settings.iatOffset + this.settings.iatLeeway) * 1000);
  }

  /** The proof's signature, with the key of its own `jwk` header (public, allowed algorithm, `typ: dpop+jwt`). */
  private async verifySignature(proof: string): Promise<{ payload: Record<string, unknown>; jwk: JWK }> {
    try {
      const result = await jwtVerify(proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: this.settings.algorithms,
        // iat is checked with the DPoP window; no exp is expected.
        requiredClaims: ['iat', 'jti', 'htm', 'htu'],
      });
      return { payload: result.payload as Record<string, unknown>, jwk: result.protectedHeader.jwk as JWK };
    } catch (error) {
      throw new InvalidDpopProofError(describeProofError(error), { cause: error });
    }
  }

  /** `jti`, `htm`, `htu`, `iat` and `ath` against this request and token; returns the `jti`. */
  private checkClaims(payload: Record<string, unknown>, request: DpopRequest, accessToken: string): string {
    const { jti, htm, htu, iat, ath } = payload;
    if (typeof jti !== 'string' || jti === '' || jti.length > 256) throw new InvalidDpopProofError('Invalid DPoP proof claims (jti)');
    if (htm !== request.method.toUpperCase()) throw new InvalidDpopProofError('DPoP proof is for another HTTP method (htm)');
    const target = typeof htu === 'string' ? withoutQuery(htu) : undefined;
    if (target === undefined || target !== withoutQuery(request.url))
      throw new InvalidDpopProofError('DPoP proof is for another URL (htu)');
    const now = Math.floor(Date.now() / 1000);
    if ((iat as number) < now - this.settings.iatOffset || (iat as number) > now + this.settings.iatLeeway) {
      throw new InvalidDpopProofError('DPoP proof is too old or from the future (iat)');
    }
    if (ath !== createHash('sha256').update(accessToken, 'ascii').digest('base64url')) {
      throw new InvalidDpopProofError('DPoP proof is for another access token (ath)');
    }
    return jti;
  }

  private remember(jti: string, jkt: string, until: number): void {
    const key = `${jkt}:${jti}`;
    const now = Date.now();
    const seenUntil = this.seen.get(key);
    if (seenUntil !== undefined && seenUntil > now) throw new InvalidDpopProofError('DPoP proof replayed (jti already used)');
    // Entries are kept in insertion order, which is nearly expiry order: drop expired ones from the front.
    for (const [k, expiry] of this.seen) {
      if (expiry > now) break;
      this.seen.delete(k);
    }
    if (this.seen.size >= this.settings.jtiCacheSize) {
      // Full of proofs still inside their window: dropping one would let it be replayed, so refuse
      // new proofs until the oldest expires (fail closed, memory stays bounded).
      const oldest = this.seen.values().next().value ?? now;
      throw new TemporarilyUnavailableError('Too many DPoP proofs in flight: retry later', {
        retryAfter: Math.max(1, Math.ceil((oldest - now) / 1000)),
      });
    }
    this.seen.set(key, until);
  }
}
