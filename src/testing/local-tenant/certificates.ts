/**
 * The local tenant's certificate authority for HTTPS mode: a CA made on the first start, kept in a
 * folder (`~/.routing-controllers-auth0/local-ca/` unless told otherwise) and reused, so that it is
 * trusted once (Node's `NODE_EXTRA_CA_CERTS`, a browser's authorities) for every later start. Each
 * start issues a fresh server certificate for `localhost`, `127.0.0.1` and `::1` from it.
 *
 * X.509 (RFC 5280) with node:crypto alone: ECDSA P-256 keys, SHA-256 signatures. The CA carries
 * name constraints (RFC 5280 §4.2.1.10) that permit only `localhost` (and names under it),
 * 127.0.0.0/8 and ::1: a copy of its key cannot vouch for any other site.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { bitString, boolean, children, contextTag, integer, namedBits, octetString, oid, sequence, set, time, utf8 } from './der';

const DAY = 86_400_000;
/** How long a new CA is valid. */
const CA_LIFETIME = 3650 * DAY;
/** How long a server certificate is valid (it is issued afresh at every start). */
const SERVER_LIFETIME = 365 * DAY;
/** A CA that expires sooner than this is not used. */
const CA_MIN_REMAINING = DAY;
/** Clock skew allowance: certificates start being valid this long before now. */
const BACKDATE = 3_600_000;

const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};

/** The files of the CA folder. */
const FILES = {
  /** The CA's private key and certificate: the CA itself (mode 0600). */
  key: 'ca-key.pem',
  /** The CA certificate alone: what clients trust. */
  certificate: 'ca.pem',
  readme: 'README.txt',
};

const ORGANIZATION = 'routing-controllers-auth0 local tenant';

/**
 * Where the CA is kept unless told otherwise: `~/.routing-controllers-auth0/local-ca/`.
 *
 * @example
 * ```ts
 * defaultCaDir(); // '/home/me/.routing-controllers-auth0/local-ca'
 * ```
 */
export function defaultCaDir(): string {
  return join(homedir(), '.routing-controllers-auth0', 'local-ca');
}

/** A key pair, its SubjectPublicKeyInfo and its key identifier (RFC 5280 §4.2.1.2, method 1). */
interface KeyPair {
  privateKey: KeyObject;
  spki: Buffer;
  keyId: Buffer;
}

function keyIdOf(spki: Buffer, publicKey: KeyObject): Buffer {
  // SHA-1 of the subjectPublicKey bits; for P-256 those are the uncompressed point, the last 65 bytes.
  const jwk = publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(String(jwk.x), 'base64url'), Buffer.from(String(jwk.y), 'base64url')]);
  return createHash('sha1')
    .update(spki.subarray(-point.length).equals(point) ? point : spki)
    .digest();
}

function newKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return { privateKey, spki, keyId: keyIdOf(spki, publicKey) };
}

function keyPairOf(privateKey: KeyObject): KeyPair {
  const publicKey = createPublicKey(privateKey);
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return { privateKey, spki, keyId: keyIdOf(spki, publicKey) };
}

