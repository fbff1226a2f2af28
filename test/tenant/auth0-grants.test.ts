/**
 * The token endpoint, /userinfo and the login form as Auth0 has them (`docs/local-tenant.md`,
 * "A whole stack on the local tenant"): the regular web application's password grant, password-realm,
 * ID tokens, Auth0's error codes, JSON bodies, /userinfo for a JWT access token, and Universal
 * Login's field names. Plain HTTP requests here; node-sdks.test.ts drives Auth0's own clients.
 */
import { expect } from 'chai';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { LocalTenant } from 'routing-controllers-auth0/testing';
import { Browser, pkce } from './browser';

const API = 'https://api.example.com';
const PASSWORD_REALM = 'http://auth0.com/oauth/grant-type/password-realm';
const WEB = { client_id: 'local-web-client', client_secret: 'local-web-secret' };
const ADMIN = { username: 'admin@example.com', password: 'admin' };

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

describe('the local tenant: grants, errors and endpoints as Auth0 has them', () => {
  let tenant: LocalTenant;

  before(async () => {
    tenant = await LocalTenant.start();
  });
  after(() => tenant.close());

  async function token(params: Record<string, string>, init: { json?: boolean; headers?: Record<string, string> } = {}): Promise<Answer> {
    const res = await fetch(tenant.urls.token, {
      method: 'POST',
      headers: { 'content-type': init.json ? 'application/json' : 'application/x-www-form-urlencoded', ...init.headers },
      body: init.json ? JSON.stringify(params) : new URLSearchParams(params).toString(),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
  }

  async function verifyIdToken(idToken: string, clientId: string): Promise<Record<string, unknown>> {
    const { payload } = await jwtVerify(idToken, createRemoteJWKSet(new URL(tenant.urls.jwks)), {
      issuer: tenant.issuer,
      audience: clientId,
      algorithms: ['RS256'],
    });
    return payload;
  }

  describe('the regular web application and the password grant', () => {
    it('is seeded: a confidential client allowed the password grant', () => {
      expect(tenant.webClient).to.deep.include({ type: 'regular_web', clientId: 'local-web-client', clientSecret: 'local-web-secret' });
    });

    it('grant_type=password with the secret in the body: an access token, and an ID token when openid is asked', async () => {
      const res = await token({ grant_type: 'password', ...WEB, ...ADMIN, audience: API, scope: 'openid profile email read:blabla' });
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ token_type: 'Bearer', scope: 'openid profile email read:blabla', expires_in: 86_400 });
      expect(decodeJwt(res.body.access_token as string)).to.deep.include({
        aud: [API, `${tenant.issuer}userinfo`],
        azp: 'local-web-client',
        gty: 'password',
        permissions: ['read:blabla'],
      });
      const id = await verifyIdToken(res.body.id_token as string, 'local-web-client');
      expect(id).to.deep.include({
        iss: tenant.issuer,
        aud: 'local-web-client',
        sub: tenant.users.find((u) => u.email === 'admin@example.com')!.userId,
        email: 'admin@example.com',
        email_verified: true,
        name: 'Admin',
        nickname: 'admin',
      });
      expect((await tenant.auth0().verify(res.body.access_token as string)).user.email).to.equal('admin@example.com');
    });

    it('the ID token holds only what the scopes allow; no openid, no ID token', async () => {
      const openid = await token({ grant_type: 'password', ...WEB, ...ADMIN, audience: API, scope: 'openid' });
      const claims = await verifyIdToken(openid.body.id_token as string, 'local-web-client');
      expect(claims).not.to.have.property('email');
      expect(claims).not.to.have.property('name');
      const none = await token({ grant_type: 'password', ...WEB, ...ADMIN, audience: API, scope: 'read:blabla' });
      expect(none.status).to.equal(200);
      expect(none.body).not.to.have.property('id_token');
    });

    it('the client secret with Basic works as well', async () => {
      const basic = Buffer.from('local-web-client:local-web-secret').toString('base64');
      const res = await token({ grant_type: 'password', ...ADMIN, audience: API }, { headers: { authorization: `Basic ${basic}` } });
      expect(res.status).to.equal(200);
    });

    it('password-realm with realm=Username-Password-Authentication, and realm beside grant_type=password', async () => {
      const realm = await token({
        grant_type: PASSWORD_REALM,
        realm: 'Username-Password-Authentication',
        ...WEB,
        ...ADMIN,
        audience: API,
        scope: 'openid read:blabla',
      });
      expect(realm.status).to.equal(200);
      expect(realm.body.id_token).to.be.a('string');
      expect(decodeJwt(realm.body.access_token as string)).to.deep.include({ scope: 'openid read:blabla', gty: 'password' });
      const withRealm = await token({ grant_type: 'password', realm: 'Username-Password-Authentication', ...WEB, ...ADMIN, audience: API });
      expect(withRealm.status).to.equal(200);
    });

    it('password-realm needs the realm, and a realm that is not the database connection is refused', async () => {
      const missing = await token({ grant_type: PASSWORD_REALM, ...WEB, ...ADMIN, audience: API });
      expect([missing.status, missing.body.error]).to.deep.equal([400, 'invalid_request']);
      const other = await token({ grant_type: PASSWORD_REALM, realm: 'Other-Connection', ...WEB, ...ADMIN, audience: API });
      expect([other.status, other.body.error, other.body.error_description]).to.deep.equal([
        400,
        'invalid_request',
        'connection not found',
      ]);
    });

    it('the SPA (a public client) gets an ID token from the password grant too', async () => {
      const res = await token({ grant_type: 'password', client_id: 'local-spa-client', ...ADMIN, audience: API, scope: 'openid' });
      expect(await verifyIdToken(res.body.id_token as string, 'local-spa-client')).to.include({ aud: 'local-spa-client' });
    });
  });

  describe("Auth0's error codes", () => {
    it('a wrong client secret, an unknown client, a missing secret: 401 access_denied "Unauthorized"', async () => {
      const clients: Record<string, string>[] = [
        { client_id: 'local-web-client', client_secret: 'wrong' },
        { client_id: 'nobody', client_secret: 'x' },
        { client_id: 'local-web-client' },
        { client_id: 'local-m2m-client', client_secret: 'wrong' },
      ];
      for (const client of clients) {
        const res = await token({ grant_type: 'password', ...client, ...ADMIN, audience: API });
        expect([res.status, res.body], JSON.stringify(client)).to.deep.equal([
          401,
          { error: 'access_denied', error_description: 'Unauthorized' },
        ]);
      }
    });

    it('a grant type the application may not use: 403 unauthorized_client', async () => {
      const m2m = await token({
        grant_type: 'password',
        client_id: 'local-m2m-client',
        client_secret: 'local-m2m-secret',
        ...ADMIN,
        audience: API,
      });
      expect([m2m.status, m2m.body]).to.deep.equal([
        403,
        { error: 'unauthorized_client', error_description: "Grant type 'password' not allowed for the client." },
      ]);
      const realm = await token({
        grant_type: PASSWORD_REALM,
        realm: 'Username-Password-Authentication',
        client_id: 'local-m2m-client',
        client_secret: 'local-m2m-secret',
        ...ADMIN,
      });
      expect(realm.body.error_description).to.equal(`Grant type '${PASSWORD_REALM}' not allowed for the client.`);
      const web = await token({ grant_type: 'client_credentials', ...WEB, audience: API });
      expect([web.status, web.body.error]).to.deep.equal([403, 'unauthorized_client']);
    });

    it('a wrong password: 403 invalid_grant "Wrong email or password."', async () => {
      const res = await token({ grant_type: 'password', ...WEB, username: 'admin@example.com', password: 'wrong', audience: API });
      expect([res.status, res.body]).to.deep.equal([403, { error: 'invalid_grant', error_description: 'Wrong email or password.' }]);
    });

    it('an unknown audience: 403 access_denied "Service not found: …" at the token endpoint, access_denied at /authorize', async () => {
      const password = await token({ grant_type: 'password', ...WEB, ...ADMIN, audience: 'https://unknown.example.com' });
      expect([password.status, password.body]).to.deep.equal([
        403,
        { error: 'access_denied', error_description: 'Service not found: https://unknown.example.com' },
      ]);
      const machine = await token({
        grant_type: 'client_credentials',
        client_id: 'local-m2m-client',
        client_secret: 'local-m2m-secret',
        audience: 'https://unknown.example.com',
      });
      expect([machine.status, machine.body.error_description]).to.deep.equal([403, 'Service not found: https://unknown.example.com']);
      const callback = 'http://localhost:3000/docs/oauth2-redirect';
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: 'local-spa-client',
        redirect_uri: callback,
        audience: 'https://unknown.example.com',
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
        state: 's',
      });
      const page = await new Browser().navigate(`${tenant.urls.authorize}?${query}`, callback);
      const redirect = new URL(page.location!);
      expect(redirect.searchParams.get('error')).to.equal('access_denied');
      expect(redirect.searchParams.get('error_description')).to.equal('Service not found: https://unknown.example.com');
    });
  });

  describe('JSON bodies at /oauth/token and /oauth/revoke', () => {
    it('client credentials and the password grant from a JSON body, as from a form', async () => {
      const machine = await token(
        { grant_type: 'client_credentials', client_id: 'local-m2m-client', client_secret: 'local-m2m-secret', audience: API },
        { json: true },
      );
      expect(machine.status).to.equal(200);
      expect(decodeJwt(machine.body.access_token as string)).to.include({ sub: 'local-m2m-client@clients', scope: 'read:blabla' });
      const user = await token(
        { grant_type: PASSWORD_REALM, realm: 'Username-Password-Authentication', ...WEB, ...ADMIN, audience: API, scope: 'openid' },
        { json: true },
      );
      expect(user.status).to.equal(200);
      expect(user.body.id_token).to.be.a('string');
      const wrong = await token(
        { grant_type: 'password', ...WEB, username: 'admin@example.com', password: 'nope', audience: API },
        { json: true },
      );
      expect([wrong.status, wrong.body.error]).to.deep.equal([403, 'invalid_grant']);
    });

    it('revokes with a JSON body (what auth0 7 sends to /oauth/revoke)', async () => {
      const { body } = await token({ grant_type: 'password', client_id: 'local-spa-client', ...ADMIN, scope: 'openid' });
      const opaque = body.access_token as string;
      const userinfo = async (): Promise<number> =>
        (await fetch(tenant.urls.userinfo, { headers: { authorization: `Bearer ${opaque}` } })).status;
      expect(await userinfo()).to.equal(200);
      const res = await fetch(`${tenant.issuer}oauth/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: 'local-spa-client', token: opaque }),
      });
      expect(res.status).to.equal(200);
      expect(await userinfo()).to.equal(401);
    });

    it('refuses JSON that is not an object of plain values, and broken JSON, with 400 invalid_request', async () => {
      for (const body of ['["grant_type"]', '{"grant_type": {"a": 1}}', '{"grant_type":', 'null']) {
        const res = await fetch(tenant.urls.token, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        expect(res.status, body).to.equal(400);
        expect(((await res.json()) as { error: string }).error, body).to.equal('invalid_request');
      }
    });
  });

  describe('/userinfo', () => {
    it('answers a JWT access token whose aud holds {issuer}userinfo with the profile its scopes allow', async () => {
      const { body } = await token({ grant_type: 'password', ...WEB, ...ADMIN, audience: API, scope: 'openid profile email read:blabla' });
      const res = await fetch(tenant.urls.userinfo, { headers: { authorization: `Bearer ${body.access_token as string}` } });
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^application\/json/);
      expect(await res.json()).to.deep.equal({
        sub: tenant.users.find((u) => u.email === 'admin@example.com')!.userId,
        name: 'Admin',
        nickname: 'admin',
        email: 'admin@example.com',
        email_verified: true,
      });
      const post = await fetch(tenant.urls.userinfo, {
        method: 'POST',
        headers: { authorization: `Bearer ${body.access_token as string}` },
      });
      expect(post.status).to.equal(200);
    });

    it('gives only sub for openid alone', async () => {
      const { body } = await token({
        grant_type: 'password',
        ...WEB,
        username: 'user@example.com',
        password: 'user',
        audience: API,
        scope: 'openid',
      });
      const res = await fetch(tenant.urls.userinfo, { headers: { authorization: `Bearer ${body.access_token as string}` } });
      expect(await res.json()).to.deep.equal({ sub: tenant.users.find((u) => u.email === 'user@example.com')!.userId });
    });

    it('refuses a token without the userinfo audience, a tampered one and a DPoP-bound one, with a Bearer challenge', async () => {
      const api = (await token({ grant_type: 'password', ...WEB, ...ADMIN, audience: API, scope: 'read:blabla' })).body
        .access_token as string;
      const good = (await token({ grant_type: 'password', ...WEB, ...ADMIN, audience: API, scope: 'openid' })).body.access_token as string;
      const [header, payload, signature] = good.split('.');
      const tampered = `${header}.${Buffer.from(JSON.stringify({ ...decodeJwt(good), sub: 'auth0|someone' })).toString('base64url')}.${signature}`;
      for (const bearer of [api, tampered, `${payload}.${payload}.${payload}`]) {
        const res = await fetch(tenant.urls.userinfo, { headers: { authorization: `Bearer ${bearer}` } });
        expect(res.status).to.equal(401);
        expect(res.headers.get('www-authenticate')).to.match(/^Bearer error="invalid_token"/);
      }
      const dpop = await fetch(tenant.urls.userinfo, { headers: { authorization: `DPoP ${good}` } });
      expect(dpop.status).to.equal(400);
    });
  });

  describe("Universal Login's form", () => {
    it('names its fields username and password and its button "Continue"', async () => {
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: 'local-spa-client',
        redirect_uri: 'http://localhost:3000/docs/oauth2-redirect',
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
        scope: 'openid',
      });
      const page = await new Browser().navigate(`${tenant.urls.authorize}?${query}`, 'http://localhost:3000/docs/oauth2-redirect');
      expect(page.status).to.equal(200);
      expect(page.body).to.match(/<input id="username" name="username" type="text"/);
      expect(page.body).to.match(/<input id="password" name="password" type="password"/);
      expect(page.body).to.match(/<button type="submit" name="action" value="default">Continue<\/button>/);
      expect(page.body).not.to.include('name="email"');
    });
  });
});
