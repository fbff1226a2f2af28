import { expect } from 'chai';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { Auth0 } from '../../src';
import { AdminApi, Api, OrgApi, OrgUser } from '../support/controllers';
import { get, startKoa, type Running } from '../support/server';

const REALM = 'https://api.example.com';
const DPOP = ', DPoP algs="ES256 RS256 PS256 EdDSA"';
/** The app under test, for the `resource_metadata` every 401 and 403 carries (RFC 9728 §5.1). */
let appUrl = '';
const metadata = () => `resource_metadata="${appUrl}/.well-known/oauth-protected-resource"`;
/** The challenge without an error: the route's scopes (if any) and the metadata. */
const bare = (scope?: string) => `Bearer realm="${REALM}", ${scope === undefined ? '' : `scope="${scope}", `}${metadata()}${DPOP}`;

function invalidToken(description: string): string {
  return `Bearer realm="${REALM}", error="invalid_token", error_description="${description}", ${metadata()}${DPOP}`;
}

describe('Koa: @Authorized and @CurrentUser over HTTP', () => {
  let tenant: TestTenant;
  let app: Running;
  let auth: Auth0;

  before(async () => {
    tenant = await TestTenant.start();
    auth = tenant.auth0({ scopes: { 'read:blabla': 'Read the BlaBla resource' } });
    app = await startKoa(auth, [Api, AdminApi]);
    appUrl = app.url;
  });
  after(async () => {
    await app.close();
    await tenant.close();
  });

  describe('no credentials', () => {
    it('public routes need nothing', async () => {
      const res = await get(`${app.url}/public`);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ message: 'Anonymous user' });
      expect(res.headers.get('www-authenticate')).to.equal(null);
    });

    it('no Authorization header: 401, bare challenge, code unauthorized', async () => {
      const res = await get(`${app.url}/secure`);
      expect(res.status).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.equal(bare());
      expect(res.body).to.deep.equal({ error: 'unauthorized', message: 'Missing bearer token' });
    });

    it('another scheme (Basic): 401 with a bare Bearer challenge', async () => {
      const res = await get(`${app.url}/secure/blabla`, { authorization: 'Basic dXNlcjpwYXNz' });
      expect(res.status).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.equal(bare('read:blabla'));
      expect(res.body.error).to.equal('unauthorized');
    });

    it('a controller-level @Authorized guards every action', async () => {
      const res = await get(`${app.url}/admin/stats`);
      expect(res.status).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.equal(bare('admin:all'));
    });
  });

  describe('malformed requests: 400 invalid_request', () => {
    for (const [name, authorization] of [
      ['"Bearer" alone', 'Bearer'],
      ['"Bearer " and spaces', 'Bearer    '],
      ['two tokens', 'Bearer a.b.c d.e.f'],
      ['characters outside b64token', 'Bearer a.b.c"'],
    ]) {
      it(name, async () => {
        const res = await get(`${app.url}/secure`, { authorization });
        expect(res.status).to.equal(400);
        expect(res.body.error).to.equal('invalid_request');
        expect(res.headers.get('www-authenticate')).to.match(
          /^Bearer realm="[^"]+", error="invalid_request", error_description="Malformed Authorization header: expected 'Bearer <token>'"$/,
        );
      });
    }

    it('a token in the URL is refused', async () => {
      const token = await tenant.token();
      const res = await get(`${app.url}/secure?access_token=${token}`);
      expect(res.status).to.equal(400);
      expect(res.body).to.deep.equal({
        error: 'invalid_request',
        message: 'Send the access token in the Authorization header, not in the URL',
      });
      expect(JSON.stringify(res.body)).not.to.include(token);
    });

    it('a token sent in two places is refused', async () => {
      const token = await tenant.token();
      const res = await get(`${app.url}/secure?x=1&access_token=${token}`, { token });
      expect(res.status).to.equal(400);
      expect(res.body.error).to.equal('invalid_request');
      expect(res.body.message).to.equal('Send the access token in one place only (the Authorization header)');
    });
  });

  describe('invalid tokens: 401 invalid_token', () => {
    it('expired', async () => {
      const res = await get(`${app.url}/secure`, { token: await tenant.token({ expiredSecondsAgo: 60 }) });
      expect(res.status).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.equal(invalidToken('Expired token'));
      expect(res.body).to.deep.equal({ error: 'invalid_token', message: 'Expired token' });
    });

    it('expired within the clock tolerance is still accepted', async () => {
      const res = await get(`${app.url}/secure`, { token: await tenant.token({ expiredSecondsAgo: 2 }) });
      expect(res.status).to.equal(200);
    });

    it('wrong audience', async () => {
      const res = await get(`${app.url}/secure`, { token: await tenant.token({ audience: 'https://other.example.com' }) });
      expect(res.status).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.equal(invalidToken('Invalid token claims (wrong issuer or audience)'));
      expect(res.body.error).to.equal('invalid_token');
    });

    it('audience as an array holding the API (openid) is accepted', async () => {
      const res = await get(`${app.url}/secure`, { token: await tenant.token({ scopes: 'openid profile email' }) });
      expect(res.status).to.equal(200);
      expect(res.body.scopes).to.deep.equal(['openid', 'profile', 'email']);
    });

    it('issuer without the trailing slash is another issuer', async () => {
      const res = await get(`${app.url}/secure`, { token: await tenant.token({ issuer: tenant.issuer.slice(0, -1) }) });
      expect(res.status).to.equal(401);
      expect(res.body.message).to.equal('Invalid token claims (wrong issuer or audience)');
    });

    it("another tenant's key (unknown kid)", async () => {
      const res = await get(`${app.url}/secure`, { token: await tenant.token({ foreignKey: true }) });
      expect(res.status).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.equal(invalidToken('Invalid kid header (wrong tenant or rotated public key)'));
    });

    it("another tenant's key under a known kid: bad signature", async () => {
      const res = await get(`${app.url}/secure`, {
        token: await tenant.token({ foreignKey: true, header: { kid: tenant.currentKid } }),
      });
      expect(res.status).to.equal(401);
      expect(res.body).to.deep.equal({ error: 'invalid_token', message: 'Invalid token signature' });
    });

    it('garbage and non-JWT tokens are malformed', async () => {
      for (const token of ['abc', 'a.b.c', 'a.b', 'e30.e30.', 'a.b.c.d', '...']) {
        const res = await get(`${app.url}/secure`, { token });
        expect(res.status, token).to.equal(401);
        expect(res.body, token).to.deep.equal({ error: 'invalid_token', message: 'Malformed token' });
      }
    });

    it('no kid header', async () => {
      const token = await tenant.token({ header: { kid: undefined } });
      const res = await get(`${app.url}/secure`, { token });
      expect(res.status).to.equal(401);
      expect(res.body).to.deep.equal({ error: 'invalid_token', message: 'Invalid kid header (missing)' });
    });

    it('an opaque (encrypted) token says to request an audience', async () => {
      const res = await get(`${app.url}/secure`, { token: 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aaaa.bbbb.cccc' });
      expect(res.status).to.equal(401);
      expect(res.body.message).to.match(/^Opaque or encrypted token: request the access token with the `audience` parameter/);
    });

    it('missing exp', async () => {
      const res = await get(`${app.url}/secure`, {
        token: await tenant.sign({ iss: tenant.issuer, aud: tenant.audience, sub: 'auth0|x' }),
      });
      expect(res.status).to.equal(401);
      expect(res.body.message).to.equal('Invalid token claims (missing "exp")');
    });

    it('missing sub', async () => {
      const now = Math.floor(Date.now() / 1000);
      const res = await get(`${app.url}/secure`, { token: await tenant.sign({ iss: tenant.issuer, aud: tenant.audience, exp: now + 60 }) });
      expect(res.status).to.equal(401);
      expect(res.body.message).to.equal('Invalid token claims (missing "sub")');
    });

    it('not yet valid (nbf in the future)', async () => {
      const now = Math.floor(Date.now() / 1000);
      const res = await get(`${app.url}/secure`, { token: await tenant.token({ claims: { nbf: now + 600 } }) });
      expect(res.status).to.equal(401);
      expect(res.body.message).to.equal('Token not yet valid');
    });

    it('a scope claim that is not a string', async () => {
      const res = await get(`${app.url}/secure`, { token: await tenant.token({ claims: { scope: ['read:blabla'] } }) });
      expect(res.status).to.equal(401);
      expect(res.body.message).to.equal('Invalid token claims (scope)');
    });

    it('a token too large', async () => {
      const res = await get(`${app.url}/secure`, { token: 'a'.repeat(9000) });
      expect(res.status).to.equal(401);
      expect(res.body.message).to.equal('Token too large (over 8192 characters)');
    });

    it('no error body or header ever echoes the token', async () => {
      const token = await tenant.token({ audience: 'https://other.example.com' });
      const res = await get(`${app.url}/secure`, { token });
      expect(JSON.stringify(res.body)).not.to.include(token.split('.')[1]);
      expect(res.headers.get('www-authenticate')).not.to.include(token.split('.')[1]);
    });
  });

  describe('scopes', () => {
    it('a token with the scope passes @Authorized("read:blabla")', async () => {
      const res = await get(`${app.url}/secure/blabla`, { token: await tenant.token({ scopes: 'read:blabla' }) });
      expect(res.status).to.equal(200);
      expect(res.body.scopes).to.deep.equal(['read:blabla']);
    });

    it('missing scope: 403 insufficient_scope with the scope in the challenge', async () => {
      const res = await get(`${app.url}/secure/blabla`, { token: await tenant.token({ scopes: 'read:other' }) });
      expect(res.status).to.equal(403);
      expect(res.headers.get('www-authenticate')).to.equal(
        `Bearer realm="${REALM}", error="insufficient_scope", error_description="Missing 'read:blabla' scope", scope="read:blabla", ${metadata()}`,
      );
      expect(res.body).to.deep.equal({ error: 'insufficient_scope', message: 'Missing "read:blabla" scope', scope: 'read:blabla' });
    });

    it('the permission without the scope is not enough by default (fastapi-auth0 checks scope)', async () => {
      const res = await get(`${app.url}/secure/blabla`, { token: await tenant.token({ scopes: 'openid', permissions: ['read:blabla'] }) });
      expect(res.status).to.equal(403);
      expect(res.body.error).to.equal('insufficient_scope');
    });

    it('every listed scope is needed', async () => {
      const one = await get(`${app.url}/secure/both`, { token: await tenant.token({ scopes: 'read:blabla' }) });
      expect(one.status).to.equal(403);
      expect(one.body).to.deep.equal({
        error: 'insufficient_scope',
        message: 'Missing "write:blabla" scope',
        scope: 'read:blabla write:blabla',
      });
      const both = await get(`${app.url}/secure/both`, { token: await tenant.token({ scopes: 'write:blabla read:blabla' }) });
      expect(both.status).to.equal(200);
    });

    it('controller-level scopes apply to the action', async () => {
      const denied = await get(`${app.url}/admin/stats`, { token: await tenant.token({ scopes: 'read:blabla' }) });
      expect(denied.status).to.equal(403);
      expect(denied.body.scope).to.equal('admin:all');
      const allowed = await get(`${app.url}/admin/stats`, { token: await tenant.token({ scopes: 'admin:all' }) });
      expect(allowed.status).to.equal(200);
      expect(allowed.body).to.deep.equal({ id: 'auth0|test-user' });
    });

    it('an invalid token is 401 even on a scoped route', async () => {
      const res = await get(`${app.url}/secure/blabla`, { token: await tenant.token({ scopes: 'read:blabla', expiredSecondsAgo: 60 }) });
      expect(res.status).to.equal(401);
      expect(res.body.error).to.equal('invalid_token');
    });
  });

  describe('the user', () => {
    it('a person: id, permissions, email, scopes, isMachine false', async () => {
      const token = await tenant.token({
        subject: 'google-oauth2|115595596713285791346',
        scopes: 'read:blabla',
        permissions: ['read:blabla', 'write:blabla'],
        email: 'other.user@example.com',
      });
      const res = await get(`${app.url}/secure`, { token });
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({
        id: 'google-oauth2|115595596713285791346',
        permissions: ['read:blabla', 'write:blabla'],
        email: 'other.user@example.com',
        scopes: ['read:blabla'],
        isMachine: false,
      });
    });

    it('a machine: {client_id}@clients, permissions from scope, no email, isMachine true', async () => {
      const token = await tenant.token({ machine: true, clientId: 'Art2l2uCeCQk5zDVbZzNZmQkLJXLd9Uy', scopes: 'read:blabla' });
      const res = await get(`${app.url}/secure/blabla`, { token });
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({
        id: 'Art2l2uCeCQk5zDVbZzNZmQkLJXLd9Uy@clients',
        permissions: ['read:blabla'],
        scopes: ['read:blabla'],
        isMachine: true,
      });
    });

    it('isMachine comes from gty alone: a person whose sub ends in @clients is not a machine', async () => {
      const token = await tenant.token({ subject: 'samlp|acme|jane@clients' });
      const res = await get(`${app.url}/secure`, { token });
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ id: 'samlp|acme|jane@clients', isMachine: false });
    });

    it('no permissions claim gives []', async () => {
      const res = await get(`${app.url}/secure`, { token: await tenant.token() });
      expect(res.body.permissions).to.deep.equal([]);
      expect(res.body).not.to.have.property('email');
    });

    it('optional @CurrentUser: guest without a token, with the challenge as a hint', async () => {
      const res = await get(`${app.url}/guest`);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ message: 'guest' });
      expect(res.headers.get('www-authenticate')).to.equal(bare());
    });

    it('optional @CurrentUser: the user with a valid token', async () => {
      const res = await get(`${app.url}/guest`, { token: await tenant.token({ subject: 'auth0|abc' }) });
      expect(res.status).to.equal(200);
      expect(res.body.id).to.equal('auth0|abc');
    });

    it('optional @CurrentUser: an invalid token is 401 by default (RFC 6750)', async () => {
      const res = await get(`${app.url}/guest`, { token: await tenant.token({ expiredSecondsAgo: 100 }) });
      expect(res.status).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.equal(invalidToken('Expired token'));
    });

    it('a remembered token gives each request its own user: a handler changing it changes nothing else', async () => {
      const token = await tenant.token({ subject: 'auth0|same', permissions: ['read:blabla'] });
      expect((await get(`${app.url}/mutate`, { token })).status).to.equal(200);
      const res = await get(`${app.url}/secure`, { token });
      expect(res.body.id).to.equal('auth0|same');
      expect(res.body.permissions).to.deep.equal(['read:blabla']);
    });

    it('required @CurrentUser without @Authorized: 401 with the challenge', async () => {
      const res = await get(`${app.url}/me`);
      expect(res.status).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.equal(bare());
      const ok = await get(`${app.url}/me`, { token: await tenant.token() });
      expect(ok.status).to.equal(200);
      expect(ok.body.id).to.equal('auth0|test-user');
    });
  });
});

