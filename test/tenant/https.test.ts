/**
 * The local tenant's HTTPS mode: its certificate authority (made once in a folder, reused, name
 * constrained to loopback), the tenant on https://localhost:PORT/, clients in another process that
 * trust the CA through NODE_EXTRA_CA_CERTS, and `npm start` with AUTH0_LOCAL_TENANT_HTTPS=1.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import { expect } from 'chai';
import { decodeJwt } from 'jose';
import { LocalTenant } from 'routing-controllers-auth0/testing';
import { runFixture } from './child';
import { oidcProviderLines } from './oidc-provider-output';

const webCrypto = webcrypto as unknown as Crypto;
const P256 = { name: 'ECDSA', namedCurve: 'P-256' };
const NAME_CONSTRAINTS = '2.5.29.30';

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

/** The certificate the server on `port` presents, trusted or not. */
function peerCertificate(port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const tls = require('node:tls') as typeof import('node:tls');
    const socket = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false }, () => {
      const certificate = socket.getPeerX509Certificate();
      socket.end();
      if (certificate === undefined) reject(new Error('no peer certificate'));
      else resolve(certificate);
    });
    socket.once('error', reject);
  });
}

/** Opens the CA in `dir`; resolves with the error's message, or `opened`. */
function openingError(dir: string): Promise<string> {
  return LocalTenant.openCertificateAuthority({ caDir: dir }).then(
    () => 'opened',
    (error: Error) => error.message,
  );
}

async function pkcs8Pem(privateKey: CryptoKey): Promise<string> {
  return `${x509.PemConverter.encode(await webCrypto.subtle.exportKey('pkcs8', privateKey), 'PRIVATE KEY')}\n`;
}

/** The DER of a NameConstraints (RFC 5280 §4.2.1.10) permitting `permitted` (and excluding `excluded`). */
function nameConstraints(permitted: GeneralName[], excluded: GeneralName[] = []): ArrayBuffer {
  const subtrees = (names: GeneralName[]) => new GeneralSubtrees(names.map((base) => new GeneralSubtree({ base })));
  return AsnConvert.serialize(
    new NameConstraints({ permittedSubtrees: subtrees(permitted), excludedSubtrees: excluded.length > 0 ? subtrees(excluded) : undefined }),
  );
}

const LOOPBACK = (): GeneralName[] => [
  new GeneralName({ dNSName: 'localhost' }),
  new GeneralName({ iPAddress: '127.0.0.0/8' }),
  new GeneralName({ iPAddress: '::1/128' }),
];

/**
 * A CA made here, with the tenant's own CA extensions except name constraints (`extensions` instead),
 * saved in `dir` as the tenant keeps its own: ca-key.pem holds the key, then the certificate (PEM).
 */
async function plantCa(dir: string, extensions: x509.Extension[]): Promise<x509.X509Certificate> {
  const keys = (await webCrypto.subtle.generateKey(P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: 'CN=planted CA',
      keys,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 30 * 86_400_000),
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
        ...extensions,
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webCrypto),
      ],
    },
    webCrypto,
  );
  writeFileSync(join(dir, 'ca-key.pem'), `${await pkcs8Pem(keys.privateKey)}${certificate.toString('pem')}\n`, { mode: 0o600 });
  return certificate;
}

