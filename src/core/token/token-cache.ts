/**
 * The verified-token cache: a token seen again costs a map lookup instead of a signature check.
 *
 * - Bounded in count (least recently used out first) and in age (never past the token's `exp`,
 *   `maxTokenAge` or the configured maximum age).
 * - An entry is dropped as soon as its signing key leaves the key set (revocation).
 * - Admission: a token is remembered from its second verification on, so a stream of one-off tokens
 *   leaves nothing behind but a bounded set of small numbers.
 * - Only verified claims are cached; sender binding, `validate` and the user are checked on every
 *   request by the pipeline, cache hit or not.
 */
import type { AccessTokenClaims } from '../claims';

/** One verified token. */
export interface VerifiedToken {
  /** The deep-frozen claims. */
  readonly claims: AccessTokenClaims;
  /** Whether its signing key is still published (checked on every hit). */
  readonly keyStillPublished: () => boolean;
  /** Epoch ms after which it must be verified again. */
  readonly until: number;
}

/** Limits of {@link TokenCache}. */
export interface TokenCacheOptions {
  /** Most tokens remembered; 0 turns the cache off. */
  readonly size: number;
  /** The clock, epoch ms. */
  readonly now: () => number;
}

/** A 31-bit hash of a token's last 32 characters (its signature): a small number, not a copy of the token. */
function fingerprint(token: string): number {
  let hash = 0;
  for (let i = Math.max(0, token.length - 32); i < token.length; i += 1) hash = (Math.imul(hash, 31) + token.charCodeAt(i)) | 0;
  return hash & 0x7f_ff_ff_ff;
}

/**
 * A bounded LRU of verified tokens with admission on second sight.
 *
 * @example
 * ```ts
 * const cache = new TokenCache({ size: 1000, now: Date.now });
 * const hit = cache.get(token) ?? cache.offer(token, await verify(token));
 * ```
 */
export class TokenCache {
  private readonly entries = new Map<string, VerifiedToken>();
  private readonly seenOnce = new Set<number>();
  private readonly options: TokenCacheOptions;

  constructor(options: TokenCacheOptions) {
    this.options = options;
  }

  /** How many tokens are remembered now. */
  get size(): number {
    return this.entries.size;
  }

  /** The remembered verification of a token while it is still good, else `undefined`. */
  get(token: string): VerifiedToken | undefined {
    const hit = this.entries.get(token);
    if (hit === undefined) return undefined;
    this.entries.delete(token);
    if (this.options.now() >= hit.until || !hit.keyStillPublished()) return undefined;
    // Most recently used last.
    this.entries.set(token, hit);
    return hit;
  }

  /** Offers a fresh verification; it is remembered when the token is seen for the second time. */
  offer(token: string, verified: VerifiedToken): VerifiedToken {
    const { size, now } = this.options;
    if (size === 0 || verified.until <= now() || !this.admit(token)) return verified;
    if (this.entries.size >= size) {
      const leastRecent = this.entries.keys().next().value;
      if (leastRecent !== undefined) this.entries.delete(leastRecent);
    }
    this.entries.set(token, verified);
    return verified;
  }

  private admit(token: string): boolean {
    const print = fingerprint(token);
    if (this.seenOnce.delete(print)) return true;
    if (this.seenOnce.size >= Math.max(1024, this.options.size * 4)) this.seenOnce.clear();
    this.seenOnce.add(print);
    return false;
  }
}
