import { expect } from 'chai';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { Authorized, CurrentUser, Get, JsonController } from 'routing-controllers';
import { DpopKey, LocalTenant, LocalTenantError } from 'routing-controllers-auth0/testing';
import { Auth0ConfigError, type Auth0User } from '../../src';
import { get, startKoa, type Running } from '../support/server';
import { authorizationCode } from './browser';
import { rejectionOf } from '../support/errors';

const CALLBACK = 'http://localhost:3000/docs/oauth2-redirect';

@JsonController('/lt')
class TenantApi {
  @Get('/secure')
  @Authorized('read:blabla')
  secure(@CurrentUser() user: Auth0User) {
    return { id: user.id, isMachine: user.isMachine };
  }
}

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, LocalTenantError);

/** POSTs a client credentials request for the default M2M client with the given headers. */
function clientCredentials(tenant: LocalTenant, headers: Record<string, string>): Promise<Response> {
  return fetch(tenant.urls.token, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: tenant.m2mClient.clientId,
      client_secret: tenant.m2mClient.clientSecret!,
      audience: tenant.audience,
    }).toString(),
  });
}

describe('the local tenant: DPoP-bound tokens (RFC 9449) at /oauth/token', () => {
  let tenant: LocalTenant;
  let app: Running;
  let key: DpopKey;

  before(async () => {
    tenant = await LocalTenant.start();
    app = await startKoa(tenant.auth0(), [TenantApi]);
    key = await DpopKey.generate();
  });
  after(async () => {
    await app.close();
    await tenant.close();
  });

  async function callWithDpop(token: string, proofKey = key) {
    const url = `${app.url}/lt/secure`;
    return get(url, { authorization: `DPoP ${token}`, headers: { dpop: await proofKey.proof({ url, accessToken: token }) } });
  }

  it('client credentials with a proof: token_type DPoP and cnf.jkt of the proof key', async () => {
    const response = await tenant.requestToken(
      {
        grant_type: 'client_credentials',
        client_id: tenant.m2mClient.clientId,
        client_secret: tenant.m2mClient.clientSecret!,
        audience: tenant.audience,
      },
      { dpop: key },
    );
    expect(response.token_type).to.equal('DPoP');
    const claims = decodeJwt(response.access_token);
    expect(claims.cnf).to.deep.equal({ jkt: key.thumbprint });
    expect(claims).to.include({ sub: `${tenant.m2mClient.clientId}@clients`, gty: 'client-credentials', azp: tenant.m2mClient.clientId });
    expect(decodeProtectedHeader(response.access_token).typ).to.equal('JWT');
  });

  it('an app secured by tenant.auth0(): the DPoP-bound M2M token with a fresh proof is 200, as Bearer 401 invalid_token', async () => {
    const token = await tenant.machineToken({ dpop: key });
    const ok = await callWithDpop(token);
    expect(ok.status).to.equal(200);
    expect(ok.body).to.deep.equal({ id: `${tenant.m2mClient.clientId}@clients`, isMachine: true });

    const bearer = await get(`${app.url}/lt/secure`, { token });
    expect(bearer.status).to.equal(401);
    expect(bearer.body.error).to.equal('invalid_token');
    expect(bearer.headers.get('www-authenticate')).to.include('error="invalid_token"');
  });

  it('a proof made with another key is refused by the app (cnf.jkt)', async () => {
    const token = await tenant.machineToken({ dpop: key });
    const res = await callWithDpop(token, await DpopKey.generate());
    expect(res.status).to.equal(401);
    expect(res.body.error).to.equal('invalid_dpop_proof');
  });

  it('without a proof the token stays a plain Bearer token (no cnf)', async () => {
    const response = await tenant.requestToken({
      grant_type: 'client_credentials',
      client_id: tenant.m2mClient.clientId,
      client_secret: tenant.m2mClient.clientSecret!,
      audience: tenant.audience,
    });
    expect(response.token_type).to.equal('Bearer');
    expect(decodeJwt(response.access_token)).not.to.have.property('cnf');
    expect((await get(`${app.url}/lt/secure`, { token: response.access_token })).status).to.equal(200);
  });

  it('password grant with a proof: a DPoP-bound user token the app accepts with a proof', async () => {
    const token = await tenant.userToken('admin@example.com', { dpop: key });
    const claims = decodeJwt(token);
    expect(claims.cnf).to.deep.equal({ jkt: key.thumbprint });
    expect(claims).to.include({ gty: 'password', scope: 'read:blabla' });
    const res = await callWithDpop(token);
    expect(res.status).to.equal(200);
    expect(res.body.isMachine).to.equal(false);
    expect((await get(`${app.url}/lt/secure`, { token })).status).to.equal(401);
  });

  it('authorization code exchange with a proof: a DPoP-bound token with the Auth0 shape', async () => {
    const { code, verifier } = await authorizationCode(
      tenant.urls.authorize,
      { client_id: tenant.spaClient.clientId, scope: 'read:blabla', state: 'dpop', audience: tenant.audience },
      CALLBACK,
    );
    const response = await tenant.requestToken(
      { grant_type: 'authorization_code', client_id: tenant.spaClient.clientId, code, code_verifier: verifier, redirect_uri: CALLBACK },
      { dpop: key },
    );
    expect(response.token_type).to.equal('DPoP');
    const claims = decodeJwt(response.access_token);
    expect(claims).to.deep.include({
      cnf: { jkt: key.thumbprint },
      azp: tenant.spaClient.clientId,
      scope: 'read:blabla',
      'https://example.com/email': 'admin@example.com',
    });
    expect(claims).not.to.have.property('client_id');
    expect((await callWithDpop(response.access_token)).status).to.equal(200);
  });

  it('discovery lists the proof algorithms', async () => {
    const res = await get(tenant.urls.discovery);
    expect(res.body.dpop_signing_alg_values_supported).to.include.members(['ES256', 'RS256', 'PS256', 'EdDSA']);
  });

  it('refuses a proof for another URL, another method, an old one, a replayed one (400 invalid_dpop_proof)', async () => {
    const proofs = [
      await key.proof({ method: 'POST', url: `${tenant.issuer}oauth/other` }),
      await key.proof({ method: 'GET', url: tenant.urls.token }),
      await key.proof({ method: 'POST', url: tenant.urls.token, iat: Math.floor(Date.now() / 1000) - 3600 }),
      await key.proof({ method: 'POST', url: tenant.urls.token, header: { typ: 'JWT' } }),
      'not-a-proof',
    ];
    for (const proof of proofs) {
      const res = await clientCredentials(tenant, { dpop: proof });
      expect(res.status, proof.slice(0, 40)).to.equal(400);
      expect(((await res.json()) as { error: string }).error).to.equal('invalid_dpop_proof');
    }
    const once = await key.proof({ method: 'POST', url: tenant.urls.token });
    expect((await clientCredentials(tenant, { dpop: once })).status).to.equal(200);
    const again = await clientCredentials(tenant, { dpop: once });
    expect(again.status).to.equal(400);
    expect(((await again.json()) as { error: string }).error).to.equal('invalid_dpop_proof');
  });

  it('RS256 and EdDSA proof keys bind as well', async () => {
    for (const alg of ['RS256', 'EdDSA'] as const) {
      const other = await DpopKey.generate(alg);
      const token = await tenant.machineToken({ dpop: other });
      expect(decodeJwt(token).cnf).to.deep.equal({ jkt: other.thumbprint });
      expect((await callWithDpop(token, other)).status, alg).to.equal(200);
    }
  });
});

