/**
 * A DPoP replay store in Redis, shared by the replicas of an API (RFC 9449 §11.1, DPoP proof replay).
 *
 * Each proof is one atomic `SET key 1 NX PX <ms>`: Redis answers `OK` when the key was absent (the
 * proof is new, and now recorded until it could no longer be accepted) and nothing when it exists
 * (a replay, whichever replica saw the proof first). Check and record are one command, so two copies
 * of a proof racing each other to two replicas cannot both pass.
 *
 * The key is `{prefix}{namespace}:{sha256(jkt)}:{sha256(jti)}` (digests in base64url): the namespace
 * separates the APIs that share one Redis, and the digests give every key the same length and keep
 * a proof's `jti` (chosen by the client) from shaping, or colliding with, another key.
 *
 * The store fails closed: an error, or no answer within `timeout`, rejects, and the pipeline answers
 * 503 `temporarily_unavailable` instead of accepting a proof it could not record. Redis keeps no
 * per-key or per-subject quota (the subject `remember` is given is not used): a flood of fresh proofs,
 * from one key or from many keys of one user, costs Redis memory, never another user's proofs.
 *
 * The `redis` package (node-redis 5) is an optional peer: it is loaded by {@link RedisReplayStore.connect}
 * only, and these declarations name none of its types.
 */
import { createHash } from 'node:crypto';
import type { ReplayStore } from '../core/binding/replay-store';
import { Auth0ConfigError } from '../core/errors';
import { callable, fail, numberOption, shown, text, TIMER_MILLISECONDS } from '../core/option-check';

/** Default key prefix. */
const DEFAULT_PREFIX = 'rca:dpop:';
/** Default timeout of one `SET`, in ms. */
const DEFAULT_TIMEOUT = 200;
/** Longest pause between two reconnection attempts of a client made by `connect`, in ms (plus jitter). */
const MAX_RECONNECT_DELAY = 1000;

/**
 * The one command the store sends: node-redis's `set` (a client, a cluster or a pool of the
 * `redis` package, version 5), described by its shape so that this type names no `redis` type.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const client: RedisSetCommand = await createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true }).connect();
 * ```
 */
export interface RedisSetCommand {
  /**
   * `SET key value NX PX ms`: resolves `'OK'` when the key was set, `null` when it existed.
   *
   * @example
   * ```ts
   * await client.set('rca:dpop:api:…', '1', { condition: 'NX', expiration: { type: 'PX', value: 330_000 } }); // 'OK'
   * ```
   */
  set(key: string, value: string, options: { condition: 'NX'; expiration: { type: 'PX'; value: number } }): Promise<unknown>;
}

/**
 * Where the keys go and how long a `SET` may take; shared by the constructor and {@link RedisReplayStore.connect}.
 *
 * @example
 * ```ts
 * const settings: RedisReplayStoreSettings = { namespace: 'https://api.example.com', timeout: 200 };
 * ```
 */
export interface RedisReplayStoreSettings {
  /**
   * What separates this API's keys from those of other APIs sharing the Redis: a non-empty string,
   * the same on every replica of the API, e.g. its audience.
   */
  namespace: string;
  /** Prefix of every key, before the namespace. Default `'rca:dpop:'`. */
  prefix?: string;
  /**
   * How long one `SET` may take, in ms (an integer from 1 to 2147483647): a `SET` that has not
   * answered by then rejects, and the request gets 503. Default 200.
   */
  timeout?: number;
  /** The clock proof expiries are measured with, in epoch ms (the `clock` given to `Auth0`, if any). Default `Date.now`. */
  now?: () => number;
}

/**
 * Options of `new RedisReplayStore(...)`: a connected node-redis client of the application.
 *
 * @example
 * ```ts
 * const options: RedisReplayStoreOptions = { client, namespace: 'https://api.example.com' };
 * ```
 */
export interface RedisReplayStoreOptions extends RedisReplayStoreSettings {
  /**
   * A connected node-redis 5 client (or cluster). The application owns it: it attaches its own
   * `'error'` listener and closes it. Create it with `disableOfflineQueue: true`, so that a command
   * sent while Redis is unreachable fails at once instead of waiting in the client's queue until
   * the timeout.
   */
  client: RedisSetCommand;
}

/**
 * Options of {@link RedisReplayStore.connect}: where Redis is, and what to do with the client's errors.
 *
 * @example
 * ```ts
 * const options: RedisReplayStoreConnectOptions = { url: 'redis://redis:6379', namespace: 'https://api.example.com' };
 * ```
 */
