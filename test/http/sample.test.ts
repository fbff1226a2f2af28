import { expect } from 'chai';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { createSampleApp, createSampleAuth, settingsFromEnv } from '../../sample/app';
import { startSample, type RunningSample } from '../../sample/start';
import { outsideAddress, rawRequest } from '../support/raw-http';
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

describe('the sample with the local tenant (npm start): loopback Host names only', () => {
  let sample: RunningSample;
  let port: number;
  const MISDIRECTED =
    'Misdirected Request: with the local tenant, the sample answers only requests addressed to localhost, 127.0.0.1 or [::1].\n';

  before(async () => {
    sample = await startSample({ PORT: '0', AUTH0_LOCAL_TENANT_PORT: '0' });
    port = sample.address.port;
  });
  after(() => sample.close());

  it('answers 421 to a Host that is not a loopback name (DNS rebinding), before the API, the docs and the metrics', async () => {
    const hosts = [
      `rebound.example:${port}`,
      'rebound.example',
      `localhost.:${port}`,
      `localhost.rebound.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
    ];
    for (const host of hosts) {
      for (const path of ['/public', '/secure', '/docs/', '/openapi.json', '/metrics']) {
        const res = await rawRequest(port, `GET ${path} HTTP/1.1`, [`Host: ${host}`]);
        expect([host, path, res.status, res.headers['content-type'], res.body]).to.deep.equal([
          host,
          path,
          421,
          'text/plain; charset=utf-8',
          MISDIRECTED,
        ]);
        expect(res.headers['cache-control']).to.equal('no-store');
      }
    }
    const preflight = await rawRequest(port, 'OPTIONS /secure HTTP/1.1', [
      `Host: rebound.example:${port}`,
      'Origin: http://rebound.example',
      'Access-Control-Request-Method: GET',
    ]);
    expect(preflight.status).to.equal(421);
    expect(preflight.headers['access-control-allow-origin']).to.equal(undefined);
  });

  it('answers the loopback names, in any case and on any port', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`, 'localhost']) {
      const res = await rawRequest(port, 'GET /public HTTP/1.1', [`Host: ${host}`]);
      expect([host, res.status, res.body]).to.deep.equal([host, 200, '{"message":"Anonymous user"}']);
    }
    expect((await get(`${sample.url}/public`)).status).to.equal(200);
    const metrics = await rawRequest(port, 'GET /metrics HTTP/1.1', [`Host: localhost:${port}`]);
    expect([metrics.status, metrics.headers['content-type']]).to.deep.equal([200, 'text/plain; version=0.0.4; charset=utf-8']);
    expect(metrics.body).to.include('# TYPE auth_refusals_total counter');
  });

  it('with HOST=0.0.0.0 it listens on every interface, still answers only loopback names, and names itself localhost', async function () {
    const outside = outsideAddress();
    if (outside === undefined) this.skip();
    const open = await startSample({ PORT: '0', HOST: '0.0.0.0', AUTH0_LOCAL_TENANT_PORT: '0' });
    try {
      const openPort = open.address.port;
      expect([open.address.address, open.url]).to.deep.equal(['0.0.0.0', `http://localhost:${openPort}`]);
      const byAddress = await rawRequest(openPort, 'GET /public HTTP/1.1', [`Host: ${outside}:${openPort}`], outside);
      expect([byAddress.status, byAddress.body]).to.deep.equal([421, MISDIRECTED]);
      expect((await rawRequest(openPort, 'GET /public HTTP/1.1', [`Host: localhost:${openPort}`], outside)).status).to.equal(200);
    } finally {
      await open.close();
    }
  });
});
