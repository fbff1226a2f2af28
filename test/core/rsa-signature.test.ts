import { expect } from 'chai';
import { generateKeyPairSync, sign } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK } from 'jose';
import { InvalidTokenError } from '../../src/core/errors';
import { rsaSignatureValid } from '../../src/core/token/rsa-signature';

describe('RS256/RS384/RS512 through node:crypto on the key jose chose', () => {
  const input = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0';
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const signatureOf = (digest: string, text = input) => sign(digest, Buffer.from(text), privateKey).toString('base64url');

  it('accepts the valid signature for each algorithm, with the CryptoKey jose imports for it', async () => {
    for (const [alg, digest] of [
      ['RS256', 'sha256'],
      ['RS384', 'sha384'],
      ['RS512', 'sha512'],
    ]) {
      const key = (await importJWK({ ...jwk, alg }, alg)) as CryptoKey;
      expect(rsaSignatureValid(alg, key, input, signatureOf(digest)), alg).to.equal(true);
      // Twice: the second time with the remembered KeyObject.
      expect(rsaSignatureValid(alg, key, input, signatureOf(digest)), alg).to.equal(true);
    }
  });

  it('refuses a changed input, another digest, a cut, empty or noisy signature, without throwing', async () => {
    const key = (await importJWK({ ...jwk, alg: 'RS256' }, 'RS256')) as CryptoKey;
    const good = signatureOf('sha256');
    expect(rsaSignatureValid('RS256', key, `${input}x`, good)).to.equal(false);
    expect(rsaSignatureValid('RS256', key, input, signatureOf('sha512'))).to.equal(false);
    expect(rsaSignatureValid('RS256', key, input, good.slice(0, -4))).to.equal(false);
    expect(rsaSignatureValid('RS256', key, input, '')).to.equal(false);
    expect(rsaSignatureValid('RS256', key, input, `${good}AAAA`)).to.equal(false);
  });

  it('refuses a key that cannot verify the algorithm: another hash, RSA-PSS, under 2048 bits, a private key', async () => {
    const rs512Key = (await importJWK({ ...jwk, alg: 'RS512' }, 'RS512')) as CryptoKey;
    const pssKey = (await importJWK({ ...jwk, alg: 'PS256' }, 'PS256')) as CryptoKey;
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const weakKey = (await importJWK({ ...weak.publicKey.export({ format: 'jwk' }), alg: 'RS256' }, 'RS256')) as CryptoKey;
    const weakSignature = sign('sha256', Buffer.from(input), weak.privateKey).toString('base64url');
    const rsaPrivate = (await generateKeyPair('RS256', { extractable: true })).privateKey;
    const cases: Array<[string, CryptoKey, string]> = [
      ['RS256 on an RS512 key', rs512Key, signatureOf('sha256')],
      ['RS256 on a PS256 key', pssKey, signatureOf('sha256')],
      ['a 1024-bit key', weakKey, weakSignature],
      ['a private key', rsaPrivate, signatureOf('sha256')],
    ];
    for (const [name, key, signature] of cases) {
      expect(() => rsaSignatureValid('RS256', key, input, signature), name).to.throw(InvalidTokenError, 'Malformed token');
    }
    expect((await exportJWK(rsaPrivate)).d, 'the private key case is a private key').to.be.a('string');
  });

  it('refuses an algorithm it does not check', async () => {
    const key = (await importJWK({ ...jwk, alg: 'RS256' }, 'RS256')) as CryptoKey;
    for (const alg of ['PS256', 'HS256', 'none', 'rs256', '__proto__']) {
      expect(() => rsaSignatureValid(alg, key, input, signatureOf('sha256')), alg).to.throw(
        InvalidTokenError,
        'Token algorithm not allowed',
      );
    }
  });
});
