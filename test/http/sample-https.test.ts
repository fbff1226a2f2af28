import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { freePort, get } from '../support/server';

async function waitUntilUp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the sample exited: ${output()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`the sample did not start: ${output()}`);
}

/** The sample as a user runs it, against an https tenant trusted through NODE_EXTRA_CA_CERTS. */
describe('the sample process against a local https tenant (AUTH0_DOMAIN=localhost:PORT)', function () {
  this.timeout(60_000);
  let tenant: TestTenant;
  let child: ChildProcess;
  let dir: string;
  let base: string;
  let output = '';

  before(async () => {
    const selfsigned = require('selfsigned') as { generate: (...args: unknown[]) => Promise<{ private: string; cert: string }> };
    const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
      days: 1,
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }],
    });
    dir = mkdtempSync(join(tmpdir(), 'rca0-ca-'));
    writeFileSync(join(dir, 'ca.pem'), pems.cert);
    tenant = await TestTenant.start({ audience: 'https://sample.example.com', tls: { key: pems.private, cert: pems.cert } });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(
      process.execPath,
      ['--conditions=routing-controllers-auth0-source', '-r', 'ts-node/register/transpile-only', 'sample/main.ts'],
      {
        env: {
          ...process.env,
          PORT: String(port),
          HOST: '127.0.0.1',
          AUTH0_DOMAIN: new URL(tenant.issuer).host,
          AUTH0_API_AUDIENCE: tenant.audience,
          NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await waitUntilUp(`${base}/public`, child, () => output);
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
    await tenant?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the issuer is https://localhost:PORT/', () => {
    expect(tenant.issuer).to.match(/^https:\/\/localhost:\d+\/$/);
  });

  it('GET /public', async () => {
    const res = await get(`${base}/public`);
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ message: 'Anonymous user' });
  });

  it('GET /secure: 401 without a token, 200 with the user of a token from the https tenant', async () => {
    const anonymous = await get(`${base}/secure`);
    expect(anonymous.status).to.equal(401);
    expect(anonymous.headers.get('www-authenticate')).to.equal(
      `Bearer realm="https://sample.example.com", resource_metadata="${base}/.well-known/oauth-protected-resource", DPoP algs="ES256 RS256 PS256 EdDSA"`,
    );
    const token = await tenant.token({ subject: 'auth0|sample', permissions: ['read:blabla'], email: 'sample@example.com' });
    const res = await get(`${base}/secure`, { token });
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ id: 'auth0|sample', email: 'sample@example.com', isMachine: false });
    expect(res.body.permissions).to.deep.equal(['read:blabla']);
    expect(tenant.jwksRequests).to.equal(1);
  });

  it('GET /secure/blabla: 403 without the scope, 200 with it', async () => {
    const denied = await get(`${base}/secure/blabla`, { token: await tenant.token() });
    expect(denied.status).to.equal(403);
    expect(denied.body.error).to.equal('insufficient_scope');
    const ok = await get(`${base}/secure/blabla`, { token: await tenant.token({ machine: true, scopes: 'read:blabla' }) });
    expect(ok.status).to.equal(200);
    expect(ok.body.isMachine).to.equal(true);
  });

  it('GET /guest: guest without a token, the user with one', async () => {
    expect((await get(`${base}/guest`)).body).to.deep.equal({ message: 'guest' });
    expect((await get(`${base}/guest`, { token: await tenant.token({ subject: 'auth0|g' }) })).body.id).to.equal('auth0|g');
  });

  it('never prints a token', async () => {
    const token = await tenant.token({ subject: 'auth0|log' });
    await get(`${base}/secure`, { token });
    await get(`${base}/secure`, { token: `${token}x` });
    expect(output).not.to.include(token.split('.')[2].slice(0, 40));
  });
});
