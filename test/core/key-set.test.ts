import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { InvalidTokenError, KeySetUnavailableError } from '../../src/core/errors';
import { RemoteKeySet } from '../../src/core/token/key-set';
import { rejectionOf } from '../support/errors';

const BOUND = 512 * 1024;
const COOLDOWN = 5000;
const MAX_AGE = 600_000;
const UNKNOWN_KID = 'Invalid kid header (wrong tenant or rotated public key)';
const MISMATCH = 'Token algorithm does not match its key';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A loopback tenant that serves whatever `handler` answers and counts the requests it gets. */
interface Tenant {
  uri: string;
  requests: number;
  handler: Handler;
}

const json = (document: unknown): Handler => {
  const text = JSON.stringify(document);
  return (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(text);
};
const failing: Handler = (_req, res) => res.writeHead(500).end('down');

/** Resolves once `condition` holds, checking after each turn of the event loop (no fixed delay). */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Exported public JWK of a key (the `n` or `x` identifies it). */
const exported = async (key: CryptoKey): Promise<JWK> => exportJWK(key);

describe('the remote key set', () => {
  let server: Server;
  let tenant: Tenant;
  let clock: number;
  const now = (): number => clock;
  let rsa: JWK;
  let rsa2: JWK;
  let ec: JWK;
  let ecPrivate: JWK;

  const keySet = (options: Partial<ConstructorParameters<typeof RemoteKeySet>[1]> = {}): RemoteKeySet =>
    new RemoteKeySet(tenant.uri, { cooldown: COOLDOWN, maxAge: MAX_AGE, timeout: 10_000, now, ...options });

  before(async () => {
    const [a, b, c] = await Promise.all([
      generateKeyPair('RS256', { extractable: true }),
      generateKeyPair('RS256', { extractable: true }),
      generateKeyPair('ES256', { extractable: true }),
    ]);
    rsa = await exportJWK(a.publicKey);
    rsa2 = await exportJWK(b.publicKey);
    ec = await exportJWK(c.publicKey);
    ecPrivate = await exportJWK(c.privateKey);
  });

  beforeEach(async () => {
    clock = 0;
    tenant = { uri: '', requests: 0, handler: failing };
    server = createServer((req, res) => {
      tenant.requests += 1;
      tenant.handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    tenant.uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('requires a kid, and fetches nothing for a header without one', async () => {
    tenant.handler = json({ keys: [{ ...rsa, kid: 'rsa' }] });
    const keys = keySet();
    for (const header of [{}, { kid: '' }, { kid: 7 }, { kid: null, alg: 'RS256' }, { alg: 'RS256' }]) {
      const error = await rejectionOf(keys.getKey(header), InvalidTokenError);
      expect(error, JSON.stringify(header)).to.include({ status: 401, code: 'invalid_token', message: 'Invalid kid header (missing)' });
    }
    expect(tenant.requests).to.equal(0);
    expect(keys.stats).to.deep.equal({ fetches: 0, failures: 0, keys: 0 });
  });

  it("refuses a token alg that does not fit the key's kty or curve, without refetching", async () => {
    tenant.handler = json({
      keys: [
        { ...rsa, kid: 'rsa' },
        { ...ec, kid: 'ec' },
      ],
    });
    const keys = keySet();
    expect(await keys.getKey({ kid: 'ec', alg: 'ES256' })).to.have.nested.property('algorithm.name', 'ECDSA');
    expect(await keys.getKey({ kid: 'rsa', alg: 'RS256' })).to.have.nested.property('algorithm.name', 'RSASSA-PKCS1-v1_5');
    for (const [kid, alg] of [
      ['ec', 'RS256'],
      ['ec', 'ES384'],
      ['rsa', 'ES256'],
      ['rsa', 'HS256'],
      ['rsa', 'none'],
      ['rsa', undefined],
    ]) {
      const error = await rejectionOf(keys.getKey({ kid, alg }), InvalidTokenError);
      expect(error, `${kid} ${alg}`).to.include({ status: 401, code: 'invalid_token', message: MISMATCH });
    }
    // A kid that is in the set is not a rotation: no refetch, whatever the clock says.
    clock = COOLDOWN * 10;
    await rejectionOf(keys.getKey({ kid: 'ec', alg: 'RS256' }), InvalidTokenError);
    expect(tenant.requests).to.equal(1);
  });

  it('uses a key that names its own alg only with that alg (PS256 is not RS256)', async () => {
    tenant.handler = json({ keys: [{ ...rsa, kid: 'ps', alg: 'PS256' }] });
    const keys = keySet();
    const error = await rejectionOf(keys.getKey({ kid: 'ps', alg: 'RS256' }), InvalidTokenError);
    expect(error).to.include({ status: 401, code: 'invalid_token', message: MISMATCH });
    expect(await keys.getKey({ kid: 'ps', alg: 'PS256' })).to.have.nested.property('algorithm.name', 'RSA-PSS');
    expect(keys.has('ps')).to.equal(true);
  });

  it('never loads encryption, private or symmetric keys, nor keys whose key_ops exclude verify', async () => {
    tenant.handler = json({
      keys: [
        { ...rsa2, kid: 'shared', use: 'enc' },
        { ...rsa, kid: 'enc', use: 'enc' },
        { ...rsa, kid: 'encrypt-ops', key_ops: ['encrypt'] },
        { ...ecPrivate, kid: 'private' },
        { kty: 'oct', k: 'c2VjcmV0', kid: 'sym' },
        { ...rsa, kid: '' },
        { ...rsa },
        'not a key',
        null,
        [rsa],
        { ...rsa, kid: 'sig', use: 'sig' },
        { ...rsa, kid: 'verify-ops', key_ops: ['verify'] },
        { ...rsa, kid: 'shared', use: 'sig' },
      ],
    });
    const keys = keySet();
    expect(await keys.getKey({ kid: 'sig', alg: 'RS256' })).to.have.property('type', 'public');
    expect(await keys.getKey({ kid: 'verify-ops', alg: 'RS256' })).to.have.property('type', 'public');
    // The encryption key listed first under the same kid is not the one chosen.
    expect((await exported(await keys.getKey({ kid: 'shared', alg: 'RS256' }))).n).to.equal(rsa.n);
    for (const kid of ['enc', 'encrypt-ops', 'private', 'sym']) {
      expect(keys.has(kid), kid).to.equal(false);
      const error = await rejectionOf(keys.getKey({ kid, alg: kid === 'private' ? 'ES256' : 'RS256' }), InvalidTokenError);
      expect(error, kid).to.include({ status: 401, code: 'invalid_token', message: UNKNOWN_KID });
    }
    expect(keys.stats.keys).to.equal(3);
  });

  it('several keys under one kid: the one that fits the alg, the first in the document when several fit', async () => {
    tenant.handler = json({
      keys: [
        { ...ec, kid: 'both' },
        { ...rsa, kid: 'both' },
        { ...rsa, kid: 'dup' },
        { ...rsa2, kid: 'dup' },
        { ...rsa2, kid: 'dup', alg: 'RS256' },
      ],
    });
    const keys = keySet();
    expect(await keys.getKey({ kid: 'both', alg: 'RS256' })).to.have.nested.property('algorithm.name', 'RSASSA-PKCS1-v1_5');
    expect(await keys.getKey({ kid: 'both', alg: 'ES256' })).to.have.nested.property('algorithm.name', 'ECDSA');
    expect((await exported(await keys.getKey({ kid: 'dup', alg: 'RS256' }))).n).to.equal(rsa.n);
    expect((await exported(await keys.getKey({ kid: 'dup', alg: 'PS256' }))).n).to.equal(rsa.n);
    expect(keys.stats.keys).to.equal(5);
  });

  it('keeps at most maxKeys keys', async () => {
    tenant.handler = json({ keys: ['a', 'b', 'c', 'd'].map((kid) => ({ ...rsa, kid })) });
    const keys = keySet({ maxKeys: 3 });
    await keys.refresh();
    expect(keys.stats.keys).to.equal(3);
    expect(['a', 'b', 'c', 'd'].map((kid) => keys.has(kid))).to.deep.equal([true, true, true, false]);
  });

  describe('the body bound', () => {
    it('drops a chunked body (no Content-Length) as soon as it exceeds 512 KiB: a failed fetch', async () => {
      const total = 64 * 1024 * 1024;
      let sent = 0;
      let announced: unknown = 'unset';
      const closed = new Promise<boolean>((resolve) => {
        tenant.handler = (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          announced = res.getHeader('content-length');
          res.on('close', () => resolve(!res.writableFinished));
          const chunk = Buffer.alloc(16 * 1024, 0x20);
          const pump = (): void => {
            while (sent < total && !res.destroyed) {
              sent += chunk.length;
              if (!res.write(chunk)) {
                res.once('drain', pump);
                return;
              }
            }
            if (!res.destroyed) res.end();
          };
          res.write('{"keys":[');
          pump();
        };
      });
      const keys = keySet();
      const error = await rejectionOf(keys.getKey({ kid: 'k', alg: 'RS256' }), KeySetUnavailableError);
      expect(error).to.include({ status: 503, code: 'temporarily_unavailable', retryAfter: 5 });
      expect(String((error.cause as Error).message)).to.match(/too large/);
      expect(keys.stats).to.deep.equal({ fetches: 1, failures: 1, keys: 0 });
      expect(announced).to.equal(undefined);
      // The tenant sees the connection dropped before it could finish writing.
      expect(await closed, 'closed before the end of the body').to.equal(true);
      expect(sent).to.be.below(total / 4);
    });

    it('accepts a chunked body just under 512 KiB', async () => {
      const document = JSON.stringify({ keys: [{ ...rsa, kid: 'rsa' }] });
      const padded = document + ' '.repeat(BOUND - document.length);
      tenant.handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let at = 0; at < padded.length; at += 10_000) res.write(padded.slice(at, at + 10_000));
        res.end();
      };
      const keys = keySet();
      expect(await keys.getKey({ kid: 'rsa', alg: 'RS256' })).to.have.property('type', 'public');
      tenant.handler = (_req, res) => res.writeHead(200).end(`${padded} `);
      clock = COOLDOWN;
      const error = await rejectionOf(keys.getKey({ kid: 'other', alg: 'RS256' }), KeySetUnavailableError);
      expect(error).to.include({ status: 503, code: 'temporarily_unavailable' });
    });

    it('refuses a Content-Length over 512 KiB without reading the body', async () => {
      const closed = new Promise<void>((resolve) => {
        tenant.handler = (_req, res) => {
          res.on('close', () => resolve());
          // Headers only: a client that waited for the body would wait for its timeout.
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(BOUND + 1) });
          res.flushHeaders();
        };
      });
      const keys = keySet({ timeout: 4000 });
      const started = Date.now();
      const error = await rejectionOf(keys.getKey({ kid: 'k', alg: 'RS256' }), KeySetUnavailableError);
      expect(Date.now() - started).to.be.below(2000);
      expect(error).to.include({ status: 503, code: 'temporarily_unavailable' });
      expect(String((error.cause as Error).message)).to.match(/Content-Length/);
      expect(keys.stats).to.deep.equal({ fetches: 1, failures: 1, keys: 0 });
      await closed;
    });
  });

  describe('outages and rotation', () => {
    const oversized: Handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":[');
      res.end(' '.repeat(BOUND));
    };

    /** Ages a good key set past maxAge while the tenant is in the given outage. */
    const staleKeysServe = (handler: Handler, cause: RegExp) => async (): Promise<void> => {
      tenant.handler = json({ keys: [{ ...rsa, kid: 'rsa' }] });
      const keys = keySet();
      await keys.getKey({ kid: 'rsa', alg: 'RS256' });
      tenant.handler = handler;

      clock = MAX_AGE;
      await keys.getKey({ kid: 'rsa', alg: 'RS256' });
      expect(tenant.requests, 'not stale yet').to.equal(1);

      clock = MAX_AGE + 1;
      expect(await keys.getKey({ kid: 'rsa', alg: 'RS256' })).to.have.property('type', 'public');
      await until(() => keys.stats.failures === 1);
      expect(tenant.requests, 'refreshed in the background').to.equal(2);
      expect(keys.stats).to.deep.equal({ fetches: 2, failures: 1, keys: 1 });
      expect(keys.has('rsa')).to.equal(true);

      // Still served; no new attempt within the cooldown.
      clock = MAX_AGE + COOLDOWN;
      expect(await keys.getKey({ kid: 'rsa', alg: 'RS256' })).to.have.property('type', 'public');
      expect(tenant.requests).to.equal(2);
      // A kid that is not cached cannot be told from a rotation while the tenant is down: 503.
      const error = await rejectionOf(keys.getKey({ kid: 'new', alg: 'RS256' }), KeySetUnavailableError);
      expect(error).to.include({ status: 503, code: 'temporarily_unavailable', retryAfter: 5 });
      expect(String((error.cause as Error).message)).to.match(cause);
      expect(tenant.requests).to.equal(2);

      // Back up: the next attempt after the cooldown replaces the set.
      tenant.handler = json({
        keys: [
          { ...rsa, kid: 'rsa' },
          { ...rsa2, kid: 'new' },
        ],
      });
      clock = MAX_AGE + 1 + COOLDOWN;
      expect((await exported(await keys.getKey({ kid: 'new', alg: 'RS256' }))).n).to.equal(rsa2.n);
      expect(keys.stats).to.deep.equal({ fetches: 3, failures: 1, keys: 2 });
    };

    for (const [outage, handler, cause] of [
      ['answers 500', failing, /HTTP 500/],
      ['sends an oversized body', oversized, /too large/],
    ] as const) {
      it(`stale keys keep serving while the tenant ${outage}`, staleKeysServe(handler, cause));
    }

    it('answers 503 only when nothing usable is cached and the last fetch failed', async () => {
      tenant.handler = failing;
      const keys = keySet();
      const first = await rejectionOf(keys.getKey({ kid: 'rsa', alg: 'RS256' }), KeySetUnavailableError);
      expect(first).to.include({ status: 503, code: 'temporarily_unavailable', retryAfter: 5 });
      expect(keys.stats).to.deep.equal({ fetches: 1, failures: 1, keys: 0 });

      // Within the cooldown the tenant is not asked again.
      clock = COOLDOWN - 1;
      await rejectionOf(keys.getKey({ kid: 'rsa', alg: 'RS256' }), KeySetUnavailableError);
      expect(tenant.requests).to.equal(1);

      tenant.handler = json({ keys: [{ ...rsa, kid: 'rsa' }] });
      clock = COOLDOWN;
      expect(await keys.getKey({ kid: 'rsa', alg: 'RS256' })).to.have.property('type', 'public');
      // With a good set cached, an unknown kid is the client's problem, not an outage.
      const unknown = await rejectionOf(keys.getKey({ kid: 'other', alg: 'RS256' }), InvalidTokenError);
      expect(unknown).to.include({ status: 401, code: 'invalid_token', message: UNKNOWN_KID });
      expect(unknown).not.to.be.instanceOf(KeySetUnavailableError);
    });

    it('a tenant that refuses connections is an outage too', async () => {
      const { uri } = tenant;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const keys = new RemoteKeySet(uri, { now });
      const error = await rejectionOf(keys.getKey({ kid: 'rsa', alg: 'RS256' }), KeySetUnavailableError);
      expect(error).to.include({ status: 503, code: 'temporarily_unavailable' });
      expect(keys.stats).to.deep.equal({ fetches: 1, failures: 1, keys: 0 });
    });

    it('an unknown kid refetches at most once per cooldown, and picks up a rotation', async () => {
      tenant.handler = json({ keys: [{ ...rsa, kid: 'rsa' }] });
      const keys = keySet();
      await keys.getKey({ kid: 'rsa', alg: 'RS256' });
      expect(tenant.requests).to.equal(1);

      tenant.handler = json({
        keys: [
          { ...rsa, kid: 'rsa' },
          { ...rsa2, kid: 'rotated' },
        ],
      });
      for (const at of [0, 1, COOLDOWN - 1]) {
        clock = at;
        const error = await rejectionOf(keys.getKey({ kid: 'rotated', alg: 'RS256' }), InvalidTokenError);
        expect(error, `at ${at} ms`).to.include({ status: 401, code: 'invalid_token', message: UNKNOWN_KID });
      }
      expect(tenant.requests, 'no refetch within the cooldown').to.equal(1);

      clock = COOLDOWN;
      expect((await exported(await keys.getKey({ kid: 'rotated', alg: 'RS256' }))).n).to.equal(rsa2.n);
      expect(tenant.requests).to.equal(2);

      for (let i = 0; i < 20; i += 1) {
        clock = COOLDOWN + i * 100;
        await rejectionOf(keys.getKey({ kid: `junk-${i}`, alg: 'RS256' }), InvalidTokenError);
      }
      expect(tenant.requests, 'junk kids within the cooldown').to.equal(2);
      clock = 2 * COOLDOWN;
      await rejectionOf(keys.getKey({ kid: 'junk', alg: 'RS256' }), InvalidTokenError);
      expect(tenant.requests).to.equal(3);
      expect(keys.stats).to.deep.equal({ fetches: 3, failures: 0, keys: 2 });
    });

    it('fetches nothing at construction, and concurrent first callers share one fetch', async () => {
      const answer = json({
        keys: [
          { ...rsa, kid: 'rsa' },
          { ...ec, kid: 'ec' },
        ],
      });
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      tenant.handler = (req, res) => {
        held.then(
          () => answer(req, res),
          () => undefined,
        );
      };
      const keys = keySet();
      expect(keys.stats.fetches).to.equal(0);
      const headers = [
        { kid: 'ec', alg: 'ES256' },
        { kid: 'rsa', alg: 'RS256' },
        { kid: 'nope', alg: 'RS256' },
      ];
      const callers = Array.from({ length: 20 }, (_, i) => keys.getKey(headers[i % 3]));
      await until(() => tenant.requests > 0);
      release();
      const results = await Promise.allSettled(callers);
      expect(tenant.requests).to.equal(1);
      expect(keys.stats).to.deep.equal({ fetches: 1, failures: 0, keys: 2 });
      results.forEach((result, i) => {
        if (i % 3 === 2) expect(result.status === 'rejected' && result.reason, `caller ${i}`).to.be.instanceOf(InvalidTokenError);
        else expect(result.status, `caller ${i}`).to.equal('fulfilled');
      });
    });
  });
});
