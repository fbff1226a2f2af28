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
import { InvalidDpopProofError, InvalidRequestError } from '../errors';

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
    const { proof } = request;
    if (Array.isArray(proof) || (typeof proof === 'string' && proof.includes(','))) {
      throw new InvalidRequestError('Send exactly one DPoP proof');
    }
    if (typeof proof !== 'string' || proof.trim() === '') throw new InvalidDpopProofError('Missing DPoP proof');
    if (proof.length > 8192) throw new InvalidDpopProofError('DPoP proof too large');
    let payload: Record<string, unknown>;
    let jwk: JWK;
    try {
      const result = await jwtVerify(proof.trim(), EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: this.settings.algorithms,
        requiredClaims: ['iat', 'jti', 'htm', 'htu'],
        // iat is checked below with the DPoP window; no exp is expected.
      });
      payload = result.payload as Record<string, unknown>;
      jwk = result.protectedHeader.jwk as JWK;
    } catch (error) {
      const reason =
        error instanceof errors.JOSEAlgNotAllowed
          ? 'DPoP proof algorithm not allowed'
          : error instanceof errors.JWSSignatureVerificationFailed
            ? 'Invalid DPoP proof signature'
            : error instanceof errors.JWTClaimValidationFailed
              ? error.claim === 'typ'
                ? 'Invalid DPoP proof type (expected dpop+jwt)'
                : `Invalid DPoP proof claims (${error.reason === 'missing' ? `missing "${error.claim}"` : error.claim})`
              : 'Malformed DPoP proof';
      throw new InvalidDpopProofError(reason, { cause: error });
    }
    if (typeof payload.jti !== 'string' || payload.jti === '' || payload.jti.length > 256) {
      throw new InvalidDpopProofError('Invalid DPoP proof claims (jti)');
    }
    if (payload.htm !== request.method.toUpperCase()) throw new InvalidDpopProofError('DPoP proof is for another HTTP method (htm)');
    const htu = typeof payload.htu === 'string' ? withoutQuery(payload.htu) : undefined;
    if (htu === undefined || htu !== withoutQuery(request.url)) {
      throw new InvalidDpopProofError('DPoP proof is for another URL (htu)');
    }
    const now = Math.floor(Date.now() / 1000);
    const iat = payload.iat as number;
    if (iat < now - this.settings.iatOffset || iat > now + this.settings.iatLeeway) {
      throw new InvalidDpopProofError('DPoP proof is too old or from the future (iat)');
    }
    const ath = createHash('sha256').update(accessToken, 'ascii').digest('base64url');
    if (payload.ath !== ath) throw new InvalidDpopProofError('DPoP proof is for another access token (ath)');
    if (typeof jkt !== 'string' || (await calculateJwkThumbprint(jwk, 'sha256')) !== jkt) {
      throw new InvalidDpopProofError('DPoP proof key does not match the token (cnf.jkt)');
    }
    this.remember(payload.jti, jkt, (iat + this.settings.iatOffset + this.settings.iatLeeway) * 1000);
  }

  private remember(jti: string, jkt: string, until: number): void {
    const key = `${jkt}:${jti}`;
    const now = Date.now();
    const seenUntil = this.seen.get(key);
    if (seenUntil !== undefined && seenUntil > now) throw new InvalidDpopProofError('DPoP proof replayed (jti already used)');
    // Entries are kept in insertion order, which is nearly expiry order: drop expired ones from the
    // front, then (still full, under a flood of fresh proofs) the oldest, keeping memory bounded.
    for (const [k, expiry] of this.seen) {
      if (expiry > now && this.seen.size < this.settings.jtiCacheSize) break;
      this.seen.delete(k);
    }
    this.seen.set(key, until);
  }
}
