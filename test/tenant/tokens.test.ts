import { expect } from 'chai';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { LocalTenant, LocalTenantError } from 'routing-controllers-auth0/testing';
import { startSample, type RunningSample } from '../../sample/start';
import { get } from '../support/server';
import { rejectionOf } from '../support/errors';

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, LocalTenantError);

describe('the local tenant: discovery, keys and the token endpoint', () => {
  let tenant: LocalTenant;

  before(async () => {
    tenant = await LocalTenant.start();
  });
  after(() => tenant.close());

  it('listens on a free port with an Auth0-style issuer (trailing slash)', () => {
    expect(tenant.port).to.be.greaterThan(0);
    expect(tenant.issuer).to.equal(`http://localhost:${tenant.port}/`);
    expect(tenant.domain).to.equal(`localhost:${tenant.port}`);
  });

  it('publishes discovery at /.well-known/openid-configuration with Auth0 paths', async () => {
    const res = await get(tenant.urls.discovery);
    expect(res.status).to.equal(200);
    expect(res.body).to.include({
      issuer: tenant.issuer,
      authorization_endpoint: `${tenant.issuer}authorize`,
      token_endpoint: `${tenant.issuer}oauth/token`,
      jwks_uri: `${tenant.issuer}.well-known/jwks.json`,
      userinfo_endpoint: `${tenant.issuer}userinfo`,
    });
    expect(res.body.response_types_supported).to.include.members(['code', 'token']);
    expect(res.body.grant_types_supported).to.include.members(['authorization_code', 'client_credentials', 'password']);
  });

  it('publishes one RS256 public key with a kid at /.well-known/jwks.json', async () => {
    const res = await get(tenant.urls.jwks);
    expect(res.status).to.equal(200);
    expect(res.body.keys).to.have.length(1);
    const [key] = res.body.keys;
    expect(key).to.include({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(key.kid).to.be.a('string').and.not.equal('');
    expect(key).not.to.have.property('d');
  });

  it('client credentials: scope, permissions, gty, {client_id}@clients, azp, aud; RS256 with the published kid', async () => {
    const token = await tenant.machineToken();
    const header = decodeProtectedHeader(token);
    expect(header).to.include({ alg: 'RS256', typ: 'JWT' });
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(tenant.urls.jwks)), {
      issuer: tenant.issuer,
      audience: 'https://api.example.com',
      algorithms: ['RS256'],
    });
    expect(payload).to.deep.include({
      iss: tenant.issuer,
      sub: 'local-m2m-client@clients',
      aud: 'https://api.example.com',
      scope: 'read:blabla',
      permissions: ['read:blabla'],
      gty: 'client-credentials',
      azp: 'local-m2m-client',
    });
    expect(payload.exp! - payload.iat!).to.equal(86_400);
    expect(payload).not.to.have.property('client_id');
    expect(Object.keys(payload).some((claim) => claim.endsWith('/email'))).to.equal(false);
  });

  it('client credentials: the answer is an Auth0 token response', async () => {
    const response = await tenant.requestToken({
      grant_type: 'client_credentials',
      client_id: 'local-m2m-client',
      client_secret: 'local-m2m-secret',
      audience: tenant.audience,
    });
    expect(response).to.have.keys(['access_token', 'scope', 'expires_in', 'token_type']);
    expect(response).to.include({ scope: 'read:blabla', expires_in: 86_400, token_type: 'Bearer' });
  });

  it('client credentials with HTTP Basic client authentication', async () => {
    const res = await fetch(tenant.urls.token, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('local-m2m-client:local-m2m-secret').toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', audience: tenant.audience }).toString(),
    });
    expect(res.status).to.equal(200);
    expect(decodeJwt(((await res.json()) as { access_token: string }).access_token).sub).to.equal('local-m2m-client@clients');
  });

  it("client credentials refuses a wrong secret (401 access_denied, Auth0's answer)", async () => {
    const error = await rejection(tenant.machineToken({ clientSecret: 'wrong' }));
    expect(error.status).to.equal(401);
    expect(error.error).to.equal('access_denied');
  });

  it('client credentials refuses a scope the application was not granted (403 access_denied)', async () => {
    const error = await rejection(tenant.machineToken({ scope: 'read:blabla write:blabla' }));
    expect(error.status).to.equal(403);
    expect(error.error).to.equal('access_denied');
    expect(error.message).to.include('write:blabla');
  });

  it('client credentials without audience, or with an unknown one, is 403 access_denied', async () => {
    const missing = await rejection(
      tenant.requestToken({ grant_type: 'client_credentials', client_id: 'local-m2m-client', client_secret: 'local-m2m-secret' }),
    );
    expect([missing.status, missing.error]).to.deep.equal([403, 'access_denied']);
    const unknown = await rejection(tenant.machineToken({ audience: 'https://other.example.com' }));
    expect([unknown.status, unknown.error]).to.deep.equal([403, 'access_denied']);
  });

  it('password grant for admin@example.com: email claim, permissions, scope, gty, azp', async () => {
    const token = await tenant.userToken('admin@example.com', { scope: 'read:blabla' });
    const claims = decodeJwt(token);
    expect(claims).to.deep.include({
      'https://example.com/email': 'admin@example.com',
      iss: tenant.issuer,
      aud: 'https://api.example.com',
      scope: 'read:blabla',
      permissions: ['read:blabla'],
      gty: 'password',
      azp: 'local-spa-client',
    });
    expect(claims.sub).to.match(/^auth0\|[0-9a-f]{24}$/);
  });

  it('password grant with openid: aud is [API, {issuer}userinfo] and scope keeps openid', async () => {
    const claims = decodeJwt(await tenant.userToken('admin@example.com', { scope: 'openid profile email read:blabla' }));
    expect(claims.aud).to.deep.equal(['https://api.example.com', `${tenant.issuer}userinfo`]);
    expect(claims.scope).to.equal('openid profile email read:blabla');
  });

  it('password grant for user@example.com drops the scope the user was not given (RBAC)', async () => {
    const response = await tenant.requestToken({
      grant_type: 'password',
      client_id: 'local-spa-client',
      username: 'user@example.com',
      password: 'user',
      audience: tenant.audience,
      scope: 'openid read:blabla',
    });
    expect(response.scope).to.equal('openid');
    const claims = decodeJwt(response.access_token);
    expect(claims).to.deep.include({ scope: 'openid', permissions: [], 'https://example.com/email': 'user@example.com' });
  });

  it('password grant refuses a wrong password (403 invalid_grant) and the M2M application', async () => {
    const wrong = await rejection(tenant.userToken('admin@example.com', { password: 'nope' }));
    expect([wrong.status, wrong.error]).to.deep.equal([403, 'invalid_grant']);
    const m2m = await rejection(
      tenant.requestToken({
        grant_type: 'password',
        client_id: 'local-m2m-client',
        client_secret: 'local-m2m-secret',
        username: 'admin@example.com',
        password: 'admin',
      }),
    );
    expect([m2m.status, m2m.error]).to.deep.equal([403, 'unauthorized_client']);
  });

  it('an Auth0 from tenant.auth0() accepts its tokens', async () => {
    const { user } = await tenant.auth0().verify(await tenant.userToken('admin@example.com'));
    expect(user).to.deep.include({ email: 'admin@example.com', permissions: ['read:blabla'], scopes: ['read:blabla'], isMachine: false });
  });

  it('another tenant does not accept them (its own keys and issuer)', async () => {
    const other = await LocalTenant.start();
    try {
      const error = await other
        .auth0()
        .verify(await tenant.userToken('admin@example.com'))
        .then(
          () => undefined,
          (e: unknown) => e as { status: number; code: string },
        );
      expect(error).to.include({ status: 401, code: 'invalid_token' });
    } finally {
      await other.close();
    }
  });
});

