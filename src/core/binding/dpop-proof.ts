/**
 * DPoP proof checks for a resource server (RFC 9449 §4.3, §7.1, §8 and §11.1).
 *
 * The proof is a JWT of `typ: dpop+jwt`, signed with the key in its own `jwk` header (public only,
 * an asymmetric algorithm from the allow-list). Its `htm` and `htu` must name this request (`htu`
 * compared after RFC 3986 normalisation, without query and fragment), `iat` must be recent, `ath`
 * must be the SHA-256 of the access token, the key's thumbprint must equal the token's `cnf.jkt`,
 * the server's nonce must be present when nonces are on, and its `jti` must not have been seen within
 * the proof's lifetime. The key's shape (RSA: exponent 65537, at most 4096 bits) and its thumbprint
 * are checked before the signature, so a proof with another key never costs a signature check. The
 * `jti` is recorded last, so a refused proof costs its key nothing.
 */
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, errors, jwtVerify, type JWK } from 'jose';
import { InvalidDpopProofError, TemporarilyUnavailableError, UseDpopNonceError } from '../errors';
import { emit, type AuthEventHook } from '../events';
import { normaliseHttpUrl } from '../request';
import type { DpopNonces } from './nonce';
import type { ReplayStore } from './replay-store';

/** What the proof check needs besides the proof. */
export interface DpopProofSettings {
  /** Accepted proof algorithms. */
  readonly algorithms: readonly string[];
  /** How far a proof's `iat` may lie in the past, in seconds. */
  readonly iatOffset: number;
  /** How far a proof's `iat` may lie in the future, in seconds. */
  readonly iatLeeway: number;
  /** Where proof `jti`s are recorded against replay. */
  readonly replayStore: ReplayStore;
  /** Server nonces, when they are required. */
  readonly nonces: DpopNonces | undefined;
  /** The clock, epoch ms. */
  readonly now: () => number;
  /** Told when the replay store fails. */
  readonly onEvent?: AuthEventHook;
}

/**
 * What the proof must be bound to besides the request: at a resource server the access token (its
 * hash in `ath`) and the token's key (`cnf.jkt`); at a token endpoint nothing more (the proof's key
 * is what the new token gets bound to).
 */
export interface ProofBinding {
  /** The access token the proof accompanies. */
  readonly accessToken?: string;
  /** The thumbprint the proof's key must have. */
  readonly jkt?: string;
  /** Who the access token was issued to (its `sub`), passed to the replay store for its per-subject quota. */
  readonly subject?: string;
}

/** The request a proof must name. */
export interface ProofTarget {
  /** The HTTP method. */
  readonly method: string;
  /** The normalised request URL (see `requestUrl`). */
  readonly url: string;
}

// RSA proof keys are taken with the usual public exponent and at most 4096 bits (jose requires
// 2048 or more): a larger exponent or modulus would make each proof's check several times dearer,
// on the thread pool every request shares. 4096 bits is 512 bytes, 683 base64url characters.
const MAX_RSA_MODULUS_CHARACTERS = 683;
const KEY_NOT_ACCEPTED = 'DPoP proof key not accepted (RSA: exponent 65537, 2048 to 4096 bits)';

/**
 * The thumbprint of the proof's own key (its `jwk` header), before the signature is checked: a key
 * of a shape refused here, or (at a resource server) a key other than the token's, never costs a
 * signature check.
 */
