/**
 * Server-provided DPoP nonces (RFC 9449 §9, resource server nonces, with the syntax of §8.1), stateless.
 *
 * A resource server that wants fresher proofs than the client's clock allows hands out a nonce in
 * the `DPoP-Nonce` header (with a `use_dpop_nonce` error) and requires it in the proof's `nonce`
 * claim. Time is cut into windows of `lifetime` seconds; the nonce of a window is its index (base36)
 * and a truncated HMAC-SHA256 of that index under a secret. Checking needs only the secret, so
 * replicas sharing it need no shared state. A nonce is accepted in its own window and the next one,
 * so it lives between `lifetime` and twice `lifetime`; a nonce of a later window than the current is
 * refused. Every character is NQCHAR (§8.1: `%x21 / %x23-5B / %x5D-7E`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Secret, window and clock of {@link DpopNonces}.
 *
 * @example
 * ```ts
 * const options: DpopNonceOptions = { secret: randomBytes(32), lifetime: 300 };
 * ```
 */
export interface DpopNonceOptions {
  /** HMAC key, at least 32 bytes; replicas that must accept each other's nonces share it. */
  secret: Uint8Array;
  /** Seconds a nonce stays valid (a window): a nonce is accepted for between one and two windows. */
  lifetime: number;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
}

/** Separates these MACs from any other use of the same secret. */
const DOMAIN = 'routing-controllers-auth0/dpop-nonce/v1\0';
/** MAC bytes kept: 128 bits, 22 base64url characters. */
const MAC_BYTES = 16;
/** Window index in canonical base36 (a safe integer has at most 11 digits), a dot, the MAC. */
const NONCE = /^([0-9a-z]{1,11})\.([A-Za-z0-9_-]{22})$/;
/** Longer strings are refused before any parsing. */
const MAX_NONCE_LENGTH = 34;

/**
 * Issues and checks stateless DPoP nonces (RFC 9449 §8.1, §9): `current()` for the `DPoP-Nonce` header,
 * `check()` for the proof's `nonce` claim.
 *
 * @example
 * ```ts
 * const nonces = new DpopNonces({ secret: randomBytes(32), lifetime: 300 });
 * res.set('DPoP-Nonce', nonces.current());
 * if (!nonces.check(proof.nonce)) throw new InvalidDpopProofError('DPoP proof nonce is missing or stale');
 * ```
 */
export class DpopNonces {
  private readonly secret: Buffer;
  private readonly windowMs: number;
  private readonly now: () => number;
  /** The nonces of the last two windows computed, by window index. */
  private readonly cache = new Map<number, string>();

  constructor(options: DpopNonceOptions) {
    // The options come checked from the `dpop.nonce` option (`config/resolve.ts`).
    // A copy: later changes to the caller's array do not change the key.
    this.secret = Buffer.from(options.secret);
    this.windowMs = options.lifetime * 1000;
    this.now = options.now ?? Date.now;
  }

  /**
   * The nonce to hand out now (the `DPoP-Nonce` header). The same string for a whole window.
   *
   * @example
   * ```ts
   * nonces.current(); // e.g. 'tgbd1.Xz3S0x3nHvJ1bF0tJ8Yk4A'
   * ```
   */
  current(): string {
    return this.nonceOf(this.window());
  }

  /**
   * True when `nonce` was issued with this secret in the current or the previous window. Never
   * throws: anything else (another type, too long, malformed, tampered, stale, future) is false.
   *
   * @example
   * ```ts
   * nonces.check(nonces.current()); // true
   * nonces.check('garbage'); // false
   * ```
   */
  check(nonce: unknown): boolean {
    if (typeof nonce !== 'string' || nonce.length > MAX_NONCE_LENGTH) return false;
    const match = NONCE.exec(nonce);
    if (match === null) return false;
    const digits = match[1];
    const index = Number.parseInt(digits, 36);
    // Canonical digits only: one string per window.
    if (!Number.isSafeInteger(index) || index.toString(36) !== digits) return false;
    const current = this.window();
    if (index !== current && index !== current - 1) return false;
    // Same digits and 22 MAC characters: both are as long, as timingSafeEqual requires.
    return timingSafeEqual(Buffer.from(this.nonceOf(index), 'latin1'), Buffer.from(nonce, 'latin1'));
  }

  /** The index of the window the clock is in. */
  private window(): number {
    return Math.floor(this.now() / this.windowMs);
  }

  /** The nonce of window `index`, computed once per window. */
  private nonceOf(index: number): string {
    const cached = this.cache.get(index);
    if (cached !== undefined) return cached;
    const mac = createHmac('sha256', this.secret).update(`${DOMAIN}${index}`, 'utf8').digest().subarray(0, MAC_BYTES);
    const nonce = `${index.toString(36)}.${mac.toString('base64url')}`;
    // Only the current and the previous window are ever asked for.
    if (this.cache.size >= 2) {
      for (const old of this.cache.keys()) if (old < index - 1 || old > index) this.cache.delete(old);
    }
    this.cache.set(index, nonce);
    return nonce;
  }
}
