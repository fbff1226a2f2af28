import { expect } from 'chai';
import { TestTenant } from 'routing-controllers-auth0/testing';
import type { Auth0 } from '../../src';
import { Api } from '../support/controllers';
import { get, startKoa, type Running } from '../support/server';

/** Resource bounds: nothing an anonymous caller sends can grow memory or fetches without bound. */
describe('resource bounds', () => {
  let tenant: TestTenant;
  let app: Running | undefined;

  beforeEach(async () => {
    tenant = await TestTenant.start();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await tenant.close();
  });

  async function start(auth: Auth0): Promise<string> {
    app = await startKoa(auth, [Api]);
    return app.url;
  }

  it('a flood of distinct junk tokens is never remembered and costs at most one fetch per cooldown', async () => {
    const auth = tenant.auth0({ jwksCooldown: 60_000 });
    const url = await start(auth);
    const valid = await tenant.token();
    // A token is remembered the second time it is verified.
    expect((await get(`${url}/secure`, { token: valid })).status).to.equal(200);
    expect((await get(`${url}/secure`, { token: valid })).status).to.equal(200);
    const junk = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        i % 2 === 0 ? tenant.token({ foreignKey: true, subject: `auth0|${i}` }) : tenant.token({ header: { kid: `junk-${i}` } }),
      ),
    );
    for (let i = 0; i < junk.length; i += 50) {
      const answers = await Promise.all(junk.slice(i, i + 50).map((token) => get(`${url}/secure`, { token })));
      expect(new Set(answers.map((a) => a.status))).to.deep.equal(new Set([401]));
    }
    expect(auth.authenticator.verifier.rememberedCount).to.equal(1);
    // The first fetch opened the cooldown: 300 unknown kids inside it cost the tenant nothing.
    expect(tenant.jwksRequests).to.equal(1);
    expect(auth.authenticator.verifier.keySet.stats).to.deep.equal({ fetches: 1, failures: 0, keys: 1 });
  });

  it('the verified-token cache holds at most tokenCacheSize entries', async () => {
    const auth = tenant.auth0({ tokenCacheSize: 25 });
    const url = await start(auth);
    for (let i = 0; i < 100; i += 1) {
      const token = await tenant.token({ subject: `auth0|${i}` });
      expect((await get(`${url}/secure`, { token })).status).to.equal(200);
      expect((await get(`${url}/secure`, { token })).status).to.equal(200);
    }
    expect(auth.authenticator.verifier.rememberedCount).to.equal(25);
  });

  it('a token seen once is not remembered (one-off tokens leave no entry behind); seen twice, it is', async () => {
    const auth = tenant.auth0();
    const url = await start(auth);
    for (let i = 0; i < 50; i += 1) {
      expect((await get(`${url}/secure`, { token: await tenant.token({ subject: `auth0|once-${i}` }) })).status).to.equal(200);
    }
    expect(auth.authenticator.verifier.rememberedCount).to.equal(0);
    const token = await tenant.token({ subject: 'auth0|twice' });
    await get(`${url}/secure`, { token });
    await get(`${url}/secure`, { token });
    expect(auth.authenticator.verifier.rememberedCount).to.equal(1);
  });

  it('tokenCacheSize: 0 turns the cache off', async () => {
    const auth = tenant.auth0({ tokenCacheSize: 0 });
    const url = await start(auth);
    const token = await tenant.token();
    expect((await get(`${url}/secure`, { token })).status).to.equal(200);
    expect((await get(`${url}/secure`, { token })).status).to.equal(200);
    expect(auth.authenticator.verifier.rememberedCount).to.equal(0);
  });

  it('a remembered token is not honoured past its exp', async () => {
    const auth = tenant.auth0({ clockTolerance: 0 });
    const url = await start(auth);
    const token = await tenant.token({ expiresIn: 1 });
    expect((await get(`${url}/secure`, { token })).status).to.equal(200);
    expect((await get(`${url}/secure`, { token })).status).to.equal(200);
    expect(auth.authenticator.verifier.rememberedCount).to.equal(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const res = await get(`${url}/secure`, { token });
    expect(res.status).to.equal(401);
    expect(res.body.message).to.equal('Expired token');
  });

  it('a key set with too many keys keeps at most jwksMaxKeys', async () => {
    for (let i = 0; i < 5; i += 1) await tenant.rotate();
    const auth = tenant.auth0({ jwksMaxKeys: 2 });
    const url = await start(auth);
    expect((await get(`${url}/secure`, { token: await tenant.token() })).status).to.equal(200);
    expect(auth.authenticator.verifier.keySet.stats.keys).to.be.at.most(2);
  });

  it('an oversized key set answer is an outage, not a memory spike', async () => {
    const original = tenant.jwks;
    Object.defineProperty(tenant, 'jwks', {
      get: () => ({ keys: original.keys, padding: 'x'.repeat(600 * 1024) }),
      configurable: true,
    });
    const url = await start(tenant.auth0());
    const res = await get(`${url}/secure`, { token: await tenant.token() });
    expect(res.status).to.equal(503);
    expect(res.body.error).to.equal('temporarily_unavailable');
  });
});
