/**
 * RedisReplayStore against a real redis-server of the test's own: the store's commands and keys,
 * then over HTTP with routing-controllers apps sharing one Redis as replicas would; Redis stopped,
 * frozen and back again.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import Module from 'node:module';
import { createClient, type createCluster } from 'redis';
import { DpopKey, TestTenant } from 'routing-controllers-auth0/testing';
import { Auth0ConfigError, type AuthEvent } from '../../src';
import { RedisReplayStore, type RedisSetCommand } from 'routing-controllers-auth0/redis';
import { Api } from '../support/controllers';
import { rejectionOf } from '../support/errors';
import { redisServerOrSkip, type RedisServer } from '../support/redis-server';
import { get, startKoa, type Running } from '../support/server';

// The declared client shape accepts node-redis 5's client and cluster as they are (checked by tsc).
const clientFits: ReturnType<typeof createClient> extends RedisSetCommand ? true : false = true;
const clusterFits: ReturnType<typeof createCluster> extends RedisSetCommand ? true : false = true;

const ORIGIN = 'https://api.example.com';
/**
 * The timeout of stores in tests that are not about the timeout. Redis on loopback answers in well
 * under a millisecond, but a loaded CI machine can stall this process's event loop past the default
 * 200 ms, which would turn into 503s the test did not ask for.
 */
const TIMEOUT = 2000;
const ALGS = 'ES256 RS256 PS256 EdDSA';

function digest(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

/** Polls `check` every 20 ms until it is true; fails after `ms`. Resolves with the time it took. */
async function waitUntil(check: () => Promise<boolean>, ms: number, what: string): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - start;
}

/** The milliseconds `run` takes, with its result. */
async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await run();
  return { value, ms: performance.now() - start };
}

