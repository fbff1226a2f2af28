import { createServer as createHttpsServer, request, type Server } from 'node:https';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { expect } from 'chai';
import { useKoaServer } from 'routing-controllers';
import { certificateThumbprint, TestTenant } from 'routing-controllers-auth0/testing';
import type { Auth0 } from '../../src';
import { Api } from '../support/controllers';
import { get, startExpress, startKoa } from '../support/server';

interface Pems {
  private: string;
  cert: string;
}

async function certificate(commonName: string): Promise<Pems> {
  const selfsigned = require('selfsigned') as { generate: (...args: unknown[]) => Promise<Pems> };
  return selfsigned.generate([{ name: 'commonName', value: commonName }], {
    days: 1,
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }],
  });
}

const thumbprintOf = (pem: string) => certificateThumbprint(new X509Certificate(pem).raw);

/** Certificate-bound access tokens (RFC 8705). */
describe('certificate-bound tokens (RFC 8705)', function () {
  this.timeout(60_000);
  let tenant: TestTenant;
  let serverPems: Pems;
  let clientA: Pems;
  let clientB: Pems;

  before(async () => {
    tenant = await TestTenant.start();
    [serverPems, clientA, clientB] = await Promise.all([certificate('localhost'), certificate('client-a'), certificate('client-b')]);
  });
  after(() => tenant.close());

  async function startTls(auth: Auth0): Promise<{ port: number; server: Server }> {
    const app = new Koa();
    useKoaServer(app, {
      controllers: [Api],
      development: false,
      authorizationChecker: auth.authorizationChecker,
      currentUserChecker: auth.currentUserChecker,
    });
    const server = createHttpsServer(
      { key: serverPems.private, cert: serverPems.cert, requestCert: true, rejectUnauthorized: false },
      app.callback(),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { port: (server.address() as AddressInfo).port, server };
  }

  function tlsGet(
    port: number,
    token: string,
    client?: Pems,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: any; challenge: string | undefined }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/secure',
          servername: 'localhost',
          ca: serverPems.cert,
          headers: { authorization: `Bearer ${token}`, ...headers },
          ...(client ? { key: client.private, cert: client.cert } : {}),
          agent: false,
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => {
            text += c.toString();
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: JSON.parse(text),
              challenge: res.headers['www-authenticate'] as string | undefined,
            }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('accepts a bound token with its certificate, refuses another certificate or none', async () => {
    const { port, server } = await startTls(tenant.auth0({ mtls: {} }));
    try {
      const token = await tenant.token({ certificateThumbprint: thumbprintOf(clientA.cert), subject: 'auth0|mtls' });
      const ok = await tlsGet(port, token, clientA);
      expect(ok.status).to.equal(200);
      expect(ok.body.id).to.equal('auth0|mtls');
      const other = await tlsGet(port, token, clientB);
      expect(other.status).to.equal(401);
      expect(other.body).to.deep.equal({ error: 'invalid_token', message: 'Certificate-bound token sent with another client certificate' });
      expect(other.challenge).to.include('error="invalid_token"');
      const none = await tlsGet(port, token);
      expect(none.status).to.equal(401);
      expect(none.body.message).to.equal('Certificate-bound token sent without a client certificate');
      // Unbound tokens pass unless binding is required.
      expect((await tlsGet(port, await tenant.token(), clientB)).status).to.equal(200);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('required: unbound tokens are refused', async () => {
    const { port, server } = await startTls(tenant.auth0({ mtls: { required: true } }));
    try {
      const res = await tlsGet(port, await tenant.token(), clientA);
      expect(res.status).to.equal(401);
      expect(res.body.message).to.equal('This API accepts certificate-bound tokens only (cnf x5t#S256)');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('behind a trusted TLS-terminating proxy: the certificate from the configured header', async () => {
    const app = await startKoa(tenant.auth0({ mtls: { certificateHeader: 'X-Client-Cert', trustedProxies: 'loopback' } }), [Api]);
    try {
      const token = await tenant.token({ certificateThumbprint: thumbprintOf(clientA.cert) });
      const escaped = encodeURIComponent(clientA.cert);
      expect((await get(`${app.url}/secure`, { token, headers: { 'x-client-cert': escaped } })).status).to.equal(200);
      const base64Der = new X509Certificate(clientA.cert).raw.toString('base64');
      expect((await get(`${app.url}/secure`, { token, headers: { 'x-client-cert': base64Der } })).status).to.equal(200);
      const wrong = await get(`${app.url}/secure`, { token, headers: { 'x-client-cert': encodeURIComponent(clientB.cert) } });
      expect(wrong.status).to.equal(401);
      const garbage = await get(`${app.url}/secure`, { token, headers: { 'x-client-cert': '%%%not a cert' } });
      expect(garbage.status).to.equal(401);
      expect(garbage.body.message).to.equal('Certificate-bound token sent without a client certificate');
      const missing = await get(`${app.url}/secure`, { token });
      expect(missing.status).to.equal(401);
    } finally {
      await app.close();
    }
  });

  for (const [framework, start] of [
    ['Koa', startKoa],
    ['Express', startExpress],
  ] as const) {
    it(`${framework}: the header is not believed from a peer that is not a trusted proxy`, async () => {
      const app = await start(tenant.auth0({ mtls: { certificateHeader: 'x-client-cert', trustedProxies: '10.0.0.0/8' } }), [Api]);
      try {
        // The victim's certificate is public: sent in the clear by TLS 1.2, kept in proxies' logs.
        const token = await tenant.token({ certificateThumbprint: thumbprintOf(clientA.cert) });
        const forged = await get(`${app.url}/secure`, { token, headers: { 'x-client-cert': encodeURIComponent(clientA.cert) } });
        expect(forged.status).to.equal(401);
        expect(forged.body).to.deep.equal({ error: 'invalid_token', message: 'Certificate-bound token sent without a client certificate' });
        expect(forged.headers.get('www-authenticate')).to.include('error="invalid_token"');
      } finally {
        await app.close();
      }
    });
  }

  it("from a peer that is not a trusted proxy, the connection's own certificate counts, whatever the header says", async () => {
    const { port, server } = await startTls(tenant.auth0({ mtls: { certificateHeader: 'x-client-cert', trustedProxies: '10.0.0.0/8' } }));
    try {
      const victims = await tenant.token({ certificateThumbprint: thumbprintOf(clientA.cert) });
      const forged = await tlsGet(port, victims, clientB, { 'x-client-cert': encodeURIComponent(clientA.cert) });
      expect(forged.status).to.equal(401);
      expect(forged.body.message).to.equal('Certificate-bound token sent with another client certificate');
      const own = await tenant.token({ certificateThumbprint: thumbprintOf(clientB.cert) });
      expect((await tlsGet(port, own, clientB, { 'x-client-cert': encodeURIComponent(clientA.cert) })).status).to.equal(200);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("from a trusted proxy, the header alone counts: without it, not the proxy's own connection certificate", async () => {
    const { port, server } = await startTls(tenant.auth0({ mtls: { certificateHeader: 'x-client-cert', trustedProxies: 'loopback' } }));
    try {
      const proxys = await tenant.token({ certificateThumbprint: thumbprintOf(clientB.cert) });
      const none = await tlsGet(port, proxys, clientB);
      expect(none.status).to.equal(401);
      expect(none.body.message).to.equal('Certificate-bound token sent without a client certificate');
      const forwarded = await tenant.token({ certificateThumbprint: thumbprintOf(clientA.cert) });
      expect((await tlsGet(port, forwarded, clientB, { 'x-client-cert': encodeURIComponent(clientA.cert) })).status).to.equal(200);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('without the mtls option a certificate-bound token is refused (its binding cannot be checked); unbound tokens pass', async () => {
    const app = await startKoa(tenant.auth0(), [Api]);
    try {
      const token = await tenant.token({ certificateThumbprint: thumbprintOf(clientA.cert) });
      const res = await get(`${app.url}/secure`, { token });
      expect(res.status).to.equal(401);
      expect(res.body).to.deep.equal({
        error: 'invalid_token',
        message: 'Certificate-bound token: this API does not check client certificates (the mtls option)',
      });
      expect((await get(`${app.url}/secure`, { token: await tenant.token() })).status).to.equal(200);
    } finally {
      await app.close();
    }
  });
});
