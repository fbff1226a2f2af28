/**
 * Replay detection for DPoP proofs (RFC 9449 §11.1, DPoP proof replay; the `jti` claim of §4.2).
 *
 * A resource server remembers each proof's `jti` for as long as the proof could be accepted, and
 * refuses a proof whose `jti` it has seen. Checking and recording must be one atomic operation, so
 * that two copies of a proof racing each other cannot both pass.
 *
 * The memory store is bounded three times: in all, per proof key (the `jkt` thumbprint) and per
 * subject (the token's `sub`). Anyone holding one DPoP-bound token can sign any number of
 * fresh proofs with its key; the per-key quota makes such a flood exhaust only that key's share, never
 * the proofs of other keys. A user can also obtain many tokens, each bound to a key of their own; the
 * per-subject quota keeps all of one subject's keys together to their share. Entries are
 * dropped in expiry order (a min-heap: proofs arrive with different `iat`s, so insertion order is
 * not expiry order). When a proof cannot be recorded the store fails closed: it throws
 * {@link TemporarilyUnavailableError} (503) with the seconds until room frees up, and the proof is
 * never accepted unrecorded.
 */
import { createHash } from 'node:crypto';
import { TemporarilyUnavailableError } from '../errors';
import { positiveInteger } from '../option-check';

/**
 * Remembers DPoP proof `jti`s against replay (RFC 9449 §11.1): check and record in one atomic operation.
 *
 * A shared store (e.g. Redis `SET key 1 NX PXAT expiresAt`) lets replicas detect a proof replayed
 * to another replica.
 *
 * @example
 * ```ts
 * const store: ReplayStore = new MemoryReplayStore({ maxEntries: 100_000, maxPerKey: 5_000 });
 * if (!(await store.remember(jkt, jti, (iat + 60 + 1) * 1000))) throw new InvalidDpopProofError('DPoP proof replayed');
 * ```
 */
export interface ReplayStore {
  /**
   * Remembers proof `jti` for proof key thumbprint `jkt` until `expiresAt` (epoch ms).
   * Resolves true when this (jkt, jti) was not seen before (now recorded), false when it was seen and
   * has not expired (a replay). Rejects with TemporarilyUnavailableError when it cannot record it
   * (fail closed: a proof that could not be recorded is never accepted). `subject` names who the
   * proof's access token was issued to (its `sub`), when the caller
   * knows it: a store may bound the live proofs of one subject; a store that ignores it stays correct.
   *
   * @example
   * ```ts
   * await store.remember('0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I', 'e1j3V_bKic8-LAEB', Date.now() + 300_000); // true
   * ```
   */
  remember(jkt: string, jti: string, expiresAt: number, subject?: string): Promise<boolean>;
}

/**
 * Bounds and clock of a {@link MemoryReplayStore}.
 *
 * @example
 * ```ts
 * const options: MemoryReplayStoreOptions = { maxEntries: 100_000, maxPerKey: 5_000, maxPerSubject: 10_000 };
 * ```
 *
 * @inline
 */
export interface MemoryReplayStoreOptions {
  /** Most entries in all (a positive integer). */
  maxEntries: number;
  /** Most live entries per proof key (`jkt`) (a positive integer). */
  maxPerKey: number;
  /**
   * Most live entries per subject, over all of its keys (a positive integer). Default `maxEntries`
   * (no bound beyond the others). Proofs remembered without a subject count against none.
   */
  maxPerSubject?: number;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
}

/** A remembered proof, ordered by expiry in the heap. */
interface Entry {
  readonly expiresAt: number;
  readonly jkt: string;
  /** The digest of its `jti` (see {@link digestOf}). */
  readonly jti: string;
  readonly subject: string | undefined;
}

/**
 * A compact record of a `jti`: 128 bits of its SHA-256, 22 characters however long the `jti` is
 * (up to 256), so that each remembered proof takes the same few hundred bytes whatever a client
 * sends. Two `jti`s of one key with the same digest are as likely as guessing a 128-bit secret.
 */
function digestOf(jti: string): string {
  return createHash('sha256').update(jti).digest('base64url').slice(0, 22);
}

