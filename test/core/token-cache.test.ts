import { expect } from 'chai';
import type { AccessTokenClaims } from '../../src';
import { TokenCache, type VerifiedToken } from '../../src/core/token/token-cache';

describe('the verified-token cache', () => {
  let now = 1_000_000;
  const clock = () => now;
  const verified = (until = now + 60_000, published = () => true): VerifiedToken => ({
    claims: { sub: 's', exp: 0 } as AccessTokenClaims,
    until,
    keyStillPublished: published,
  });

  it('remembers a token from its second verification on', () => {
    const cache = new TokenCache({ size: 10, now: clock });
    cache.remember('a.b.c', verified());
    expect([cache.lookup('a.b.c')?.verified, cache.size]).to.deep.equal([undefined, 0]);
    const second = verified();
    cache.remember('a.b.c', second);
    expect(cache.lookup('a.b.c')?.verified).to.equal(second);
  });

  it('forgets a token at its deadline, and when its key leaves the key set', () => {
    const cache = new TokenCache({ size: 10, now: clock });
    for (let i = 0; i < 2; i += 1) cache.remember('t.1', verified(now + 1000));
    now += 999;
    expect(cache.lookup('t.1')?.verified).not.to.equal(undefined);
    now += 1;
    expect([cache.lookup('t.1')?.verified, cache.size]).to.deep.equal([undefined, 0]);
    let published = true;
    for (let i = 0; i < 2; i += 1)
      cache.remember(
        't.2',
        verified(now + 1000, () => published),
      );
    published = false;
    expect([cache.lookup('t.2')?.verified, cache.size]).to.deep.equal([undefined, 0]);
  });

  it('keeps at most `size` tokens, the least recently used out first', () => {
    const cache = new TokenCache({ size: 2, now: clock });
    for (const token of ['t.a', 't.a', 't.b', 't.b']) cache.remember(token, verified());
    expect(cache.lookup('t.a')?.verified).not.to.equal(undefined); // a is now the most recent
    for (let i = 0; i < 2; i += 1) cache.remember('t.c', verified());
    expect(cache.size).to.equal(2);
    expect(cache.lookup('t.b')?.verified).to.equal(undefined);
    expect(cache.lookup('t.a')?.verified).not.to.equal(undefined);
    expect(cache.lookup('t.c')?.verified).not.to.equal(undefined);
  });

  it('size 0 turns it off; an already expired verification is not kept', () => {
    const off = new TokenCache({ size: 0, now: clock });
    for (let i = 0; i < 3; i += 1) off.remember('t.x', verified());
    expect(off.size).to.equal(0);
    const cache = new TokenCache({ size: 5, now: clock });
    for (let i = 0; i < 3; i += 1) cache.remember('t.y', verified(now));
    expect(cache.size).to.equal(0);
  });
});
