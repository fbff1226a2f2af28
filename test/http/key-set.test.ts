import { expect } from 'chai';
import { Api } from '../support/controllers';
import { get, tenantPerTest } from '../support/server';

describe('the key set: lazy, shared, cached, rotated, and outages', () => {
  const env = tenantPerTest([Api]);

  it('nothing is fetched at construction or start-up; the first secured request fetches once', async () => {
    const url = await env.start(env.tenant.auth0());
    expect((await get(`${url}/public`)).status).to.equal(200);
    expect(env.tenant.jwksRequests).to.equal(0);
    expect((await get(`${url}/secure`, { token: await env.tenant.token() })).status).to.equal(200);
    expect((await get(`${url}/secure`, { token: await env.tenant.token({ subject: 'auth0|2' }) })).status).to.equal(200);
    expect(env.tenant.jwksRequests).to.equal(1);
  });

  it('the API starts and serves public routes while the tenant is unreachable', async () => {
    env.tenant.mode = 'down';
    const url = await env.start(env.tenant.auth0());
    expect((await get(`${url}/public`)).status).to.equal(200);
    expect(env.tenant.jwksRequests).to.equal(0);
  });

  it('concurrent first requests share one fetch', async () => {
    const url = await env.start(env.tenant.auth0());
    const tokens = await Promise.all(Array.from({ length: 25 }, (_, i) => env.tenant.token({ subject: `auth0|${i}` })));
    const answers = await Promise.all(tokens.map((token) => get(`${url}/secure`, { token })));
    expect(answers.map((a) => a.status)).to.deep.equal(tokens.map(() => 200));
    expect(env.tenant.jwksRequests).to.equal(1);
  });

  it('a rotated key is accepted without a restart', async () => {
    const url = await env.start(env.tenant.auth0({ jwksCooldown: 0 }));
    expect((await get(`${url}/secure`, { token: await env.tenant.token() })).status).to.equal(200);
    const oldToken = await env.tenant.token({ subject: 'auth0|old' });
    await env.tenant.rotate();
    const res = await get(`${url}/secure`, { token: await env.tenant.token({ subject: 'auth0|new' }) });
    expect(res.status).to.equal(200);
    expect(res.body.id).to.equal('auth0|new');
    expect(env.tenant.jwksRequests).to.equal(2);
    // Auth0 keeps the previous key published until it is revoked.
    expect((await get(`${url}/secure`, { token: oldToken })).status).to.equal(200);
  });

  it('a revoked key stops being honoured once the key set is refetched, even for remembered tokens', async () => {
    const url = await env.start(env.tenant.auth0({ jwksCooldown: 0 }));
    const oldToken = await env.tenant.token({ subject: 'auth0|old' });
    expect((await get(`${url}/secure`, { token: oldToken })).status).to.equal(200);
    expect((await get(`${url}/secure`, { token: oldToken })).status).to.equal(200);
    await env.tenant.rotate({ revoke: true });
    expect((await get(`${url}/secure`, { token: await env.tenant.token() })).status).to.equal(200);
    const res = await get(`${url}/secure`, { token: oldToken });
    expect(res.status).to.equal(401);
    expect(res.body.message).to.equal('Invalid kid header (wrong tenant or rotated public key)');
  });

  it('a stream of junk kids cannot make the API hammer the tenant (cooldown), and a rotation is picked up after it', async () => {
    let now = Date.now();
    const url = await env.start(env.tenant.auth0({ jwksCooldown: 400, clock: () => now }));
    expect((await get(`${url}/secure`, { token: await env.tenant.token() })).status).to.equal(200);
    const junk = await Promise.all(Array.from({ length: 40 }, (_, i) => env.tenant.token({ header: { kid: `junk-${i}` } })));
    const answers = await Promise.all(junk.map((token) => get(`${url}/secure`, { token })));
    expect(new Set(answers.map((a) => a.status))).to.deep.equal(new Set([401]));
    expect(env.tenant.jwksRequests).to.be.at.most(2);
    const before = env.tenant.jwksRequests;
    for (const token of junk.slice(0, 10)) await get(`${url}/secure`, { token });
    expect(env.tenant.jwksRequests).to.equal(before);

    await env.tenant.rotate();
    const fresh = await env.tenant.token({ subject: 'auth0|rotated' });
    now += 450;
    const res = await get(`${url}/secure`, { token: fresh });
    expect(res.status).to.equal(200);
    expect(env.tenant.jwksRequests).to.equal(before + 1);
  });

  it('tenant down before any key is cached: 503 temporarily_unavailable with Retry-After; never 500', async () => {
    env.tenant.mode = 'down';
    const url = await env.start(env.tenant.auth0({ jwksCooldown: 1000 }));
    const token = await env.tenant.token();
    const res = await get(`${url}/secure`, { token });
    expect(res.status).to.equal(503);
    expect(res.body).to.deep.equal({
      error: 'temporarily_unavailable',
      message: 'The token cannot be checked now: the tenant key set is unreachable',
    });
    expect(res.headers.get('retry-after')).to.equal('1');
    expect(res.headers.get('www-authenticate')).to.match(/^Bearer realm="[^"]+", error="temporarily_unavailable"/);
    // Within the cooldown, no new fetch: the outage does not turn into a flood.
    const again = await get(`${url}/secure`, { token });
    expect(again.status).to.equal(503);
    expect(env.tenant.jwksRequests).to.equal(1);
    // Requests without a token still get their 401, public routes their 200.
    expect((await get(`${url}/secure`)).status).to.equal(401);
    expect((await get(`${url}/public`)).status).to.equal(200);
  });

  it('the tenant coming back is noticed after the cooldown', async () => {
    env.tenant.mode = 'error';
    let now = Date.now();
    const url = await env.start(env.tenant.auth0({ jwksCooldown: 200, clock: () => now }));
    const token = await env.tenant.token();
    expect((await get(`${url}/secure`, { token })).status).to.equal(503);
    env.tenant.mode = 'up';
    // Inside the cooldown the outage is remembered; after it, the tenant is asked again.
    expect((await get(`${url}/secure`, { token })).status).to.equal(503);
    now += 250;
    expect((await get(`${url}/secure`, { token })).status).to.equal(200);
  });

  it('a slow tenant times out into a 503, not a hung request', async () => {
    env.tenant.mode = 'slow';
    const url = await env.start(env.tenant.auth0({ jwksTimeout: 200 }));
    const res = await get(`${url}/secure`, { token: await env.tenant.token() });
    expect(res.status).to.equal(503);
    expect(res.body.error).to.equal('temporarily_unavailable');
  });

  it('cached keys keep serving while the tenant is down', async () => {
    const url = await env.start(env.tenant.auth0({ jwksCooldown: 0, jwksMaxAge: 0, tokenCacheSize: 0 }));
    expect((await get(`${url}/secure`, { token: await env.tenant.token() })).status).to.equal(200);
    for (const mode of ['down', 'error', 'slow'] as const) {
      env.tenant.mode = mode;
      env.tenant.slowDelay = 300;
      const res = await get(`${url}/secure`, { token: await env.tenant.token({ subject: `auth0|${mode}` }) });
      expect(res.status, mode).to.equal(200);
      expect(res.body.id).to.equal(`auth0|${mode}`);
    }
    // A stale key set triggers background refreshes, each of them failing harmlessly.
    expect(env.tenant.jwksRequests).to.be.greaterThan(1);
  });

  it('a key set that is not JSON or has no keys is an outage, not a crash', async () => {
    const url = await env.start(env.tenant.auth0());
    const original = env.tenant.jwks;
    Object.defineProperty(env.tenant, 'jwks', { get: () => ({ nokeys: original.keys }), configurable: true });
    const res = await get(`${url}/secure`, { token: await env.tenant.token() });
    expect(res.status).to.equal(503);
  });
});
