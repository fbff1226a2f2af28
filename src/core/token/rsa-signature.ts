/**
 * RS256, RS384 and RS512 signatures (RSASSA-PKCS1-v1_5, RFC 7518 §3.3) checked by node:crypto, on
 * the key jose selected from the key set.
 *
 * jose 6 checks every signature through WebCrypto, whose work is queued to libuv's thread pool and
 * comes back as a promise: for RS256 that round trip costs about as much as the RSA operation itself.
 * node:crypto runs the same OpenSSL check on the calling thread. The key is jose's own choice (key
 * set, `kid`, `alg`↔`kty`, `use`, `key_ops`), converted once with `KeyObject.from`; this file checks
 * that it is an RSA public key for the token's `alg` with the usage `verify` and at least 2048 bits
 * (RFC 7518 §3.3, RFC 8725 §3.4), as jose does before it verifies, and decodes the signature with
 * jose's own base64url decoder, as `jwtVerify` does.
 */
import { KeyObject, verify } from 'node:crypto';
import { base64url } from 'jose';
import { InvalidTokenError } from '../errors';

/** The digest of each algorithm, for node:crypto and as WebCrypto names the key's hash. */
const DIGESTS: ReadonlyMap<string, { readonly node: string; readonly webCrypto: string }> = new Map([
  ['RS256', { node: 'sha256', webCrypto: 'SHA-256' }],
  ['RS384', { node: 'sha384', webCrypto: 'SHA-384' }],
  ['RS512', { node: 'sha512', webCrypto: 'SHA-512' }],
]);

/** The algorithms checked here. */
export const RSA_PKCS1_ALGORITHMS: readonly string[] = [...DIGESTS.keys()];

const MIN_MODULUS_BITS = 2048;
/**
 * The largest key checked on the calling thread. Anyone who knows a published `kid` can make the API
 * check one signature per request; above this size (an RSA check grows with the cube of the key
 * length) the check stays on WebCrypto's thread pool, through `jwtVerify`, off the event loop.
 */
const MAX_MODULUS_BITS = 4096;

// jose caches the CryptoKey it imports for a key set entry and an `alg`: one KeyObject each.
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

/** An RSA key and the digest of the algorithm it was chosen for, ready for node:crypto. */
export interface RsaVerificationKey {
  readonly keyObject: KeyObject;
  readonly digest: string;
}

/**
 * The key jose chose for `alg`, ready for node:crypto, after the checks jose makes before verifying
 * with it: an RSA public key of this algorithm's hash with the usage `verify`, of at least 2048 bits.
 * `undefined` for a key over 4096 bits, which is left to `jwtVerify`. Throws an
 * {@link InvalidTokenError} for an algorithm not listed in {@link RSA_PKCS1_ALGORITHMS} or a key that
 * cannot verify it.
 *
 * @example
 * ```ts
 * const key = rsaVerificationKey('RS256', await keySet.getKey(header));
 * ```
 */
export function rsaVerificationKey(alg: string, key: CryptoKey): RsaVerificationKey | undefined {
  const digest = DIGESTS.get(alg);
  if (digest === undefined) throw new InvalidTokenError('Token algorithm not allowed');
  const algorithm = key.algorithm as Partial<RsaHashedKeyAlgorithm>;
  const usable =
    key.type === 'public' &&
    key.usages.includes('verify') &&
    algorithm.name === 'RSASSA-PKCS1-v1_5' &&
    algorithm.hash?.name === digest.webCrypto &&
    typeof algorithm.modulusLength === 'number' &&
    algorithm.modulusLength >= MIN_MODULUS_BITS;
  // jose refuses such a key with a TypeError, which the verifier reports as a malformed token.
  if (!usable) throw new InvalidTokenError('Malformed token', { cause: new TypeError(`${alg}: the key set's key cannot verify it`) });
  if ((algorithm.modulusLength as number) > MAX_MODULUS_BITS) return undefined;
  let keyObject = keyObjects.get(key);
  if (keyObject === undefined) {
    keyObject = KeyObject.from(key);
    keyObjects.set(key, keyObject);
  }
  return { keyObject, digest: digest.node };
}

/**
 * Whether `signature` (the token's third segment) is the key's valid signature of `signingInput`
 * (its first two segments, ASCII). The signature is decoded by jose's base64url decoder, as
 * `jwtVerify` decodes it: a character outside the alphabet or a length no encoding has (a stray
 * trailing character, which Buffer's decoder would drop) is a malformed token. Like `jwtVerify`, it
 * ignores the unused low bits of the last character, so a valid signature has a few spellings that
 * differ only there (16 for 2048 bits); each is remembered apart, and DPoP's `ath` binds the exact
 * one, so nothing keyed on the token string may assume it is unique.
 *
 * @example
 * ```ts
 * const last = token.lastIndexOf('.');
 * rsaSignatureValid(key, token.slice(0, last), token.slice(last + 1)); // true or false
 * ```
 */
export function rsaSignatureValid(key: RsaVerificationKey, signingInput: string, signature: string): boolean {
  let bytes: Uint8Array;
  try {
    bytes = base64url.decode(signature);
  } catch (cause) {
    throw new InvalidTokenError('Malformed token', { cause });
  }
  try {
    return verify(key.digest, Buffer.from(signingInput, 'latin1'), key.keyObject, bytes);
  } catch {
    // OpenSSL refuses some malformed signatures (a wrong length) by throwing: not a valid signature.
    return false;
  }
}
