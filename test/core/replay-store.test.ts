import { expect } from 'chai';
import fc from 'fast-check';
import { MemoryReplayStore, type ReplayStore } from '../../src/core/binding/replay-store';
import { Auth0ConfigError, TemporarilyUnavailableError } from '../../src/core/errors';

/** A clock the test moves by hand. */
function manualClock(start = 1_700_000_000_000): { t: number; now: () => number } {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

/** Runs `action`, which must throw a 503, and returns that error. */
async function refused(action: () => Promise<unknown>): Promise<TemporarilyUnavailableError> {
  try {
    await action();
  } catch (error) {
    expect(error).to.be.instanceOf(TemporarilyUnavailableError);
    const unavailable = error as TemporarilyUnavailableError;
    expect([unavailable.status, unavailable.code]).to.deep.equal([503, 'temporarily_unavailable']);
    return unavailable;
  }
  return expect.fail('expected a TemporarilyUnavailableError');
}

/** `remember`'s answer, or the Retry-After of its 503. */
async function outcome(remember: () => Promise<boolean>): Promise<boolean | number> {
  try {
    return await remember();
  } catch (error) {
    return (error as TemporarilyUnavailableError).retryAfter;
  }
}

/** The rules written plainly (linear scans), to compare the store with. */
class ModelStore {
  /** jkt → jti → its expiry and subject. */
  private readonly entries = new Map<string, Map<string, { until: number; subject: string | undefined }>>();
  constructor(
    private readonly maxEntries: number,
    private readonly maxPerKey: number,
    private readonly maxPerSubject: number,
  ) {}

  remember(jkt: string, jti: string, until: number, now: number, subject?: string): boolean | number {
    this.forget(now);
    const own = this.entries.get(jkt) ?? new Map<string, { until: number; subject: string | undefined }>();
    const all = [...this.entries.values()].flatMap((jtis) => [...jtis.values()]);
    const owned = all.filter((entry) => subject !== undefined && entry.subject === subject);
    const retryAfter = (entries: Array<{ until: number }>) =>
      Math.max(1, Math.ceil((Math.min(...entries.map((entry) => entry.until)) - now) / 1000));
    if (own.has(jti)) return false;
    if (until <= now) return true;
    if (own.size >= this.maxPerKey) return retryAfter([...own.values()]);
    if (owned.length >= this.maxPerSubject) return retryAfter(owned);
    if (all.length >= this.maxEntries) return retryAfter(all);
    this.entries.set(jkt, own.set(jti, { until, subject }));
    return true;
  }

  /** Live entries in all, then of keys a, b and c, then of subjects s and t. */
  sizes(now: number): number[] {
    this.forget(now);
    const of = (jkt: string) => this.entries.get(jkt)?.size ?? 0;
    const all = [...this.entries.values()].flatMap((jtis) => [...jtis.values()]);
    const ofSubject = (subject: string) => all.filter((entry) => entry.subject === subject).length;
    return [of('a') + of('b') + of('c'), of('a'), of('b'), of('c'), ofSubject('s'), ofSubject('t')];
  }

  private forget(now: number): void {
    for (const [jkt, jtis] of this.entries) {
      for (const [jti, entry] of jtis) if (entry.until <= now) jtis.delete(jti);
      if (jtis.size === 0) this.entries.delete(jkt);
    }
  }
}

describe('MemoryReplayStore (RFC 9449 §11.1)', () => {
  it('records a proof once, detects its replay, and forgets it when it expires', async () => {
    const clock = manualClock();
    const store: ReplayStore = new MemoryReplayStore({ maxEntries: 10, maxPerKey: 10, now: clock.now });
    const expiresAt = clock.t + 60_000;
    expect(await store.remember('key', 'jti-1', expiresAt)).to.equal(true);
    expect(await store.remember('key', 'jti-1', expiresAt)).to.equal(false);
    expect(await store.remember('key', 'jti-1', expiresAt + 60_000)).to.equal(false);
    clock.t = expiresAt - 1;
    expect(await store.remember('key', 'jti-1', expiresAt)).to.equal(false);
    // Live while expiresAt is after the clock: at expiresAt it is gone.
    clock.t = expiresAt;
    expect(await store.remember('key', 'jti-1', clock.t + 60_000)).to.equal(true);
    expect(await store.remember('key', 'jti-1', clock.t + 60_000)).to.equal(false);
  });

  it('keeps the same jti of different keys apart', async () => {
    const clock = manualClock();
    const store = new MemoryReplayStore({ maxEntries: 10, maxPerKey: 10, now: clock.now });
    expect(await store.remember('key-1', 'jti', clock.t + 1000)).to.equal(true);
    expect(await store.remember('key-2', 'jti', clock.t + 1000)).to.equal(true);
    expect(await store.remember('key-2', 'jti', clock.t + 1000)).to.equal(false);
  });

  it('does not confuse (a:b, c) with (a, b:c)', async () => {
    const clock = manualClock();
    const store = new MemoryReplayStore({ maxEntries: 10, maxPerKey: 10, now: clock.now });
    expect(await store.remember('a:b', 'c', clock.t + 1000)).to.equal(true);
    expect(await store.remember('a', 'b:c', clock.t + 1000)).to.equal(true);
    expect(await store.remember('a:b:c', '', clock.t + 1000)).to.equal(true);
    expect(await store.remember('', 'a:b:c', clock.t + 1000)).to.equal(true);
    expect([store.sizeOf('a:b'), store.sizeOf('a'), store.sizeOf('a:b:c'), store.sizeOf(''), store.size]).to.deep.equal([1, 1, 1, 1, 4]);
  });

  it("a key flooding its quota gets 503 with Retry-After, while other keys' proofs are still accepted", async () => {
    const clock = manualClock();
    const store = new MemoryReplayStore({ maxEntries: 100, maxPerKey: 3, now: clock.now });
    // Another key's entry expires first of all: the flooding key's Retry-After must not use it.
    expect(await store.remember('honest', 'h-0', clock.t + 1000)).to.equal(true);
    expect(await store.remember('flood', 'f-1', clock.t + 10_000)).to.equal(true);
    expect(await store.remember('flood', 'f-2', clock.t + 4500)).to.equal(true);
    expect(await store.remember('flood', 'f-3', clock.t + 20_000)).to.equal(true);

    const error = await refused(() => store.remember('flood', 'f-4', clock.t + 30_000));
    // Seconds until the key's earliest entry expires (4.5 s, rounded up): not its first inserted, not the store's earliest.
    expect(error.retryAfter).to.equal(5);
    expect(store.sizeOf('flood')).to.equal(3);
    // A replay of a live proof is still a replay, not a 503.
    expect(await store.remember('flood', 'f-2', clock.t + 4500)).to.equal(false);
    // Everyone else keeps working.
    expect(await store.remember('honest', 'h-1', clock.t + 30_000)).to.equal(true);
    expect(await store.remember('other', 'o-1', clock.t + 30_000)).to.equal(true);

    // Once the earliest entry of the key expires, exactly one more proof fits.
    clock.t += 4500;
    expect(await store.remember('flood', 'f-4', clock.t + 30_000)).to.equal(true);
    expect((await refused(() => store.remember('flood', 'f-5', clock.t + 30_000))).retryAfter).to.equal(6);
  });

  it("a subject flooding its quota through many keys gets 503 with Retry-After, while other subjects' proofs are still accepted", async () => {
    const clock = manualClock();
    const store = new MemoryReplayStore({ maxEntries: 100, maxPerKey: 2, maxPerSubject: 4, now: clock.now });
    // Another subject's entry expires first of all: the flooding subject's Retry-After must not use it.
    expect(await store.remember('honest-key', 'h-0', clock.t + 1000, 'honest')).to.equal(true);
    // Four keys of one subject, each well within its own quota of 2.
    expect(await store.remember('k1', 'f-1', clock.t + 10_000, 'flood')).to.equal(true);
    expect(await store.remember('k2', 'f-2', clock.t + 3500, 'flood')).to.equal(true);
    expect(await store.remember('k3', 'f-3', clock.t + 20_000, 'flood')).to.equal(true);
    expect(await store.remember('k4', 'f-4', clock.t + 20_000, 'flood')).to.equal(true);
    expect(store.sizeOfSubject('flood')).to.equal(4);

    // A fifth key of the subject, with nothing of its own yet: the subject's quota refuses it.
    const error = await refused(() => store.remember('k5', 'f-5', clock.t + 30_000, 'flood'));
    // Seconds until the subject's earliest entry expires (3.5 s, rounded up), not the store's earliest.
    expect(error.retryAfter).to.equal(4);
    expect(error.message).to.match(/for this subject/);
    expect([store.sizeOf('k5'), store.sizeOfSubject('flood'), store.size]).to.deep.equal([0, 4, 5]);
    // A replay of a live proof is still a replay, not a 503.
    expect(await store.remember('k2', 'f-2', clock.t + 3500, 'flood')).to.equal(false);
    // Other subjects, and proofs remembered without a subject, keep working.
    expect(await store.remember('honest-key', 'h-1', clock.t + 30_000, 'honest')).to.equal(true);
    expect(await store.remember('other-key', 'o-1', clock.t + 30_000, 'other')).to.equal(true);
    expect(await store.remember('k5', 'no-subject', clock.t + 30_000)).to.equal(true);
    expect(store.sizeOfSubject('honest')).to.equal(2);

    // Once the subject's earliest entry expires, exactly one more proof of it fits, with any of its keys.
    clock.t += 3500;
    expect(await store.remember('k6', 'f-6', clock.t + 30_000, 'flood')).to.equal(true);
    expect((await refused(() => store.remember('k1', 'f-7', clock.t + 30_000, 'flood'))).retryAfter).to.equal(7);
    // The subject's entries leave its count as they expire, and the subject itself is forgotten.
    clock.t += 30_000;
    expect([store.sizeOfSubject('flood'), store.sizeOfSubject('honest'), store.size]).to.deep.equal([0, 0, 0]);
    const subjects = (store as unknown as { subjects: Map<string, unknown> }).subjects;
    expect(subjects.size).to.equal(0);
  });

  it('a key full of its own quota is refused as a key, before its subject is counted', async () => {
    const clock = manualClock();
    const store = new MemoryReplayStore({ maxEntries: 100, maxPerKey: 1, maxPerSubject: 1, now: clock.now });
    expect(await store.remember('k1', 'a', clock.t + 5000, 's')).to.equal(true);
    expect((await refused(() => store.remember('k1', 'b', clock.t + 5000, 's'))).message).to.match(/for this key/);
    expect((await refused(() => store.remember('k2', 'b', clock.t + 5000, 's'))).message).to.match(/for this subject/);
  });

  it('Retry-After is at least 1 second', async () => {
    const clock = manualClock();
    const store = new MemoryReplayStore({ maxEntries: 1, maxPerKey: 1, now: clock.now });
    expect(await store.remember('key', 'jti-1', clock.t + 200)).to.equal(true);
    expect((await refused(() => store.remember('key', 'jti-2', clock.t + 60_000))).retryAfter).to.equal(1);
    expect((await refused(() => store.remember('other', 'jti-2', clock.t + 60_000))).retryAfter).to.equal(1);
  });

  it('evicts in expiry order, not insertion order', async () => {
    const clock = manualClock();
    const store = new MemoryReplayStore({ maxEntries: 2, maxPerKey: 2, now: clock.now });
    expect(await store.remember('key', 'inserted-first-expires-last', clock.t + 10_000)).to.equal(true);
    expect(await store.remember('key', 'inserted-last-expires-first', clock.t + 1000)).to.equal(true);
    clock.t += 1000;
    // The later entry has expired and is dropped though it was inserted last.
    expect(store.size).to.equal(1);
    expect(await store.remember('key', 'new', clock.t + 10_000)).to.equal(true);
    // The earlier entry, still live, is still remembered: its replay is detected.
    expect(await store.remember('key', 'inserted-first-expires-last', clock.t + 10_000)).to.equal(false);
    clock.t += 8999;
    expect(await store.remember('key', 'inserted-first-expires-last', clock.t + 10_000)).to.equal(false);
    clock.t += 1;
    expect(await store.remember('key', 'inserted-first-expires-last', clock.t + 10_000)).to.equal(true);
  });

  it('bounds the total: a store full of live entries refuses new proofs until the earliest expires', async () => {
    const clock = manualClock();
    const store = new MemoryReplayStore({ maxEntries: 3, maxPerKey: 10, now: clock.now });
    expect(await store.remember('key-1', 'jti', clock.t + 9000)).to.equal(true);
    expect(await store.remember('key-2', 'jti', clock.t + 2500)).to.equal(true);
    expect(await store.remember('key-3', 'jti', clock.t + 7000)).to.equal(true);
    expect((await refused(() => store.remember('key-4', 'jti', clock.t + 9000))).retryAfter).to.equal(3);
    expect((await refused(() => store.remember('key-1', 'other', clock.t + 9000))).retryAfter).to.equal(3);
    expect(store.size).to.equal(3);
    expect(store.sizeOf('key-4')).to.equal(0);
    clock.t += 2500;
    expect(await store.remember('key-4', 'jti', clock.t + 9000)).to.equal(true);
    expect(store.size).to.equal(3);
  });

  it('shrinks as entries expire and frees keys without live entries', async () => {
    const clock = manualClock();
    const store = new MemoryReplayStore({ maxEntries: 100, maxPerKey: 100, now: clock.now });
    for (let i = 0; i < 5; i++) await store.remember('a', `jti-${i}`, clock.t + 1000 * (i + 1));
    await store.remember('b', 'jti', clock.t + 2000);
    expect([store.size, store.sizeOf('a'), store.sizeOf('b')]).to.deep.equal([6, 5, 1]);
    const keys = (store as unknown as { keys: Map<string, unknown> }).keys;
    expect(keys.size).to.equal(2);
    clock.t += 2000;
    // Each count drops what has expired by itself.
    expect([store.sizeOf('a'), store.sizeOf('b'), store.size]).to.deep.equal([3, 0, 3]);
    expect(keys.size).to.equal(1);
    clock.t += 3000;
    expect([store.size, store.sizeOf('a')]).to.deep.equal([0, 0]);
    expect(keys.size).to.equal(0);
  });

  it('accepts a proof that has already expired without recording it', async () => {
    const clock = manualClock();
    const store = new MemoryReplayStore({ maxEntries: 1, maxPerKey: 1, now: clock.now });
    expect(await store.remember('key', 'late', clock.t)).to.equal(true);
    expect(store.size).to.equal(0);
    expect(await store.remember('key', 'jti', clock.t + 1000)).to.equal(true);
    // Even for a key, or a store, that is full.
    expect(await store.remember('key', 'late', clock.t - 1)).to.equal(true);
    expect(await store.remember('other', 'late', clock.t)).to.equal(true);
  });

  it('refuses a non-finite expiry and records nothing', async () => {
    const store = new MemoryReplayStore({ maxEntries: 1, maxPerKey: 1 });
    for (const expiresAt of [Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(await store.remember('key', 'jti', expiresAt).catch((error: unknown) => error)).to.be.instanceOf(RangeError);
    }
    expect(store.size).to.equal(0);
  });

  it('uses Date.now by default', async () => {
    const store = new MemoryReplayStore({ maxEntries: 1, maxPerKey: 1 });
    expect(await store.remember('key', 'jti', Date.now() + 60_000)).to.equal(true);
    expect(await store.remember('key', 'jti', Date.now() + 60_000)).to.equal(false);
    expect(await store.remember('key', 'old', Date.now() - 1)).to.equal(true);
    expect(store.size).to.equal(1);
  });

  it('refuses bounds that are not positive integers', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10' as unknown as number]) {
      expect(() => new MemoryReplayStore({ maxEntries: bad, maxPerKey: 1 })).to.throw(Auth0ConfigError, /maxEntries/);
      expect(() => new MemoryReplayStore({ maxEntries: 1, maxPerKey: bad })).to.throw(Auth0ConfigError, /maxPerKey/);
      expect(() => new MemoryReplayStore({ maxEntries: 1, maxPerKey: 1, maxPerSubject: bad })).to.throw(Auth0ConfigError, /maxPerSubject/);
    }
  });

  it('answers like a plain model of the rules for any sequence of proofs and clock moves', async () => {
    const operation = fc.oneof(
      fc.record({
        kind: fc.constant('remember' as const),
        jkt: fc.constantFrom('a', 'b', 'c'),
        jti: fc.constantFrom('1', '2', '3', '4', '5', '6'),
        ttl: fc.integer({ min: -500, max: 5000 }),
        subject: fc.constantFrom('s', 't', undefined),
      }),
      fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 3000 }) }),
    );
    const bounds = fc.record({
      maxEntries: fc.integer({ min: 1, max: 8 }),
      maxPerKey: fc.integer({ min: 1, max: 4 }),
      maxPerSubject: fc.integer({ min: 1, max: 6 }),
    });
    await fc.assert(
      fc.asyncProperty(bounds, fc.array(operation, { maxLength: 80 }), async ({ maxEntries, maxPerKey, maxPerSubject }, ops) => {
        const clock = manualClock(0);
        const store = new MemoryReplayStore({ maxEntries, maxPerKey, maxPerSubject, now: clock.now });
        const model = new ModelStore(maxEntries, maxPerKey, maxPerSubject);
        for (const op of ops) {
          if (op.kind === 'tick') {
            clock.t += op.ms;
            continue;
          }
          const until = clock.t + op.ttl;
          expect(await outcome(() => store.remember(op.jkt, op.jti, until, op.subject))).to.equal(
            model.remember(op.jkt, op.jti, until, clock.t, op.subject),
          );
          expect([
            store.size,
            store.sizeOf('a'),
            store.sizeOf('b'),
            store.sizeOf('c'),
            store.sizeOfSubject('s'),
            store.sizeOfSubject('t'),
          ]).to.deep.equal(model.sizes(clock.t));
        }
      }),
      { numRuns: 300, seed: 9449 },
    );
  });
});
