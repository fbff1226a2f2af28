import { expect } from 'chai';
import { DpopKey, TestTenant } from 'routing-controllers-auth0/testing';
import { type Auth0Error, Pipeline } from '../../src';

/**
 * The DPoP replay protection with its defaults, on a clock of the test's own: what rate one key
 * may sustain, and that a flood from one key is held to that key.
 */
describe('DPoP replay protection with the defaults: honest clients at 50 requests a second', function () {
  this.timeout(180_000);
  let tenant: TestTenant;
  const url = 'https://api.example.com/secure';
  const start = Date.now();
  let now = start;
  let pipeline: Pipeline;
  before(async () => {
    tenant = await TestTenant.start();
    pipeline = new Pipeline({ domain: tenant.issuer, audience: tenant.audience, clock: () => now });
  });
  after(() => tenant.close());

  /** A token bound to `key`, valid for the whole test's clock. */
  const tokenFor = (key: DpopKey, subject: string) =>
    tenant.token({ dpopJkt: key.thumbprint, subject, claims: { iat: Math.floor(start / 1000), exp: Math.floor(start / 1000) + 36_000 } });

  /** One request with a fresh proof whose iat is the client's clock (`ahead` seconds fast): its status. */
  async function send(key: DpopKey, token: string, ahead = 0): Promise<number> {
    const proof = await key.proof({ url, accessToken: token, iat: Math.floor(now / 1000) + ahead });
    try {
      await pipeline.verify(token, { dpop: { proof, method: 'GET', url } });
      return 200;
    } catch (error) {
      return (error as Auth0Error).status;
    }
  }

  it('one key sending fresh proofs 50 times a second, its clock 29 s fast (each proof remembered 90 s), never gets a 503', async () => {
    // EdDSA: the cheapest proofs to make and check. 100 s is past the longest a proof is
    // remembered (91 s): the store is in its steady state.
    const key = await DpopKey.generate('EdDSA');
    const token = await tokenFor(key, 'auth0|steady');
    const refused: Array<{ at: number; status: number }> = [];
    for (let i = 0; i < 50 * 100; i += 1) {
      now = start + i * 20;
      const status = await send(key, token, 29);
      if (status !== 200) refused.push({ at: (now - start) / 1000, status });
    }
    expect(refused.slice(0, 5), `${refused.length} refused`).to.deep.equal([]);
  });

  it("the default store takes one key's 50 proofs a second for 10 minutes, 21 such keys at once, and holds a flood to its key", async () => {
    // The store the pipeline made with the defaults, given what the proof check gives it: each
    // proof remembered until a second after iat + 60, iat 29 s ahead of the server's clock.
    const store = pipeline.replayStore;
    const base = start + 7_200_000;
    const remember = (key: string, jti: string, subject: string) =>
      store.remember(key, jti, (Math.floor(now / 1000) + 29 + 61) * 1000, subject);
    for (let i = 0; i < 50 * 600; i += 1) {
      now = base + i * 20;
      expect(await remember('steady', `jti-${i}`, 'auth0|steady'), `at ${i / 50} s`).to.equal(true);
      // For two minutes, 20 more keys of 20 more users at the same rate.
      for (let key = 0; i < 50 * 120 && key < 20; key += 1) {
        expect(await remember(`key-${key}`, `jti-${i}`, `auth0|user-${key}`), `key ${key} at ${i / 50} s`).to.equal(true);
      }
    }
    // A flood of fresh proofs from one key, all at once: held to its quota (5,000); another key of
    // the same user, and another user's key, still get theirs recorded.
    let recorded = 0;
    let busy = 0;
    for (let i = 0; i < 5100; i += 1) {
      try {
        if (await remember('flood', `f-${i}`, 'auth0|flooder')) recorded += 1;
      } catch (error) {
        expect(error).to.include({ status: 503, code: 'temporarily_unavailable' });
        busy += 1;
      }
    }
    expect([recorded, busy]).to.deep.equal([5000, 100]);
    expect(await remember('flooders-other-key', 'x', 'auth0|flooder')).to.equal(true);
    expect(await remember('someone-elses-key', 'x', 'auth0|someone-else')).to.equal(true);
  });
});
