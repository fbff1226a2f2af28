/**
 * The tenant's JSON Web Key Set (RFC 7517 §5), fetched on first use and cached.
 *
 * - Nothing is fetched at construction; concurrent callers share one fetch.
 * - An unknown `kid` refetches, at most once per cooldown, so a stream of junk `kid`s cannot make
 *   the API hammer the tenant while a real rotation is picked up within the cooldown.
 * - A key set older than `maxAge` is refreshed in the background; cached keys keep serving while
 *   the tenant is down. Only when no usable key is cached does a request fail, with a 503.
 * - Keys that name their own `alg` are used only with it; private keys, symmetric keys and keys for
 *   encryption are never loaded.
 */
import { importJWK, type JWK } from 'jose';
import { InvalidTokenError, KeySetUnavailableError } from '../errors';

/** Options of {@link RemoteKeySet}; every duration in milliseconds. */
export interface KeySetOptions {
  /** Minimum time between two fetches caused by unknown `kid`s or failures. */
  cooldown: number;
  /** Timeout of one fetch. */
  timeout: number;
  /** Age after which the cached set is refreshed in the background. */
  maxAge: number;
  /** Most keys kept from one key set. */
  maxKeys: number;
  /** The fetch to use. Default: the global `fetch`. */
  fetch?: typeof fetch;
}

/** Counters, for operators and the soak test. */
export interface KeySetStats {
  /** Fetches started. */
  fetches: number;
  /** Fetches that failed. */
  failures: number;
  /** Keys currently cached. */
  keys: number;
}

const MAX_BODY = 512 * 1024;
const SIGNING_KTY = new Set(['RSA', 'EC', 'OKP']);

/** A public signing key with a `kid` (never a private, symmetric or encryption key). */
function isSigningKey(jwk: JWK): boolean {
  return (
    typeof jwk.kid === 'string' &&
    jwk.kid !== '' &&
    typeof jwk.kty === 'string' &&
    SIGNING_KTY.has(jwk.kty) &&
    (jwk.use === undefined || jwk.use === 'sig') &&
    jwk.d === undefined
  );
}

/** The usable keys of a key set document, at most `maxKeys`, the first of each `kid`. */
function signingKeys(body: unknown, maxKeys: number): Map<string, CachedKey> {
  const list = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new Error('key set has no "keys" array');
  const keys = new Map<string, CachedKey>();
  for (const jwk of list as JWK[]) {
    if (keys.size >= maxKeys) break;
    if (jwk !== null && typeof jwk === 'object' && isSigningKey(jwk) && !keys.has(jwk.kid as string)) {
      keys.set(jwk.kid as string, { jwk, imported: new Map() });
    }
  }
  return keys;
}

interface CachedKey {
  jwk: JWK;
  imported: Map<string, Promise<CryptoKey | Uint8Array>>;
}

/**
 * A remote JWKS with lazy fetching, caching, rotation and outage handling.
 *
 * @example
 * ```ts
 * const keys = new RemoteKeySet('https://your-tenant.auth0.com/.well-known/jwks.json');
 * const key = await keys.getKey('kid-from-token-header', 'RS256');
 * ```
 */
export class RemoteKeySet {
  readonly uri: string;
  private readonly options: KeySetOptions;
  private keys = new Map<string, CachedKey>();
  private loadedAt = -Infinity;
  private lastAttempt = -Infinity;
  private lastFailure: unknown = undefined;
  private inflight: Promise<void> | undefined;
  private readonly counters = { fetches: 0, failures: 0 };

  constructor(uri: string, options: Partial<KeySetOptions> = {}) {
    this.uri = uri;
    this.options = { cooldown: 5000, timeout: 5000, maxAge: 600_000, maxKeys: 20, ...options };
  }

  /** Counters of fetches and cached keys. */
  get stats(): KeySetStats {
    return { ...this.counters, keys: this.keys.size };
  }

  /** Whether a key with this `kid` is cached now (used to drop remembered tokens of revoked keys). */
  has(kid: string): boolean {
    return this.keys.has(kid);
  }

  /**
   * The verification key for a token header's `kid` and `alg`.
   * Throws {@link InvalidTokenError} for an unknown `kid`, {@link KeySetUnavailableError} when the
   * key set cannot be had and no key is cached.
   */
  async getKey(kid: string, alg: string): Promise<CryptoKey | Uint8Array> {
    let cached = this.keys.get(kid);
    const now = Date.now();
    if (cached !== undefined) {
      if (now - this.loadedAt > this.options.maxAge && now - this.lastAttempt >= this.options.cooldown) {
        // Stale: refresh in the background; this request keeps the cached key.
        this.refresh().catch(() => undefined);
      }
    } else {
      if (this.inflight === undefined && now - this.lastAttempt >= this.options.cooldown) {
        this.refresh().catch(() => undefined);
      }
      if (this.inflight !== undefined) await this.inflight.catch(() => undefined);
      cached = this.keys.get(kid);
      if (cached === undefined) {
        if (this.lastFailure !== undefined) {
          throw new KeySetUnavailableError('The token cannot be checked now: the tenant key set is unreachable', {
            cause: this.lastFailure,
            retryAfter: Math.max(1, Math.ceil(this.options.cooldown / 1000)),
          });
        }
        throw new InvalidTokenError('Invalid kid header (wrong tenant or rotated public key)');
      }
    }
    return this.importKey(cached, alg);
  }

  private importKey(cached: CachedKey, alg: string): Promise<CryptoKey | Uint8Array> {
    if (cached.jwk.alg !== undefined && cached.jwk.alg !== alg) {
      return Promise.reject(new InvalidTokenError('Token algorithm does not match its key'));
    }
    let imported = cached.imported.get(alg);
    if (imported === undefined) {
      imported = importJWK(cached.jwk, alg).catch((cause: unknown) => {
        cached.imported.delete(alg);
        throw new InvalidTokenError('Token algorithm does not match its key', { cause });
      });
      cached.imported.set(alg, imported);
    }
    return imported;
  }

  /** Fetches the key set now (sharing a fetch already under way). */
  refresh(): Promise<void> {
    if (this.inflight !== undefined) return this.inflight;
    this.lastAttempt = Date.now();
    this.counters.fetches += 1;
    this.inflight = this.load()
      .then(
        (keys) => {
          this.keys = keys;
          this.loadedAt = Date.now();
          this.lastFailure = undefined;
        },
        (error: unknown) => {
          this.counters.failures += 1;
          this.lastFailure = error;
          throw error;
        },
      )
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async load(): Promise<Map<string, CachedKey>> {
    const response = await (this.options.fetch ?? fetch)(this.uri, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(this.options.timeout),
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`key set answered HTTP ${response.status}`);
    }
    const length = Number(response.headers.get('content-length') ?? 0);
    if (length > MAX_BODY) {
      await response.body?.cancel();
      throw new Error('key set too large');
    }
    const text = await response.text();
    if (text.length > MAX_BODY) throw new Error('key set too large');
    return signingKeys(JSON.parse(text), this.options.maxKeys);
  }
}