describe('the local tenant in HTTPS mode', function () {
  this.timeout(60_000);

  describe('its certificate authority', () => {
    let dir: string;
    beforeEach(() => {
      dir = join(temporaryFolder(), 'nested', 'local-ca');
    });
    afterEach(() => rmSync(join(dir, '..', '..'), { recursive: true, force: true }));

    it('is made on the first start in the folder (0700), with its key readable by the owner only', async () => {
      const ca = await LocalTenant.openCertificateAuthority({ caDir: dir });
      expect(ca.created).to.equal(true);
      expect(ca.dir).to.equal(dir);
      expect(ca.certificatePath).to.equal(join(dir, 'ca.pem'));
      expect(readdirSync(dir).sort()).to.deep.equal(['README.txt', 'ca-key.pem', 'ca.pem']);
      expect(statSync(dir).mode & 0o777).to.equal(0o700);
      expect(statSync(join(dir, 'ca-key.pem')).mode & 0o777).to.equal(0o600);
      const certificate = readFileSync(ca.certificatePath, 'utf8');
      expect(certificate).to.equal(ca.certificate);
      expect(certificate).not.to.include('PRIVATE KEY');
      const node = new X509Certificate(certificate);
      expect(node.ca).to.equal(true);
      expect(node.fingerprint256).to.equal(ca.fingerprint);
      expect(node.subject).to.include(`CN=${ca.commonName}`);
      expect(Date.parse(node.validTo) - Date.now()).to.be.greaterThan(9 * 365 * 86_400_000);
      expect(node.publicKey.asymmetricKeyDetails?.namedCurve).to.equal('prime256v1');
      expect(node.checkPrivateKey(createPrivateKey(readFileSync(join(dir, 'ca-key.pem'), 'utf8')))).to.equal(true);
    });

    it('is a self-signed ECDSA P-256 / SHA-256 CA with pathLen 0, critical key usage and critical loopback name constraints', async () => {
      const ca = await LocalTenant.openCertificateAuthority({ caDir: dir });
      const certificate = new x509.X509Certificate(ca.certificate);
      expect(await certificate.isSelfSigned(webCrypto)).to.equal(true);
      expect(certificate.signatureAlgorithm).to.deep.include({ name: 'ECDSA', hash: { name: 'SHA-256' } });
      const basic = certificate.getExtension(x509.BasicConstraintsExtension);
      expect(basic).to.deep.include({ ca: true, pathLength: 0, critical: true });
      const usage = certificate.getExtension(x509.KeyUsagesExtension);
      expect(usage?.critical).to.equal(true);
      expect(usage?.usages).to.equal(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
      const constraints = certificate.getExtensions(NAME_CONSTRAINTS);
      expect(constraints).to.have.length(1);
      expect(constraints[0].critical).to.equal(true);
      const parsed = AsnConvert.parse(constraints[0].value, NameConstraints);
      expect(parsed.excludedSubtrees).to.equal(undefined);
      expect(parsed.permittedSubtrees?.map((subtree) => subtree.base)).to.deep.equal(LOOPBACK());
      const keyId = certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
      expect(keyId).to.equal(Buffer.from(await certificate.publicKey.getKeyIdentifier(webCrypto)).toString('hex'));
    });

    it('is reused by every later start, and by several processes starting at once', async () => {
      const first = await LocalTenant.openCertificateAuthority({ caDir: dir });
      const again = await LocalTenant.openCertificateAuthority({ caDir: dir });
      expect(again.created).to.equal(false);
      expect(again.fingerprint).to.equal(first.fingerprint);

      const racing = join(temporaryFolder(), 'local-ca');
      const seen = await Promise.all([1, 2, 3].map(() => runFixture('open-ca.ts', { CA_DIR: racing })));
      expect(new Set(seen.map((s) => s.fingerprint)).size).to.equal(1);
      expect(seen.filter((s) => s.created === true)).to.have.length(1);
      rmSync(join(racing, '..'), { recursive: true, force: true });
    });

    it('restores ca.pem from the key file, and refuses a damaged CA with a message that says what to do', async () => {
      const ca = await LocalTenant.openCertificateAuthority({ caDir: dir });
      writeFileSync(ca.certificatePath, 'garbage');
      expect((await LocalTenant.openCertificateAuthority({ caDir: dir })).certificate).to.equal(readFileSync(ca.certificatePath, 'utf8'));
      chmodSync(join(dir, 'ca-key.pem'), 0o600);
      writeFileSync(join(dir, 'ca-key.pem'), 'not a key');
      const refusal = await openingError(dir);
      expect(refusal).to.include(`the local CA in ${dir} cannot be used`);
      expect(refusal).to.include('delete that folder');
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
      await LocalTenant.openCertificateAuthority({ caDir: dir });
      writeFileSync(join(dir, 'ca-key.pem'), `${pems.private}${pems.cert}`, { mode: 0o600 });
      expect(await openingError(dir)).to.equal(
        `routing-controllers-auth0/testing: the local CA in ${dir} cannot be used (its certificate is not limited to loopback names); delete that folder to make a new CA on the next start (and trust the new one)`,
      );
    });

    it('refuses a CA that has the bytes of the loopback name constraints only inside another extension', async () => {
      const made = await LocalTenant.openCertificateAuthority({ caDir: dir });
      const own = new x509.X509Certificate(made.certificate).getExtension(NAME_CONSTRAINTS);
      expect(own, 'the tenant CA has name constraints').not.to.equal(null);
      // A private extension, not critical, whose value is the tenant CA's whole nameConstraints
      // extension: the bytes are in the certificate, the constraint is not.
      const planted = await plantCa(dir, [new x509.Extension('1.3.6.1.4.1.55555.1', false, own!.rawData)]);
      expect(Buffer.from(planted.rawData).includes(Buffer.from(own!.rawData)), 'the bytes are there').to.equal(true);
      expect(planted.getExtensions(NAME_CONSTRAINTS)).to.have.length(0);
      expect(await openingError(dir)).to.include(
        `the local CA in ${dir} cannot be used (its certificate is not limited to loopback names)`,
      );
    });

    describe('reads the name constraints of a CA in the folder, and uses it only with exactly the loopback ones', () => {
      const ipv4WithWideMask = (): ArrayBuffer => {
        // 127.0.0.0 with the mask 0.0.0.255 (not a prefix): a decoder that counts mask bits reads
        // 127.0.0.0/8, a verifier permits every address ending in .0.
        const der = Buffer.from(nameConstraints(LOOPBACK()));
        const at = der.indexOf(Buffer.from([0x87, 0x08, 127, 0, 0, 0, 255, 0, 0, 0]));
        expect(at).to.be.greaterThan(0);
        der.set([0, 0, 0, 255], at + 6);
        return der.buffer.slice(der.byteOffset, der.byteOffset + der.length);
      };
      // OpenSSL itself takes a certificate with a duplicate or undecodable extension for no CA at all.
      const refused: [string, () => x509.Extension[], string?][] = [
        ['none at all', () => []],
        [
          'also example.com',
          () => [new x509.Extension(NAME_CONSTRAINTS, true, nameConstraints([...LOOPBACK(), new GeneralName({ dNSName: 'example.com' })]))],
        ],
        [
          'all of 10.0.0.0/8 too',
          () => [
            new x509.Extension(NAME_CONSTRAINTS, true, nameConstraints([...LOOPBACK(), new GeneralName({ iPAddress: '10.0.0.0/8' })])),
          ],
        ],
        [
          'localhost alone (no IP subtree: any address)',
          () => [new x509.Extension(NAME_CONSTRAINTS, true, nameConstraints([new GeneralName({ dNSName: 'localhost' })]))],
        ],
        ['the loopback ones, not critical', () => [new x509.Extension(NAME_CONSTRAINTS, false, nameConstraints(LOOPBACK()))]],
        [
          'the loopback ones twice',
          () => [1, 2].map(() => new x509.Extension(NAME_CONSTRAINTS, true, nameConstraints(LOOPBACK()))),
          'its certificate is not a CA certificate',
        ],
        [
          'the loopback ones and excluded subtrees',
          () => [new x509.Extension(NAME_CONSTRAINTS, true, nameConstraints(LOOPBACK(), [new GeneralName({ dNSName: 'a.localhost' })]))],
        ],
        ['an IPv4 mask that is not a prefix', () => [new x509.Extension(NAME_CONSTRAINTS, true, ipv4WithWideMask())]],
        [
          'not NameConstraints',
          () => [new x509.Extension(NAME_CONSTRAINTS, true, new Uint8Array([0x04, 0x00]))],
          'its certificate is not a CA certificate',
        ],
      ];
      for (const [what, extensions, reason = 'its certificate is not limited to loopback names'] of refused) {
        it(`refuses one with ${what}`, async () => {
          await LocalTenant.openCertificateAuthority({ caDir: dir });
          await plantCa(dir, extensions());
          expect(await openingError(dir)).to.include(`the local CA in ${dir} cannot be used (${reason})`);
        });
      }

      it('uses one with the loopback ones in another order, and issues certificates from it', async () => {
        await LocalTenant.openCertificateAuthority({ caDir: dir });
        const [dns, ipv4, ipv6] = LOOPBACK();
        const planted = await plantCa(dir, [new x509.Extension(NAME_CONSTRAINTS, true, nameConstraints([ipv6, dns, ipv4]))]);
        const ca = await LocalTenant.openCertificateAuthority({ caDir: dir });
        expect(ca).to.deep.include({ created: false, commonName: 'planted CA', certificate: `${planted.toString('pem')}\n` });
        const tenant = await LocalTenant.start({ https: { caDir: dir } });
        try {
          expect(await handshake(tenant.port, ca.certificate, 'localhost')).to.equal(undefined);
        } finally {
          await tenant.close();
        }
      });
    });

    it('refuses a CA folder or key file that other users may write (or, for the key, read)', async function () {
      if (typeof process.getuid !== 'function') this.skip();
      await LocalTenant.openCertificateAuthority({ caDir: dir });
      chmodSync(dir, 0o777);
      expect(await openingError(dir)).to.include(`(the folder is open to other users (mode 777))`);
      chmodSync(dir, 0o700);
      chmodSync(join(dir, 'ca-key.pem'), 0o644);
      expect(await openingError(dir)).to.include(`(ca-key.pem is open to other users (mode 644))`);
      chmodSync(join(dir, 'ca-key.pem'), 0o600);
      expect((await LocalTenant.openCertificateAuthority({ caDir: dir })).created).to.equal(false);
    });

    it('can certify loopback names only: a certificate for another name signed with its key is refused', async () => {
      const ca = await LocalTenant.openCertificateAuthority({ caDir: dir });
      const issuer = new x509.X509Certificate(ca.certificate);
      const caKey = await webCrypto.subtle.importKey(
        'pkcs8',
        createPrivateKey(readFileSync(join(dir, 'ca-key.pem'), 'utf8')).export({ format: 'der', type: 'pkcs8' }),
        P256,
        false,
        ['sign'],
      );
      const keys = (await webCrypto.subtle.generateKey(P256, true, ['sign', 'verify'])) as CryptoKeyPair;
      const forged = async (dns: string): Promise<string> => {
        const certificate = await x509.X509CertificateGenerator.create(
          {
            issuer: issuer.subjectName,
            subject: `CN=${dns}`,
            notBefore: new Date(Date.now() - 60_000),
            notAfter: new Date(Date.now() + 86_400_000),
            publicKey: keys.publicKey,
            signingKey: caKey,
            extensions: [
              new x509.BasicConstraintsExtension(false, undefined, true),
              new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: dns }]),
            ],
          },
          webCrypto,
        );
        return certificate.toString('pem');
      };
      const key = await pkcs8Pem(keys.privateKey);
      const serve = async (cert: string): Promise<Server> => {
        const server = createServer({ key, cert }, (_req, res) => res.end('ok'));
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        return server;
      };
      // The same forgery for a loopback name passes: the refusal is the name constraint, nothing else.
      const loopback = await serve(await forged('localhost'));
      const foreign = await serve(await forged('bank.example.com'));
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

    it("serves a fresh server certificate: ECDSA P-256, SAN localhost/127.0.0.1/::1, serverAuth, not a CA, the CA's key identifier, within the CA's validity", async () => {
      const served = await peerCertificate(tenant.port);
      const caCertificate = new X509Certificate(tenant.certificateAuthority!.certificate);
      expect(served.checkIssued(caCertificate)).to.equal(true);
      expect(served.verify(caCertificate.publicKey)).to.equal(true);
      expect(served.publicKey.asymmetricKeyDetails?.namedCurve).to.equal('prime256v1');
      expect(served.subjectAltName).to.equal('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
      expect(served.ca).to.equal(false);
      expect(Date.parse(served.validTo)).to.be.at.most(Date.parse(caCertificate.validTo));
      expect(Date.parse(served.validFrom)).to.be.lessThan(Date.now());

      const certificate = new x509.X509Certificate(served.raw);
      const ca = new x509.X509Certificate(caCertificate.raw);
      expect(certificate.signatureAlgorithm).to.deep.include({ name: 'ECDSA', hash: { name: 'SHA-256' } });
      expect(certificate.getExtension(x509.BasicConstraintsExtension)).to.deep.include({ ca: false, critical: true });
      expect(certificate.getExtension(x509.KeyUsagesExtension)?.usages).to.equal(x509.KeyUsageFlags.digitalSignature);
      expect(certificate.getExtension(x509.ExtendedKeyUsageExtension)?.usages).to.deep.equal([x509.ExtendedKeyUsage.serverAuth]);
      expect(certificate.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).to.equal(
        ca.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId,
      );
      expect(certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).to.equal(
        Buffer.from(await certificate.publicKey.getKeyIdentifier(webCrypto)).toString('hex'),
      );
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