describe('Koa: options', () => {
  let tenant: TestTenant;
  before(async () => {
    tenant = await TestTenant.start();
  });
  after(() => tenant.close());

  async function withApp(auth: Auth0<any>, controllers: Function[], body: (url: string) => Promise<void>): Promise<void> {
    const app = await startKoa(auth, controllers);
    try {
      await body(app.url);
    } finally {
      await app.close();
    }
  }

  it('authorizeWith: "permissions" checks RBAC permissions instead of scope', async () => {
    await withApp(tenant.auth0({ authorizeWith: 'permissions' }), [Api], async (url) => {
      const ok = await get(`${url}/secure/blabla`, { token: await tenant.token({ scopes: '', permissions: ['read:blabla'] }) });
      expect(ok.status).to.equal(200);
      const denied = await get(`${url}/secure/blabla`, { token: await tenant.token({ scopes: 'read:blabla', permissions: [] }) });
      expect(denied.status).to.equal(403);
      expect(denied.body).to.deep.equal({ error: 'insufficient_scope', message: 'Missing "read:blabla" permission', scope: 'read:blabla' });
    });
  });

  it('authorizeWith: "either" accepts a scope or a permission', async () => {
    await withApp(tenant.auth0({ authorizeWith: 'either' }), [Api], async (url) => {
      expect((await get(`${url}/secure/blabla`, { token: await tenant.token({ permissions: ['read:blabla'] }) })).status).to.equal(200);
      expect((await get(`${url}/secure/blabla`, { token: await tenant.token({ scopes: 'read:blabla' }) })).status).to.equal(200);
      expect((await get(`${url}/secure/blabla`, { token: await tenant.token({ scopes: 'x' }) })).status).to.equal(403);
    });
  });

  it('guestOnInvalidToken: an optional route treats an invalid token as a guest (fastapi-auth0), secured routes still 401', async () => {
    await withApp(tenant.auth0({ guestOnInvalidToken: true }), [Api], async (url) => {
      const token = await tenant.token({ expiredSecondsAgo: 100 });
      const guest = await get(`${url}/guest`, { token });
      expect(guest.status).to.equal(200);
      expect(guest.body).to.deep.equal({ message: 'guest' });
      const secure = await get(`${url}/secure`, { token });
      expect(secure.status).to.equal(401);
    });
  });

  it('enforceScopes: false authenticates only (fastapi-auth0 scope_auto_error=False)', async () => {
    await withApp(tenant.auth0({ enforceScopes: false }), [Api], async (url) => {
      const res = await get(`${url}/secure/blabla`, { token: await tenant.token({ scopes: 'other' }) });
      expect(res.status).to.equal(200);
      expect(res.body.scopes).to.deep.equal(['other']);
      expect((await get(`${url}/secure/blabla`)).status).to.equal(401);
    });
  });

  it('requireEmail: 403 with a message on how to add the claim; 200 with it', async () => {
    await withApp(tenant.auth0({ requireEmail: true }), [Api], async (url) => {
      const res = await get(`${url}/secure`, { token: await tenant.token() });
      expect(res.status).to.equal(403);
      expect(res.body).to.deep.equal({
        error: 'insufficient_scope',
        message: 'Missing email claim: add it to the access token with a post-login Action (see the README)',
      });
      expect(res.headers.get('www-authenticate')).to.match(/error="insufficient_scope"/);
      const ok = await get(`${url}/secure`, { token: await tenant.token({ email: 'a@example.com' }) });
      expect(ok.status).to.equal(200);
      expect(ok.body.email).to.equal('a@example.com');
    });
  });

  it('emailClaim: reads the email from the configured claim only', async () => {
    await withApp(tenant.auth0({ emailClaim: 'https://my.app/email' }), [Api], async (url) => {
      const res = await get(`${url}/secure`, { token: await tenant.token({ email: 'b@example.com', emailClaim: 'https://my.app/email' }) });
      expect(res.body.email).to.equal('b@example.com');
      const other = await get(`${url}/secure`, { token: await tenant.token({ email: 'c@example.com' }) });
      expect(other.body).not.to.have.property('email');
    });
  });

  it('a custom user class maps and validates more claims', async () => {
    await withApp(tenant.auth0<OrgUser>({ userClass: OrgUser }), [OrgApi], async (url) => {
      const ok = await get(`${url}/org/me`, { token: await tenant.token({ machine: true, claims: { org_id: 'org_123' } }) });
      expect(ok.status).to.equal(200);
      expect(ok.body).to.include({ instance: true, orgId: 'org_123', grantType: 'client-credentials', isMachine: true });
      const person = await get(`${url}/org/me`, { token: await tenant.token({ claims: { org_id: 'org_9' } }) });
      expect(person.body.grantType).to.equal('authorization_code');
      const bad = await get(`${url}/org/me`, { token: await tenant.token() });
      expect(bad.status).to.equal(401);
      expect(bad.body).to.deep.equal({ error: 'invalid_token', message: 'Error parsing Auth0User: invalid claims (orgId)' });
      expect(bad.headers.get('www-authenticate')).to.include('error="invalid_token"');
    });
  });

  it('several audiences: a token for any of them is accepted', async () => {
    await withApp(tenant.auth0({ audience: ['https://a.example.com', tenant.audience] }), [Api], async (url) => {
      expect((await get(`${url}/secure`, { token: await tenant.token({ audience: 'https://a.example.com' }) })).status).to.equal(200);
      expect((await get(`${url}/secure`, { token: await tenant.token() })).status).to.equal(200);
      expect((await get(`${url}/secure`, { token: await tenant.token({ audience: 'https://b.example.com' }) })).status).to.equal(401);
    });
  });

  it('one verification per request even with @Authorized and several @CurrentUser', async () => {
    let verifications = 0;
    // validate runs once per authentication: it counts how often the pipeline ran.
    const auth = tenant.auth0({
      tokenCacheSize: 0,
      validate: () => {
        verifications += 1;
        return true;
      },
    });
    await withApp(auth, [Api], async (url) => {
      const token = await tenant.token({ scopes: 'read:blabla' });
      expect((await get(`${url}/secure/blabla`, { token })).status).to.equal(200);
      expect(verifications).to.equal(1);
      expect((await get(`${url}/secure/blabla`, { token })).status).to.equal(200);
      expect(verifications).to.equal(2);
    });
  });
});