describe('the sample wired to the local tenant (npm start without AUTH0_DOMAIN), in-process', () => {
  let sample: RunningSample;

  before(async () => {
    sample = await startSample({ PORT: '0', HOST: '127.0.0.1', AUTH0_LOCAL_TENANT_PORT: '0' });
  });
  after(() => sample.close());

  it('starts a local tenant and points the sample at it, with the SPA client id', () => {
    expect(sample.tenant).not.to.equal(undefined);
    expect(sample.settings).to.include({
      domain: sample.tenant!.issuer,
      audience: 'https://api.example.com',
      clientId: 'local-spa-client',
    });
    expect(sample.docsUrl).to.equal(`${sample.url}/docs`);
    expect(sample.callbackUrl).to.equal(`${sample.url}/docs/oauth2-redirect`);
  });

  it('the banner names the docs, the callback, the users and a curl for an M2M token', () => {
    const banner = sample.banner();
    expect(banner).to.include(sample.docsUrl);
    expect(banner).to.include(sample.callbackUrl);
    expect(banner).to.include('admin@example.com / admin');
    expect(banner).to.include('user@example.com / user');
    expect(banner).to.include(`curl -s ${sample.tenant!.urls.token} -d grant_type=client_credentials`);
    expect(banner).to.include(`curl -s ${sample.url}/secure -H "Authorization: Bearer $TOKEN"`);
  });

  it('/secure answers 200 to an M2M token from the tenant', async () => {
    const res = await get(`${sample.url}/secure`, { token: await sample.tenant!.machineToken() });
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({
      id: 'local-m2m-client@clients',
      permissions: ['read:blabla'],
      scopes: ['read:blabla'],
      isMachine: true,
    });
  });

  it("/secure/blabla answers 200 to admin@example.com's token with the scope", async () => {
    const res = await get(`${sample.url}/secure/blabla`, {
      token: await sample.tenant!.userToken('admin@example.com', { scope: 'read:blabla' }),
    });
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ email: 'admin@example.com', isMachine: false });
    expect(res.body.permissions).to.deep.equal(['read:blabla']);
  });

  it("/secure/blabla answers 403 insufficient_scope to user@example.com's token", async () => {
    const res = await get(`${sample.url}/secure/blabla`, {
      token: await sample.tenant!.userToken('user@example.com', { scope: 'read:blabla' }),
    });
    expect(res.status).to.equal(403);
    expect(res.body.error).to.equal('insufficient_scope');
    expect(res.headers.get('www-authenticate')).to.include('error="insufficient_scope"');
  });
});
