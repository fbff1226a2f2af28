import { expect } from 'chai';
import { Api } from '../support/controllers';
import { get, tenantPerTest } from '../support/server';

/** Resource bounds: nothing an anonymous caller sends can grow memory or fetches without bound. */
describe('resource bounds', () => {
  const env = tenantPerTest([Api]);

  it('a flood of distinct junk tokens is never remembered and costs at most one fetch per cooldown', async () => {
    const auth = env.tenant.auth0({ jwksCooldown: 60_000 });
    const url = await env.start(auth);
    const valid = await env.tenant.token();
    // A token is remembered the second time it is verified.
    expect((await get(`${url}/secure`, { token: valid })).status).to.equal(200);
    expect((await get(`${url}/secure`, { token: valid })).status).to.equal(200);
    const junk = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        i % 2 === 0 ? env.tenant.token({ foreignKey: true, subject: `auth0|${i}` }) : env.tenant.token({ header: { kid: `junk-${i}` } }),
      ),
    );
    for (let i = 0; i < junk.length; i += 50) {
      const answers = await Promise.all(junk.slice(i, i + 50).map((token) => get(`${url}/secure`, { token })));
      expect(new Set(answers.map((a) => a.status))).to.deep.equal(new Set([401]));
    }
    expect(auth.pipeline.cachedTokenCount).to.equal(1);
    // The first fetch opened the cooldown: 300 unknown kids inside it cost the tenant nothing.
    expect(env.tenant.jwksRequests).to.equal(1);
    expect(auth.pipeline.keySetStats[env.tenant.issuer]).to.deep.equal({ fetches: 1, failures: 0, keys: 1 });
  });

  it('the verified-token cache holds at most tokenCacheSize entries', async () => {
    const auth = env.tenant.auth0({ tokenCacheSize: 25 });
    const url = await env.start(auth);
    for (let i = 0; i < 100; i += 1) {
      const token = await env.tenant.token({ subject: `auth0|${i}` });
      expect((await get(`${url}/secure`, { token })).status).to.equal(200);
      expect((await get(`${url}/secure`, { token })).status).to.equal(200);
    }
    expect(auth.pipeline.cachedTokenCount).to.equal(25);
  });

  it('a token seen once is not remembered (one-off tokens leave no entry behind); seen twice, it is', async () => {
    const auth = env.tenant.auth0();
    const url = await env.start(auth);
    for (let i = 0; i < 50; i += 1) {
      expect((await get(`${url}/secure`, { token: await env.tenant.token({ subject: `auth0|once-${i}` }) })).status).to.equal(200);
    }
    expect(auth.pipeline.cachedTokenCount).to.equal(0);
    const token = await env.tenant.token({ subject: 'auth0|twice' });
    await get(`${url}/secure`, { token });
    await get(`${url}/secure`, { token });
    expect(auth.pipeline.cachedTokenCount).to.equal(1);
  });

  it('tokenCacheSize: 0 turns the cache off', async () => {
    const auth = env.tenant.auth0({ tokenCacheSize: 0 });
    const url = await env.start(auth);
    const token = await env.tenant.token();
    expect((await get(`${url}/secure`, { token })).status).to.equal(200);
    expect((await get(`${url}/secure`, { token })).status).to.equal(200);
    expect(auth.pipeline.cachedTokenCount).to.equal(0);
  });

  it('a remembered token is not honoured past its exp', async () => {
    let now = Date.now();
    const auth = env.tenant.auth0({ clockTolerance: 0, clock: () => now });
    const url = await env.start(auth);
    const token = await env.tenant.token({ expiresIn: 1 });
    expect((await get(`${url}/secure`, { token })).status).to.equal(200);
    expect((await get(`${url}/secure`, { token })).status).to.equal(200);
    expect(auth.pipeline.cachedTokenCount).to.equal(1);
    now += 1100;
    const res = await get(`${url}/secure`, { token });
    expect(res.status).to.equal(401);
    expect(res.body.message).to.equal('Expired token');
  });

  it('a key set with too many keys keeps at most jwksMaxKeys', async () => {
    for (let i = 0; i < 5; i += 1) await env.tenant.rotate();
    const auth = env.tenant.auth0({ jwksMaxKeys: 2 });
    const url = await env.start(auth);
    expect((await get(`${url}/secure`, { token: await env.tenant.token() })).status).to.equal(200);
    expect(auth.pipeline.keySetStats[env.tenant.issuer].keys).to.be.at.most(2);
  });

  it('an oversized key set answer is an outage, not a memory spike', async () => {
    const original = env.tenant.jwks;
    Object.defineProperty(env.tenant, 'jwks', {
      get: () => ({ keys: original.keys, padding: 'x'.repeat(600 * 1024) }),
      configurable: true,
    });
    const url = await env.start(env.tenant.auth0());
    const res = await get(`${url}/secure`, { token: await env.tenant.token() });
    expect(res.status).to.equal(503);
    expect(res.body.error).to.equal('temporarily_unavailable');
  });
});
