/**
 * The local tenant is a development tool a browser reaches: it listens on loopback addresses only,
 * and answers only requests addressed to a loopback name at its port. A page on another site that
 * makes a browser reach 127.0.0.1 under a name of its own (DNS rebinding) gets 400, from the very
 * first byte: no page, no token, no cookie.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { LocalTenant } from 'routing-controllers-auth0/testing';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request to 127.0.0.1 at the tenant's port with the given `Host` header (or none). */
function send(
  tenant: LocalTenant,
  host: string | undefined,
  options: { path?: string; method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const https = tenant.certificateAuthority !== undefined;
  const request = https ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port: tenant.port,
        path: options.path ?? '/.well-known/openid-configuration',
        method: options.method ?? 'GET',
        headers: { ...options.headers },
        setHost: false,
        ...(https ? { ca: tenant.certificateAuthority!.certificate, servername: 'localhost' } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      },
    );
    if (host !== undefined) outgoing.setHeader('host', host);
    outgoing.once('error', reject);
    outgoing.end(options.body);
  });
}

/** Whether a TCP connection to host:port is accepted. */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(3000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const FOREIGN = (port: number): string[] => [
  `evil.example:${port}`,
  `rebind.attacker.test:${port}`,
  'localhost',
  `localhost:${port + 1}`,
  `localhost.:${port}`,
  `sub.localhost:${port}`,
  `127.0.0.2:${port}`,
  `0.0.0.0:${port}`,
  `[::2]:${port}`,
  `localhost:${port}@evil.example`,
  '',
];

describe('the local tenant answers loopback names only, on loopback addresses only', function () {
  this.timeout(60_000);
  let tenant: LocalTenant;
  before(async () => {
    tenant = await LocalTenant.start();
  });
  after(() => tenant.close());

  it('answers Host localhost, 127.0.0.1 and [::1] at its port (any case)', async () => {
    for (const host of [`localhost:${tenant.port}`, `LocalHost:${tenant.port}`, `127.0.0.1:${tenant.port}`, `[::1]:${tenant.port}`]) {
      const answer = await send(tenant, host);
      expect(answer.status, host).to.equal(200);
      expect(JSON.parse(answer.body).issuer, host).to.equal(tenant.issuer);
    }
  });

  it('refuses any other Host with 400 and a plain text body, before the provider runs', async () => {
    for (const host of FOREIGN(tenant.port)) {
      const answer = await send(tenant, host);
      expect(answer.status, host).to.equal(400);
      expect(answer.headers['content-type'], host).to.equal('text/plain; charset=utf-8');
      expect(answer.body, host).to.include('localhost, 127.0.0.1 or [::1]');
      expect(answer.headers['set-cookie'], host).to.equal(undefined);
    }
    const none = await send(tenant, undefined);
    expect(none.status).to.equal(400);
  });

  it('gives no token, no login page and no session to a rebound name', async () => {
    const host = `evil.example:${tenant.port}`;
    const token = await send(tenant, host, {
      path: '/oauth/token',
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'local-m2m-client',
        client_secret: 'local-m2m-secret',
        audience: tenant.audience,
      }).toString(),
    });
    expect(token.status).to.equal(400);
    expect(token.body).not.to.include('access_token');
    const authorize = await send(tenant, host, {
      path: `/authorize?${new URLSearchParams({ response_type: 'token', client_id: 'local-spa-client', audience: tenant.audience })}`,
    });
    expect(authorize.status).to.equal(400);
    expect(authorize.headers.location).to.equal(undefined);
    for (const path of ['/v2/logout', '/userinfo', '/u/login/abc', '/.well-known/jwks.json']) {
      expect((await send(tenant, host, { path })).status, path).to.equal(400);
    }
  });

  it('listens on 127.0.0.1 (and ::1), not on any other address of the machine', async () => {
    expect(await reachable('127.0.0.1', tenant.port)).to.equal(true);
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((address) => address !== undefined && !address.internal && address.family === 'IPv4')
      .map((address) => address!.address);
    for (const address of others) {
      expect(await reachable(address, tenant.port), address).to.equal(false);
    }
    if (others.length === 0) console.warn('    (no non-loopback IPv4 address on this machine: only loopback was checked)');
  });

  it('in HTTPS mode too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rca0-local-ca-'));
    const secure = await LocalTenant.start({ https: { caDir: dir } });
    try {
      expect((await send(secure, `localhost:${secure.port}`)).status).to.equal(200);
      const refused = await send(secure, `evil.example:${secure.port}`);
      expect(refused.status).to.equal(400);
      expect((await send(secure, 'localhost')).status).to.equal(400);
    } finally {
      await secure.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
