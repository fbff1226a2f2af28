import { expect } from 'chai';
import { DpopKey, TestTenant } from 'routing-controllers-auth0/testing';
import type { AuthEvent, ReplayStore } from '../../src';
import { Api } from '../support/controllers';
import { get, startKoa, type Running } from '../support/server';

/** The events of one request, without their durations (which vary). */
function shapes(events: AuthEvent[]): unknown[] {
  return events.map((event) => {
    const { durationMs: _ignored, ...rest } = event as AuthEvent & { durationMs?: number };
    return rest;
  });
}

describe('auth events (onEvent)', () => {
  let tenant: TestTenant;
  let app: Running;
  const events: AuthEvent[] = [];
  const tokens: string[] = [];

  before(async () => {
    tenant = await TestTenant.start();
    app = await startKoa(tenant.auth0({ onEvent: (event) => events.push(event) }), [Api]);
  });
  after(async () => {
    await app.close();
    await tenant.close();
    // No event ever holds a token (nor any part of one longer than a claim).
    const text = JSON.stringify(events);
    for (const token of tokens) {
      for (const part of token.split('.')) expect(text).not.to.include(part);
    }
  });
  beforeEach(() => {
    events.length = 0;
  });

  async function token(options: Parameters<TestTenant['token']>[0] = {}): Promise<string> {
    const minted = await tenant.token(options);
    tokens.push(minted);
    return minted;
  }

  it('a 200: the key set fetch (first request), then authenticated (a miss, then a hit)', async () => {
    const t = await token({ scopes: 'read:blabla' });
    expect((await get(`${app.url}/secure/blabla`, { token: t })).status).to.equal(200);
    expect(shapes(events)).to.deep.equal([
      { type: 'keySetFetch', issuer: tenant.issuer, outcome: 'ok', keys: 1 },
      { type: 'authenticated', subject: 'auth0|test-user', scheme: 'Bearer', cache: 'miss' },
    ]);
    events.length = 0;
    await get(`${app.url}/secure/blabla`, { token: t });
    await get(`${app.url}/secure/blabla`, { token: t });
    expect(shapes(events).map((e) => (e as { cache: string }).cache)).to.deep.equal(['miss', 'hit']);
  });

  it('a 401: refused, invalid_token, expired, with the route', async () => {
    expect((await get(`${app.url}/secure`, { token: await token({ expiredSecondsAgo: 60 }) })).status).to.equal(401);
    expect(shapes(events)).to.deep.equal([
      { type: 'refused', status: 401, code: 'invalid_token', reason: 'expired', scheme: 'Bearer', route: '/secure' },
    ]);
  });

  it('a 403: authenticated, then refused for the scope', async () => {
    expect((await get(`${app.url}/secure/blabla`, { token: await token() })).status).to.equal(403);
    expect(shapes(events)).to.deep.equal([
      { type: 'authenticated', subject: 'auth0|test-user', scheme: 'Bearer', cache: 'miss' },
      { type: 'refused', status: 403, code: 'insufficient_scope', reason: 'insufficient_scope', scheme: 'Bearer', route: '/secure/blabla' },
    ]);
  });

  it('no credentials on a guarded route: refused, no_credentials', async () => {
    expect((await get(`${app.url}/secure`)).status).to.equal(401);
    expect(shapes(events)).to.deep.equal([
      { type: 'refused', status: 401, code: 'unauthorized', reason: 'no_credentials', scheme: 'Bearer', route: '/secure' },
    ]);
  });

  it('a 503 (tenant down, no key cached): a failed key set fetch, then refused', async () => {
    const down = await TestTenant.start();
    down.mode = 'down';
    const seen: AuthEvent[] = [];
    const api = await startKoa(down.auth0({ onEvent: (event) => seen.push(event) }), [Api]);
    try {
      const t = await down.token();
      tokens.push(t);
      expect((await get(`${api.url}/secure`, { token: t })).status).to.equal(503);
      expect(shapes(seen)).to.deep.equal([
        // The tenant's 'down' mode drops the connection: undici says so in its cause.
        {
          type: 'keySetFetch',
          issuer: down.issuer,
          outcome: 'error',
          keys: 0,
          cause: { code: 'UND_ERR_SOCKET', message: 'other side closed' },
        },
        {
          type: 'refused',
          status: 503,
          code: 'temporarily_unavailable',
          reason: 'key_set_unavailable',
          scheme: 'Bearer',
          route: '/secure',
        },
      ]);
    } finally {
      await api.close();
      await down.close();
    }
  });

  it('a replay store that fails: replayStoreError, then 503 for DPoP while Bearer still works', async () => {
    const failing: ReplayStore = {
      remember: () => Promise.reject(new Error('connection refused')),
    };
    const seen: AuthEvent[] = [];
    const api = await startKoa(tenant.auth0({ dpop: { replayStore: failing }, onEvent: (event) => seen.push(event) }), [Api]);
    try {
      const key = await DpopKey.generate();
      const bound = await token({ dpopJkt: key.thumbprint });
      const proof = await key.proof({ url: `${api.url}/secure`, accessToken: bound });
      const res = await get(`${api.url}/secure`, { authorization: `DPoP ${bound}`, headers: { dpop: proof } });
      expect(res.status).to.equal(503);
      expect(res.headers.get('retry-after')).to.equal('5');
      expect(shapes(seen.filter((e) => e.type !== 'keySetFetch'))).to.deep.equal([
        { type: 'replayStoreError', message: 'connection refused' },
        {
          type: 'refused',
          status: 503,
          code: 'temporarily_unavailable',
          reason: 'replay_store_unavailable',
          scheme: 'DPoP',
          route: '/secure',
        },
      ]);
      expect(JSON.stringify(seen)).not.to.include(proof.split('.')[1]);
      expect((await get(`${api.url}/secure`, { token: await token() })).status).to.equal(200);
    } finally {
      await api.close();
    }
  });

  it('a hook that throws changes no answer', async () => {
    const api = await startKoa(
      tenant.auth0({
        onEvent: () => {
          throw new Error('observer bug');
        },
      }),
      [Api],
    );
    try {
      expect((await get(`${api.url}/secure`, { token: await token() })).status).to.equal(200);
      expect((await get(`${api.url}/secure`)).status).to.equal(401);
    } finally {
      await api.close();
    }
  });
});