function name(commonName: string): Buffer {
  return sequence(set(sequence(oid(OID.organization), utf8(ORGANIZATION))), set(sequence(oid(OID.commonName), utf8(commonName))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  // Positive and 16 bytes long (RFC 5280 §4.1.2.2: at most 20 octets).
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return bytes;
}

const IPV4_LOOPBACK = Buffer.from([127, 0, 0, 1]);
const IPV6_LOOPBACK = Buffer.concat([Buffer.alloc(15), Buffer.from([1])]);

/**
 * The CA's critical name constraints (RFC 5280 §4.2.1.10), as DER: permittedSubtrees dNSName
 * localhost, iPAddress 127.0.0.0/8 and ::1/128. What makes a copy of the CA's key unable to vouch
 * for any other site; a CA found on disk without them is not used.
 */
function loopbackNameConstraints(): Buffer {
  const permitted = [
    sequence(contextTag(2, Buffer.from('localhost', 'ascii'), false)),
    sequence(contextTag(7, Buffer.from([127, 0, 0, 0, 255, 0, 0, 0]), false)),
    sequence(contextTag(7, Buffer.concat([IPV6_LOOPBACK, Buffer.alloc(16, 0xff)]), false)),
  ];
  return extension(OID.nameConstraints, true, sequence(contextTag(0, Buffer.concat(permitted), true)));
}

/**
 * Throws unless `path` belongs to this user and no one else may write it (nor, for the key, read
 * it): a CA folder another user could write to could hold a CA planted there, which the
 * instructions would then ask to trust. Not checked where there are no POSIX owners (Windows).
 */
function checkPrivate(folder: string, path: string, what: string, othersMask: number): void {
  if (typeof process.getuid !== 'function') return;
  const stat = statSync(path);
  if (stat.uid !== process.getuid()) throw unusable(folder, `${what} belongs to another user`);
  if ((stat.mode & othersMask) !== 0) throw unusable(folder, `${what} is open to other users (mode ${(stat.mode & 0o777).toString(8)})`);
}

/** Signs a TBSCertificate with the CA key; resolves with the certificate, PEM. */
function signCertificate(tbs: Buffer, issuerKey: KeyObject): string {
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const signature = sign('sha256', tbs, issuerKey);
  const der = sequence(tbs, algorithm, bitString(signature));
  const base64 = der.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${base64}${base64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}

function tbsCertificate(options: {
  issuer: Buffer;
  subject: Buffer;
  notBefore: Date;
  notAfter: Date;
  spki: Buffer;
  extensions: Buffer[];
}): Buffer {
  return sequence(
    contextTag(0, integer(2), true),
    integer(serialNumber()),
    sequence(oid(OID.ecdsaWithSha256)),
    options.issuer,
    sequence(time(options.notBefore), time(options.notAfter)),
    options.subject,
    options.spki,
    contextTag(3, sequence(...options.extensions), true),
  );
}

/** A new self-signed CA: key PEM and certificate PEM. */
function createCa(now: number): { keyPem: string; certificatePem: string } {
  const keys = newKeyPair();
  const created = new Date(now).toISOString().slice(0, 10);
  const subject = name(`routing-controllers-auth0 local CA (${created})`);
  const tbs = tbsCertificate({
    issuer: subject,
    subject,
    notBefore: new Date(now - BACKDATE),
    notAfter: new Date(now + CA_LIFETIME),
    spki: keys.spki,
    extensions: [
      extension(OID.basicConstraints, true, sequence(boolean(true), integer(0))),
      extension(OID.keyUsage, true, namedBits([0, 5, 6])),
      loopbackNameConstraints(),
      extension(OID.subjectKeyIdentifier, false, octetString(keys.keyId)),
    ],
  });
  const certificatePem = signCertificate(tbs, keys.privateKey);
  return { keyPem: keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), certificatePem };
}

/** A server's key and certificate (PEM), for `https.createServer`. */
export interface ServerCertificate {
  /** The private key, PEM. */
  key: string;
  /** The certificate, PEM. */
  cert: string;
}

/**
 * The HTTPS mode's certificate authority, as clients need to know it: the certificate to trust and
 * where it is.
 *
 * @example
 * ```ts
 * const ca = LocalTenant.openCertificateAuthority({ caDir });
 * spawn('node', ['client.js'], { env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.certificatePath } });
 * ```
 */
export interface LocalTenantCertificateAuthority {
  /** The folder the CA is kept in. */
  readonly dir: string;
  /** The CA certificate's file (PEM): what `NODE_EXTRA_CA_CERTS` names, what a browser imports. */
  readonly certificatePath: string;
  /** The CA certificate, PEM. */
  readonly certificate: string;
  /** The CA certificate's SHA-256 fingerprint, as browsers show it (`AB:CD:…`). */
  readonly fingerprint: string;
  /** The CA certificate's subject common name, as a browser's list of authorities shows it. */
  readonly commonName: string;
  /** Whether opening it made it (a first start), rather than reusing it. */
  readonly created: boolean;
}

/**
 * The local CA, opened from its folder: what to trust, and the server certificates it issues.
 *
 * @example
 * ```ts
 * const ca = openCertificateAuthority(defaultCaDir());
 * const server = createServer(ca.issueServerCertificate(), handler); // node:https
 * ```
 */
export interface CertificateAuthority extends LocalTenantCertificateAuthority {
  /** A new key and certificate for `localhost`, `127.0.0.1` and `::1`, signed by the CA. */
  issueServerCertificate(): ServerCertificate;
}

function unusable(dir: string, reason: string): Error {
  return new Error(
    `routing-controllers-auth0/testing: the local CA in ${dir} cannot be used (${reason}); delete that folder to make a new CA on the next start (and trust the new one)`,
  );
}

const README = `This folder holds the certificate authority of the routing-controllers-auth0 local tenant's HTTPS mode.

ca.pem      the CA certificate: trust it (NODE_EXTRA_CA_CERTS=<this folder>/ca.pem for Node, import it as an
            authority in a browser). It may only certify localhost, 127.0.0.1 and ::1 (name constraints).
ca-key.pem  the CA's private key and certificate. Keep it to yourself.

Delete the folder to make a new CA on the next start (then trust the new ca.pem instead).
`;

function writeAtomically(path: string, contents: string, mode: number): void {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, contents, { mode, flag: 'wx' });
  renameSync(temporary, path);
}

/** Creates the CA key file unless it exists; whether this call created it. Safe against a concurrent start. */
function createKeyFileOnce(keyPath: string, now: number): boolean {
  if (existsSync(keyPath)) return false;
  const { keyPem, certificatePem } = createCa(now);
  const temporary = `${keyPath}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, `${keyPem}${certificatePem}`, { mode: 0o600, flag: 'wx' });
  try {
    // link() fails when the file exists: the first of two concurrent starts wins, with a whole file.
    linkSync(temporary, keyPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----\n?/;

/**
 * Opens the CA kept in `dir`, making it (and the folder, mode 0700) on the first call. Throws when
 * the folder holds a CA that cannot be used (unreadable, not a CA, expired), saying to delete it.
 *
 * @example
 * ```ts
 * const ca = openCertificateAuthority(mkdtempSync(join(tmpdir(), 'ca-'))); // a CA for one test run
 * ca.created; // true
 * ```
 */
export function openCertificateAuthority(dir: string = defaultCaDir(), now: () => number = Date.now): CertificateAuthority {
  const folder = resolve(dir);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const keyPath = join(folder, FILES.key);
  const certificatePath = join(folder, FILES.certificate);
  checkPrivate(folder, folder, 'the folder', 0o022);
  const created = createKeyFileOnce(keyPath, now());
  checkPrivate(folder, keyPath, 'ca-key.pem', 0o077);

  let privateKey: KeyObject;
  let certificate: X509Certificate;
  let certificatePem: string;
  try {
    const text = readFileSync(keyPath, 'utf8');
    privateKey = createPrivateKey(text);
    const match = PEM_CERTIFICATE.exec(text);
    if (match === null) throw new Error('no certificate in ca-key.pem');
    certificatePem = match[0].endsWith('\n') ? match[0] : `${match[0]}\n`;
    certificate = new X509Certificate(certificatePem);
  } catch (error) {
    throw Object.assign(unusable(folder, (error as Error).message), { cause: error });
  }
  if (!certificate.ca) throw unusable(folder, 'its certificate is not a CA certificate');
  if (!certificate.raw.includes(loopbackNameConstraints())) throw unusable(folder, 'its certificate is not limited to loopback names');
  if (!certificate.checkPrivateKey(privateKey)) throw unusable(folder, 'its key does not match its certificate');
  const notAfter = Date.parse(certificate.validTo);
  if (!(notAfter - now() > CA_MIN_REMAINING)) throw unusable(folder, `it expired or expires on ${certificate.validTo}`);

  const current = existsSync(certificatePath) ? readFileSync(certificatePath, 'utf8') : undefined;
  if (current !== certificatePem) writeAtomically(certificatePath, certificatePem, 0o644);
  const readmePath = join(folder, FILES.readme);
  if (!existsSync(readmePath)) writeAtomically(readmePath, README, 0o644);

  const issuer = keyPairOf(privateKey);
  // The subject, byte for byte, is the issuer of what it signs (RFC 5280 §4.1.2.4).
  const issuerName = children(children(certificate.raw)[0])[5];
  const commonName = /CN=([^\n]+)/.exec(certificate.subject)?.[1] ?? 'routing-controllers-auth0 local CA';

  return {
    dir: folder,
    certificatePath,
    certificate: certificatePem,
    fingerprint: certificate.fingerprint256,
    commonName,
    created,
    issueServerCertificate(): ServerCertificate {
      const keys = newKeyPair();
      const at = now();
      const tbs = tbsCertificate({
        issuer: issuerName,
        subject: name('localhost'),
        notBefore: new Date(at - BACKDATE),
        notAfter: new Date(Math.min(at + SERVER_LIFETIME, notAfter)),
        spki: keys.spki,
        extensions: [
          extension(OID.basicConstraints, true, sequence()),
          extension(OID.keyUsage, true, namedBits([0])),
          extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth))),
          extension(
            OID.subjectAltName,
            false,
            sequence(
              contextTag(2, Buffer.from('localhost', 'ascii'), false),
              contextTag(7, IPV4_LOOPBACK, false),
              contextTag(7, IPV6_LOOPBACK, false),
            ),
          ),
          extension(OID.subjectKeyIdentifier, false, octetString(keys.keyId)),
          extension(OID.authorityKeyIdentifier, false, sequence(contextTag(0, issuer.keyId, false))),
        ],
      });
      return {
        key: keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        cert: signCertificate(tbs, privateKey),
      };
    },
  };
}
