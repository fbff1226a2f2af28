import { expect } from 'chai';
import { SignJWT } from 'jose';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { resolveConfig } from '../../src/core/config';
import { AccessTokenVerifier } from '../../src/core/token/verify-token';
import { rejectionOf } from '../support/errors';

describe('access token verification (RFC 8725)', () => {
  let tenant: TestTenant;
  before(async () => {
    tenant = await TestTenant.start();
  });
  after(() => tenant.close());

  it('with several issuers, a token whose payload cannot be read is malformed', async () => {
    const verifier = new AccessTokenVerifier(resolveConfig({ domain: ['a.example.com', 'b.example.com'], audience: 'x' }));
    const error = await rejectionOf(verifier.verifyToken('e30.bm90IGpzb24.c2ln'));
    expect(error).to.include({ status: 401, code: 'invalid_token', message: 'Malformed token' });
  });

  it('a permissions claim that is not a list of strings', async () => {
    const verifier = new AccessTokenVerifier(resolveConfig({ domain: tenant.issuer, audience: tenant.audience }));
    for (const permissions of ['read:x', [1], [null]]) {
      const error = await rejectionOf(verifier.verifyToken(await tenant.token({ claims: { permissions } })));
      expect(error, JSON.stringify(permissions)).to.include({ status: 401, code: 'invalid_token' });
    }
  });

  it('an HS256 token is refused by an RS256 verifier before any key is fetched', async () => {
    const fresh = await TestTenant.start();
    try {
      const verifier = new AccessTokenVerifier(resolveConfig({ domain: fresh.issuer, audience: fresh.audience }));
      const token = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(32));
      expect(await rejectionOf(verifier.verifyToken(token))).to.include({ status: 401, code: 'invalid_token' });
      expect(fresh.jwksRequests).to.equal(0);
    } finally {
      await fresh.close();
    }
  });

  it('every signature is checked by jose (WebCrypto), a plain RS256 token as one with crit/b64 headers; PS256 finds no key', async () => {
    const verifier = new AccessTokenVerifier(
      resolveConfig({ domain: tenant.issuer, audience: tenant.audience, algorithms: ['RS256', 'PS256'] }),
    );
    const subtle = globalThis.crypto.subtle;
    const original = subtle.verify;
    let webCryptoChecks = 0;
    subtle.verify = function (this: SubtleCrypto, ...args: Parameters<SubtleCrypto['verify']>) {
      webCryptoChecks += 1;
      return original.apply(this, args);
    } as SubtleCrypto['verify'];
    try {
      const plain = await verifier.verifyToken(await tenant.token({ claims: { sub: 'auth0|plain' } }));
      expect(plain.claims.sub).to.equal('auth0|plain');
      expect(webCryptoChecks, 'WebCrypto checks for a plain RS256 token').to.equal(1);
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: tenant.issuer, aud: tenant.audience, sub: 'auth0|crit', iat: now, exp: now + 600 };
      const withCrit = await verifier.verifyToken(await tenant.signRaw({ crit: ['b64'], b64: true }, claims));
      expect(withCrit.claims.sub).to.equal('auth0|crit');
      expect(webCryptoChecks, 'WebCrypto checks after a token with crit').to.equal(2);
      const pss = await rejectionOf(verifier.verifyToken(await tenant.signRaw({ alg: 'PS256' }, claims)));
      expect(pss).to.include({ status: 401, code: 'invalid_token' });
    } finally {
      subtle.verify = original;
    }
  });

  it('claims are deep-frozen and remembered no longer than exp and tokenCacheMaxAge, measured on the injected clock', async () => {
    let now = Date.now();
    const verifier = new AccessTokenVerifier(
      resolveConfig({ domain: tenant.issuer, audience: tenant.audience, tokenCacheMaxAge: 1000, clock: () => now }),
    );
    const token = await tenant.token({ permissions: ['a'], expiresIn: 3600 });
    const verified = await verifier.verifyToken(token);
    expect(Object.isFrozen(verified.claims) && Object.isFrozen(verified.claims.permissions)).to.equal(true);
    expect(verified.until).to.equal(now + 1000);
    now += 7200 * 1000;
    expect(await rejectionOf(verifier.verifyToken(token))).to.include({ status: 401, message: 'Expired token' });
  });
});
