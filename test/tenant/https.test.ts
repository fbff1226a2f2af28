/**
 * The local tenant's HTTPS mode: its certificate authority (made once in a folder, reused, name
 * constrained to loopback), the tenant on https://localhost:PORT/, clients in another process that
 * trust the CA through NODE_EXTRA_CA_CERTS, and `npm start` with AUTH0_LOCAL_TENANT_HTTPS=1.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { decodeJwt } from 'jose';
import { LocalTenant } from 'routing-controllers-auth0/testing';
import {
  bitString,
  boolean,
  children,
  contextTag,
  integer,
  octetString,
  oid,
  sequence,
  set,
  time,
  utf8,
} from '../../src/testing/local-tenant/der';
import { runFixture } from './child';
import { oidcProviderLines } from './oidc-provider-output';

function temporaryFolder(): string {
  return mkdtempSync(join(tmpdir(), 'rca0-local-ca-'));
}

/** A TLS handshake with `server` from a client that trusts `ca` only; resolves with the error, if any. */
function handshake(port: number, ca: string, servername = 'localhost'): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const tls = require('node:tls') as typeof import('node:tls');
    // RFC 6066 names hosts only: an IP address is checked against the certificate without SNI.
    const sni = /^[\d.]+$/.test(servername) ? {} : { servername };
    const socket = tls.connect(
      { port, host: '127.0.0.1', ...sni, ca, checkServerIdentity: (_host, cert) => tls.checkServerIdentity(servername, cert) },
      () => {
        socket.end();
        resolve(undefined);
      },
    );
    socket.once('error', (error) => resolve(error));
  });
}

