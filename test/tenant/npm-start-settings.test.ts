/**
 * `npm start`'s settings for the local tenant beyond its port: your own front end's Allowed Callback
 * URLs, Allowed Logout URLs and Allowed Web Origins (AUTH0_LOCAL_CALLBACKS, AUTH0_LOCAL_LOGOUT_URLS,
 * AUTH0_LOCAL_WEB_ORIGINS), and HTTPS mode (AUTH0_LOCAL_TENANT_HTTPS, AUTH0_LOCAL_TENANT_CA_DIR).
 * The sample runs in this process; https.test.ts runs it as `npm start` in HTTPS mode.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { localTenantClients, localTenantHttps, startSample, type RunningSample } from '../../sample/start';
import { Browser, pkce } from './browser';

describe('npm start: the local tenant settings', () => {
  it('without HOST, the sample of the local tenant listens on the loopback interface only, and its URL answers', async () => {
    const sample = await startSample({ PORT: '0', AUTH0_LOCAL_TENANT_PORT: '0' });
    try {
      expect(sample.address.address).to.equal('127.0.0.1');
      expect(sample.url).to.equal(`http://localhost:${sample.address.port}`);
      expect((await fetch(`${sample.url}/public`)).status).to.equal(200);
    } finally {
      await sample.close();
    }
  });

  describe('AUTH0_LOCAL_CALLBACKS, AUTH0_LOCAL_LOGOUT_URLS and AUTH0_LOCAL_WEB_ORIGINS', () => {
    let sample: RunningSample;
    before(async () => {
      sample = await startSample({
        PORT: '0',
        HOST: '127.0.0.1',
        AUTH0_LOCAL_TENANT_PORT: '0',
        AUTH0_LOCAL_CALLBACKS: 'http://localhost:5173/callback, https://app.example.com/callback',
        AUTH0_LOCAL_LOGOUT_URLS: 'https://app.example.com/',
        AUTH0_LOCAL_WEB_ORIGINS: 'https://app.example.com',
      });
    });
    after(() => sample.close());

    async function authorize(redirectUri: string, clientId = 'local-spa-client'): Promise<number> {
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: redirectUri,
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
      });
      return (await new Browser().navigate(`${sample.tenant!.urls.authorize}?${query}`, redirectUri)).status;
    }

    it('allows the listed callbacks beside the docs page, for the SPA and the regular web application', async () => {
      expect(await authorize('http://localhost:5173/callback')).to.equal(200);
      expect(await authorize('https://app.example.com/callback')).to.equal(200);
      expect(await authorize(sample.callbackUrl)).to.equal(200);
      expect(await authorize('https://app.example.com/callback', 'local-web-client')).to.equal(200);
      expect(await authorize('https://other.example.com/callback')).to.equal(400);
    });

    it('allows the listed logout URLs', async () => {
      const logout = async (returnTo: string): Promise<number> =>
        (await new Browser().request(`${sample.tenant!.urls.logout}?${new URLSearchParams({ client_id: 'local-spa-client', returnTo })}`))
          .status;
      expect(await logout('https://app.example.com/')).to.equal(302);
      expect(await logout(`${sample.url}/docs/`)).to.equal(302);
      expect(await logout('https://other.example.com/')).to.equal(400);
    });

    it('lets the listed web origins call the token endpoint (CORS), and no other', async () => {
      const call = (origin: string) =>
        fetch(sample.tenant!.urls.token, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
          body: new URLSearchParams({
            grant_type: 'password',
            client_id: 'local-spa-client',
            username: 'admin@example.com',
            password: 'admin',
          }).toString(),
        });
      const allowed = await call('https://app.example.com');
      expect(allowed.status).to.equal(200);
      expect(allowed.headers.get('access-control-allow-origin')).to.equal('https://app.example.com');
      const other = await call('https://other.example.com');
      expect(other.headers.get('access-control-allow-origin')).to.equal(null);
    });
  });

  describe('a busy port', () => {
    let busy: Server;
    let port: number;
    before(async () => {
      busy = createServer();
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
      port = (busy.address() as AddressInfo).port;
    });
    after(async () => {
      await new Promise((resolve) => busy.close(resolve));
    });

    it("the API's port is named by PORT", async () => {
      const failure = await startSample({ PORT: String(port), AUTH0_LOCAL_TENANT_PORT: '0' }).then(
        () => expect.fail('started on a busy port'),
        (error: unknown) => error as Error,
      );
      expect(failure.message).to.equal(`port ${port} is in use: set PORT to another port`);
    });

    it("the local tenant's port is named by AUTH0_LOCAL_TENANT_PORT", async () => {
      const failure = await startSample({ PORT: '0', AUTH0_LOCAL_TENANT_PORT: String(port) }).then(
        () => expect.fail('started on a busy port'),
        (error: unknown) => error as Error,
      );
      expect(failure.message).to.equal(`port ${port} is in use: set AUTH0_LOCAL_TENANT_PORT to another port`);
    });

    it('npm start says so in one line, without a stack trace, and exits with 1', async function () {
      this.timeout(60_000);
      const env = { ...process.env, PORT: String(port), AUTH0_LOCAL_TENANT_PORT: '0', AUTH0_DOMAIN: '' };
      const child = spawn('npm', ['start', '--silent'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code, output).to.equal(1);
      expect(output).to.include(`port ${port} is in use: set PORT to another port`);
      expect(output).to.not.match(/\n\s+at /);
    });
  });

  it('leaves the seeded applications alone when none is set, and refuses what is not a URL list', () => {
    expect(localTenantClients({})).to.equal(undefined);
    expect(() => localTenantClients({ AUTH0_LOCAL_CALLBACKS: 'localhost:5173/callback' })).to.throw(
      'AUTH0_LOCAL_CALLBACKS takes comma-separated http(s) URLs',
    );
    expect(() => localTenantClients({ AUTH0_LOCAL_WEB_ORIGINS: 'https://app.example.com/path' })).to.throw(
      'AUTH0_LOCAL_WEB_ORIGINS takes origins',
    );
    const clients = localTenantClients({ AUTH0_LOCAL_WEB_ORIGINS: 'https://app.example.com/' })!;
    expect(clients.find((c) => c.type === 'spa')?.webOrigins).to.deep.equal(['https://app.example.com']);
    expect(clients.find((c) => c.type === 'm2m')).not.to.have.property('webOrigins');
  });

  it('AUTH0_LOCAL_TENANT_HTTPS=1 turns HTTPS mode on, with AUTH0_LOCAL_TENANT_CA_DIR as the CA folder', () => {
    expect(localTenantHttps({})).to.equal(undefined);
    expect(localTenantHttps({ AUTH0_LOCAL_TENANT_HTTPS: '0' })).to.equal(undefined);
    expect(localTenantHttps({ AUTH0_LOCAL_TENANT_HTTPS: '1' })).to.deep.equal({});
    expect(localTenantHttps({ AUTH0_LOCAL_TENANT_HTTPS: 'true', AUTH0_LOCAL_TENANT_CA_DIR: '/tmp/ca' })).to.deep.equal({
      caDir: '/tmp/ca',
    });
    expect(() => localTenantHttps({ AUTH0_LOCAL_TENANT_HTTPS: 'maybe' })).to.throw('AUTH0_LOCAL_TENANT_HTTPS must be 1 or 0');
  });
});
