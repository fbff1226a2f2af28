/**
 * RS256, RS384 and RS512 signatures (RSASSA-PKCS1-v1_5, RFC 7518 §3.3) checked by node:crypto, on
 * the key jose selected from the key set.
 *
 * jose 6 checks every signature through WebCrypto, whose work is queued to libuv's thread pool and
 * comes back as a promise: for RS256 that round trip costs about as much as the RSA operation itself.
 * node:crypto runs the same OpenSSL check on the calling thread. The key is jose's own choice (key
 * set, `kid`, `alg`↔`kty`, `use`, `key_ops`), converted once with `KeyObject.from`; this file checks
 * that it is an RSA public key for the token's `alg` with the usage `verify` and at least 2048 bits
 * (RFC 7518 §3.3, RFC 8725 §3.4), as jose does before it verifies.
 */
import { KeyObject, verify } from 'node:crypto';
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

// jose caches the CryptoKey it imports for a key set entry and an `alg`: one KeyObject each.
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

/** The key as node:crypto takes it, after the checks jose makes before verifying with it. */
function keyObjectOf(alg: string, key: CryptoKey, webCryptoHash: string): KeyObject {
  const algorithm = key.algorithm as Partial<RsaHashedKeyAlgorithm>;
  const usable =
    key.type === 'public' &&
    key.usages.includes('verify') &&
    algorithm.name === 'RSASSA-PKCS1-v1_5' &&
    algorithm.hash?.name === webCryptoHash &&
    typeof algorithm.modulusLength === 'number' &&
    algorithm.modulusLength >= MIN_MODULUS_BITS;
  // jose refuses such a key with a TypeError, which the verifier reports as a malformed token.
  if (!usable) throw new InvalidTokenError('Malformed token', { cause: new TypeError(`${alg}: the key set's key cannot verify it`) });
  let keyObject = keyObjects.get(key);
  if (keyObject === undefined) {
    keyObject = KeyObject.from(key);
    keyObjects.set(key, keyObject);
  }
  return keyObject;
}

/**
 * Whether `signature` (base64url) is `key`'s valid `alg` signature of `signingInput` (the token's
 * first two segments, ASCII). Throws an {@link InvalidTokenError} for an algorithm not listed in
 * {@link RSA_PKCS1_ALGORITHMS} or a key that cannot verify it.
 *
 * @example
 * ```ts
 * const last = token.lastIndexOf('.');
 * rsaSignatureValid('RS256', cryptoKey, token.slice(0, last), token.slice(last + 1)); // true or false
 * ```
 */
export function rsaSignatureValid(alg: string, key: CryptoKey, signingInput: string, signature: string): boolean {
  const digest = DIGESTS.get(alg);
  if (digest === undefined) throw new InvalidTokenError('Token algorithm not allowed');
  const keyObject = keyObjectOf(alg, key, digest.webCrypto);
  try {
    return verify(digest.node, Buffer.from(signingInput, 'latin1'), keyObject, Buffer.from(signature, 'base64url'));
  } catch {
    // OpenSSL refuses some malformed signatures (a wrong length) by throwing: not a valid signature.
    return false;
  }
}
