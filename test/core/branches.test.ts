import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { DpopKey, TestTenant } from 'routing-controllers-auth0/testing';
import {
  Auth0ConfigError,
  Auth0User,
  Authenticator,
  InsufficientScopeError,
  KeySetUnavailableError,
  RemoteKeySet,
  TokenVerifier,
  buildUser,
  certificateFromHeader,
  claimEquals,
  claimIncludes,
  DpopVerifier,
  emailOf,
  resolveConfig,
  type AccessTokenClaims,
} from '../../src';
import { rejectionOf } from '../support/errors';

const claims = (extra: Record<string, unknown> = {}): AccessTokenClaims =>
  ({ sub: 'auth0|u', exp: Math.floor(Date.now() / 1000) + 60, ...extra }) as AccessTokenClaims;

describe('core edge cases', () => {
  describe('configuration', () => {
    it('names the option that is not a URL, or that carries a query, a fragment or credentials', () => {
      expect(() => resolveConfig({ domain: 'https://exa mple.com', audience: 'a' })).to.throw(
        Auth0ConfigError,
        /`domain` "https:\/\/exa mple.com" is not a host name or URL/,
      );
      for (const domain of ['https://t.auth0.com/?x=1', 'https://t.auth0.com/#f', 'https://u:p@t.auth0.com/']) {
        expect(() => resolveConfig({ domain, audience: 'a' }), domain).to.throw(
          Auth0ConfigError,
          /must not carry a query, fragment or credentials/,
        );
      }
    });

    it('refuses an empty algorithm list and an unknown DPoP mode or algorithm', () => {
      expect(() => resolveConfig({ domain: 't.auth0.com', audience: 'a', algorithms: [] })).to.throw(
        Auth0ConfigError,
        /at least one algorithm/,
      );
      expect(() => resolveConfig({ domain: 't.auth0.com', audience: 'a', dpop: { mode: 'sometimes' as never } })).to.throw(
        Auth0ConfigError,
        /`dpop.mode`/,
      );
      expect(() => resolveConfig({ domain: 't.auth0.com', audience: 'a', dpop: { algorithms: ['HS256'] } })).to.throw(
        Auth0ConfigError,
        /DPoP algorithm "HS256"/,
      );
    });
  });

  describe('errors', () => {
    it('an outage error says to retry after 5 s by default', () => {
      expect(new KeySetUnavailableError('down').headers['Retry-After']).to.equal('5');
    });
  });

  describe('claim rules', () => {
    it('claimEquals compares arrays and objects by value', () => {
      expect(() => claimEquals('org', { id: 1 }).check(claims({ org: { id: 1 } }), 'scope')).not.to.throw();
      expect(() => claimEquals('org', { id: 1 }).check(claims({ org: { id: 2 } }), 'scope')).to.throw(
        InsufficientScopeError,
        /does not have the required value/,
      );
      expect(() => claimEquals('org', null).check(claims({ org: null }), 'scope')).not.to.throw();
    });

    it('claimIncludes on a claim that is neither a list nor a string', () => {
      expect(() => claimIncludes('roles', 'admin').check(claims({ roles: 7 }), 'scope')).to.throw(
        InsufficientScopeError,
        /does not include/,
      );
      expect(() => claimIncludes('roles', 'admin').check(claims(), 'scope')).to.throw(InsufficientScopeError, /does not include/);
    });
  });

  describe('users', () => {
    it('emailOf: the configured claim, then `email`, then the only `/email` claim', () => {
      expect(emailOf({ email: 'a@x', 'https://n/email': 'b@x' }, undefined)).to.equal('a@x');
      expect(emailOf({ 'https://n/email': 'b@x' }, undefined)).to.equal('b@x');
      expect(emailOf({ 'https://n/email': 'b@x', 'https://m/email': 'c@x' }, undefined)).to.equal(undefined);
      expect(emailOf({ email: 'a@x', 'https://n/email': 'b@x' }, 'https://n/email')).to.equal('b@x');
    });

    it('an email claim that is not a string cannot build a user', async () => {
      const error = await rejectionOf(buildUser(claims({ email: 42 }), Auth0User, { emailClaim: undefined, requireEmail: false }));
      expect(error).to.include({ status: 401, code: 'invalid_token', message: 'Error parsing Auth0User: invalid claims (email)' });
    });

    it('a user without scope or permissions claims has empty lists', async () => {
      const user = await buildUser(claims(), Auth0User, { emailClaim: undefined, requireEmail: false });
      expect(user).to.include({ id: 'auth0|u', isMachine: false });
      expect(user.scopes).to.deep.equal([]);
      expect(user.permissions).to.deep.equal([]);
    });

    it('a bug in a user class is not turned into a 401: authenticate rejects (the framework answers 500)', async () => {
      const tenant = await TestTenant.start();
      try {
        class Broken extends Auth0User {
          constructor() {
            super();
            throw new TypeError('bug in the user class');
          }
        }
        const authenticator = new Authenticator({ domain: tenant.issuer, audience: tenant.audience, userClass: Broken });
        const error = await rejectionOf(authenticator.authenticate({ authorization: `Bearer ${await tenant.token()}` }));
        expect(error).to.be.instanceOf(TypeError);
        const rule = {
          [Symbol.for('routing-controllers-auth0.rule')]: true,
          description: 'x',
          scopes: [],
          check: () => {
            throw new RangeError('bug');
          },
        };
        expect(() => authenticator.authorize(claims(), [rule as never])).to.throw(RangeError);
      } finally {
        await tenant.close();
      }
    });
  });

  describe('certificates from a proxy header', () => {
    it('refuses what is not a certificate', () => {
      expect(certificateFromHeader('%E0%A4%A')).to.equal(undefined);
      expect(certificateFromHeader('not base64 !')).to.equal(undefined);
      expect(certificateFromHeader(Buffer.from('hello world, not DER').toString('base64'))).to.equal(undefined);
    });
  });

  describe('DPoP proofs', () => {
    const dpop = () => new DpopVerifier({ algorithms: ['ES256'], iatOffset: 300, iatLeeway: 30, jtiCacheSize: 10 });

    it('refuses an htu that is not a URL and an oversized jti', async () => {
      const key = await DpopKey.generate();
      const request = { method: 'GET', url: 'https://api.example.com/x' };
      const notUrl = await key.proof({ url: 'not a url', accessToken: 't.o.k' });
      const error = await rejectionOf(dpop().verify({ ...request, proof: notUrl }, 't.o.k', key.thumbprint));
      expect(error).to.include({ status: 401, code: 'invalid_dpop_proof', message: 'DPoP proof is for another URL (htu)' });
      const longJti = await key.proof({ url: request.url, accessToken: 't.o.k', jti: 'j'.repeat(300) });
      const second = await rejectionOf(dpop().verify({ ...request, proof: longJti }, 't.o.k', key.thumbprint));
      expect(second).to.include({ status: 401, code: 'invalid_dpop_proof', message: 'Invalid DPoP proof claims (jti)' });
    });
  });

  describe('the key set', () => {
    let server: Server;
    let body: { status: number; headers: Record<string, string>; text: string };
    let uri: string;

    before(async () => {
      server = createServer((_req, res) => res.writeHead(body.status, body.headers).end(body.text));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    });
    after(() => server.close());

    it('a key is used only with its own alg, and a key that cannot serve the alg is refused', async () => {
      const rsa = await generateKeyPair('RS256', { extractable: true });
      const ec = await generateKeyPair('ES256', { extractable: true });
      body = {
        status: 200,
        headers: { 'content-type': 'application/json' },
        text: JSON.stringify({
          keys: [
            { ...(await exportJWK(rsa.publicKey)), kid: 'rsa', alg: 'RS256' },
            { ...(await exportJWK(ec.publicKey)), kid: 'ec' },
            { kty: 'oct', k: 'c2VjcmV0', kid: 'sym' },
            { ...(await exportJWK(rsa.publicKey)), kid: 'enc', use: 'enc' },
            { ...(await exportJWK(rsa.privateKey)), kid: 'private' },
            'not a key',
          ],
        }),
      };
      const keys = new RemoteKeySet(uri);
      expect(await rejectionOf(keys.getKey('rsa', 'PS256'))).to.include({
        status: 401,
        code: 'invalid_token',
        message: 'Token algorithm does not match its key',
      });
      expect(await rejectionOf(keys.getKey('ec', 'RS256'))).to.include({
        status: 401,
        code: 'invalid_token',
        message: 'Token algorithm does not match its key',
      });
      expect(await keys.getKey('rsa', 'RS256')).to.have.property('type', 'public');
      expect(keys.stats.keys).to.equal(2);
      for (const kid of ['sym', 'enc', 'private']) expect(keys.has(kid), kid).to.equal(false);
    });

    it('an announced oversized body, a non-200 answer and a body without keys are outages', async () => {
      body = {
        status: 200,
        headers: { 'content-type': 'application/json', 'content-length': String(600 * 1024) },
        text: 'x'.repeat(600 * 1024),
      };
      expect(await rejectionOf(new RemoteKeySet(uri).getKey('k', 'RS256'))).to.be.instanceOf(KeySetUnavailableError);
      body = { status: 404, headers: {}, text: 'nope' };
      expect(await rejectionOf(new RemoteKeySet(uri).getKey('k', 'RS256'))).to.be.instanceOf(KeySetUnavailableError);
      body = { status: 200, headers: {}, text: 'null' };
      expect(await rejectionOf(new RemoteKeySet(uri).getKey('k', 'RS256'))).to.be.instanceOf(KeySetUnavailableError);
    });
  });

  describe('the verifier', () => {
    it('with several issuers, a token whose payload cannot be read is malformed', async () => {
      const verifier = new TokenVerifier(resolveConfig({ domain: ['a.example.com', 'b.example.com'], audience: 'x' }));
      const error = await rejectionOf(verifier.verify('e30.bm90IGpzb24.c2ln'));
      expect(error).to.include({ status: 401, code: 'invalid_token', message: 'Malformed token' });
    });

    it('a permissions claim that is not a list of strings', async () => {
      const tenant = await TestTenant.start();
      try {
        const verifier = new TokenVerifier(resolveConfig({ domain: tenant.issuer, audience: tenant.audience }));
        for (const permissions of ['read:x', [1], [null]]) {
          const error = await rejectionOf(verifier.verify(await tenant.token({ claims: { permissions } })));
          expect(error, JSON.stringify(permissions)).to.include({
            status: 401,
            code: 'invalid_token',
            message: 'Invalid token claims (permissions)',
          });
        }
      } finally {
        await tenant.close();
      }
    });

    it('an HS256 token is refused by an RS256 verifier before any key is fetched', async () => {
      const tenant = await TestTenant.start();
      try {
        const verifier = new TokenVerifier(resolveConfig({ domain: tenant.issuer, audience: tenant.audience }));
        const token = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(32));
        const error = await rejectionOf(verifier.verify(token));
        expect(error).to.include({ status: 401, code: 'invalid_token', message: 'Token algorithm not allowed' });
        expect(tenant.jwksRequests).to.equal(0);
      } finally {
        await tenant.close();
      }
    });
  });
});
