import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT } from 'jose';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { Api } from '../support/controllers';
import { get, startKoa, type Running } from '../support/server';

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Hostile tokens (RFC 8725 §2, §3): each is refused with 401 invalid_token, never a 5xx. */
describe('hostile tokens are refused', () => {
  let tenant: TestTenant;
  let app: Running;
  let attacker: Server;
  let attackerJwksRequests = 0;
  let attackerKeys: { privateKey: CryptoKey; publicJwk: Record<string, unknown> };

  function claims(): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    return { iss: tenant.issuer, aud: tenant.audience, sub: 'auth0|attacker', scope: 'read:blabla', iat: now, exp: now + 600 };
  }

  async function expectRefused(token: string, message: string): Promise<void> {
    const res = await get(`${app.url}/secure/blabla`, { token });
    expect(res.status).to.equal(401);
    expect(res.body).to.deep.equal({ error: 'invalid_token', message });
    expect(res.headers.get('www-authenticate')).to.match(/^Bearer realm="[^"]+", error="invalid_token", error_description="[^"]+"$/);
  }

  before(async () => {
    tenant = await TestTenant.start();
    app = await startKoa(tenant.auth0(), [Api]);
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    attackerKeys = { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid: 'evil', alg: 'RS256' } };
    attacker = createServer((req, res) => {
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

  it('a well-formed token of the tenant passes (control)', async () => {
    const res = await get(`${app.url}/secure/blabla`, { token: await tenant.sign(claims()) });
    expect(res.status).to.equal(200);
  });

  it('alg "none" with an empty signature', async () => {
    const token = `${b64url({ alg: 'none', typ: 'JWT', kid: tenant.currentKid })}.${b64url(claims())}.`;
    await expectRefused(token, 'Token algorithm not allowed');
  });

  it('alg "none" spelled otherwise ("None", "NONE")', async () => {
    for (const alg of ['None', 'NONE', 'nOnE']) {
      const token = `${b64url({ alg, typ: 'JWT', kid: tenant.currentKid })}.${b64url(claims())}.`;
      await expectRefused(token, 'Token algorithm not allowed');
    }
  });

  it('HS256 keyed with the tenant public key (algorithm confusion)', async () => {
    const publicKey = await importJWK(tenant.jwks.keys[0], 'RS256');
    const pem = await exportSPKI(publicKey as CryptoKey);
    for (const secret of [pem, JSON.stringify(tenant.jwks.keys[0])]) {
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: tenant.currentKid })
        .sign(new TextEncoder().encode(secret));
      await expectRefused(token, 'Token algorithm not allowed');
    }
  });

  it('a key embedded in the header ("jwk")', async () => {
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'RS256', kid: tenant.currentKid, jwk: attackerKeys.publicJwk as never })
      .sign(attackerKeys.privateKey);
    await expectRefused(token, 'Token header names its own key ("jwk"): refused');
  });

  it('a key set pointed to by the header ("jku", "x5u") is never fetched', async () => {
    const { port } = attacker.address() as AddressInfo;
    for (const name of ['jku', 'x5u']) {
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'RS256', kid: 'evil', [name]: `http://127.0.0.1:${port}/jwks.json` })
        .sign(attackerKeys.privateKey);
      await expectRefused(token, `Token header names its own key ("${name}"): refused`);
    }
    expect(attackerJwksRequests).to.equal(0);
  });

  it('a certificate chain in the header ("x5c")', async () => {
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'RS256', kid: tenant.currentKid, x5c: ['MIIB'] })
      .sign(attackerKeys.privateKey);
    await expectRefused(token, 'Token header names its own key ("x5c"): refused');
  });

  it('an unknown critical header ("crit")', async () => {
    const token = await tenant.signRaw({ crit: ['https://example.com/must-understand'], 'https://example.com/must-understand': true }, claims());
    await expectRefused(token, 'Malformed token');
    const control = await tenant.signRaw({}, claims());
    expect((await get(`${app.url}/secure/blabla`, { token: control })).status).to.equal(200);
  });

  it('an unencoded payload (b64: false) is not a JWT', async () => {
    const token = await tenant.signRaw({ crit: ['b64'], b64: false }, claims());
    const res = await get(`${app.url}/secure/blabla`, { token });
    expect(res.status).to.equal(401);
    expect(res.body.error).to.equal('invalid_token');
    expect(res.body.message).to.be.oneOf(['Malformed token', 'Invalid token signature']);
  });

  it('a re-signed payload under the tenant kid (signature stripped or swapped)', async () => {
    const good = await tenant.sign(claims());
    const [header, , signature] = good.split('.');
    const tampered = `${header}.${b64url({ ...claims(), scope: 'read:blabla admin:all' })}.${signature}`;
    await expectRefused(tampered, 'Invalid token signature');
    await expectRefused(`${header}.${good.split('.')[1]}.`, 'Invalid token signature');
  });

  it('a token of another tenant (its own issuer and key)', async () => {
    const other = await TestTenant.start({ audience: tenant.audience });
    try {
      await expectRefused(await other.token({ scopes: 'read:blabla' }), 'Invalid kid header (wrong tenant or rotated public key)');
      const sameKid = await other.token({ scopes: 'read:blabla', header: { kid: tenant.currentKid } });
      await expectRefused(sameKid, 'Invalid token signature');
    } finally {
      await other.close();
    }
  });

  it('a token of another tenant with our issuer forged in but its own kid is never honoured', async () => {
    const token = await tenant.token({ foreignKey: true, scopes: 'read:blabla' });
    await expectRefused(token, 'Invalid kid header (wrong tenant or rotated public key)');
  });

  it('an ID token (audience = client id) is not an access token', async () => {
    await expectRefused(await tenant.token({ audience: 'spa-client-id' }), 'Invalid token claims (wrong issuer or audience)');
  });

  it('JSON tricks in the header or payload are malformed, not crashes', async () => {
    for (const token of [
      `${b64url('RS256')}.${b64url(claims())}.c2ln`,
      `${b64url(null)}.${b64url(claims())}.c2ln`,
      `${b64url({ alg: 'RS256', kid: tenant.currentKid })}.${b64url([1, 2])}.c2ln`,
      `${Buffer.from('{"alg":"RS256",').toString('base64url')}.${b64url(claims())}.c2ln`,
      `${b64url({ alg: 'RS256', kid: { $ne: null } })}.${b64url(claims())}.c2ln`,
      `${b64url({ alg: 'RS256', kid: '__proto__' })}.${b64url(claims())}.c2ln`,
    ]) {
      const res = await get(`${app.url}/secure`, { token });
      expect(res.status, token).to.equal(401);
      expect(res.body.error).to.equal('invalid_token');
    }
  });
});
