/**
 * The tenant's JSON Web Key Set (RFC 7517 §5), fetched on first use and cached.
 *
 * - Nothing is fetched at construction; concurrent callers share one fetch.
 * - An unknown `kid` refetches, at most once per cooldown, so a stream of junk `kid`s cannot make
 *   the API hammer the tenant while a real rotation is picked up within the cooldown.
 * - A key set older than `maxAge` is refreshed in the background; cached keys keep serving while
 *   the tenant is down. Only when no usable key is cached does a request fail, with a 503.
 * - The body is read as a stream and dropped as soon as it exceeds 512 KiB; an oversized body is a
 *   failed fetch, like a network error.
 * - Private keys, symmetric keys and keys for encryption are never loaded. Among the loaded keys,
 *   one is chosen as jose's local key sets choose: its `kid` equals the token's, its `kty`/`crv` fit
 *   the token's `alg`, its own `alg` (when named) is the token's, its `use` is `sig` or absent and
 *   its `key_ops` (when present) include `verify`. When several keys fit, the first in the
 *   document is used.
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWK, type JWSHeaderParameters, type LocalJWKSet } from 'jose';
import { InvalidTokenError, KeySetUnavailableError } from '../errors';

/** Options of {@link RemoteKeySet}; every duration in milliseconds. */
export interface KeySetOptions {
  /** Minimum time between two fetches caused by unknown `kid`s or failures. */
  cooldown: number;
  /** Timeout of one fetch, body included. */
  timeout: number;
  /** Age after which the cached set is refreshed in the background. */
  maxAge: number;
  /** Most keys kept from one key set. */
  maxKeys: number;
  /** The fetch to use. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Told of every fetch: its outcome, duration and the keys usable after it. */
  onFetch?: (fetch: {
    outcome: 'ok' | 'error' | 'timeout';
    durationMs: number;
    keys: number;
    cause?: { code: string; message: string };
  }) => void;
  /** The clock every cooldown and age is measured with, in milliseconds. Default: `Date.now`. */
  now?: () => number;
}

/**
 * Counters, for operators and the soak test.
 *
 * @inline
 */
export interface KeySetStats {
  /** Fetches started. */
  fetches: number;
  /** Fetches that failed. */
  failures: number;
  /** Keys currently cached. */
  keys: number;
}

/** Largest key set body read, in bytes. */
const MAX_KEY_SET_BYTES = 512 * 1024;
const SIGNING_KTY = new Set(['RSA', 'EC', 'OKP']);
const ALGORITHM_MISMATCH = 'Token algorithm does not match its key';

