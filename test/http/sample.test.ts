import { expect } from 'chai';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { createSampleApp, createSampleAuth, settingsFromEnv } from '../../sample/app';
import { get, listening, type Running } from '../support/server';

describe('the sample API (Koa)', () => {
  let tenant: TestTenant;
  let app: Running;

  before(async () => {
    tenant = await TestTenant.start({ audience: 'https://sample.example.com' });
    const settings = settingsFromEnv({ AUTH0_DOMAIN: tenant.issuer, AUTH0_API_AUDIENCE: tenant.audience });
    const koa = createSampleApp(createSampleAuth(settings));
    const server = koa.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    app = {
      url: `http://127.0.0.1:${port}`,
      close: () =>
        new Promise((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    };
  });
  after(async () => {
    await app.close();
    await tenant.close();
  });

  it('GET /public answers anonymous users', async () => {
    const res = await get(`${app.url}/public`);
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ message: 'Anonymous user' });
  });

  it('GET /secure without a token is 401 with a bare Bearer challenge', async () => {
    const res = await get(`${app.url}/secure`);
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.equal(
      `Bearer realm="https://sample.example.com", resource_metadata="${app.url}/.well-known/oauth-protected-resource", DPoP algs="ES256 RS256 PS256 EdDSA"`,
    );
    expect(res.body).to.deep.equal({ error: 'unauthorized', message: 'Missing bearer token' });
  });

  it('GET /secure returns the user of a valid token', async () => {
    const token = await tenant.token({
      subject: 'auth0|5fe72b8eb2ac50006f725451',
      scopes: 'read:blabla',
      permissions: ['read:blabla'],
      email: 'some.user@example.com',
    });
    const res = await get(`${app.url}/secure`, { token });
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({
      id: 'auth0|5fe72b8eb2ac50006f725451',
      permissions: ['read:blabla'],
      email: 'some.user@example.com',
      scopes: ['read:blabla'],
      isMachine: false,
    });
  });
});

describe('the sample API: CORS for the origins in CORS_ORIGINS', () => {
  let tenant: TestTenant;
  let app: Running;
  const spa = 'http://localhost:5173';

  before(async () => {
    tenant = await TestTenant.start({ audience: 'https://sample.example.com' });
    const settings = settingsFromEnv({
      AUTH0_DOMAIN: tenant.issuer,
      AUTH0_API_AUDIENCE: tenant.audience,
      CORS_ORIGINS: `${spa}/, https://app.example.com`,
    });
    expect(settings.corsOrigins).to.deep.equal([spa, 'https://app.example.com']);
    app = await listening(createSampleApp(createSampleAuth(settings), undefined, settings.corsOrigins).listen(0, '127.0.0.1'));
  });
  after(async () => {
    await app.close();
    await tenant.close();
  });

  it('a preflight from a listed origin allows Authorization and DPoP', async () => {
    const res = await fetch(`${app.url}/secure`, {
      method: 'OPTIONS',
      headers: { origin: spa, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization,dpop' },
    });
    expect(res.status).to.equal(204);
    expect(res.headers.get('access-control-allow-origin')).to.equal(spa);
    expect(res.headers.get('access-control-allow-headers')).to.equal('Authorization,DPoP,Content-Type');
  });

  it('a 401 to a listed origin exposes WWW-Authenticate; another origin gets no CORS headers', async () => {
    const res = await fetch(`${app.url}/secure`, { headers: { origin: spa } });
    expect(res.status).to.equal(401);
    expect(res.headers.get('access-control-allow-origin')).to.equal(spa);
    expect(res.headers.get('access-control-expose-headers')).to.equal('WWW-Authenticate,DPoP-Nonce,Retry-After');
    const other = await fetch(`${app.url}/secure`, { headers: { origin: 'https://evil.example.com' } });
    expect(other.headers.get('access-control-allow-origin')).to.equal(null);
    const ok = await fetch(`${app.url}/secure`, { headers: { origin: spa, authorization: `Bearer ${await tenant.token()}` } });
    expect([ok.status, ok.headers.get('access-control-allow-origin')]).to.deep.equal([200, spa]);
  });
});