describe('the local tenant: RFC 9068 token profile (accessTokenProfile: "rfc9068")', () => {
  let rfc: LocalTenant;
  let plain: LocalTenant;
  let strictApp: Running;
  let plainStrictApp: Running;

  before(async () => {
    rfc = await LocalTenant.start({ accessTokenProfile: 'rfc9068' });
    plain = await LocalTenant.start();
    strictApp = await startKoa(rfc.auth0({ strict: true }), [TenantApi]);
    plainStrictApp = await startKoa(plain.auth0({ strict: true }), [TenantApi]);
  });
  after(async () => {
    await strictApp.close();
    await plainStrictApp.close();
    await rfc.close();
    await plain.close();
  });

  it('machine tokens: typ at+jwt, client_id, jti and iat, no azp', async () => {
    expect(rfc.accessTokenProfile).to.equal('rfc9068');
    const token = await rfc.machineToken();
    expect(decodeProtectedHeader(token)).to.include({ typ: 'at+jwt', alg: 'RS256' });
    const claims = decodeJwt(token);
    expect(claims).to.include({ client_id: rfc.m2mClient.clientId, sub: `${rfc.m2mClient.clientId}@clients`, scope: 'read:blabla' });
    expect(claims.jti).to.be.a('string').and.not.equal('');
    expect(claims.iat).to.be.a('number');
    expect(claims).not.to.have.property('azp');
  });

  it('user tokens: the same profile, each with its own jti', async () => {
    const [a, b] = [await rfc.userToken('admin@example.com'), await rfc.userToken('admin@example.com')];
    expect(decodeProtectedHeader(a).typ).to.equal('at+jwt');
    expect(decodeJwt(a)).to.include({ client_id: rfc.spaClient.clientId, 'https://example.com/email': 'admin@example.com' });
    expect(decodeJwt(a).jti).not.to.equal(decodeJwt(b).jti);
  });

  it('an app with strict: true accepts them', async () => {
    const machine = await get(`${strictApp.url}/lt/secure`, { token: await rfc.machineToken() });
    expect(machine.status).to.equal(200);
    const user = await get(`${strictApp.url}/lt/secure`, { token: await rfc.userToken('admin@example.com') });
    expect(user.status).to.equal(200);
  });

  it('an app with strict: true refuses the default-profile tokens (401 invalid_token)', async () => {
    const token = await plain.machineToken();
    expect(plain.accessTokenProfile).to.equal('auth0');
    expect(decodeProtectedHeader(token).typ).to.equal('JWT');
    const res = await get(`${plainStrictApp.url}/lt/secure`, { token });
    expect(res.status).to.equal(401);
    expect(res.body.error).to.equal('invalid_token');
  });

  it('RFC 9068 and DPoP together: a strict app accepts the bound token with a proof', async () => {
    const key = await DpopKey.generate();
    const token = await rfc.machineToken({ dpop: key });
    expect(decodeJwt(token)).to.deep.include({ cnf: { jkt: key.thumbprint }, client_id: rfc.m2mClient.clientId });
    const url = `${strictApp.url}/lt/secure`;
    const res = await get(url, { authorization: `DPoP ${token}`, headers: { dpop: await key.proof({ url, accessToken: token }) } });
    expect(res.status).to.equal(200);
  });

  it('refuses an unknown profile', async () => {
    const error = await LocalTenant.start({ accessTokenProfile: 'jwt' as never }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).to.be.instanceOf(Auth0ConfigError);
    expect(error!.message).to.include('`accessTokenProfile` must be "auth0" or "rfc9068" (got "jwt")');
  });
});

