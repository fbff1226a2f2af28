import { expect } from 'chai';
import { DpopKey, TestTenant } from 'routing-controllers-auth0/testing';
import { Auth0User, Claim, Pipeline } from '../../src';
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
    new Pipeline({ domain: tenant.issuer, audience: tenant.audience, ...options });

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

  it('verify() refuses a certificate-bound token without its certificate, with or without the mtls option', async () => {
    const token = await tenant.token({ certificateThumbprint: 'x'.repeat(43) });
    expect(await rejectionOf(pipeline().verify(token))).to.include({ status: 401, code: 'invalid_token' });
    expect(await rejectionOf(pipeline({ mtls: {} }).verify(token))).to.include({ status: 401, code: 'invalid_token' });
    expect(await rejectionOf(pipeline({ mtls: {} }).verify(token, { certificate: new Uint8Array([1]) }))).to.include({
      status: 401,
      code: 'invalid_token',
    });
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
