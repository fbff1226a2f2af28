import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { expect } from 'chai';
import { exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT } from 'jose';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { Api } from '../support/controllers';
import { get, startKoa, type Running } from '../support/server';

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * RFC 8725 (JSON Web Token Best Current Practices), section by section, and the known attacks on
 * JWT bearer verification. Each test name starts with the section or attack it covers; the README's
 * security table points here. Every hostile token must get 401 invalid_token, never a 2xx or 5xx.
 */
describe('RFC 8725 audit', () => {
  let tenant: TestTenant;
  let app: Running;
  let attacker: Server;
  let attackerJwksRequests = 0;
  let attackerKeys: { privateKey: CryptoKey; publicJwk: Record<string, unknown> };

  function claims(): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    return { iss: tenant.issuer, aud: tenant.audience, sub: 'auth0|attacker', scope: 'read:blabla', iat: now, exp: now + 600 };
  }

  async function expectRefused(token: string, message?: string): Promise<void> {
    const res = await get(`${app.url}/secure/blabla`, { token });
    expect(res.status).to.equal(401);
    expect(res.body.error).to.equal('invalid_token');
    if (message !== undefined) expect(res.body.message).to.equal(message);
    // Every 401 names what the route needs and the resource's metadata (RFC 9728 §5.1).
    const metadata = `resource_metadata="${app.url}/.well-known/oauth-protected-resource"`;
    expect(res.headers.get('www-authenticate')).to.match(
      new RegExp(
        `^Bearer realm="[^"]+", error="invalid_token", error_description="[^"]+", scope="read:blabla", ${metadata.replace(/[.]/g, '\\.')}, DPoP algs="ES256 RS256 PS256 EdDSA"$`,
      ),
    );
  }

  before(async () => {
    tenant = await TestTenant.start();
    app = await startKoa(tenant.auth0(), [Api]);
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    attackerKeys = { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid: 'evil', alg: 'RS256' } };
    attacker = createServer((_req, res) => {
      attackerJwksRequests += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [attackerKeys.publicJwk] }));
    });
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    await app.close();
    await tenant.close();
    attacker.close();
  });

  it('control: a well-formed token of the tenant passes', async () => {
    const res = await get(`${app.url}/secure/blabla`, { token: await tenant.sign(claims()) });
    expect(res.status).to.equal(200);
  });

  describe('§3.1 perform algorithm verification', () => {
    it('§3.1 alg "none" with an empty signature', async () => {
      const token = `${b64url({ alg: 'none', typ: 'JWT', kid: tenant.currentKid })}.${b64url(claims())}.`;
      await expectRefused(token, 'Token algorithm not allowed');
    });

    it('§3.1 alg "none" in other spellings ("None", "NONE", "nOnE")', async () => {
      for (const alg of ['None', 'NONE', 'nOnE']) {
        await expectRefused(`${b64url({ alg, typ: 'JWT', kid: tenant.currentKid })}.${b64url(claims())}.`, 'Token algorithm not allowed');
      }
    });

    it('§3.1 duplicate "alg" members: the last one ("none") is the one checked', async () => {
      const header = Buffer.from(`{"alg":"RS256","kid":"${tenant.currentKid}","alg":"none"}`).toString('base64url');
      await expectRefused(`${header}.${b64url(claims())}.`, 'Token algorithm not allowed');
    });

    it('§3.1 HS256 keyed with the tenant public key (algorithm confusion)', async () => {
      const publicKey = await importJWK(tenant.jwks.keys[0], 'RS256');
      const pem = await exportSPKI(publicKey as CryptoKey);
      for (const secret of [pem, JSON.stringify(tenant.jwks.keys[0])]) {
        const token = await new SignJWT(claims())
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: tenant.currentKid })
          .sign(new TextEncoder().encode(secret));
        await expectRefused(token, 'Token algorithm not allowed');
      }
    });
  });

  describe('§3.2 use appropriate algorithms', () => {
    it('§3.2 an algorithm outside the allow-list (PS256, ES256) is refused before any key is used', async () => {
      for (const alg of ['PS256', 'ES256', 'RS512']) {
        await expectRefused(`${b64url({ alg, kid: tenant.currentKid })}.${b64url(claims())}.c2ln`, 'Token algorithm not allowed');
      }
    });

    it('§3.2 "psychic signature" (ES256 with r = s = 0, CVE-2022-21449) is refused', async () => {
      const zero = Buffer.alloc(64).toString('base64url');
      await expectRefused(`${b64url({ alg: 'ES256', kid: tenant.currentKid })}.${b64url(claims())}.${zero}`, 'Token algorithm not allowed');
    });
  });

  describe('§3.3 validate all cryptographic operations', () => {
    it('§3.3 a payload changed under the original signature', async () => {
      const good = await tenant.sign(claims());
      const [header, , signature] = good.split('.');
      await expectRefused(`${header}.${b64url({ ...claims(), scope: 'read:blabla admin:all' })}.${signature}`, 'Invalid token signature');
    });

    it('§3.3 a stripped signature', async () => {
      const [header, payload] = (await tenant.sign(claims())).split('.');
      await expectRefused(`${header}.${payload}.`, 'Invalid token signature');
    });
  });

  describe('§3.4 validate cryptographic inputs', () => {
    it('§3.4 an RSA key under 2048 bits published in the key set is not honoured', async () => {
      const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
      const jwk = { ...weak.publicKey.export({ format: 'jwk' }), kid: 'weak-1024', alg: 'RS256', use: 'sig' };
      const original = tenant.jwks;
      Object.defineProperty(tenant, 'jwks', { get: () => ({ keys: [...original.keys, jwk] }), configurable: true });
      try {
        const app2 = await startKoa(tenant.auth0(), [Api]);
        try {
          const input = `${b64url({ alg: 'RS256', kid: 'weak-1024' })}.${b64url(claims())}`;
          const signature = nodeSign('sha256', Buffer.from(input), weak.privateKey).toString('base64url');
          const res = await get(`${app2.url}/secure/blabla`, { token: `${input}.${signature}` });
          expect(res.status).to.equal(401);
          expect(res.body.error).to.equal('invalid_token');
        } finally {
          await app2.close();
        }
      } finally {
        delete (tenant as unknown as Record<string, unknown>).jwks;
      }
    });
  });

  describe('§3.7 use UTF-8', () => {
    it('§3.7 a header or payload that is not UTF-8 JSON is malformed', async () => {
      const latin1 = Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]).toString('base64url');
      await expectRefused(`${latin1}.${b64url(claims())}.c2ln`, 'Malformed token');
      await expectRefused(`${b64url({ alg: 'RS256', kid: tenant.currentKid })}.${latin1}.c2ln`);
    });
  });

  describe('§3.8 validate issuer and subject', () => {
    it('§3.8 the issuer without its trailing slash is another issuer', async () => {
      await expectRefused(await tenant.token({ issuer: tenant.issuer.slice(0, -1) }), 'Invalid token claims (wrong issuer or audience)');
    });

    it('§3.8 another issuer signing with a key we hold (cross-tenant substitution)', async () => {
      await expectRefused(
        await tenant.token({ issuer: 'https://other-tenant.auth0.com/' }),
        'Invalid token claims (wrong issuer or audience)',
      );
    });

    it("§3.8 another tenant's token: its key is not in our key set", async () => {
      const other = await TestTenant.start({ audience: tenant.audience });
      try {
        await expectRefused(await other.token({ scopes: 'read:blabla' }), 'Invalid kid header (wrong tenant or rotated public key)');
        await expectRefused(await other.token({ scopes: 'read:blabla', header: { kid: tenant.currentKid } }), 'Invalid token signature');
      } finally {
        await other.close();
      }
    });

    it('§3.8 a missing or empty subject', async () => {
      const { sub: _sub, ...noSub } = claims();
      await expectRefused(await tenant.sign(noSub), 'Invalid token claims (missing "sub")');
      await expectRefused(await tenant.sign({ ...claims(), sub: '' }));
      await expectRefused(await tenant.signRaw({}, { ...claims(), sub: 42 }));
    });
  });

  describe('§3.9 use and validate audience', () => {
    it('§3.9 a token for another API', async () => {
      await expectRefused(
        await tenant.token({ audience: 'https://other-api.example.com' }),
        'Invalid token claims (wrong issuer or audience)',
      );
    });

    it('§3.9 a token without audience', async () => {
      await expectRefused(await tenant.sign({ ...claims(), aud: undefined }), 'Invalid token claims (wrong issuer or audience)');
    });
  });

  describe('§3.10 do not trust received claims', () => {
    it('§3.10 a key embedded in the header ("jwk", CVE-2018-0114)', async () => {
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'RS256', kid: tenant.currentKid, jwk: attackerKeys.publicJwk as never })
        .sign(attackerKeys.privateKey);
      await expectRefused(token, 'Token header names its own key ("jwk"): refused');
    });

    it('§3.10 a key set pointed to by the header ("jku", "x5u") is never fetched (no SSRF)', async () => {
      const { port } = attacker.address() as AddressInfo;
      for (const name of ['jku', 'x5u']) {
        const token = await new SignJWT(claims())
          .setProtectedHeader({ alg: 'RS256', kid: 'evil', [name]: `http://127.0.0.1:${port}/jwks.json` })
          .sign(attackerKeys.privateKey);
        await expectRefused(token, `Token header names its own key ("${name}"): refused`);
      }
      expect(attackerJwksRequests).to.equal(0);
    });

    it('§3.10 a certificate chain in the header ("x5c")', async () => {
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'RS256', kid: tenant.currentKid, x5c: ['MIIB'] })
        .sign(attackerKeys.privateKey);
      await expectRefused(token, 'Token header names its own key ("x5c"): refused');
    });

    it('§3.10 "kid" is only a lookup key: injection strings and non-strings find nothing', async () => {
      for (const kid of ["' OR '1'='1", '../../../../dev/null', '__proto__', 'constructor', 'toString', '']) {
        await expectRefused(await tenant.sign(claims(), { kid }));
      }
      await expectRefused(`${b64url({ alg: 'RS256', kid: { $ne: null } })}.${b64url(claims())}.c2ln`);
    });
  });

  describe('§3.11 use explicit typing / §3.12 mutually exclusive validation rules', () => {
    it('§3.12 an ID token (audience = the client id) is not an access token', async () => {
      await expectRefused(
        await tenant.token({ audience: 'spa-client-id', header: { typ: 'JWT' } }),
        'Invalid token claims (wrong issuer or audience)',
      );
    });
  });

  describe('known attacks beyond the BCP', () => {
    it('an unknown critical header ("crit") is refused (RFC 7515 §4.1.11)', async () => {
      const must = 'https://example.com/must-understand';
      await expectRefused(await tenant.signRaw({ crit: [must], [must]: true }, claims()), 'Malformed token');
      const control = await tenant.signRaw({}, claims());
      expect((await get(`${app.url}/secure/blabla`, { token: control })).status).to.equal(200);
    });

    it('an unencoded payload (b64: false, RFC 7797) is not a JWT', async () => {
      await expectRefused(await tenant.signRaw({ crit: ['b64'], b64: false }, claims()));
    });

    it('expired, not-yet-valid and type-confused time claims', async () => {
      const now = Math.floor(Date.now() / 1000);
      await expectRefused(await tenant.sign({ ...claims(), exp: now - 60 }), 'Expired token');
      await expectRefused(await tenant.sign({ ...claims(), nbf: now + 600 }), 'Token not yet valid');
      await expectRefused(await tenant.signRaw({}, { ...claims(), exp: String(now + 600) }));
      await expectRefused(await tenant.sign({ ...claims(), exp: undefined }), 'Invalid token claims (missing "exp")');
    });

    it('JSON tricks in the header or payload are malformed, not crashes', async () => {
      for (const token of [
        `${b64url('RS256')}.${b64url(claims())}.c2ln`,
        `${b64url(null)}.${b64url(claims())}.c2ln`,
        `${b64url({ alg: 'RS256', kid: tenant.currentKid })}.${b64url([1, 2])}.c2ln`,
        `${Buffer.from('{"alg":"RS256",').toString('base64url')}.${b64url(claims())}.c2ln`,
        `${b64url({ alg: 'RS256', kid: tenant.currentKid, __proto__: { admin: true } })}.${b64url(claims())}.c2ln`,
      ]) {
        await expectRefused(token);
      }
    });

    it('an opaque or encrypted token (JWE) is refused with a hint, not decrypted', async () => {
      await expectRefused(
        `${b64url({ alg: 'dir', enc: 'A256GCM' })}..aaaa.bbbb.cccc`,
        'Opaque or encrypted token: request the access token with the `audience` parameter of this API to get a JWT',
      );
    });
  });
});
