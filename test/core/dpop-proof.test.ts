import { expect } from 'chai';
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

  it('at a token endpoint: no access token or key to match, and the proof key thumbprint comes back', async () => {
    const proof = await key.proof({ method: 'POST', url: 'https://tenant.example.com/oauth/token' });
    const thumbprint = await checker().checkProof(proof, { method: 'POST', url: 'https://tenant.example.com/oauth/token' }, {});
    expect(thumbprint).to.equal(key.thumbprint);
  });
});