describe('RedisReplayStore (routing-controllers-auth0/redis)', () => {
  let redis: RedisServer;
  /** A client of the test's own, to look into Redis. */
  let inspect: ReturnType<typeof createClient>;
  let namespaceCount = 0;
  /** A namespace no other test uses. */
  const freshNamespace = () => `test-${process.pid}-${++namespaceCount}`;

  before(async function () {
    redis = await redisServerOrSkip(this);
    inspect = createClient({ url: redis.url });
    inspect.on('error', () => undefined);
    await inspect.connect();
    expect(clientFits && clusterFits).to.equal(true);
  });
  // A test that stops or freezes Redis leaves it running for the next one.
  afterEach(async () => {
    redis.resume();
    if (!redis.running) await redis.start();
    await waitUntil(
      () =>
        inspect.ping().then(
          () => true,
          () => false,
        ),
      5000,
      'the inspecting client reconnects',
    );
  });
  after(async () => {
    // Nothing to stop when the suite was skipped.
    if ((redis as RedisServer | undefined) === undefined) return;
    if (inspect.isOpen) inspect.destroy();
    await redis.stop();
  });

  describe('the store', () => {
    let store: RedisReplayStore;
    let namespace: string;
    beforeEach(async () => {
      namespace = freshNamespace();
      store = await RedisReplayStore.connect({ url: redis.url, namespace, timeout: TIMEOUT });
    });
    afterEach(() => store.close());

    it('one SET NX per proof: true when first seen, false for a replay, under the documented key', async () => {
      const expiresAt = Date.now() + 60_000;
      expect(await store.remember('jkt-1', 'jti-1', expiresAt)).to.equal(true);
      expect(await store.remember('jkt-1', 'jti-1', expiresAt)).to.equal(false);
      expect(await store.remember('jkt-1', 'jti-2', expiresAt)).to.equal(true);
      expect(await store.remember('jkt-2', 'jti-1', expiresAt)).to.equal(true);
      const byName = (a: string, b: string) => a.localeCompare(b);
      const keys = (await inspect.keys(`rca:dpop:${namespace}:*`)).sort(byName);
      expect(keys).to.deep.equal(
        [
          `rca:dpop:${namespace}:${digest('jkt-1')}:${digest('jti-1')}`,
          `rca:dpop:${namespace}:${digest('jkt-1')}:${digest('jti-2')}`,
          `rca:dpop:${namespace}:${digest('jkt-2')}:${digest('jti-1')}`,
        ].sort(byName),
      );
      expect(await inspect.get(keys[0])).to.equal('1');
    });

    it('keys are namespaced: two stores with different namespaces do not see each other’s jtis', async () => {
      const other = await RedisReplayStore.connect({ url: redis.url, namespace: freshNamespace(), timeout: TIMEOUT });
      try {
        const expiresAt = Date.now() + 60_000;
        expect(await store.remember('jkt', 'shared-jti', expiresAt)).to.equal(true);
        expect(await other.remember('jkt', 'shared-jti', expiresAt)).to.equal(true);
        expect(await other.remember('jkt', 'shared-jti', expiresAt)).to.equal(false);
        expect(await store.remember('jkt', 'shared-jti', expiresAt)).to.equal(false);
      } finally {
        await other.close();
      }
    });

    it('a prefix of its own; parts cannot be crafted to collide (a:b + c is not a + b:c)', async () => {
      const prefixed = new RedisReplayStore({ client: inspect, namespace, prefix: 'app1:', timeout: TIMEOUT });
      const expiresAt = Date.now() + 60_000;
      expect(await prefixed.remember('a:b', 'c', expiresAt)).to.equal(true);
      expect(await prefixed.remember('a', 'b:c', expiresAt)).to.equal(true);
      expect(await prefixed.remember('a:b', 'c', expiresAt)).to.equal(false);
      expect(await inspect.keys(`app1:${namespace}:*`)).to.have.length(2);
      expect(await inspect.keys(`rca:dpop:${namespace}:*`)).to.have.length(0);
      // A jti of any length gives a key of the same length.
      expect(await prefixed.remember('a', 'x'.repeat(256), expiresAt)).to.equal(true);
      const lengths = new Set((await inspect.keys(`app1:${namespace}:*`)).map((key) => key.length));
      expect([...lengths]).to.deep.equal([`app1:${namespace}:`.length + 43 + 1 + 43]);
    });

    it('the TTL set in Redis (PTTL) matches expiresAt', async () => {
      const t0 = Date.now();
      const expiresAt = t0 + 42_000;
      expect(await store.remember('jkt', 'ttl', expiresAt)).to.equal(true);
      const t1 = Date.now();
      const before = Date.now();
      const pttl = await inspect.pTTL(`rca:dpop:${namespace}:${digest('jkt')}:${digest('ttl')}`);
      const after = Date.now();
      // PX counts from when Redis runs the SET (between t0 and t1): the key never expires before
      // expiresAt, and outlives it by at most that delay. Redis read the PTTL between before and after.
      expect(pttl).to.be.at.least(expiresAt - after - 1);
      expect(pttl).to.be.at.most(expiresAt + (t1 - t0) + 1 - before + 1);
    });

    it('a proof that expires within the next millisecond is sent with PX 1, not dropped nor kept forever', async () => {
      let now = 1_000_000;
      const sent: unknown[] = [];
      const client: RedisSetCommand = {
        set: (...args) => {
          sent.push(args[2]);
          return inspect.set(...args);
        },
      };
      const counting = new RedisReplayStore({ client, namespace, now: () => now, timeout: TIMEOUT });
      expect(await counting.remember('jkt', 'short', now + 0.25)).to.equal(true);
      expect(sent).to.deep.equal([{ condition: 'NX', expiration: { type: 'PX', value: 1 } }]);
      now += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await inspect.exists(`rca:dpop:${namespace}:${digest('jkt')}:${digest('short')}`)).to.equal(0);
    });

    it('an already expired proof needs no round trip (and is never a replay)', async () => {
      let calls = 0;
      const client: RedisSetCommand = {
        set: (...args) => {
          calls += 1;
          return inspect.set(...args);
        },
      };
      const counting = new RedisReplayStore({ client, namespace, timeout: TIMEOUT });
      expect(await counting.remember('jkt', 'old', Date.now() - 1)).to.equal(true);
      expect(await counting.remember('jkt', 'old', Date.now())).to.equal(true);
      expect(calls).to.equal(0);
      expect(await inspect.keys(`rca:dpop:${namespace}:*`)).to.have.length(0);
      expect(await counting.remember('jkt', 'live', Date.now() + 10_000)).to.equal(true);
      expect(calls).to.equal(1);
      await rejectionOf(counting.remember('jkt', 'nan', Number.NaN), RangeError);
      expect(calls).to.equal(1);
    });

    it('a SET that does not answer within the timeout rejects (never hangs)', async () => {
      const silent: RedisSetCommand = { set: () => new Promise(() => undefined) };
      const hanging = new RedisReplayStore({ client: silent, namespace, timeout: 50 });
      const { value: error, ms } = await timed(() => rejectionOf(hanging.remember('jkt', 'jti', Date.now() + 10_000)));
      expect(error.message).to.equal('Redis replay store: no answer from Redis within 50 ms');
      expect(ms).to.be.within(45, 500);
    });

    it('a failing SET and an unexpected answer reject, naming the store', async () => {
      const failing = new RedisReplayStore({ client: { set: () => Promise.reject(new Error('OOM command not allowed')) }, namespace });
      const error = await rejectionOf(failing.remember('jkt', 'jti', Date.now() + 10_000));
      expect(error.message).to.equal('Redis replay store: OOM command not allowed');
      expect((error.cause as Error).message).to.equal('OOM command not allowed');
      const throwing = new RedisReplayStore({
        client: {
          set: () => {
            throw new Error('client bug');
          },
        },
        namespace,
      });
      expect((await rejectionOf(throwing.remember('jkt', 'jti', Date.now() + 10_000))).message).to.equal('Redis replay store: client bug');
      const odd = new RedisReplayStore({ client: { set: () => Promise.resolve(1) }, namespace });
      expect((await rejectionOf(odd.remember('jkt', 'jti', Date.now() + 10_000))).message).to.equal(
        'Redis replay store: unexpected answer to SET NX',
      );
      // RESP3 with buffers: OK as a Buffer is OK.
      const buffers = new RedisReplayStore({ client: { set: () => Promise.resolve(Buffer.from('OK')) }, namespace });
      expect(await buffers.remember('jkt', 'jti', Date.now() + 10_000)).to.equal(true);
    });

    it('options are checked: Auth0ConfigError naming the option', async () => {
      const client = inspect;
      const cases: [() => unknown, RegExp][] = [
        [
          () => new RedisReplayStore({ client, namespace: '' }),
          /^routing-controllers-auth0: `RedisReplayStore\.namespace` must be a non-empty string/,
        ],
        [() => new RedisReplayStore({ client, namespace: 1 as unknown as string }), /namespace/],
        [() => new RedisReplayStore({ client, namespace, prefix: 1 as unknown as string }), /`RedisReplayStore\.prefix` must be a string/],
        [
          () => new RedisReplayStore({ client, namespace, timeout: 0 }),
          /`RedisReplayStore\.timeout` must be a whole number of milliseconds/,
        ],
        [() => new RedisReplayStore({ client, namespace, timeout: 1.5 }), /timeout/],
        [() => new RedisReplayStore({ client, namespace, timeout: 2 ** 31 }), /timeout/],
        [
          () => new RedisReplayStore({ client, namespace, now: 5 as unknown as () => number }),
          /`RedisReplayStore\.now` must be a function/,
        ],
        [
          () => new RedisReplayStore({ client: {} as RedisSetCommand, namespace }),
          /`RedisReplayStore\.client` must be a connected node-redis client/,
        ],
        [() => new RedisReplayStore({ client: undefined as unknown as RedisSetCommand, namespace }), /client/],
      ];
      for (const [make, message] of cases) {
        expect(make).to.throw(Auth0ConfigError, message);
      }
      await rejectionOf(RedisReplayStore.connect({ url: '', namespace }), Auth0ConfigError);
      await rejectionOf(RedisReplayStore.connect({ url: redis.url, namespace: '' }), Auth0ConfigError);
      await rejectionOf(RedisReplayStore.connect({ url: redis.url, namespace, onError: 'log' as unknown as () => void }), Auth0ConfigError);
      const badUrl = await rejectionOf(RedisReplayStore.connect({ url: 'http://127.0.0.1:1', namespace }), Auth0ConfigError);
      expect(badUrl.message).to.match(/^RedisReplayStore\.connect: .*protocol/i);
    });

    it('connect: a missing redis package is an Auth0ConfigError naming npm install redis', async () => {
      const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
      const original = loader._load;
      loader._load = function (this: unknown, request: string, ...rest: unknown[]) {
        if (request === 'redis') {
          throw Object.assign(new Error("Cannot find module 'redis'"), { code: 'MODULE_NOT_FOUND' });
        }
        return original.call(this, request, ...rest);
      };
      try {
        const error = await rejectionOf(RedisReplayStore.connect({ url: redis.url, namespace }), Auth0ConfigError);
        expect(error.message).to.equal('RedisReplayStore.connect needs the redis package (node-redis 5): npm install redis');
        expect((error.cause as Error).message).to.equal("Cannot find module 'redis'");
      } finally {
        loader._load = original;
      }
    });

    it('connect: no Redis at the URL fails at once with the cause (no endless retrying at start)', async () => {
      await redis.stop();
      const errors: Error[] = [];
      const { value: error, ms } = await timed(() =>
        rejectionOf(RedisReplayStore.connect({ url: redis.url, namespace, onError: (e) => errors.push(e) })),
      );
      expect(error.message).to.match(/^Redis replay store: cannot connect to Redis: .*ECONNREFUSED/);
      expect(ms).to.be.below(1000);
      expect(errors.map((e) => e.message).join()).to.include('ECONNREFUSED');
    });

    it('close: closes the client connect made (idempotent); a store on an application client leaves it open', async () => {
      expect(await store.remember('jkt', 'before-close', Date.now() + 10_000)).to.equal(true);
      await store.close();
      await store.close();
      const error = await rejectionOf(store.remember('jkt', 'after-close', Date.now() + 10_000));
      expect(error.message).to.equal('Redis replay store: The client is closed');
      const onApplicationClient = new RedisReplayStore({ client: inspect, namespace, timeout: TIMEOUT });
      await onApplicationClient.close();
      expect(inspect.isReady).to.equal(true);
      expect(await onApplicationClient.remember('jkt', 'still-open', Date.now() + 10_000)).to.equal(true);
    });

    it('close does not wait for a Redis that does not answer: what is under way rejects at once', async () => {
      redis.pause();
      const pending = store.remember('jkt', 'frozen', Date.now() + 10_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const { value: error, ms } = await timed(async () => {
        await store.close();
        return rejectionOf(pending);
      });
      expect(error.message).to.match(/^Redis replay store: /);
      expect(error.message).not.to.include('no answer from Redis');
      expect(ms).to.be.below(TIMEOUT / 2);
    });

    it('an onError that throws does not take the process down', async () => {
      const throwing = await RedisReplayStore.connect({
        url: redis.url,
        namespace,
        timeout: TIMEOUT,
        onError: () => {
          throw new Error('observer bug');
        },
      });
      try {
        await redis.stop();
        await redis.start();
        await waitUntil(
          () =>
            throwing.remember('jkt', `after-restart-${Date.now()}`, Date.now() + 10_000).then(
              () => true,
              () => false,
            ),
          5000,
          'the store reconnects',
        );
      } finally {
        await throwing.close();
      }
    });
  });

  describe('over HTTP, two replicas sharing one Redis', () => {
    let tenant: TestTenant;
    let stores: RedisReplayStore[];
    let replicas: Running[];
    const events: AuthEvent[] = [];
    let key: DpopKey;
    let other: DpopKey;
    let namespace: string;

    before(async () => {
      tenant = await TestTenant.start();
      key = await DpopKey.generate();
      other = await DpopKey.generate();
    });
    beforeEach(async () => {
      events.length = 0;
      // Two Auth0 instances on one API (one namespace, one public origin), as two replicas.
      namespace = freshNamespace();
      stores = [
        await RedisReplayStore.connect({ url: redis.url, namespace, timeout: TIMEOUT }),
        await RedisReplayStore.connect({ url: redis.url, namespace, timeout: TIMEOUT }),
      ];
      replicas = [];
      for (const replayStore of stores) {
        const auth = tenant.auth0({ dpop: { replayStore, origin: ORIGIN }, onEvent: (event) => events.push(event) });
        replicas.push(await startKoa(auth, [Api]));
      }
    });
    afterEach(async () => {
      for (const replica of replicas) await replica.close();
      for (const store of stores) await store.close();
    });
    after(async () => {
      await tenant.close();
    });

    /** A DPoP request to `/secure` on `replica` with `proof` (a fresh one of `signer` when none is given). */
    async function dpop(replica: Running, token: string, proof?: string, signer = key) {
      const dpopProof = proof ?? (await signer.proof({ url: `${ORIGIN}/secure`, accessToken: token }));
      return get(`${replica.url}/secure`, { authorization: `DPoP ${token}`, headers: { dpop: dpopProof } });
    }

    it('a proof accepted by one replica and replayed to the other: 401 invalid_dpop_proof with the challenge', async () => {
      const token = await tenant.token({ dpopJkt: key.thumbprint, subject: 'auth0|replica' });
      const proof = await key.proof({ url: `${ORIGIN}/secure`, accessToken: token });
      const first = await dpop(replicas[0], token, proof);
      expect(first.status).to.equal(200);
      expect(first.body.id).to.equal('auth0|replica');
      for (const replica of [replicas[1], replicas[0]]) {
        const again = await dpop(replica, token, proof);
        expect(again.status).to.equal(401);
        expect(again.body).to.deep.equal({ error: 'invalid_dpop_proof', message: 'DPoP proof replayed (jti already used)' });
        expect(again.headers.get('www-authenticate')).to.equal(
          `Bearer realm="${tenant.audience}", DPoP algs="${ALGS}", error="invalid_dpop_proof", error_description="DPoP proof replayed (jti already used)", resource_metadata="${replica.url}/.well-known/oauth-protected-resource"`,
        );
      }
      // A fresh proof works on either replica.
      expect((await dpop(replicas[1], token)).status).to.equal(200);
    });

    it('the same proof sent to both replicas at once: exactly one is accepted', async () => {
      const token = await tenant.token({ dpopJkt: key.thumbprint });
      for (let round = 0; round < 10; round++) {
        const proof = await key.proof({ url: `${ORIGIN}/secure`, accessToken: token });
        const answers = await Promise.all([dpop(replicas[0], token, proof), dpop(replicas[1], token, proof)]);
        expect(answers.map((answer) => answer.status).sort()).to.deep.equal([200, 401]);
      }
    });

    it('a flood of 200 fresh proofs from one key never refuses another key’s proof (no quota in Redis)', async () => {
      const flooding = await tenant.token({ dpopJkt: key.thumbprint });
      const innocent = await tenant.token({ dpopJkt: other.thumbprint, subject: 'auth0|innocent' });
      const statuses: number[] = [];
      const innocentStatuses: number[] = [];
      const [first, second] = replicas;
      for (let batch = 0; batch < 10; batch++) {
        const floods = Array.from({ length: 20 }, (_, i) => dpop(i % 2 === 0 ? first : second, flooding));
        const [mine, ...theirs] = await Promise.all([dpop(batch % 2 === 0 ? first : second, innocent, undefined, other), ...floods]);
        innocentStatuses.push(mine.status);
        statuses.push(...theirs.map((answer) => answer.status));
      }
      expect(statuses).to.have.length(200);
      expect(statuses.every((status) => status === 200)).to.equal(true);
      expect(innocentStatuses).to.deep.equal(new Array(10).fill(200));
      const after = await dpop(replicas[0], innocent, undefined, other);
      expect(after.status).to.equal(200);
      expect(after.body.id).to.equal('auth0|innocent');
      // Every proof is recorded: nothing was evicted or refused to make room.
      expect(await inspect.keys(`rca:dpop:${namespace}:${digest(key.thumbprint)}:*`)).to.have.length(200);
      expect(await inspect.keys(`rca:dpop:${namespace}:${digest(other.thumbprint)}:*`)).to.have.length(11);
    });

    it('Redis stopped: DPoP gets 503 temporarily_unavailable with Retry-After at once, Bearer 200; back: DPoP works with no restart', async () => {
      const bound = await tenant.token({ dpopJkt: key.thumbprint });
      const bearer = await tenant.token();
      expect((await dpop(replicas[0], bound)).status).to.equal(200);
      await redis.stop();
      events.length = 0;
      for (const replica of replicas) {
        const proof = await key.proof({ url: `${ORIGIN}/secure`, accessToken: bound });
        const { value: res, ms } = await timed(() => dpop(replica, bound, proof));
        console.log(`      Redis down: 503 in ${ms.toFixed(1)} ms`);
        expect(res.status).to.equal(503);
        expect(res.body).to.deep.equal({
          error: 'temporarily_unavailable',
          message: 'DPoP proofs cannot be checked now: the replay store is unavailable',
        });
        expect(res.headers.get('retry-after')).to.equal('5');
        expect(res.headers.get('www-authenticate')).to.equal(
          `DPoP algs="${ALGS}", error="temporarily_unavailable", error_description="DPoP proofs cannot be checked now: the replay store is unavailable"`,
        );
        expect(ms).to.be.below(500);
        expect(JSON.stringify(events)).not.to.include(proof.split('.')[1]);
        expect((await get(`${replica.url}/secure`, { token: bearer })).status).to.equal(200);
      }
      const storeErrors = events.filter((event) => event.type === 'replayStoreError');
      expect(storeErrors).to.deep.equal([
        { type: 'replayStoreError', message: 'Redis replay store: The client is offline' },
        { type: 'replayStoreError', message: 'Redis replay store: The client is offline' },
      ]);
      const text = JSON.stringify(events);
      for (const part of bound.split('.')) expect(text).not.to.include(part);
      expect(text).not.to.include(key.thumbprint);

      await redis.start();
      const restarted = Date.now();
      for (const replica of replicas) {
        await waitUntil(async () => (await dpop(replica, bound)).status === 200, 5000, 'DPoP works again after Redis is back');
      }
      console.log(`      Redis back: both replicas accept DPoP again ${Date.now() - restarted} ms after the restart`);
      // And replays are refused again across replicas.
      const proof = await key.proof({ url: `${ORIGIN}/secure`, accessToken: bound });
      expect((await dpop(replicas[1], bound, proof)).status).to.equal(200);
      expect((await dpop(replicas[0], bound, proof)).status).to.equal(401);
    });

    it('Redis frozen (connection open, no answer): 503 after the default 200 ms, Bearer 200; thawed: DPoP works again', async () => {
      const seen: AuthEvent[] = [];
      const replayStore = await RedisReplayStore.connect({ url: redis.url, namespace });
      const app = await startKoa(tenant.auth0({ dpop: { replayStore, origin: ORIGIN }, onEvent: (event) => seen.push(event) }), [Api]);
      try {
        const bound = await tenant.token({ dpopJkt: key.thumbprint });
        const bearer = await tenant.token();
        await waitUntil(async () => (await dpop(app, bound)).status === 200, 5000, 'a first DPoP request');
        redis.pause();
        try {
          seen.length = 0;
          const { value: res, ms } = await timed(() => dpop(app, bound));
          console.log(`      Redis frozen: 503 in ${ms.toFixed(1)} ms (timeout 200 ms)`);
          expect(res.status).to.equal(503);
          expect(res.body).to.deep.equal({
            error: 'temporarily_unavailable',
            message: 'DPoP proofs cannot be checked now: the replay store is unavailable',
          });
          expect(res.headers.get('retry-after')).to.equal('5');
          expect(ms).to.be.within(195, 1000);
          expect(seen.filter((event) => event.type === 'replayStoreError')).to.deep.equal([
            { type: 'replayStoreError', message: 'Redis replay store: no answer from Redis within 200 ms' },
          ]);
          expect((await get(`${app.url}/secure`, { token: bearer })).status).to.equal(200);
        } finally {
          redis.resume();
        }
        const ms = await waitUntil(async () => (await dpop(app, bound)).status === 200, 5000, 'DPoP works again once thawed');
        console.log(`      Redis thawed: DPoP 200 again after ${ms} ms`);
      } finally {
        await app.close();
        await replayStore.close();
      }
    });

    it('an application client with the offline queue on: a down Redis still answers 503 after the timeout, not never', async () => {
      const client = createClient({ url: redis.url });
      client.on('error', () => undefined);
      await client.connect();
      const replayStore = new RedisReplayStore({ client, namespace: freshNamespace(), timeout: 300 });
      const app = await startKoa(tenant.auth0({ dpop: { replayStore, origin: ORIGIN } }), [Api]);
      try {
        const bound = await tenant.token({ dpopJkt: key.thumbprint });
        await waitUntil(async () => (await dpop(app, bound)).status === 200, 5000, 'a first DPoP request');
        await redis.stop();
        const { value: res, ms } = await timed(() => dpop(app, bound));
        console.log(`      Redis down, offline queue on: 503 in ${ms.toFixed(1)} ms (timeout 300 ms)`);
        expect(res.status).to.equal(503);
        expect(res.headers.get('retry-after')).to.equal('5');
        expect(ms).to.be.within(295, 1500);
        await redis.start();
        await waitUntil(async () => (await dpop(app, bound)).status === 200, 5000, 'DPoP works again after Redis is back');
      } finally {
        await app.close();
        client.destroy();
      }
    });
  });
});