describe('the local tenant: CORS at /oauth/token for every seeded application (Allowed Web Origins)', () => {
  let tenant: LocalTenant;

  before(async () => {
    tenant = await LocalTenant.start({
      clients: [
        { type: 'spa', clientId: 'docs-spa' },
        { type: 'm2m', clientId: 'docs-m2m', clientSecret: 'secret', grants: ['read:blabla'], webOrigins: ['https://docs.example.com'] },
      ],
    });
  });
  after(() => tenant.close());

  it('client credentials from a loopback docs page (any port) gets Access-Control-Allow-Origin', async () => {
    for (const origin of ['http://127.0.0.1:3000', 'http://localhost:8080', 'http://[::1]:4567']) {
      const res = await clientCredentials(tenant, { origin });
      expect(res.status, origin).to.equal(200);
      expect(res.headers.get('access-control-allow-origin'), origin).to.equal(origin);
      expect(((await res.json()) as { access_token: string }).access_token).to.be.a('string');
    }
  });

  it('the preflight of that request is answered', async () => {
    const res = await fetch(tenant.urls.token, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://127.0.0.1:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(res.status).to.be.oneOf([200, 204]);
    expect(res.headers.get('access-control-allow-origin')).to.equal('http://127.0.0.1:3000');
  });

  it("an application's own web origins are allowed; other origins are refused", async () => {
    const listed = await clientCredentials(tenant, { origin: 'https://docs.example.com' });
    expect(listed.status).to.equal(200);
    expect(listed.headers.get('access-control-allow-origin')).to.equal('https://docs.example.com');

    const foreign = await clientCredentials(tenant, { origin: 'https://evil.example' });
    expect(foreign.status).to.equal(400);
    expect(foreign.headers.get('access-control-allow-origin')).to.equal(null);
    expect(((await foreign.json()) as { error_description: string }).error_description).to.include('not allowed');
  });

  it('the password grant of the SPA from a loopback origin as well', async () => {
    const res = await fetch(tenant.urls.token, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost:3000' },
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: 'docs-spa',
        username: 'admin@example.com',
        password: 'admin',
        audience: tenant.audience,
      }).toString(),
    });
    expect(res.status).to.equal(200);
    expect(res.headers.get('access-control-allow-origin')).to.equal('http://localhost:3000');
  });

  it("a wrong secret is still refused (401 access_denied, Auth0's answer), from a loopback origin too", async () => {
    const error = await rejection(tenant.machineToken({ clientSecret: 'wrong' }));
    expect(error.status).to.equal(401);
    expect(error.error).to.equal('access_denied');
    const res = await fetch(tenant.urls.token, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://127.0.0.1:3000' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'docs-m2m',
        client_secret: 'wrong',
        audience: tenant.audience,
      }).toString(),
    });
    expect(res.status).to.equal(401);
    expect(((await res.json()) as { error: string }).error).to.equal('access_denied');
  });
});