async function proofKeyThumbprint(proof: string): Promise<string> {
  let jwk: unknown;
  try {
    ({ jwk } = decodeProtectedHeader(proof));
  } catch (error) {
    throw new InvalidDpopProofError('Malformed DPoP proof', { cause: error });
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new InvalidDpopProofError('Malformed DPoP proof');
  const { kty, n, e } = jwk as JWK;
  if (kty === 'RSA' && (e !== 'AQAB' || typeof n !== 'string' || n.length > MAX_RSA_MODULUS_CHARACTERS)) {
    throw new InvalidDpopProofError(KEY_NOT_ACCEPTED);
  }
  try {
    return await calculateJwkThumbprint(jwk as JWK, 'sha256');
  } catch (error) {
    throw new InvalidDpopProofError('Malformed DPoP proof', { cause: error });
  }
}

function describeProofError(error: unknown): string {
  if (error instanceof errors.JOSEAlgNotAllowed) return 'DPoP proof algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'Invalid DPoP proof signature';
  if (!(error instanceof errors.JWTClaimValidationFailed)) return 'Malformed DPoP proof';
  if (error.claim === 'typ') return 'Invalid DPoP proof type (expected dpop+jwt)';
  return `Invalid DPoP proof claims (${error.reason === 'missing' ? `missing "${error.claim}"` : error.claim})`;
}

/**
 * Checks DPoP proofs and records their `jti`s against replay.
 *
 * @example
 * ```ts
 * const checker = new DpopProofChecker({ algorithms: ['ES256'], iatOffset: 60, iatLeeway: 30,
 *   replayStore: new MemoryReplayStore({ maxEntries: 100000, maxPerKey: 1000 }), nonces: undefined, now: Date.now });
 * await checker.checkProof(proof, { method: 'GET', url: 'https://api.example.com/secure' }, { accessToken: token, jkt: claims.cnf.jkt });
 * ```
 */
export class DpopProofChecker {
  private readonly settings: DpopProofSettings;

  constructor(settings: DpopProofSettings) {
    this.settings = settings;
  }

  /**
   * Resolves with the thumbprint of the proof's key; throws {@link InvalidDpopProofError},
   * {@link UseDpopNonceError} or a 503 from the replay store unless the proof is good.
   */
  async checkProof(proof: string, target: ProofTarget, binding: ProofBinding): Promise<string> {
    const thumbprint = await proofKeyThumbprint(proof);
    if (binding.jkt !== undefined && thumbprint !== binding.jkt) {
      throw new InvalidDpopProofError('DPoP proof key does not match the token (cnf.jkt)');
    }
    // The header checked above is the one verified here: the thumbprint is the verified key's.
    const payload = await this.verifySignature(proof);
    const { jti, iat } = this.checkClaims(payload, target, binding.accessToken);
    this.checkNonce(payload.nonce);
    // Accepted while floor(now / 1000) <= iat + iatOffset: remembered until that second has passed.
    if (!(await this.record(thumbprint, jti, (iat + this.settings.iatOffset + 1) * 1000, binding.subject))) {
      throw new InvalidDpopProofError('DPoP proof replayed (jti already used)', { reason: 'dpop_replay' });
    }
    return thumbprint;
  }

  /**
   * RFC 9449 §11.1 through the replay store. It fails closed: a proof the store could not record
   * is never accepted (503), and the failure is reported; a store that is only full says so itself.
   */
  private async record(jkt: string, jti: string, expiresAt: number, subject: string | undefined): Promise<boolean> {
    try {
      return await this.settings.replayStore.remember(jkt, jti, expiresAt, subject);
    } catch (error) {
      if (error instanceof TemporarilyUnavailableError && error.reason === 'busy') throw error;
      emit(this.settings.onEvent, { type: 'replayStoreError', message: error instanceof Error ? error.message : String(error) });
      throw new TemporarilyUnavailableError('DPoP proofs cannot be checked now: the replay store is unavailable', {
        cause: error,
        reason: 'replay_store_unavailable',
        retryAfter: 5,
      });
    }
  }

  /** The proof's signature, with the key of its own `jwk` header (public, allowed algorithm, `typ: dpop+jwt`). */
  private async verifySignature(proof: string): Promise<Record<string, unknown>> {
    try {
      const result = await jwtVerify(proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: [...this.settings.algorithms],
        // iat is checked against the DPoP window below; no exp is expected.
        requiredClaims: ['iat', 'jti', 'htm', 'htu'],
        currentDate: new Date(this.settings.now()),
      });
      return result.payload as Record<string, unknown>;
    } catch (error) {
      throw new InvalidDpopProofError(describeProofError(error), { cause: error });
    }
  }

  /** `jti`, `htm`, `htu`, `iat` and `ath` against this request and token. */
  private checkClaims(
    payload: Record<string, unknown>,
    target: ProofTarget,
    accessToken: string | undefined,
  ): { jti: string; iat: number } {
    const { jti, htm, htu, iat, ath } = payload;
    if (typeof jti !== 'string' || jti === '' || jti.length > 256) throw new InvalidDpopProofError('Invalid DPoP proof claims (jti)');
    if (htm !== target.method.toUpperCase()) throw new InvalidDpopProofError('DPoP proof is for another HTTP method (htm)');
    if (typeof htu !== 'string' || normaliseHttpUrl(htu) !== target.url) {
      throw new InvalidDpopProofError('DPoP proof is for another URL (htu)');
    }
    const now = Math.floor(this.settings.now() / 1000);
    if (typeof iat !== 'number' || iat < now - this.settings.iatOffset || iat > now + this.settings.iatLeeway) {
      throw new InvalidDpopProofError('DPoP proof is too old or from the future (iat)');
    }
    if (accessToken !== undefined && ath !== createHash('sha256').update(accessToken, 'ascii').digest('base64url')) {
      throw new InvalidDpopProofError('DPoP proof is for another access token (ath)');
    }
    return { jti, iat };
  }

  /** RFC 9449 §8: when nonces are on, the proof must carry a current one; the answer hands out a fresh one. */
  private checkNonce(nonce: unknown): void {
    const { nonces } = this.settings;
    if (nonces === undefined || nonces.check(nonce)) return;
    throw new UseDpopNonceError(
      nonce === undefined
        ? 'DPoP proof needs the server nonce (DPoP-Nonce)'
        : 'DPoP proof nonce is stale or unknown: use the new DPoP-Nonce',
      { nonce: nonces.current() },
    );
  }
}