export interface RedisReplayStoreConnectOptions extends RedisReplayStoreSettings {
  /** `redis[s]://[[username][:password]@][host][:port][/db-number]`. */
  url: string;
  /**
   * Told every error of the client: a lost connection, each failed reconnection attempt. Default:
   * none (they are ignored: a request that meets the outage reports it through `onEvent` as a
   * `replayStoreError`).
   */
  onError?: (error: Error) => void;
}

/** The part of a node-redis client that `connect` uses. */
interface OwnedClient extends RedisSetCommand {
  readonly isOpen: boolean;
  connect(): Promise<unknown>;
  destroy(): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
}

/** The part of the `redis` package that `connect` uses. */
interface RedisModule {
  createClient(options: {
    url: string;
    disableOfflineQueue: boolean;
    socket: { reconnectStrategy: (retries: number, cause: Error) => number | Error };
  }): OwnedClient;
}

/** The `redis` package, loaded on first use. */
function loadRedis(): RedisModule {
  try {
    return require('redis') as RedisModule;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'MODULE_NOT_FOUND') {
      throw configError('RedisReplayStore.connect needs the redis package (node-redis 5): npm install redis', error);
    }
    throw error;
  }
}

/** An `Auth0ConfigError` that keeps the error it comes from as its `cause`. */
function configError(message: string, cause: unknown): Auth0ConfigError {
  return Object.assign(new Auth0ConfigError(message), { cause });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** base64url SHA-256 of `value`. */
function digest(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

/** Resolves or rejects as `promise` does, or rejects once `ms` have passed without an answer. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis replay store: no answer from Redis within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** The settings, checked: every mistake is an `Auth0ConfigError` naming the option. */
function checkSettings(settings: RedisReplayStoreSettings): Required<RedisReplayStoreSettings> {
  const namespace = text('RedisReplayStore.namespace', settings.namespace);
  if (namespace === undefined) fail('`RedisReplayStore.namespace` must be set: a non-empty string (e.g. the API audience)');
  const { prefix = DEFAULT_PREFIX } = settings;
  if (typeof prefix !== 'string') fail(`\`RedisReplayStore.prefix\` must be a string (got ${shown(prefix)})`);
  return {
    namespace,
    prefix,
    timeout: numberOption('RedisReplayStore.timeout', settings.timeout, DEFAULT_TIMEOUT, TIMER_MILLISECONDS),
    now: callable('RedisReplayStore.now', settings.now) ?? Date.now,
  };
}

/** Exponential back-off with jitter, 50 ms doubling up to about a second, for as long as it takes. */
function backoff(retries: number): number {
  return Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY) + Math.floor(Math.random() * 100);
}

/**
 * A {@link ReplayStore} in Redis: the replicas of an API that share it refuse a proof replayed to
 * any of them. One `SET key 1 NX PX <ms>` per DPoP request; an already expired proof needs none.
 *
 * When Redis is unreachable or does not answer within `timeout`, `remember` rejects and DPoP
 * requests get 503 `temporarily_unavailable` with `Retry-After: 5` (and a `replayStoreError` event),
 * while Bearer requests are not affected; when Redis is back, the client reconnects by itself.
 *
 * @example
 * ```ts
 * import { RedisReplayStore } from 'routing-controllers-auth0/redis';
 * const replayStore = await RedisReplayStore.connect({ url: process.env.REDIS_URL!, namespace: 'https://api.example.com' });
 * const auth = new Auth0({ domain, audience: 'https://api.example.com', dpop: { replayStore } });
 * // at shutdown, after the HTTP server has closed:
 * await replayStore.close();
 * ```
 */
export class RedisReplayStore implements ReplayStore {
  private readonly client: RedisSetCommand;
  private readonly prefix: string;
  private readonly timeout: number;
  private readonly now: () => number;
  /** The client `connect` made, closed by `close`; none for an application's client. */
  private owned: OwnedClient | undefined;

  /**
   * A store on a connected client of the application (which keeps owning it).
   *
   * @example
   * ```ts
   * import { createClient } from 'redis';
   * const client = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true });
   * client.on('error', (error) => log.warn(error));
   * await client.connect();
   * const replayStore = new RedisReplayStore({ client, namespace: 'https://api.example.com' });
   * ```
   */
  constructor(options: RedisReplayStoreOptions) {
    const settings = checkSettings(options);
    const client: unknown = options.client;
    if (typeof (client as Partial<RedisSetCommand> | undefined)?.set !== 'function') {
      fail('`RedisReplayStore.client` must be a connected node-redis client');
    }
    this.client = options.client;
    this.prefix = `${settings.prefix}${settings.namespace}:`;
    this.timeout = settings.timeout;
    this.now = settings.now;
  }

  /**
   * Loads the `redis` package, connects a client of its own to `url` and resolves with a store on
   * it. The client rejects commands at once while disconnected (`disableOfflineQueue`), listens to
   * its own `'error'` events (passed to `onError`), and reconnects by itself after a lost connection
   * (back-off up to about a second), for as long as it takes. Rejects with an `Auth0ConfigError`
   * when `redis` is not installed or an option is wrong, and with the cause when the first
   * connection fails (nothing is retried at start: a wrong URL is noticed at once).
   *
   * @example
   * ```ts
   * const replayStore = await RedisReplayStore.connect({
   *   url: 'redis://redis:6379',
   *   namespace: 'https://api.example.com',
   *   onError: (error) => log.warn({ err: error }, 'redis'),
   * });
   * ```
   */
  static async connect(options: RedisReplayStoreConnectOptions): Promise<RedisReplayStore> {
    const settings = checkSettings(options);
    const { url, onError } = options;
    if (typeof url !== 'string' || url === '')
      fail(`\`RedisReplayStore.connect.url\` must be a redis:// or rediss:// URL (got ${shown(url)})`);
    callable('RedisReplayStore.connect.onError', onError);
    const redis = loadRedis();
    let connected = false;
    let client: OwnedClient;
    try {
      client = redis.createClient({
        url,
        disableOfflineQueue: true,
        socket: {
          // At start, one attempt: a wrong URL or a Redis that is down fails `connect` at once.
          // Once connected, a lost connection is retried for as long as it takes.
          reconnectStrategy: (retries, cause) => (connected ? backoff(retries) : cause),
        },
      });
    } catch (error) {
      throw configError(`RedisReplayStore.connect: ${messageOf(error)}`, error);
    }
    client.on('error', (error) => {
      try {
        onError?.(error);
      } catch {
        // An observer that throws must not take the process down from an event emitter.
      }
    });
    client.on('ready', () => {
      connected = true;
    });
    try {
      await client.connect();
    } catch (error) {
      // The reconnection strategy gave up: the client is closed already.
      if (client.isOpen) client.destroy();
      throw new Error(`Redis replay store: cannot connect to Redis: ${messageOf(error)}`, { cause: error });
    }
    const store = new RedisReplayStore({ ...settings, client });
    store.owned = client;
    return store;
  }

  /**
   * Remembers proof `jti` of key `jkt` until `expiresAt` (epoch ms) with one `SET key 1 NX PX`:
   * true when new (now recorded), false when a replay. An already expired proof resolves true with
   * no round trip (it could not be accepted again anyway). Rejects when Redis fails or does not
   * answer within the timeout, and with a `RangeError` for a non-finite `expiresAt`.
   *
   * @example
   * ```ts
   * await replayStore.remember(jkt, 'e1j3V_bKic8-LAEB', Date.now() + 300_000); // true: first time, now recorded
   * await replayStore.remember(jkt, 'e1j3V_bKic8-LAEB', Date.now() + 300_000); // false: a replay
   * ```
   */
  async remember(jkt: string, jti: string, expiresAt: number): Promise<boolean> {
    if (!Number.isFinite(expiresAt)) throw new RangeError('expiresAt must be a finite epoch time in milliseconds');
    const ttl = Math.ceil(expiresAt - this.now());
    if (ttl <= 0) return true;
    const reply = await within(this.set(this.keyOf(jkt, jti), ttl), this.timeout);
    if (reply === null) return false;
    if (String(reply) === 'OK') return true;
    throw new Error('Redis replay store: unexpected answer to SET NX');
  }

  /**
   * Closes the client that {@link RedisReplayStore.connect} made, at once: a `SET` still under way
   * rejects (its request gets 503). Does nothing to a client of the application, which closes it
   * itself. Idempotent. Close the HTTP server first, so that no request is under way.
   *
   * @example
   * ```ts
   * await new Promise((done) => server.close(done));
   * await replayStore.close();
   * ```
   */
  async close(): Promise<void> {
    const client = this.owned;
    this.owned = undefined;
    if (client?.isOpen) client.destroy();
  }

  /** `SET key 1 NX PX ttl`, its failures named as the store's. */
  private async set(key: string, ttl: number): Promise<unknown> {
    try {
      return await this.client.set(key, '1', { condition: 'NX', expiration: { type: 'PX', value: ttl } });
    } catch (error) {
      throw new Error(`Redis replay store: ${messageOf(error)}`, { cause: error });
    }
  }

  /** The key of one proof: namespaced, fixed-length digests of both parts. */
  private keyOf(jkt: string, jti: string): string {
    return `${this.prefix}${digest(jkt)}:${digest(jti)}`;
  }
}