/** The live proofs of one key: their `jti`s, and their expiries as a min-heap (for Retry-After). */
interface KeyEntries {
  readonly jtis: Set<string>;
  readonly expiries: MinHeap<number>;
}

/** A binary min-heap: push and pop in O(log n), peek in O(1). */
class MinHeap<T> {
  private readonly items: T[] = [];
  private readonly less: (a: T, b: T) => boolean;

  constructor(less: (a: T, b: T) => boolean) {
    this.less = less;
  }

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    let index = items.push(item) - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.less(item, items[parent])) break;
      items[index] = items[parent];
      index = parent;
    }
    items[index] = item;
  }

  /** Removes the top item; the heap must not be empty. */
  pop(): void {
    const items = this.items;
    const last = items.pop() as T;
    if (items.length === 0) return;
    let index = 0;
    for (let left = 1; left < items.length; left = 2 * index + 1) {
      const right = left + 1;
      const child = right < items.length && this.less(items[right], items[left]) ? right : left;
      if (!this.less(items[child], last)) break;
      items[index] = items[child];
      index = child;
    }
    items[index] = last;
  }
}

/** Whole seconds until the live entry expiring at `expiresAt` expires (a `Retry-After` value): at least 1, as it is after `now`. */
function secondsUntil(expiresAt: number, now: number): number {
  return Math.ceil((expiresAt - now) / 1000);
}

/** The earliest-first expiries of `owner`'s live entries in `owners`, a new heap added when it has none. */
function expiriesOf(owners: Map<string, MinHeap<number>>, owner: string): MinHeap<number> {
  let expiries = owners.get(owner);
  if (expiries === undefined) {
    expiries = new MinHeap<number>((a, b) => a < b);
    owners.set(owner, expiries);
  }
  return expiries;
}

/** The 503 of a full quota: retry once its earliest entry has expired. */
function busy(message: string, earliest: number, now: number): TemporarilyUnavailableError {
  return new TemporarilyUnavailableError(message, { reason: 'busy', retryAfter: secondsUntil(earliest, now) });
}

/**
 * A {@link ReplayStore} in this process's memory, bounded in all, per proof key and per subject.
 *
 * An entry is live while `expiresAt` is after the clock. A key whose `maxPerKey` live entries are
 * all in use gets a 503 until its earliest entry expires, while other keys keep working; so does a
 * subject whose keys together hold `maxPerSubject` live entries, while other subjects keep working;
 * when the whole store holds `maxEntries` live entries, every new proof gets a 503. Expired entries
 * are dropped in expiry order (amortised O(log n) per proof) and a key or subject without live
 * entries takes no memory. Replicas behind a load
 * balancer need a shared store instead.
 *
 * @example
 * ```ts
 * const store = new MemoryReplayStore({ maxEntries: 100_000, maxPerKey: 5_000, maxPerSubject: 10_000 });
 * await store.remember(jkt, 'jti-1', Date.now() + 300_000, subject); // true: first time, now recorded
 * await store.remember(jkt, 'jti-1', Date.now() + 300_000, subject); // false: a replay
 * ```
 */
export class MemoryReplayStore implements ReplayStore {
  private readonly maxEntries: number;
  private readonly maxPerKey: number;
  private readonly maxPerSubject: number;
  private readonly now: () => number;
  /** jkt → its live entries. Nested maps: no (jkt, jti) pair can collide with another. */
  private readonly keys = new Map<string, KeyEntries>();
  /** subject → the expiries of its live entries, over all of its keys. */
  private readonly subjects = new Map<string, MinHeap<number>>();
  /** Every entry of `keys`, earliest expiry on top. */
  private readonly byExpiry = new MinHeap<Entry>((a, b) => a.expiresAt < b.expiresAt);

  constructor(options: MemoryReplayStoreOptions) {
    this.maxEntries = positiveInteger('MemoryReplayStore.maxEntries', options.maxEntries);
    this.maxPerKey = positiveInteger('MemoryReplayStore.maxPerKey', options.maxPerKey);
    this.maxPerSubject = positiveInteger('MemoryReplayStore.maxPerSubject', options.maxPerSubject, this.maxEntries);
    this.now = options.now ?? Date.now;
  }