/** A failed fetch's error whose message says what went wrong (and `code` says it in short). */
class FetchFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Why a fetch failed, in short (`ECONNREFUSED`, `ENOTFOUND`, a TLS code such as
 * `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `http_503`, `timeout`, `too_large`, `invalid_json`,
 * `invalid_key_set`) and a message of at most 200 characters. undici's `fetch failed` hides the
 * reason in its `cause`.
 */
export function causeOf(error: unknown): { code: string; message: string } {
  if (error instanceof FetchFailure) return { code: error.code, message: error.message };
  if (error instanceof Error && error.name === 'TimeoutError') return { code: 'timeout', message: 'the key set did not answer in time' };
  if (error instanceof SyntaxError) return { code: 'invalid_json', message: 'the key set is not JSON' };
  const inner = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof inner?.code === 'string' ? inner.code : 'fetch_failed';
  const message = typeof inner?.message === 'string' ? inner.message : error instanceof Error ? error.message : String(error);
  return { code, message: message.slice(0, 200) };
}

/** A public signing key with a `kid`: never a private, symmetric or encryption key. */
function isSigningKey(value: unknown): value is JWK & { kid: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const jwk = value as Record<string, unknown>;
  const keyOps = jwk.key_ops;
  return (
    typeof jwk.kid === 'string' &&
    jwk.kid !== '' &&
    typeof jwk.kty === 'string' &&
    SIGNING_KTY.has(jwk.kty) &&
    !('d' in jwk) &&
    !('priv' in jwk) &&
    (jwk.use === undefined || jwk.use === 'sig') &&
    (keyOps === undefined || (Array.isArray(keyOps) && keyOps.includes('verify')))
  );
}

/** What one successful fetch leaves in the cache. */
interface Loaded {
  /** The `kid`s of the loaded keys. */
  kids: Set<string>;
  /** jose's selection over the loaded keys. */
  select: LocalJWKSet;
  /** How many keys were loaded. */
  size: number;
}

/** The usable keys of a key set document, at most `maxKeys`, in document order. */
function loadKeys(document: unknown, maxKeys: number): Loaded {
  const list = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new FetchFailure('invalid_key_set', 'the key set has no "keys" array');
  const keys: JWK[] = [];
  for (const jwk of list) {
    if (keys.length >= maxKeys) break;
    if (isSigningKey(jwk)) keys.push(jwk);
  }
  const set: JSONWebKeySet = { keys };
  return { kids: new Set(keys.map((jwk) => jwk.kid as string)), select: createLocalJWKSet(set), size: keys.length };
}

/** Reads a body as UTF-8 text, dropping the connection as soon as it exceeds `limit` bytes. */
async function readBounded(response: Response, limit: number, abort: () => void): Promise<string> {
  const announced = response.headers.get('content-length');
  if (announced !== null && Number(announced) > limit) {
    abort();
    await response.body?.cancel().catch(() => undefined);
    throw new FetchFailure('too_large', `the key set is too large (Content-Length ${announced})`);
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let text = '';
  let size = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    size += chunk.value.byteLength;
    if (size > limit) {
      abort();
      await reader.cancel().catch(() => undefined);
      throw new FetchFailure('too_large', `the key set is too large (over ${limit} bytes)`);
    }
    text += decoder.decode(chunk.value, { stream: true });
  }
  return text + decoder.decode();
}

/**
 * A remote JWKS with lazy fetching, caching, rotation and outage handling.
 *
 * @example
 * ```ts
 * const keys = new RemoteKeySet('https://your-tenant.auth0.com/.well-known/jwks.json');
 * const key = await keys.getKey({ kid: 'kid-from-token-header', alg: 'RS256' });
 * ```
 */
export class RemoteKeySet {
  readonly uri: string;
  private readonly options: KeySetOptions;
  private readonly now: () => number;
  private loaded: Loaded | undefined;
  private loadedAt = Number.NEGATIVE_INFINITY;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private lastFailure: unknown;
  private inflight: Promise<void> | undefined;
  private readonly counters = { fetches: 0, failures: 0 };

  constructor(uri: string, options: Partial<KeySetOptions> = {}) {
    this.uri = uri;
    this.options = { cooldown: 5000, timeout: 5000, maxAge: 600_000, maxKeys: 20, ...options };
    this.now = this.options.now ?? Date.now;
  }

  /** Counters of fetches and cached keys. */
  get stats(): KeySetStats {
    return { ...this.counters, keys: this.loaded?.size ?? 0 };
  }

  /** Whether a key with this `kid` is cached now (used to drop remembered tokens of revoked keys). */
  has(kid: string): boolean {
    return this.loaded?.kids.has(kid) ?? false;
  }

  /**
   * The verification key for a JWS protected header (a jose key resolver).
   * Throws {@link InvalidTokenError} for a missing or unknown `kid` or a key that does not fit the
   * token's `alg`, {@link KeySetUnavailableError} when the key set cannot be had and no key with
   * this `kid` is cached.
   */
  async getKey(header: { kid?: unknown; alg?: unknown }): Promise<CryptoKey> {
    const { kid, alg } = header;
    if (typeof kid !== 'string' || kid === '') throw new InvalidTokenError('Invalid kid header (missing)');
    const now = this.now();
    if (this.has(kid)) {
      if (now - this.loadedAt > this.options.maxAge && now - this.lastAttempt >= this.options.cooldown) {
        // Stale: refresh in the background; this request keeps the cached key.
        this.refresh().catch(() => undefined);
      }
    } else {
      if (this.inflight === undefined && now - this.lastAttempt >= this.options.cooldown) {
        this.refresh().catch(() => undefined);
      }
      if (this.inflight !== undefined) await this.inflight.catch(() => undefined);
      if (!this.has(kid)) {
        if (this.lastFailure !== undefined) {
          throw new KeySetUnavailableError('The token cannot be checked now: the tenant key set is unreachable', {
            cause: this.lastFailure,
            retryAfter: Math.max(1, Math.ceil(this.options.cooldown / 1000)),
          });
        }
        throw new InvalidTokenError('Invalid kid header (wrong tenant or rotated public key)', { reason: 'unknown_key' });
      }
    }
    return this.select((this.loaded as Loaded).select, kid, alg);
  }

  /** The key jose chooses for `kid` and `alg`; the first fitting one when several fit. */
  private async select(select: LocalJWKSet, kid: string, alg: unknown): Promise<CryptoKey> {
    try {
      return await select({ kid, alg } as JWSHeaderParameters);
    } catch (error) {
      if (error instanceof errors.JWKSMultipleMatchingKeys) {
        // Candidates come in document order; those that cannot be imported are skipped.
        for await (const key of error) return key;
      }
      throw new InvalidTokenError(ALGORITHM_MISMATCH, { cause: error });
    }
  }

  /** Fetches the key set now (sharing a fetch already under way). */
  refresh(): Promise<void> {
    if (this.inflight !== undefined) return this.inflight;
    this.lastAttempt = this.now();
    this.counters.fetches += 1;
    const started = performance.now();
    const report = (outcome: 'ok' | 'error' | 'timeout', error?: unknown) =>
      this.options.onFetch?.({
        outcome,
        durationMs: performance.now() - started,
        keys: this.loaded?.size ?? 0,
        ...(outcome === 'ok' ? {} : { cause: causeOf(error) }),
      });
    this.inflight = this.load()
      .then(
        (loaded) => {
          this.loaded = loaded;
          this.loadedAt = this.now();
          this.lastFailure = undefined;
          report('ok');
        },
        (error: unknown) => {
          this.counters.failures += 1;
          this.lastFailure = error;
          report(error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'error', error);
          throw error;
        },
      )
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async load(): Promise<Loaded> {
    const dropped = new AbortController();
    const response = await (this.options.fetch ?? fetch)(this.uri, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.any([AbortSignal.timeout(this.options.timeout), dropped.signal]),
    });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new FetchFailure(`http_${response.status}`, `the key set answered HTTP ${response.status}`);
    }
    const text = await readBounded(response, MAX_KEY_SET_BYTES, () => dropped.abort());
    return loadKeys(JSON.parse(text), this.options.maxKeys);
  }
}
