import { expect } from 'chai';
import { DpopNonces } from '../../src/core/binding/nonce';

const LIFETIME = 300;
const WINDOW = LIFETIME * 1000;
/** RFC 9449 §8.1: nonce = 1*NQCHAR, NQCHAR = %x21 / %x23-5B / %x5D-7E. */
const NQCHARS = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

function secret(fill: number): Uint8Array {
  return new Uint8Array(32).fill(fill);
}

/** Nonces on a clock the test moves by hand, starting at the beginning of a window. */
function nonces(key = secret(1), start = 5_000_000 * WINDOW): { nonces: DpopNonces; clock: { t: number } } {
  const clock = { t: start };
  return { nonces: new DpopNonces({ secret: key, lifetime: LIFETIME, now: () => clock.t }), clock };
}

/** `nonce` with the character at `index` replaced by another of the same alphabet. */
function flip(nonce: string, index: number): string {
  const replacement = nonce[index] === 'A' ? 'B' : 'A';
  return nonce.slice(0, index) + replacement + nonce.slice(index + 1);
}

describe('DpopNonces (RFC 9449 §8.1, §9)', () => {
  it('accepts the current nonce, the same for a whole window', () => {
    const { nonces: server, clock } = nonces();
    const nonce = server.current();
    expect(server.check(nonce)).to.equal(true);
    clock.t += WINDOW - 1;
    expect(server.current()).to.equal(nonce);
    clock.t += 1;
    expect(server.current()).to.not.equal(nonce);
  });

  it('accepts a nonce of the previous window, refuses one two windows old', () => {
    const { nonces: server, clock } = nonces();
    const nonce = server.current();
    clock.t += WINDOW;
    expect(server.check(nonce)).to.equal(true);
    expect(server.check(server.current())).to.equal(true);
    clock.t += WINDOW - 1;
    expect(server.check(nonce)).to.equal(true);
    clock.t += 1;
    expect(server.check(nonce)).to.equal(false);
    clock.t += 10 * WINDOW;
    expect(server.check(nonce)).to.equal(false);
  });

  it('refuses a nonce of a later window than the current one', () => {
    const { nonces: server, clock } = nonces();
    const { nonces: ahead, clock: aheadClock } = nonces();
    aheadClock.t = clock.t + WINDOW;
    const future = ahead.current();
    expect(server.check(future)).to.equal(false);
    // It is a genuine nonce of that window: accepted once the window comes.
    clock.t += WINDOW;
    expect(server.check(future)).to.equal(true);
  });

  it('replicas sharing the secret accept each other’s nonces; another secret does not', () => {
    const { nonces: one } = nonces(secret(1));
    const { nonces: two } = nonces(secret(1));
    const { nonces: other } = nonces(secret(2));
    expect(two.check(one.current())).to.equal(true);
    expect(two.current()).to.equal(one.current());
    expect(other.check(one.current())).to.equal(false);
    expect(one.check(other.current())).to.equal(false);
  });

  it('refuses tampered, malformed and non-string nonces without throwing', () => {
    const { nonces: server, clock } = nonces();
    const previous = server.current();
    clock.t += WINDOW;
    const nonce = server.current();
    const [digits, mac] = nonce.split('.') as [string, string];
    const [previousDigits, previousMac] = previous.split('.') as [string, string];
    const refused: unknown[] = [
      undefined,
      null,
      42,
      Number(digits),
      {},
      [nonce],
      Buffer.from(nonce),
      '',
      'garbage',
      `${nonce} `,
      ` ${nonce}`,
      `${nonce}A`,
      nonce.slice(0, -1),
      'x'.repeat(100_000),
      flip(nonce, nonce.length - 1),
      flip(nonce, digits.length + 1),
      // The MAC of one window under the index of another.
      `${digits}.${previousMac}`,
      `${previousDigits}.${mac}`,
      // The same window written otherwise: one string per window only.
      `0${nonce}`,
      nonce.toUpperCase(),
      `${digits}:${mac}`,
      `${digits}.${mac.slice(0, 21)}=`,
      `${digits}.${Buffer.from(mac, 'base64url').toString('base64')}`,
      `zzzzzzzzzzzz.${mac}`,
    ];
    for (const candidate of refused) expect(server.check(candidate), String(candidate).slice(0, 60)).to.equal(false);
    expect(server.check(nonce)).to.equal(true);
    expect(server.check(previous)).to.equal(true);
  });

  it('is made of NQCHARs only and carries at least 128 bits of MAC', () => {
    for (let i = 0; i < 200; i++) {
      const { nonces: server } = nonces(secret(i), i * 7919 * WINDOW);
      const nonce = server.current();
      expect(nonce).to.match(NQCHARS);
      expect(nonce).to.not.match(/[\s"\\]/);
      const mac = nonce.split('.')[1] as string;
      expect(Buffer.from(mac, 'base64url').length).to.be.at.least(16);
    }
  });

  it('keeps the format replicas of other versions rely on (window in base36, dot, 128-bit HMAC-SHA256)', () => {
    const { nonces: server } = nonces(secret(9), 5_000_000 * WINDOW);
    expect(server.current()).to.equal('2z60w.733oLOlNMUWnW2F6OGGVEQ');
  });

  it('remembers at most two windows of nonces', () => {
    const { nonces: server, clock } = nonces();
    for (let i = 0; i < 10; i++) {
      server.check(server.current());
      clock.t += WINDOW;
    }
    expect((server as unknown as { cache: Map<number, string> }).cache.size).to.be.at.most(2);
  });

  it('keeps its own copy of the secret', () => {
    const key = secret(7);
    const { nonces: server, clock } = nonces(key);
    const { nonces: fresh, clock: freshClock } = nonces(secret(7));
    key.fill(0);
    // A new window: its nonce is computed after the change.
    clock.t += WINDOW;
    freshClock.t = clock.t;
    expect(server.current()).to.equal(fresh.current());
    expect(nonces(key, clock.t).nonces.current()).to.not.equal(fresh.current());
  });

  it('uses Date.now by default', () => {
    const server = new DpopNonces({ secret: secret(3), lifetime: 60 });
    const nonce = server.current();
    expect(nonce.split('.')[0]).to.equal(Math.floor(Date.now() / 60_000).toString(36));
    expect(server.check(nonce)).to.equal(true);
  });
});
