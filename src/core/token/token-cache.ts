/**
 * The verified-token cache: a token seen again costs a small lookup instead of a signature check.
 *
 * - Bounded in count and in age (never past the token's `exp`, `maxTokenAge` or the configured
 *   maximum age).
 * - Eviction by second chance (the CLOCK approximation of least recently used): a hit only marks its
 *   entry; when room is needed the oldest entry goes, unless it was used since the last pass, in
 *   which case it moves to the back once. A hit writes one flag and never reorders the map.
 * - Looked up by a 31-bit fingerprint of the token's last 12 characters (72 bits of its
 *   signature), then compared in full: a lookup never hashes the whole token. Of two remembered tokens with the
 *   same fingerprint only the later is kept (a cache may always forget).
 * - An entry is dropped as soon as its signing key leaves the key set (revocation).
 * - Admission: a token is remembered from its second verification on, so a stream of one-off tokens
 *   leaves nothing behind but a bounded set of small numbers.
 * - Only verified claims are cached (deep-frozen): the user is built for each request, and sender
 *   binding and `validate` are checked on every request by the pipeline, cache hit or not.
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

/** A remembered token. */
export interface CachedToken {
  /** The token itself: a fingerprint match counts only when the whole token is equal. */
  readonly token: string;
  readonly verified: VerifiedToken;
  /** Used since the eviction hand last passed it (second chance). */
  used: boolean;
}

/** Limits of {@link TokenCache}. */
export interface TokenCacheOptions {
  /** Most tokens remembered; 0 turns the cache off. */
  readonly size: number;
  /** The clock, epoch ms. */
  readonly now: () => number;
}

/** A 31-bit hash of a token's last 12 characters (its signature's): a small number, not a copy of the token. */
function fingerprint(token: string): number {
  let hash = 0;
  for (let i = Math.max(0, token.length - 12); i < token.length; i += 1) hash = (Math.imul(hash, 31) + token.charCodeAt(i)) | 0;
  return hash & 0x7f_ff_ff_ff;
}

/**
 * A bounded cache of verified tokens with admission on second sight and second-chance eviction.
 *
 * @example
 * ```ts
 * const cache = new TokenCache({ size: 1000, now: Date.now });
 * const entry = cache.lookup(token) ?? cache.remember(token, await verify(token));
 * ```
 */
export class TokenCache {
  private readonly entries = new Map<number, CachedToken>();
  private readonly seenOnce = new Set<number>();
  private readonly options: TokenCacheOptions;

  constructor(options: TokenCacheOptions) {
    this.options = options;
  }

  /** How many tokens are remembered now. */
  get size(): number {
    return this.entries.size;
  }

  /** The entry of a remembered token while it is still good (marked as used), else `undefined`. */
  lookup(token: string): CachedToken | undefined {
    const print = fingerprint(token);
    const entry = this.entries.get(print);
    if (entry === undefined || entry.token !== token) return;
    const { verified } = entry;
    if (this.options.now() >= verified.until || !verified.keyStillPublished()) {
      this.entries.delete(print);
      return;
    }
    entry.used = true;
    return entry;
  }

  /**
   * Offers a fresh verification: it is remembered when the token is seen for the second time, and
   * the new entry is returned; else `undefined`.
   */
  remember(token: string, verified: VerifiedToken): CachedToken | undefined {
    const { size, now } = this.options;
    if (size === 0 || verified.until <= now()) return;
    const print = fingerprint(token);
    if (!this.admit(print)) return;
    // An entry under the same fingerprint (expired, or another token) is replaced where it stands.
    if (!this.entries.has(print)) this.makeRoom(size);
    const entry: CachedToken = { token, verified, used: false };
    this.entries.set(print, entry);
    return entry;
  }

  /** Evicts until there is room for one more: the oldest unused entry first (second chance). */
  private makeRoom(size: number): void {
    // Ends: each turn removes an entry or clears a flag, and no flag is set meanwhile.
    while (this.entries.size >= size) {
      const oldest = this.entries.entries().next().value;
      if (oldest === undefined) return;
      const [print, entry] = oldest;
      this.entries.delete(print);
      if (entry.used) {
        entry.used = false;
        this.entries.set(print, entry);
      }
    }
  }

  private admit(print: number): boolean {
    if (this.seenOnce.delete(print)) return true;
    if (this.seenOnce.size >= Math.max(1024, this.options.size * 4)) this.seenOnce.clear();
    this.seenOnce.add(print);
    return false;
  }
}