  /**
   * Number of live entries in all (expired ones are dropped first).
   *
   * @example
   * ```ts
   * store.size; // 0
   * ```
   */
  get size(): number {
    this.evictExpired(this.now());
    return this.byExpiry.size;
  }

  /**
   * Number of live entries of proof key `jkt` (expired ones are dropped first).
   *
   * @example
   * ```ts
   * store.sizeOf(jkt); // 0
   * ```
   */
  sizeOf(jkt: string): number {
    this.evictExpired(this.now());
    return this.keys.get(jkt)?.jtis.size ?? 0;
  }

  /**
   * Number of live entries of `subject`, over all of its keys (expired ones are dropped first).
   *
   * @example
   * ```ts
   * store.sizeOfSubject(subject); // 0
   * ```
   */
  sizeOfSubject(subject: string): number {
    this.evictExpired(this.now());
    return this.subjects.get(subject)?.size ?? 0;
  }

  /**
   * Remembers proof `jti` of key `jkt` until `expiresAt` (epoch ms): true when new (now recorded),
   * false when a replay of a live entry. Rejects with {@link TemporarilyUnavailableError} when the
   * key's quota, the subject's quota or the whole store is full of live entries, and a `RangeError`
   * for a non-finite `expiresAt`. Checking and recording happen in one turn of the event loop, so
   * two copies of a proof cannot both pass.
   *
   * @example
   * ```ts
   * if (!(await store.remember(jkt, jti, (iat + 60 + 1) * 1000, subject))) throw new InvalidDpopProofError('DPoP proof replayed');
   * ```
   */
  async remember(jkt: string, proofJti: string, expiresAt: number, subject?: string): Promise<boolean> {
    if (!Number.isFinite(expiresAt)) throw new RangeError('expiresAt must be a finite epoch time in milliseconds');
    const jti = digestOf(proofJti);
    const now = this.now();
    this.evictExpired(now);
    const entries = this.keys.get(jkt);
    // Every entry left is live: one with this jti is a replay.
    if (entries?.jtis.has(jti)) return false;
    // Already expired: it could never be replayed while live, so there is nothing to record.
    if (expiresAt <= now) return true;
    if (entries !== undefined && entries.jtis.size >= this.maxPerKey) {
      throw busy('Too many DPoP proofs in flight for this key: retry later', entries.expiries.peek() as number, now);
    }
    const owned = subject === undefined ? undefined : this.subjects.get(subject);
    if (owned !== undefined && owned.size >= this.maxPerSubject) {
      throw busy('Too many DPoP proofs in flight for this subject: retry later', owned.peek() as number, now);
    }
    if (this.byExpiry.size >= this.maxEntries) {
      throw busy('Too many DPoP proofs in flight: retry later', (this.byExpiry.peek() as Entry).expiresAt, now);
    }
    const own = entries ?? { jtis: new Set<string>(), expiries: new MinHeap<number>((a, b) => a < b) };
    if (entries === undefined) this.keys.set(jkt, own);
    own.jtis.add(jti);
    own.expiries.push(expiresAt);
    if (subject !== undefined) expiriesOf(this.subjects, subject).push(expiresAt);
    this.byExpiry.push({ expiresAt, jkt, jti, subject });
    return true;
  }

  /** Drops every entry whose expiry is not after `now`, earliest first. */
  private evictExpired(now: number): void {
    for (let top = this.byExpiry.peek(); top !== undefined && top.expiresAt <= now; top = this.byExpiry.peek()) {
      this.byExpiry.pop();
      // Every entry in the heap is in `keys`.
      const entries = this.keys.get(top.jkt) as KeyEntries;
      entries.jtis.delete(top.jti);
      // The earliest entry of all is also the earliest of its key.
      entries.expiries.pop();
      if (entries.jtis.size === 0) this.keys.delete(top.jkt);
      if (top.subject === undefined) continue;
      // Likewise of its subject.
      const owned = this.subjects.get(top.subject) as MinHeap<number>;
      owned.pop();
      if (owned.size === 0) this.subjects.delete(top.subject);
    }
  }
}
