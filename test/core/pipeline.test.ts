import { expect } from 'chai';
import { DpopKey, TestTenant } from 'routing-controllers-auth0/testing';
import { Auth0ConfigError, Auth0User, Claim, InsufficientScopeError, Pipeline, userClassFactory } from '../../src';
import { rejectionOf } from '../support/errors';

describe('the pipeline: the one way a token is accepted', () => {
  let tenant: TestTenant;
  let key: DpopKey;
  before(async () => {
    tenant = await TestTenant.start();
    key = await DpopKey.generate();
  });
  after(() => tenant.close());

  const pipeline = (options: ConstructorParameters<typeof Pipeline>[0] = {}) =>
    new Pipeline(
      { domain: tenant.issuer, audience: tenant.audience, ...options },
      { userFactory: options.userClass && userClassFactory(options.userClass) },
    );

  it('verify() refuses a DPoP-bound token without its proof, and accepts it with one (once)', async () => {
    const p = pipeline();
    const token = await tenant.token({ dpopJkt: key.thumbprint });
    expect(await rejectionOf(p.verify(token))).to.include({ status: 401, code: 'invalid_token' });
    const url = 'https://api.example.com/ws';
    const proof = await key.proof({ url, accessToken: token });
    const { user } = await p.verify(token, { dpop: { proof, method: 'GET', url } });
    expect(user.id).to.equal('auth0|test-user');
    expect(await rejectionOf(p.verify(token, { dpop: { proof, method: 'GET', url } }))).to.include({
      status: 401,
      code: 'invalid_dpop_proof',
    });
  });

  it("the replay store is told each proof's key, jti, expiry and the token's subject (its sub)", async () => {
    const calls: unknown[][] = [];
    const now = 1_800_000_000_000;
    const store = { remember: async (...args: unknown[]) => (calls.push(args), true) };
    const p = pipeline({ dpop: { replayStore: store }, clock: () => now });
    const token = await tenant.token({ dpopJkt: key.thumbprint, subject: 'auth0|a"b', claims: { iat: now / 1000, exp: now / 1000 + 600 } });
    const url = 'https://api.example.com/ws';
    const proof = await key.proof({ url, accessToken: token, iat: now / 1000, jti: 'proof-1' });
    await p.verify(token, { dpop: { proof, method: 'GET', url } });
    expect(calls).to.deep.equal([[key.thumbprint, 'proof-1', (now / 1000 + 61) * 1000, 'auth0|a"b']]);
  });

  it('verify() refuses a certificate-bound token without its certificate, with or without the mtls option', async () => {
    const token = await tenant.token({ certificateThumbprint: 'x'.repeat(43) });
    expect(await rejectionOf(pipeline().verify(token))).to.include({ status: 401, code: 'invalid_token' });
    expect(await rejectionOf(pipeline({ mtls: {} }).verify(token))).to.include({ status: 401, code: 'invalid_token' });
    expect(await rejectionOf(pipeline({ mtls: {} }).verify(token, { certificate: new Uint8Array([1]) }))).to.include({
      status: 401,
      code: 'invalid_token',
    });
  });

  it('a confirmation with a checked method and an extension member is checked by that method, the member ignored', async () => {
    const p = pipeline();
    const token = await tenant.token({ claims: { cnf: { jkt: key.thumbprint, 'x-ext': { any: 'thing' } } } });
    const url = 'https://api.example.com/ws';
    const proof = await key.proof({ url, accessToken: token });
    expect((await p.verify(token, { dpop: { proof, method: 'GET', url } })).user.id).to.equal('auth0|test-user');
    const other = await (await DpopKey.generate()).proof({ url, accessToken: token });
    expect(await rejectionOf(p.verify(token, { dpop: { proof: other, method: 'GET', url } }))).to.include({
      status: 401,
      code: 'invalid_dpop_proof',
    });
    // Still a DPoP-bound token: never accepted as a plain bearer token.
    expect(await rejectionOf(p.verify(token))).to.include({ status: 401, code: 'invalid_token' });
  });

  it('a confirmation of an unknown shape, or with no method this API checks, is refused, not taken as unbound', async () => {
    const p = pipeline();
    for (const cnf of ['jkt', [key.thumbprint], null, {}, { jwk: { kty: 'EC' } }, { kid: 'k' }, { jwk: {}, 'x-ext': 1 }]) {
      const outcome = await p.authenticate({ authorization: `Bearer ${await tenant.token({ claims: { cnf } })}` });
      expect(outcome.kind === 'failed' && [outcome.error.status, outcome.error.code], JSON.stringify(cnf)).to.deep.equal([
        401,
        'invalid_token',
      ]);
    }
  });

  it('verify() with a DPoP URL that is not a URL, or a DPoP request without a method: 400, never a TypeError', async () => {
    const token = await tenant.token({ dpopJkt: key.thumbprint });
    for (const url of ['not a url', 'https://bad host/x', '']) {
      const proof = await key.proof({ url: 'https://api.example.com/x', accessToken: token });
      expect(await rejectionOf(pipeline().verify(token, { dpop: { proof, method: 'GET', url } })), url).to.include({
        status: 400,
        code: 'invalid_request',
      });
    }
    const proof = await key.proof({ url: 'https://api.example.com/x', accessToken: token });
    const outcome = await pipeline().authenticate({
      authorization: `DPoP ${token}`,
      dpop: proof,
      location: () => ({ protocol: 'https', host: 'api.example.com', target: '/x' }),
    });
    expect(outcome.kind === 'failed' && outcome.error.code).to.equal('invalid_request');
  });

  it('verify() with a certificate uses it, also when a proxy header is configured for requests', async () => {
    const der = new Uint8Array([1, 2, 3]);
    const { certificateThumbprint } = await import('routing-controllers-auth0/testing');
    const token = await tenant.token({ certificateThumbprint: certificateThumbprint(der) });
    const { user } = await pipeline({ mtls: { certificateHeader: 'x-client-cert', trustedProxies: '0.0.0.0/0' } }).verify(token, {
      certificate: der,
    });
    expect(user.id).to.equal('auth0|test-user');
  });

  it('server nonces of one API are not accepted by another sharing the secret', async () => {
    const secret = 's'.repeat(40);
    const a = pipeline({ dpop: { nonce: { secret } } });
    const b = new Pipeline({ domain: tenant.issuer, audience: 'https://other.example.com', dpop: { nonce: { secret } } });
    const url = 'https://api.example.com/x';
    const token = await tenant.token({ dpopJkt: key.thumbprint });
    const first = await rejectionOf(a.verify(token, { dpop: { proof: await key.proof({ url, accessToken: token }), method: 'GET', url } }));
    const nonce = (first as unknown as { nonce: string }).nonce;
    const proof = await key.proof({ url, accessToken: token, claims: { nonce } });
    expect((await a.verify(token, { dpop: { proof, method: 'GET', url } })).user.id).to.equal('auth0|test-user');
    const otherToken = await tenant.token({ dpopJkt: key.thumbprint, audience: 'https://other.example.com' });
    const forB = await key.proof({ url, accessToken: otherToken, claims: { nonce } });
    expect(await rejectionOf(b.verify(otherToken, { dpop: { proof: forB, method: 'GET', url } }))).to.include({ code: 'use_dpop_nonce' });
  });

  it('a @Claim mapper that throws on a token is a 401 invalid_token for that token, not a 500', async () => {
    class Strict extends Auth0User {
      @Claim('org_id', (org: string) => org.toLowerCase())
      org!: string;
    }
    const p = pipeline({ userClass: Strict });
    const without = await tenant.token();
    for (let sight = 0; sight < 3; sight += 1) {
      const outcome = await p.authenticate({ authorization: `Bearer ${without}` });
      expect(outcome.kind).to.equal('failed');
      if (outcome.kind !== 'failed') return;
      expect(outcome.error).to.include({ status: 401, code: 'invalid_token', message: 'Error parsing Auth0User: invalid claims (org)' });
      expect((outcome.error as Error & { cause?: unknown }).cause).to.be.instanceOf(TypeError);
    }
    // A mapper that refuses on purpose, with an Auth0Error of its own, is answered as it says.
    class Refusing extends Auth0User {
      @Claim('org_id', () => {
        throw new InsufficientScopeError('Members of an organisation only', { scope: ['org'] });
      })
      org!: string;
    }
    const refused = await pipeline({ userClass: Refusing }).authenticate({ authorization: `Bearer ${without}` });
    expect(refused.kind === 'failed' && refused.error).to.include({ status: 403, code: 'insufficient_scope' });
    const withOrg = await p.authenticate({ authorization: `Bearer ${await tenant.token({ claims: { org_id: 'ACME' } })}` });
    expect(withOrg.kind === 'authenticated' && (withOrg.user as Strict).org).to.equal('acme');
  });

  it('no application code runs before the binding is proven', async () => {
    let mapped = 0;
    let validated = 0;
    class Counted extends Auth0User {
      @Claim('sub', (sub) => {
        mapped += 1;
        return sub;
      })
      subject!: string;
    }
    const p = pipeline({
      userClass: Counted,
      validate: () => {
        validated += 1;
        return true;
      },
    });
    const token = await tenant.token({ dpopJkt: key.thumbprint });
    const other = await DpopKey.generate();
    const asBearer = await p.authenticate({ authorization: `Bearer ${token}` });
    const location = () => ({ protocol: 'https', host: 'api.example.com', target: '/x' });
    const wrongKey = await p.authenticate({
      authorization: `DPoP ${token}`,
      dpop: await other.proof({ url: 'https://api.example.com/x', accessToken: token }),
      method: 'GET',
      location,
    });
    expect([asBearer.kind, wrongKey.kind, mapped, validated]).to.deep.equal(['failed', 'failed', 0, 0]);
    const good = await p.authenticate({
      authorization: `DPoP ${token}`,
      dpop: await key.proof({ url: 'https://api.example.com/x', accessToken: token }),
      method: 'GET',
      location,
    });
    expect([good.kind, mapped, validated]).to.deep.equal(['authenticated', 1, 1]);
  });

  it('validate runs on every request, cache hits included', async () => {
    const revoked = new Set<string>();
    let calls = 0;
    const p = pipeline({
      validate: (claims) => {
        calls += 1;
        return !revoked.has(claims.jti as string);
      },
    });
    const token = await tenant.token({ claims: { jti: 'j-1' } });
    for (let i = 0; i < 3; i += 1) expect((await p.authenticate({ authorization: `Bearer ${token}` })).kind).to.equal('authenticated');
    expect([calls, p.cachedTokenCount]).to.deep.equal([3, 1]);
    revoked.add('j-1');
    const outcome = await p.authenticate({ authorization: `Bearer ${token}` });
    expect(outcome.kind === 'failed' && [outcome.error.status, outcome.error.code]).to.deep.equal([401, 'invalid_token']);
  });

  it('a custom user class needs the factory of the routing-controllers layer (the core has no decorator library)', () => {
    class Custom extends Auth0User {}
    expect(() => new Pipeline({ domain: tenant.issuer, audience: tenant.audience, userClass: Custom })).to.throw(
      Auth0ConfigError,
      /userFactory/,
    );
  });

  it('a bug in a user class is not turned into a 401: authenticate rejects (the framework answers 500)', async () => {
    class Broken extends Auth0User {
      constructor() {
        super();
        throw new TypeError('bug in the user class');
      }
    }
    const p = pipeline({ userClass: Broken });
    expect(await rejectionOf(p.authenticate({ authorization: `Bearer ${await tenant.token()}` }))).to.be.instanceOf(TypeError);
  });

  it('the answer to a failure is built from the error and the configuration', async () => {
    const p = pipeline({ dpop: { mode: 'required', algorithms: ['ES256'] } });
    const outcome = await p.authenticate({ authorization: `Bearer ${await tenant.token()}` });
    if (outcome.kind !== 'failed') throw new Error('expected a failure');
    expect(p.answer(outcome.error, outcome.scheme)).to.deep.include({ status: 401 });
    expect(p.answer(outcome.error, outcome.scheme).headers['WWW-Authenticate']).to.equal('DPoP algs="ES256"');
  });
});
