/**
 * Where the tenant keeps oidc-provider's state (sessions, interactions, grants, authorization codes,
 * replay records…): a bounded in-memory store of its own, one per tenant, written against
 * oidc-provider's documented adapter interface (`upsert`, `find`, `findByUserCode`, `findByUid`,
 * `consume`, `destroy`, `revokeByGrantId`). Everything is lost when the tenant stops, as a tenant for
 * development and tests wants.
 */
import { positiveInteger } from '../../core/option-check';

/** What oidc-provider stores for one model instance (a JSON object). */
export type AdapterPayload = Record<string, unknown>;

/** oidc-provider's adapter interface, for one model (`Session`, `AccessToken`, `Grant`…). */
export interface ProviderAdapter {
  /** Stores `payload` under `id` for `expiresIn` seconds (for ever when undefined). */
  upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void>;
  /** The payload stored under `id`, unless it expired or was destroyed. */
  find(id: string): Promise<AdapterPayload | undefined>;
  /** The `DeviceCode` with this `userCode`. */
  findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
  /** The `Session` with this `uid`. */
  findByUid(uid: string): Promise<AdapterPayload | undefined>;
  /** Marks the payload under `id` consumed (`consumed`: epoch seconds); it stays until it expires. */
  consume(id: string): Promise<void>;
  /** Forgets the payload under `id`. */
  destroy(id: string): Promise<void>;
  /** Forgets every payload of this model that carries this `grantId`. */
  revokeByGrantId(grantId: string): Promise<void>;
}

/** Bounds and clock of a {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Most payloads kept, all models together (a positive integer). Default 10 000. */
  maxEntries?: number;
  /** The clock, epoch ms. Default `Date.now`. */
  now?: () => number;
}

interface Entry {
  payload: AdapterPayload;
  /** Epoch ms; `Infinity` for no expiry. */
  readonly expiresAt: number;
  /** The secondary keys (`uid`, `userCode`) that point at this entry. */
  readonly lookups: readonly string[];
  /** The key of the grant index this entry is listed in. */
  readonly grantKey: string | undefined;
}

const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * The tenant's in-memory store for oidc-provider: `adapter(model)` is the `adapter` option of its
 * configuration. Payloads are copied in and out, as a database would, so that nothing changes a
 * stored payload behind the store's back. Expired payloads are never returned and are dropped when
 * met; when the store is full, expired payloads are swept, then the oldest writes are dropped.
 *
 * @example
 * ```ts
 * const store = new MemoryStore({ maxEntries: 10_000 });
 * const provider = new Provider(issuer, { adapter: (model: string) => store.adapter(model) });
 * ```
 */
export class MemoryStore {
  private readonly maxEntries: number;
  private readonly now: () => number;
  /** `model\0id` → entry, in write order (the oldest first). */
  private readonly entries = new Map<string, Entry>();
  /** `model\0uid\0…` and `model\0userCode\0…` → entry key. */
  private readonly lookups = new Map<string, string>();
  /** `model\0grantId` → the keys of the entries of that grant. */
  private readonly grants = new Map<string, Set<string>>();

  constructor(options: MemoryStoreOptions = {}) {
    this.maxEntries = positiveInteger('maxEntries', options.maxEntries, DEFAULT_MAX_ENTRIES);
    this.now = options.now ?? Date.now;
  }

  /** How many payloads the store holds (expired ones not swept yet included). */
  get size(): number {
    return this.entries.size;
  }

  /** The adapter for one oidc-provider model. */
  adapter(model: string): ProviderAdapter {
    const key = (id: string): string => `${model}\0${id}`;
    return {
      upsert: async (id, payload, expiresIn) => this.upsert(model, key(id), payload, expiresIn),
      find: async (id) => this.read(key(id)),
      findByUserCode: async (userCode) => this.readLookup(`${model}\0userCode\0${userCode}`),
      findByUid: async (uid) => this.readLookup(`${model}\0uid\0${uid}`),
      consume: async (id) => {
        const entry = this.live(key(id));
        if (entry !== undefined) entry.payload = { ...entry.payload, consumed: Math.floor(this.now() / 1000) };
      },
      destroy: async (id) => this.remove(key(id)),
      revokeByGrantId: async (grantId) => {
        const grantKey = `${model}\0${grantId}`;
        for (const member of [...(this.grants.get(grantKey) ?? [])]) this.remove(member);
        this.grants.delete(grantKey);
      },
    };
  }

  private upsert(model: string, key: string, payload: AdapterPayload, expiresIn: number | undefined): void {
    this.remove(key);
    this.makeRoom();
    const lookups: string[] = [];
    if (model === 'Session' && typeof payload.uid === 'string') lookups.push(`${model}\0uid\0${payload.uid}`);
    if (typeof payload.userCode === 'string') lookups.push(`${model}\0userCode\0${payload.userCode}`);
    for (const lookup of lookups) this.lookups.set(lookup, key);
    const grantKey = typeof payload.grantId === 'string' ? `${model}\0${payload.grantId}` : undefined;
    if (grantKey !== undefined) {
      const members = this.grants.get(grantKey) ?? new Set<string>();
      members.add(key);
      this.grants.set(grantKey, members);
    }
    const expiresAt = typeof expiresIn === 'number' ? this.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY;
    this.entries.set(key, { payload: structuredClone(payload), expiresAt, lookups, grantKey });
  }

  /** The entry under `key` unless it expired (then it is dropped). */
  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.remove(key);
      return undefined;
    }
    return entry;
  }

  private read(key: string): AdapterPayload | undefined {
    const entry = this.live(key);
    return entry === undefined ? undefined : structuredClone(entry.payload);
  }

  private readLookup(lookup: string): AdapterPayload | undefined {
    const key = this.lookups.get(lookup);
    return key === undefined ? undefined : this.read(key);
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    for (const lookup of entry.lookups) {
      if (this.lookups.get(lookup) === key) this.lookups.delete(lookup);
    }
    if (entry.grantKey !== undefined) {
      const members = this.grants.get(entry.grantKey);
      members?.delete(key);
      if (members?.size === 0) this.grants.delete(entry.grantKey);
    }
  }

  /** Below the bound before a write: sweeps expired payloads, then drops the oldest writes (a tenth). */
  private makeRoom(): void {
    if (this.entries.size < this.maxEntries) return;
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.remove(key);
    }
    if (this.entries.size < this.maxEntries) return;
    const target = this.maxEntries - Math.max(1, Math.floor(this.maxEntries / 10));
    for (const key of this.entries.keys()) {
      if (this.entries.size <= target) break;
      this.remove(key);
    }
  }
}
