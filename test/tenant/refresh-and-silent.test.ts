/**
 * Refresh tokens and silent authentication as Auth0 has them, over plain HTTP (the browser test
 * auth0-spa-js.test.ts drives the same through the SDK): `offline_access` gives a refresh token to
 * an application allowed the grant, every use rotates it, a reused one revokes its family; and
 * `prompt=none&response_mode=web_message` is answered by a page that posts the result to the
 * application's origin.
 */
import { expect } from 'chai';
import { decodeJwt } from 'jose';
import { LocalTenant } from 'routing-controllers-auth0/testing';
import { Browser, pkce } from './browser';

const API = 'https://api.example.com';
const CALLBACK = 'http://localhost:3000/docs/oauth2-redirect';

describe('the local tenant: refresh tokens and silent authentication', () => {
  let tenant: LocalTenant;
  before(async () => {
    tenant = await LocalTenant.start();
  });
  after(() => tenant.close());

  async function token(params: Record<string, string>): Promise<{ status: number; body: Record<string, string> }> {
    const res = await fetch(tenant.urls.token, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  }

  describe('refresh tokens (offline_access)', () => {
    const web = { client_id: 'local-web-client', client_secret: 'local-web-secret' };
    /** The admin's password grant at the regular web application, for `scope`. */
    const adminPassword = (scope: string) =>
      token({ grant_type: 'password', ...web, username: 'admin@example.com', password: 'admin', audience: API, scope });

    it('the password grant with offline_access gives one; without it, none', async () => {
      const offline = await adminPassword('openid offline_access read:blabla');
      expect(offline.status).to.equal(200);
      expect(offline.body.refresh_token).to.be.a('string');
      expect(offline.body.scope).to.equal('openid offline_access read:blabla');
      expect(decodeJwt(offline.body.access_token).scope).to.equal('openid offline_access read:blabla');
      const online = await adminPassword('openid read:blabla');
      expect(online.body).not.to.have.property('refresh_token');
      const machine = await token({
        grant_type: 'client_credentials',
        client_id: 'local-m2m-client',
        client_secret: 'local-m2m-secret',
        audience: API,
        scope: 'offline_access',
      });
      expect(machine.status).to.equal(403);
    });

    it('grant_type=refresh_token rotates it; reusing an old one is refused and revokes the family', async () => {
      const first = await adminPassword('openid offline_access read:blabla');
      const second = await token({ grant_type: 'refresh_token', ...web, refresh_token: first.body.refresh_token });
      expect(second.status).to.equal(200);
      expect(second.body.refresh_token).to.be.a('string').and.not.equal(first.body.refresh_token);
      expect(second.body.scope).to.equal('openid offline_access read:blabla');
      expect(second.body.id_token).to.be.a('string');
      const claims = decodeJwt(second.body.access_token);
      expect(claims).to.deep.include({ aud: [API, `${tenant.issuer}userinfo`], permissions: ['read:blabla'], azp: 'local-web-client' });
      expect((await tenant.auth0().verify(second.body.access_token)).user.email).to.equal('admin@example.com');

      const reused = await token({ grant_type: 'refresh_token', ...web, refresh_token: first.body.refresh_token });
      expect([reused.status, reused.body]).to.deep.equal([
        403,
        { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' },
      ]);
      const family = await token({ grant_type: 'refresh_token', ...web, refresh_token: second.body.refresh_token });
      expect(family.status).to.equal(403);
      const unknown = await token({ grant_type: 'refresh_token', ...web, refresh_token: 'not-a-refresh-token' });
      expect([unknown.status, unknown.body.error]).to.deep.equal([403, 'invalid_grant']);
    });

    it('a refresh token is bound to its application', async () => {
      const spa = await token({
        grant_type: 'password',
        client_id: 'local-spa-client',
        username: 'user@example.com',
        password: 'user',
        scope: 'openid offline_access',
      });
      const stolen = await token({ grant_type: 'refresh_token', ...web, refresh_token: spa.body.refresh_token });
      expect([stolen.status, stolen.body.error]).to.deep.equal([403, 'invalid_grant']);
    });

    it('the SPA gets one from the code flow with offline_access, no consent asked, and discovery lists offline_access', async () => {
      const browser = new Browser();
      const { verifier, challenge } = pkce();
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: 'local-spa-client',
        redirect_uri: CALLBACK,
        audience: API,
        scope: 'openid offline_access read:blabla',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      const login = await browser.navigate(`${tenant.urls.authorize}?${query}`, CALLBACK);
      const done = await browser.logIn(login, 'admin@example.com', 'admin', CALLBACK);
      const code = new URL(done.location!).searchParams.get('code')!;
      const exchanged = await token({
        grant_type: 'authorization_code',
        client_id: 'local-spa-client',
        code,
        code_verifier: verifier,
        redirect_uri: CALLBACK,
      });
      expect(exchanged.body.refresh_token).to.be.a('string');
      expect(exchanged.body.scope).to.equal('openid offline_access read:blabla');
      const refreshed = await token({
        grant_type: 'refresh_token',
        client_id: 'local-spa-client',
        refresh_token: exchanged.body.refresh_token,
        scope: 'openid offline_access read:blabla',
      });
      expect(refreshed.status).to.equal(200);
      const discovery = (await (await fetch(tenant.urls.discovery)).json()) as Record<string, string[]>;
      expect(discovery.scopes_supported).to.include('offline_access');
      expect(discovery.scopes_supported.filter((scope) => scope.startsWith('local-tenant:'))).to.deep.equal([]);
      expect(discovery.grant_types_supported).to.include('refresh_token');
      expect(discovery.response_modes_supported).to.include('web_message');
    });
  });

  describe('silent authentication (prompt=none, response_mode=web_message)', () => {
    function silentUrl(state: string): string {
      return `${tenant.urls.authorize}?${new URLSearchParams({
        response_type: 'code',
        response_mode: 'web_message',
        prompt: 'none',
        client_id: 'local-spa-client',
        redirect_uri: 'http://localhost:3000/docs/oauth2-redirect',
        audience: API,
        scope: 'openid read:blabla',
        state,
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
      })}`;
    }

    /** The message the web_message page posts, read from its script. */
    function posted(body: string): { response: Record<string, string>; redirect_uri: string } {
      const data = /var data = (\{.*?\});\n/s.exec(body)?.[1];
      if (data === undefined) throw new Error(`no web_message data in ${body}`);
      return JSON.parse(data) as { response: Record<string, string>; redirect_uri: string };
    }

    it('without a session: a page that posts login_required to the application origin, without redirecting', async () => {
      const page = await new Browser().request(silentUrl('s1'));
      expect(page.status).to.equal(400);
      expect(page.location).to.equal(undefined);
      expect(page.headers.get('content-type')).to.match(/^text\/html/);
      expect(page.body).to.include("type: 'authorization_response'");
      expect(page.body).to.include('postMessage');
      const { response, redirect_uri: target } = posted(page.body);
      expect(response).to.include({ error: 'login_required', state: 's1' });
      expect(target).to.equal('http://localhost:3000/docs/oauth2-redirect');
    });

    it('with a session: a page that posts the code and state, which exchange for tokens', async () => {
      const browser = new Browser();
      const { verifier, challenge } = pkce();
      const login = await browser.navigate(
        `${tenant.urls.authorize}?${new URLSearchParams({ response_type: 'code', client_id: 'local-spa-client', redirect_uri: CALLBACK, code_challenge: challenge, code_challenge_method: 'S256' })}`,
        CALLBACK,
      );
      await browser.logIn(login, 'admin@example.com', 'admin', CALLBACK);
      const silent = new URLSearchParams(new URL(silentUrl('s2')).search);
      silent.set('code_challenge', challenge);
      const page = await browser.request(`${tenant.urls.authorize}?${silent}`);
      expect(page.status).to.equal(200);
      const { response } = posted(page.body);
      expect(response.state).to.equal('s2');
      expect(response.code).to.be.a('string');
      const exchanged = await token({
        grant_type: 'authorization_code',
        client_id: 'local-spa-client',
        code: response.code,
        code_verifier: verifier,
        redirect_uri: CALLBACK,
      });
      expect(exchanged.status).to.equal(200);
      expect(decodeJwt(exchanged.body.access_token)).to.deep.include({ scope: 'openid read:blabla', permissions: ['read:blabla'] });
    });
  });
});
