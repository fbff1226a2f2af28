/**
 * The local tenant's certificate authority for HTTPS mode: a CA made on the first start, kept in a
 * folder (`~/.routing-controllers-auth0/local-ca/` unless told otherwise) and reused, so that it is
 * trusted once (Node's `NODE_EXTRA_CA_CERTS`, a browser's authorities) for every later start. Each
 * start issues a fresh server certificate for `localhost`, `127.0.0.1` and `::1` from it.
 *
 * X.509 (RFC 5280) with @peculiar/x509 (an optional peer dependency, loaded on first use) over
 * WebCrypto: ECDSA P-256 keys, SHA-256 signatures. The CA carries critical name constraints
 * (RFC 5280 §4.2.1.10) that permit only `localhost` (and names under it), 127.0.0.0/8 and ::1: a copy
 * of its key cannot vouch for any other site, and a CA found in the folder without exactly these is
 * not used.
 */
import { createPrivateKey, randomBytes, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type * as Asn1X509 from '@peculiar/asn1-x509';
import type * as X509 from '@peculiar/x509';
import { loadX509, type X509Modules } from './x509';

const DAY = 86_400_000;
/** How long a new CA is valid. */
const CA_LIFETIME = 3650 * DAY;
/** How long a server certificate is valid (it is issued afresh at every start). */
const SERVER_LIFETIME = 365 * DAY;
/** A CA that expires sooner than this is not used. */
const CA_MIN_REMAINING = DAY;
/** Clock skew allowance: certificates start being valid this long before now. */
const BACKDATE = 3_600_000;

/** The nameConstraints extension (RFC 5280 §4.2.1.10). */
const NAME_CONSTRAINTS = '2.5.29.30';

/** The keys: ECDSA on P-256 (WebCrypto's names). */
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' };
/** The signatures: ECDSA with SHA-256. */
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' };

/** WebCrypto: what makes the keys, and what @peculiar/x509 is given to sign and hash with. */
const subtleCrypto = webcrypto as unknown as Crypto;

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

function name(x509: typeof X509, commonName: string): X509.Name {
  return new x509.Name([{ O: [{ utf8String: ORGANIZATION }] }, { CN: [{ utf8String: commonName }] }]);
}

function newKeyPair(): Promise<CryptoKeyPair> {
  return subtleCrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

async function privateKeyPem(x509: typeof X509, privateKey: CryptoKey): Promise<string> {
  return `${x509.PemConverter.encode(await subtleCrypto.subtle.exportKey('pkcs8', privateKey), 'PRIVATE KEY')}\n`;
}

function certificatePemOf(certificate: X509.X509Certificate): string {
  const pem = certificate.toString('pem');
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

/** The permitted subtrees of the CA's name constraints, as {@link subtreeOf} writes them. */
const LOOPBACK_SUBTREES = ['dns:localhost', 'ip:127.0.0.0/8', 'ip:::1/128'];

/**
 * The CA's critical name constraints (RFC 5280 §4.2.1.10): permittedSubtrees dNSName localhost,
 * iPAddress 127.0.0.0/8 and ::1/128. What makes a copy of the CA's key unable to vouch for any other
 * site.
 */
function loopbackNameConstraints(lib: X509Modules): X509.Extension {
  const { x509, AsnConvert, NameConstraints, GeneralSubtrees, GeneralSubtree, GeneralName } = lib;
  const permittedSubtrees = new GeneralSubtrees([
    new GeneralSubtree({ base: new GeneralName({ dNSName: 'localhost' }) }),
    new GeneralSubtree({ base: new GeneralName({ iPAddress: '127.0.0.0/8' }) }),
    new GeneralSubtree({ base: new GeneralName({ iPAddress: '::1/128' }) }),
  ]);
  return new x509.Extension(NAME_CONSTRAINTS, true, AsnConvert.serialize(new NameConstraints({ permittedSubtrees })));
}

/** A permitted subtree as `dns:{name}` or `ip:{address}/{prefix}`; `undefined` for any other kind, or one with a minimum or maximum. */
function subtreeOf(subtree: Asn1X509.GeneralSubtree): string | undefined {
  if (subtree.minimum !== 0 || subtree.maximum !== undefined) return undefined;
  const { dNSName, iPAddress } = subtree.base;
  if (dNSName !== undefined) return `dns:${dNSName.toLowerCase()}`;
  if (iPAddress !== undefined) return `ip:${iPAddress}`;
  return undefined;
}

/**
 * Whether the certificate has exactly the CA's name constraints: one nameConstraints extension,
 * critical, whose permitted subtrees are localhost, 127.0.0.0/8 and ::1/128 (in any order) and
 * nothing else, and no excluded subtrees. Read as ASN.1, not looked for as bytes: the same bytes
 * elsewhere in a certificate (another extension's value) constrain nothing.
 */
function limitedToLoopback(certificate: X509.X509Certificate, lib: X509Modules): boolean {
  const extensions = certificate.getExtensions(NAME_CONSTRAINTS);
  if (extensions.length !== 1 || !extensions[0].critical) return false;
  const { value } = extensions[0];
  let constraints: Asn1X509.NameConstraints;
  try {
    constraints = lib.AsnConvert.parse(value, lib.NameConstraints);
  } catch {
    return false;
  }
  // Encoded again, what was read is the extension byte for byte: nothing the decoder read loosely
  // (an address mask that is not a prefix, say) can hide a wider subtree behind a familiar one.
  if (!Buffer.from(lib.AsnConvert.serialize(constraints)).equals(Buffer.from(value))) return false;
  if (constraints.excludedSubtrees !== undefined) return false;
  const permitted = (constraints.permittedSubtrees ?? []).map(subtreeOf);
  return (
    permitted.length === LOOPBACK_SUBTREES.length &&
    new Set(permitted).size === permitted.length &&
    LOOPBACK_SUBTREES.every((subtree) => permitted.includes(subtree))
  );
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

/** A new self-signed CA: key PEM and certificate PEM. */
async function createCa(lib: X509Modules, now: number): Promise<{ keyPem: string; certificatePem: string }> {
  const { x509 } = lib;
  const keys = await newKeyPair();
  const created = new Date(now).toISOString().slice(0, 10);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: name(x509, `routing-controllers-auth0 local CA (${created})`),
      keys,
      notBefore: new Date(now - BACKDATE),
      notAfter: new Date(now + CA_LIFETIME),
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
        loopbackNameConstraints(lib),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, subtleCrypto),
      ],
    },
    subtleCrypto,
  );
  return { keyPem: await privateKeyPem(x509, keys.privateKey), certificatePem: certificatePemOf(certificate) };
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
 * const ca = await LocalTenant.openCertificateAuthority({ caDir });
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
 * const ca = await openCertificateAuthority(defaultCaDir());
 * const server = createServer(await ca.issueServerCertificate(), handler); // node:https
 * ```
 */
export interface CertificateAuthority extends LocalTenantCertificateAuthority {
  /** A new key and certificate for `localhost`, `127.0.0.1` and `::1`, signed by the CA. */
  issueServerCertificate(): Promise<ServerCertificate>;
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
async function createKeyFileOnce(lib: X509Modules, keyPath: string, now: number): Promise<boolean> {
  if (existsSync(keyPath)) return false;
  const { keyPem, certificatePem } = await createCa(lib, now);
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
 * Opens the CA kept in `dir`, making it (and the folder, mode 0700) on the first call. Rejects when
 * the folder holds a CA that cannot be used (unreadable, not a CA, not limited to loopback names,
 * expired), saying to delete it, and when @peculiar/x509 is not installed.
 *
 * @example
 * ```ts
 * const ca = await openCertificateAuthority(mkdtempSync(join(tmpdir(), 'ca-'))); // a CA for one test run
 * ca.created; // true
 * ```
 */
export async function openCertificateAuthority(dir: string = defaultCaDir(), now: () => number = Date.now): Promise<CertificateAuthority> {
  const lib = loadX509();
  const { x509 } = lib;
  const folder = resolve(dir);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const keyPath = join(folder, FILES.key);
  const certificatePath = join(folder, FILES.certificate);
  checkPrivate(folder, folder, 'the folder', 0o022);
  const created = await createKeyFileOnce(lib, keyPath, now());
  checkPrivate(folder, keyPath, 'ca-key.pem', 0o077);

  let privateKey: KeyObject;
  let certificate: X509Certificate;
  let parsed: X509.X509Certificate;
  let certificatePem: string;
  try {
    const text = readFileSync(keyPath, 'utf8');
    privateKey = createPrivateKey(text);
    const match = PEM_CERTIFICATE.exec(text);
    if (match === null) throw new Error('no certificate in ca-key.pem');
    certificatePem = match[0].endsWith('\n') ? match[0] : `${match[0]}\n`;
    certificate = new X509Certificate(certificatePem);
    parsed = new x509.X509Certificate(certificatePem);
  } catch (error) {
    throw Object.assign(unusable(folder, (error as Error).message), { cause: error });
  }
  if (!certificate.ca) throw unusable(folder, 'its certificate is not a CA certificate');
  if (!limitedToLoopback(parsed, lib)) throw unusable(folder, 'its certificate is not limited to loopback names');
  if (!certificate.checkPrivateKey(privateKey)) throw unusable(folder, 'its key does not match its certificate');
  const notAfter = parsed.notAfter.getTime();
  if (!(notAfter - now() > CA_MIN_REMAINING)) throw unusable(folder, `it expired or expires on ${certificate.validTo}`);
  let signingKey: CryptoKey;
  try {
    signingKey = await subtleCrypto.subtle.importKey('pkcs8', privateKey.export({ format: 'der', type: 'pkcs8' }), KEY_ALGORITHM, false, [
      'sign',
    ]);
  } catch (error) {
    throw Object.assign(unusable(folder, 'its key is not an ECDSA P-256 key'), { cause: error });
  }

  const current = existsSync(certificatePath) ? readFileSync(certificatePath, 'utf8') : undefined;
  if (current !== certificatePem) writeAtomically(certificatePath, certificatePem, 0o644);
  const readmePath = join(folder, FILES.readme);
  if (!existsSync(readmePath)) writeAtomically(readmePath, README, 0o644);

  // The CA's subject is the issuer of what it signs (RFC 5280 §4.1.2.4), and its key identifier
  // their authority key identifier.
  const caKeyId = parsed.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const authorityKeyIdentifier =
    caKeyId === undefined
      ? await x509.AuthorityKeyIdentifierExtension.create(parsed.publicKey, false, subtleCrypto)
      : new x509.AuthorityKeyIdentifierExtension(caKeyId, false);
  const commonName = /CN=([^\n]+)/.exec(certificate.subject)?.[1] ?? 'routing-controllers-auth0 local CA';

  return {
    dir: folder,
    certificatePath,
    certificate: certificatePem,
    fingerprint: certificate.fingerprint256,
    commonName,
    created,
    async issueServerCertificate(): Promise<ServerCertificate> {
      const keys = await newKeyPair();
      const at = now();
      const issued = await x509.X509CertificateGenerator.create(
        {
          issuer: parsed.subjectName,
          subject: name(x509, 'localhost'),
          notBefore: new Date(at - BACKDATE),
          notAfter: new Date(Math.min(at + SERVER_LIFETIME, notAfter)),
          publicKey: keys.publicKey,
          signingKey,
          signingAlgorithm: SIGNING_ALGORITHM,
          extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
            new x509.SubjectAlternativeNameExtension(
              [
                { type: 'dns', value: 'localhost' },
                { type: 'ip', value: '127.0.0.1' },
                { type: 'ip', value: '::1' },
              ],
              false,
            ),
            await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, subtleCrypto),
            authorityKeyIdentifier,
          ],
        },
        subtleCrypto,
      );
      return { key: await privateKeyPem(x509, keys.privateKey), cert: certificatePemOf(issued) };
    },
  };
}