describe('the local tenant in HTTPS mode', function () {
  this.timeout(60_000);

  describe('its certificate authority', () => {
    let dir: string;
    beforeEach(() => {
      dir = join(temporaryFolder(), 'nested', 'local-ca');
    });
    afterEach(() => rmSync(join(dir, '..', '..'), { recursive: true, force: true }));

    it('is made on the first start in the folder (0700), with its key readable by the owner only', () => {
      const ca = LocalTenant.openCertificateAuthority({ caDir: dir });
      expect(ca.created).to.equal(true);
      expect(ca.dir).to.equal(dir);
      expect(ca.certificatePath).to.equal(join(dir, 'ca.pem'));
      expect(readdirSync(dir).sort()).to.deep.equal(['README.txt', 'ca-key.pem', 'ca.pem']);
      expect(statSync(dir).mode & 0o777).to.equal(0o700);
      expect(statSync(join(dir, 'ca-key.pem')).mode & 0o777).to.equal(0o600);
      const certificate = readFileSync(ca.certificatePath, 'utf8');
      expect(certificate).to.equal(ca.certificate);
      expect(certificate).not.to.include('PRIVATE KEY');
      const x509 = new X509Certificate(certificate);
      expect(x509.ca).to.equal(true);
      expect(x509.fingerprint256).to.equal(ca.fingerprint);
      expect(x509.subject).to.include(`CN=${ca.commonName}`);
      expect(Date.parse(x509.validTo) - Date.now()).to.be.greaterThan(9 * 365 * 86_400_000);
    });

    it('is reused by every later start, and by several processes starting at once', async () => {
      const first = LocalTenant.openCertificateAuthority({ caDir: dir });
      const again = LocalTenant.openCertificateAuthority({ caDir: dir });
      expect(again.created).to.equal(false);
      expect(again.fingerprint).to.equal(first.fingerprint);

      const racing = join(temporaryFolder(), 'local-ca');
      const seen = await Promise.all([1, 2, 3].map(() => runFixture('open-ca.ts', { CA_DIR: racing })));
      expect(new Set(seen.map((s) => s.fingerprint)).size).to.equal(1);
      expect(seen.filter((s) => s.created === true)).to.have.length(1);
      rmSync(join(racing, '..'), { recursive: true, force: true });
    });

    it('restores ca.pem from the key file, and refuses a damaged CA with a message that says what to do', () => {
      const ca = LocalTenant.openCertificateAuthority({ caDir: dir });
      writeFileSync(ca.certificatePath, 'garbage');
      expect(LocalTenant.openCertificateAuthority({ caDir: dir }).certificate).to.equal(readFileSync(ca.certificatePath, 'utf8'));
      chmodSync(join(dir, 'ca-key.pem'), 0o600);
      writeFileSync(join(dir, 'ca-key.pem'), 'not a key');
      expect(() => LocalTenant.openCertificateAuthority({ caDir: dir })).to.throw(`the local CA in ${dir} cannot be used`);
      expect(() => LocalTenant.openCertificateAuthority({ caDir: dir })).to.throw('delete that folder');
    });

    it('refuses a CA found in the folder that is not limited to loopback names (one planted there could vouch for any site)', async () => {
      const selfsigned = require('selfsigned') as {
        generate: (...args: unknown[]) => Promise<{ private: string; cert: string }>;
      };
      const pems = await selfsigned.generate([{ name: 'commonName', value: 'planted CA' }], {
        days: 30,
        keySize: 2048,
        algorithm: 'sha256',
        extensions: [{ name: 'basicConstraints', cA: true, critical: true }],
      });
      expect(new X509Certificate(pems.cert).ca, 'the planted certificate is a CA').to.equal(true);
      LocalTenant.openCertificateAuthority({ caDir: dir });
      writeFileSync(join(dir, 'ca-key.pem'), `${pems.private}${pems.cert}`, { mode: 0o600 });
      expect(() => LocalTenant.openCertificateAuthority({ caDir: dir })).to.throw(
        `the local CA in ${dir} cannot be used (its certificate is not limited to loopback names)`,
      );
    });

    it('refuses a CA folder or key file that other users may write (or, for the key, read)', function () {
      if (typeof process.getuid !== 'function') this.skip();
      LocalTenant.openCertificateAuthority({ caDir: dir });
      chmodSync(dir, 0o777);
      expect(() => LocalTenant.openCertificateAuthority({ caDir: dir })).to.throw(`(the folder is open to other users (mode 777))`);
      chmodSync(dir, 0o700);
      chmodSync(join(dir, 'ca-key.pem'), 0o644);
      expect(() => LocalTenant.openCertificateAuthority({ caDir: dir })).to.throw(`(ca-key.pem is open to other users (mode 644))`);
      chmodSync(join(dir, 'ca-key.pem'), 0o600);
      expect(LocalTenant.openCertificateAuthority({ caDir: dir }).created).to.equal(false);
    });

    it('can certify loopback names only: a certificate for another name signed with its key is refused', async () => {
      const ca = LocalTenant.openCertificateAuthority({ caDir: dir });
      const caKey = createPrivateKey(readFileSync(join(dir, 'ca-key.pem'), 'utf8'));
      const issuer = children(children(new X509Certificate(ca.certificate).raw)[0])[5];
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const forged = (dns: string): string => {
        const tbs = sequence(
          contextTag(0, integer(2), true),
          integer(randomBytes(8)),
          sequence(oid('1.2.840.10045.4.3.2')),
          issuer,
          sequence(time(new Date(Date.now() - 60_000)), time(new Date(Date.now() + 86_400_000))),
          sequence(set(sequence(oid('2.5.4.3'), utf8(dns)))),
          publicKey.export({ format: 'der', type: 'spki' }),
          contextTag(
            3,
            sequence(
              sequence(oid('2.5.29.19'), boolean(true), octetString(sequence())),
              sequence(oid('2.5.29.17'), octetString(sequence(contextTag(2, Buffer.from(dns), false)))),
            ),
            true,
          ),
        );
        const der = sequence(tbs, sequence(oid('1.2.840.10045.4.3.2')), bitString(sign('sha256', tbs, caKey)));
        return `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
      };
      const serve = async (cert: string): Promise<Server> => {
        const server = createServer({ key: privateKey.export({ format: 'pem', type: 'pkcs8' }), cert }, (_req, res) => res.end('ok'));
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        return server;
      };
      // The same forgery for a loopback name passes: the refusal is the name constraint, nothing else.
      const loopback = await serve(forged('localhost'));
      const foreign = await serve(forged('bank.example.com'));
      try {
        expect(await handshake((loopback.address() as AddressInfo).port, ca.certificate, 'localhost')).to.equal(undefined);
        const refused = await handshake((foreign.address() as AddressInfo).port, ca.certificate, 'bank.example.com');
        expect(refused?.message).to.equal('permitted subtree violation');
      } finally {
        loopback.close();
        foreign.close();
      }
    });
  });

  describe('the tenant', () => {
    let dir: string;
    let tenant: LocalTenant;
    before(async () => {
      dir = temporaryFolder();
      tenant = await LocalTenant.start({ https: { caDir: dir } });
    });
    after(async () => {
      await tenant?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('has the issuer https://localhost:PORT/ and says so in discovery', async () => {
      expect(tenant.issuer).to.equal(`https://localhost:${tenant.port}/`);
      expect(tenant.domain).to.equal(`localhost:${tenant.port}`);
      expect(tenant.urls.token).to.equal(`https://localhost:${tenant.port}/oauth/token`);
      const discovery = (await (await tenant.fetch(tenant.urls.discovery)).json()) as Record<string, string>;
      expect(discovery).to.include({
        issuer: tenant.issuer,
        token_endpoint: tenant.urls.token,
        jwks_uri: tenant.urls.jwks,
        authorization_endpoint: tenant.urls.authorize,
      });
    });

    it('serves a certificate for localhost, 127.0.0.1 and ::1 that only its CA vouches for', async () => {
      expect(tenant.certificateAuthority?.certificatePath).to.equal(join(dir, 'ca.pem'));
      for (const host of ['localhost', '127.0.0.1']) {
        expect(await handshake(tenant.port, tenant.certificateAuthority!.certificate, host), host).to.equal(undefined);
      }
      const untrusted = await fetch(tenant.urls.jwks).then(
        () => undefined,
        (error: Error) => error,
      );
      expect(String((untrusted?.cause as NodeJS.ErrnoException | undefined)?.code)).to.match(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED/);
      const plain = await fetch(`http://localhost:${tenant.port}/.well-known/jwks.json`).then(
        (r) => r.status,
        () => 'refused',
      );
      expect(plain).not.to.equal(200);
    });

    it('issues tokens that tenant.auth0() verifies (its key set fetched over https with the CA trusted)', async () => {
      const token = await tenant.userToken('admin@example.com', { scope: 'openid read:blabla' });
      expect(decodeJwt(token)).to.deep.include({ iss: tenant.issuer, aud: ['https://api.example.com', `${tenant.issuer}userinfo`] });
      const { user } = await tenant.auth0().verify(token);
      expect(user).to.include({ email: 'admin@example.com', isMachine: false });
      expect((await tenant.auth0().verify(await tenant.machineToken())).user.id).to.equal('local-m2m-client@clients');
    });

    it('is trusted by a Node client started with NODE_EXTRA_CA_CERTS, with a plain domain', async () => {
      const seen = await runFixture('https-client.ts', {
        NODE_EXTRA_CA_CERTS: tenant.certificateAuthority!.certificatePath,
        TENANT_DOMAIN: tenant.domain,
        API_AUDIENCE: tenant.audience,
      });
      expect(seen).to.deep.equal({
        issuer: tenant.issuer,
        jwksUri: tenant.urls.jwks,
        user: 'local-m2m-client@clients',
        machine: true,
      });
    });

    it('says how to trust its CA: Node, curl and browsers', () => {
      const text = tenant.trustInstructions();
      const path = tenant.certificateAuthority!.certificatePath;
      expect(text).to.include(`NODE_EXTRA_CA_CERTS=${path}`);
      expect(text).to.include(`curl --cacert ${path} ${tenant.urls.discovery}`);
      expect(text).to.include('Chrome').and.include('Firefox').and.include('macOS').and.include('Windows');
      expect(text).to.include(tenant.certificateAuthority!.fingerprint);
    });

    it('over http (the default) there is no CA and nothing to trust', async () => {
      const plain = await LocalTenant.start();
      try {
        expect(plain.issuer).to.equal(`http://localhost:${plain.port}/`);
        expect(plain.certificateAuthority).to.equal(undefined);
        expect(plain.trustInstructions()).to.equal('');
      } finally {
        await plain.close();
      }
    });
  });

  describe('npm start with AUTH0_LOCAL_TENANT_HTTPS=1 (a real process, free ports, a temporary CA folder)', () => {
    let child: ChildProcess;
    let dir: string;
    let output = '';

    before(async () => {
      dir = temporaryFolder();
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PORT: '0',
        AUTH0_LOCAL_TENANT_PORT: '0',
        AUTH0_LOCAL_TENANT_HTTPS: '1',
        AUTH0_LOCAL_TENANT_CA_DIR: dir,
      };
      for (const name of ['AUTH0_DOMAIN', 'AUTH0_API_AUDIENCE', 'AUTH0_CLIENT_ID', 'AUTH0_EMAIL_CLAIM', 'HOST', 'NODE_EXTRA_CA_CERTS']) {
        delete env[name];
      }
      child = spawn('npm', ['start', '--silent'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      await new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (output.includes('Ctrl-C stops both.')) resolve();
        };
        child.stdout?.on('data', check);
        child.once('exit', (code) => reject(new Error(`npm start exited (${code}): ${output}`)));
      });
    });

    after(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(-child.pid!, 'SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it('prints the https issuer and how to trust the CA made in the folder', () => {
      expect(output).to.match(/Local Auth0 tenant on https:\/\/localhost:\d+\//);
      expect(output).to.include(`NODE_EXTRA_CA_CERTS=${join(dir, 'ca.pem')}`);
      expect(output).to.include('Chrome, Edge');
      expect(readdirSync(dir)).to.include('ca.pem');
      expect(oidcProviderLines(output), output).to.deep.equal([]);
    });

    it('the printed curl (with --cacert) gets a token from the https tenant, and the sample accepts it', async () => {
      const lines = output.split('\n').map((line) => line.trim());
      const getToken = lines.find((line) => line.startsWith('TOKEN=$(curl '));
      const callApi = lines.find((line) => line.startsWith('curl ') && line.includes('/secure'));
      expect(getToken).to.include(`--cacert ${join(dir, 'ca.pem')} https://localhost:`);
      const body = await new Promise<string>((resolve, reject) => {
        execFile('sh', ['-c', `${getToken}\n${callApi}`], { timeout: 15_000 }, (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
        );
      });
      // The sample verified the token: its key set fetch, in its own process, trusted the CA.
      expect(JSON.parse(body)).to.deep.equal({
        id: 'local-m2m-client@clients',
        permissions: ['read:blabla'],
        scopes: ['read:blabla'],
        isMachine: true,
      });
    });

    it('Ctrl-C stops everything and the process exits cleanly', async () => {
      const tenant = /Local Auth0 tenant on (https:\/\/localhost:\d+\/)/.exec(output)![1];
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        child.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
      );
      process.kill(-child.pid!, 'SIGINT');
      const [code, signal] = await exited;
      expect(code === 0 || signal === 'SIGINT', `code ${code}, signal ${signal}`).to.equal(true);
      expect(output).not.to.match(/Error|EADDRINUSE|exited with/);
      const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
      const { trustingFetch } = await import('../../src/testing/local-tenant/trusting-fetch');
      const refused = await trustingFetch(ca)(`${tenant}.well-known/jwks.json`).then(
        () => false,
        () => true,
      );
      expect(refused).to.equal(true);
    });
  });
});
