import { expect } from 'chai';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { DpopKey } from 'routing-controllers-auth0/testing';
import { DpopProofChecker } from '../../src/core/binding/dpop-proof';
import { DpopNonces } from '../../src/core/binding/nonce';
import { MemoryReplayStore } from '../../src/core/binding/replay-store';
import { rejectionOf } from '../support/errors';

describe('DPoP proofs (RFC 9449 §4.3, §8)', () => {
  let now = Date.now();
  const clock = () => now;
  const target = { method: 'GET', url: 'https://api.example.com/x' };
  const checker = (nonces?: DpopNonces) =>
    new DpopProofChecker({
      algorithms: ['ES256'],
      iatOffset: 300,
      iatLeeway: 30,
      replayStore: new MemoryReplayStore({ maxEntries: 100, maxPerKey: 10, now: clock }),
      nonces,
      now: clock,
    });
  let key: DpopKey;
  before(async () => {
    key = await DpopKey.generate();
    now = Date.now();
  });

  it('refuses an htu that is not a URL and an oversized jti', async () => {
    const notUrl = await key.proof({ url: 'not a url', accessToken: 't.o.k' });
    expect(await rejectionOf(checker().checkProof(notUrl, target, { accessToken: 't.o.k', jkt: key.thumbprint }))).to.include({
      status: 401,
      code: 'invalid_dpop_proof',
    });
    const longJti = await key.proof({ url: target.url, accessToken: 't.o.k', jti: 'j'.repeat(300) });
    expect(await rejectionOf(checker().checkProof(longJti, target, { accessToken: 't.o.k', jkt: key.thumbprint }))).to.include({
      status: 401,
      code: 'invalid_dpop_proof',
    });
  });

  it('compares htu after normalisation', async () => {
    const check = checker();
    for (const url of ['HTTPS://API.example.com:443/x', 'https://api.example.com/%78', 'https://api.example.com/y/../x?q=1']) {
      await check.checkProof(await key.proof({ url, accessToken: 't.o.k' }), target, { accessToken: 't.o.k', jkt: key.thumbprint });
    }
    const other = await key.proof({ url: 'https://api.example.com/X', accessToken: 't.o.k' });
    expect(await rejectionOf(check.checkProof(other, target, { accessToken: 't.o.k', jkt: key.thumbprint }))).to.include({
      code: 'invalid_dpop_proof',
    });
  });

  it('a replay is refused; a refused proof is not recorded', async () => {
    const check = checker();
    const proof = await key.proof({ url: target.url, accessToken: 't.o.k' });
    expect(await rejectionOf(check.checkProof(proof, target, { accessToken: 'other.t.k', jkt: key.thumbprint }))).to.include({
      code: 'invalid_dpop_proof',
    });
    await check.checkProof(proof, target, { accessToken: 't.o.k', jkt: key.thumbprint });
    expect(await rejectionOf(check.checkProof(proof, target, { accessToken: 't.o.k', jkt: key.thumbprint }))).to.include({
      message: 'DPoP proof replayed (jti already used)',
    });
  });

  it('a proof at the very end of its window cannot be replayed, even with no leeway', async () => {
    const edge = new DpopProofChecker({
      algorithms: ['ES256'],
      iatOffset: 300,
      iatLeeway: 0,
      replayStore: new MemoryReplayStore({ maxEntries: 100, maxPerKey: 10, now: clock }),
      nonces: undefined,
      now: clock,
    });
    const saved = now;
    now = Math.floor(now / 1000) * 1000 + 999;
    const proof = await key.proof({ url: target.url, accessToken: 't.o.k', iat: Math.floor(now / 1000) - 300 });
    await edge.checkProof(proof, target, { accessToken: 't.o.k', jkt: key.thumbprint });
    expect(await rejectionOf(edge.checkProof(proof, target, { accessToken: 't.o.k', jkt: key.thumbprint }))).to.include({
      code: 'invalid_dpop_proof',
      message: 'DPoP proof replayed (jti already used)',
    });
    now = saved;
  });

  it('the iat window is measured on the injected clock', async () => {
    const proof = await key.proof({ url: target.url, accessToken: 't.o.k', iat: Math.floor(now / 1000) });
    now += 301_000;
    expect(await rejectionOf(checker().checkProof(proof, target, { accessToken: 't.o.k', jkt: key.thumbprint }))).to.include({
      code: 'invalid_dpop_proof',
    });
    now -= 301_000;
  });

  it('with nonces: none or a stale one is use_dpop_nonce with a fresh nonce; the current one passes', async () => {
    const nonces = new DpopNonces({ secret: new Uint8Array(32).fill(7), lifetime: 300, now: clock });
    const check = checker(nonces);
    const missing = await rejectionOf(
      check.checkProof(await key.proof({ url: target.url, accessToken: 't.o.k' }), target, { accessToken: 't.o.k', jkt: key.thumbprint }),
    );
    expect(missing).to.include({ status: 401, code: 'use_dpop_nonce', nonce: nonces.current() });
    const made = await key.proof({ url: target.url, accessToken: 't.o.k', claims: { nonce: 'made.up' } });
    expect(await rejectionOf(check.checkProof(made, target, { accessToken: 't.o.k', jkt: key.thumbprint }))).to.include({
      code: 'use_dpop_nonce',
    });
    await check.checkProof(await key.proof({ url: target.url, accessToken: 't.o.k', claims: { nonce: nonces.current() } }), target, {
      accessToken: 't.o.k',
      jkt: key.thumbprint,
    });
  });

  /** A compact proof with the given header key and a signature that verifies nothing. */
  function unsignedProof(jwk: Record<string, unknown>, alg = 'RS256'): string {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const claims = { jti: 'j-1', htm: 'GET', htu: target.url, iat: Math.floor(now / 1000) };
    return `${part({ typ: 'dpop+jwt', alg, jwk })}.${part(claims)}.${Buffer.alloc(256, 7).toString('base64url')}`;
  }

  it('an RSA proof key other than exponent 65537 and 2048–4096 bits is refused before its signature is checked', async () => {
    const rsa = new DpopProofChecker({
      algorithms: ['RS256', 'ES256'],
      iatOffset: 300,
      iatLeeway: 30,
      replayStore: new MemoryReplayStore({ maxEntries: 100, maxPerKey: 10, now: clock }),
      nonces: undefined,
      now: clock,
    });
    const modulus = (bytes: number) => Buffer.alloc(bytes, 0xc5).toString('base64url');
    // A huge exponent makes each RSA check several times dearer; so does a huge modulus.
    const keys = [
      { kty: 'RSA', n: modulus(384), e: modulus(383) },
      { kty: 'RSA', n: modulus(1024), e: 'AQAB' },
      { kty: 'RSA', n: modulus(384), e: 'AQE' },
    ];
    for (const jwk of keys) {
      // Bound to this very key: only the key's shape can stop it before the signature check.
      const jkt = await calculateJwkThumbprint(jwk as JWK, 'sha256');
      const error = await rejectionOf(rsa.checkProof(unsignedProof(jwk), target, { jkt }));
      expect(error).to.include({ status: 401, code: 'invalid_dpop_proof' });
      expect(error.message).to.equal('DPoP proof key not accepted (RSA: exponent 65537, 2048 to 4096 bits)');
    }
    // The same shape check at a token endpoint, where no key is bound yet.
    expect(await rejectionOf(rsa.checkProof(unsignedProof(keys[0]), target, {}))).to.include({
      status: 401,
      code: 'invalid_dpop_proof',
      message: 'DPoP proof key not accepted (RSA: exponent 65537, 2048 to 4096 bits)',
    });
    // A 4096-bit key of exponent 65537 passes the shape check and fails on its (made-up) signature.
    const fair = { kty: 'RSA', n: modulus(512), e: 'AQAB' };
    const fairJkt = await calculateJwkThumbprint(fair as JWK, 'sha256');
    expect(await rejectionOf(rsa.checkProof(unsignedProof(fair), target, { jkt: fairJkt }))).to.include({
      status: 401,
      code: 'invalid_dpop_proof',
      message: 'Invalid DPoP proof signature',
    });
  });

  it("a proof whose key is not the token's is refused before its signature is checked", async () => {
    const other = await DpopKey.generate();
    const jwk = JSON.parse(Buffer.from((await other.proof({ url: target.url })).split('.')[0], 'base64url').toString()).jwk;
    const error = await rejectionOf(checker().checkProof(unsignedProof(jwk, 'ES256'), target, { jkt: key.thumbprint }));
    expect(error).to.include({ status: 401, code: 'invalid_dpop_proof', message: 'DPoP proof key does not match the token (cnf.jkt)' });
    // No key, or a key that is not an object: malformed, as before.
    for (const bad of [undefined, 'k', ['k']]) {
      const proof = unsignedProof(bad as unknown as Record<string, unknown>, 'ES256');
      expect(await rejectionOf(checker().checkProof(proof, target, { jkt: key.thumbprint }))).to.include({
        status: 401,
        code: 'invalid_dpop_proof',
        message: 'Malformed DPoP proof',
      });
    }
  });

  it('at a token endpoint: no access token or key to match, and the proof key thumbprint comes back', async () => {
    const proof = await key.proof({ method: 'POST', url: 'https://tenant.example.com/oauth/token' });
    const thumbprint = await checker().checkProof(proof, { method: 'POST', url: 'https://tenant.example.com/oauth/token' }, {});
    expect(thumbprint).to.equal(key.thumbprint);
  });
});
