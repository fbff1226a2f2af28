import { expect } from 'chai';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK } from 'jose';
import { InvalidTokenError } from '../../src/core/errors';
import { rsaSignatureValid, rsaVerificationKey, type RsaVerificationKey } from '../../src/core/token/rsa-signature';

describe('RS256/RS384/RS512 through node:crypto on the key jose chose', () => {
  const input = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0';
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const signatureOf = (digest: string, text = input, key: KeyObject = privateKey) =>
    sign(digest, Buffer.from(text), key).toString('base64url');
  const importFor = async (alg: string, publicJwk = jwk) => (await importJWK({ ...publicJwk, alg }, alg)) as CryptoKey;
  const keyFor = async (alg: string, publicJwk = jwk) => rsaVerificationKey(alg, await importFor(alg, publicJwk)) as RsaVerificationKey;

  it('accepts the valid signature for each algorithm, with the CryptoKey jose imports for it', async () => {
    for (const [alg, digest] of [
      ['RS256', 'sha256'],
      ['RS384', 'sha384'],
      ['RS512', 'sha512'],
    ]) {
      const cryptoKey = await importFor(alg);
      const key = rsaVerificationKey(alg, cryptoKey) as RsaVerificationKey;
      expect(rsaSignatureValid(key, input, signatureOf(digest)), alg).to.equal(true);
      // The KeyObject is made once per CryptoKey.
      expect((rsaVerificationKey(alg, cryptoKey) as RsaVerificationKey).keyObject, alg).to.equal(key.keyObject);
    }
  });

  it('refuses a changed input, another digest, a cut or empty signature, without throwing', async () => {
    const key = await keyFor('RS256');
    const good = signatureOf('sha256');
    expect(rsaSignatureValid(key, `${input}x`, good)).to.equal(false);
    expect(rsaSignatureValid(key, input, signatureOf('sha512'))).to.equal(false);
    expect(rsaSignatureValid(key, input, good.slice(0, -4))).to.equal(false);
    expect(rsaSignatureValid(key, input, '')).to.equal(false);
    expect(rsaSignatureValid(key, input, `${good}AAAA`)).to.equal(false);
  });

  it('decodes the signature strictly: a stray trailing character is a malformed token, not another spelling', async () => {
    // 3072 bits: a signature of 384 bytes is exactly 512 characters, so a lenient decoder would drop
    // a 513th and accept the token under 64 more spellings.
    const big = generateKeyPairSync('rsa', { modulusLength: 3072 });
    const key = await keyFor('RS256', big.publicKey.export({ format: 'jwk' }));
    const good = signatureOf('sha256', input, big.privateKey);
    expect(good).to.have.length(512);
    expect(rsaSignatureValid(key, input, good)).to.equal(true);
    for (const extra of ['A', 'Q', '_']) {
      expect(() => rsaSignatureValid(key, input, `${good}${extra}`), extra).to.throw(InvalidTokenError, 'Malformed token');
    }
    // One character less still decodes (to 383 bytes): a wrong signature, as jose finds it too.
    expect(rsaSignatureValid(key, input, good.slice(0, -1))).to.equal(false);
    // For a 2048-bit key (342 characters), one less does not decode: malformed, as jose finds it.
    const short = signatureOf('sha256').slice(0, -1);
    expect(short).to.have.length(341);
    expect(() => rsaSignatureValid(key, input, short)).to.throw(InvalidTokenError, 'Malformed token');
  });

  it('leaves a key over 4096 bits to jose (off the event loop), and takes one of 4096', async () => {
    const huge = generateKeyPairSync('rsa', { modulusLength: 4104 });
    expect(rsaVerificationKey('RS256', await importFor('RS256', huge.publicKey.export({ format: 'jwk' })))).to.equal(undefined);
    const largest = generateKeyPairSync('rsa', { modulusLength: 4096 });
    const key = await keyFor('RS256', largest.publicKey.export({ format: 'jwk' }));
    expect(rsaSignatureValid(key, input, signatureOf('sha256', input, largest.privateKey))).to.equal(true);
  });

  it('refuses a key that cannot verify the algorithm: another hash, RSA-PSS, under 2048 bits, a private key', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const rsaPrivate = (await generateKeyPair('RS256', { extractable: true })).privateKey;
    expect((await exportJWK(rsaPrivate)).d, 'the private key case is a private key').to.be.a('string');
    const cases: Array<[string, CryptoKey]> = [
      ['RS256 on an RS512 key', await importFor('RS512')],
      ['RS256 on a PS256 key', await importFor('PS256')],
      ['a 1024-bit key', await importFor('RS256', weak.publicKey.export({ format: 'jwk' }))],
      ['a private key', rsaPrivate],
    ];
    for (const [name, cryptoKey] of cases) {
      expect(() => rsaVerificationKey('RS256', cryptoKey), name).to.throw(InvalidTokenError, 'Malformed token');
    }
  });

  it('refuses an algorithm it does not check', async () => {
    const cryptoKey = await importFor('RS256');
    for (const alg of ['PS256', 'HS256', 'none', 'rs256', '__proto__']) {
      expect(() => rsaVerificationKey(alg, cryptoKey), alg).to.throw(InvalidTokenError, 'Token algorithm not allowed');
    }
  });
});
