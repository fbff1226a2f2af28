import { expect } from 'chai';
import { decodeJwt } from 'jose';
import { LocalTenant } from 'routing-controllers-auth0/testing';
import { Browser, fragmentOf, pkce, type Page } from './browser';

const CALLBACK = 'http://localhost:3000/docs/oauth2-redirect';
const API = 'https://api.example.com';

describe('the local tenant: browser flows over HTTP (login form, cookies, redirects)', () => {
  let tenant: LocalTenant;

  before(async () => {
    tenant = await LocalTenant.start();
  });
  after(() => tenant.close());

  /** The authorization URL Swagger UI builds for its implicit flow. */
  function implicitUrl(params: Record<string, string> = {}): string {
    const query = new URLSearchParams({
      response_type: 'token',
      client_id: 'local-spa-client',
      redirect_uri: CALLBACK,
      scope: 'read:blabla',
      state: 'c3dhZ2dlcg',
      audience: API,
      ...params,
    });
    return `${tenant.urls.authorize}?${query}`;
  }

  async function loginPage(browser: Browser, url: string): Promise<Page> {
    const page = await browser.navigate(url, CALLBACK);
    expect(page.status).to.equal(200);
    expect(page.url).to.match(new RegExp(`^${tenant.issuer}u/login/`));
    expect(page.body).to.include('name="username"').and.include('name="password"').and.include('>Continue</button>');
    return page;
  }

  it('a login form over 16 KiB is answered 413 (not a 500), and the pending login still works', async () => {
    const browser = new Browser();
    const page = await loginPage(browser, implicitUrl());
    const action = /<form[^>]*action="([^"]+)"/.exec(page.body)?.[1]?.replace(/&#47;/g, '/');
    const big = await browser.navigate(new URL(action as string, page.url).href, CALLBACK, {
      form: { username: 'admin@example.com', password: 'x'.repeat(17 * 1024) },
    });
    expect(big.status).to.equal(413);
    expect(big.body).to.include('request_too_large');
    const done = await browser.logIn(page, 'admin@example.com', 'admin', CALLBACK);
    expect(done.status).to.equal(303);
    expect(done.location).to.match(new RegExp(`^${CALLBACK}#`));
  });

  describe('implicit grant (response_type=token, as Swagger UI sends it)', () => {
    it('shows the login form, then redirects to the callback with the token in the fragment', async () => {
      const browser = new Browser();
      const done = await browser.logIn(await loginPage(browser, implicitUrl()), 'admin@example.com', 'admin', CALLBACK);
      expect(done.status).to.equal(303);
      expect(done.location).to.match(new RegExp(`^${CALLBACK}#`));
      const fragment = fragmentOf(done.location!);
      expect(fragment.get('state')).to.equal('c3dhZ2dlcg');
      expect(fragment.get('token_type')).to.equal('Bearer');
      expect(fragment.get('expires_in')).to.equal('86400');
      expect(fragment.get('scope')).to.equal('read:blabla');
      const token = fragment.get('access_token')!;
      expect(decodeJwt(token)).to.deep.include({
        aud: API,
        scope: 'read:blabla',
        permissions: ['read:blabla'],
        azp: 'local-spa-client',
        'https://example.com/email': 'admin@example.com',
      });
      expect(decodeJwt(token)).not.to.have.property('gty');
      const { user } = await tenant.auth0().verify(token);
      expect(user.email).to.equal('admin@example.com');
    });

    it('drops the scope user@example.com does not hold (RBAC) but keeps openid', async () => {
      const browser = new Browser();
      const page = await loginPage(browser, implicitUrl({ scope: 'openid read:blabla' }));
      const fragment = fragmentOf((await browser.logIn(page, 'user@example.com', 'user', CALLBACK)).location!);
      expect(fragment.get('scope')).to.equal('openid');
      const claims = decodeJwt(fragment.get('access_token')!);
      expect(claims).to.deep.include({ scope: 'openid', permissions: [], aud: [API, `${tenant.issuer}userinfo`] });
    });

    it('gives user@example.com a token with an empty scope when only read:blabla was asked, as Auth0 does', async () => {
      const browser = new Browser();
      const fragment = fragmentOf(
        (await browser.logIn(await loginPage(browser, implicitUrl()), 'user@example.com', 'user', CALLBACK)).location!,
      );
      expect(fragment.get('error')).to.equal(null);
      expect(decodeJwt(fragment.get('access_token')!)).to.deep.include({ scope: '', permissions: [], aud: API });
      const none = fragmentOf((await browser.navigate(implicitUrl({ scope: '' }), CALLBACK)).location!);
      expect(decodeJwt(none.get('access_token')!)).to.deep.include({ scope: '', permissions: [] });
    });

    it('accepts the .html redirect page and loopback callbacks on another port', async () => {
      for (const redirect of [
        `${CALLBACK}.html`,
        'http://localhost:45678/docs/oauth2-redirect',
        'http://127.0.0.1:45678/docs/oauth2-redirect',
      ]) {
        const browser = new Browser();
        const page = await loginPage(browser, implicitUrl({ redirect_uri: redirect }));
        const done = await browser.logIn(page, 'admin@example.com', 'admin', redirect);
        expect(done.location, redirect).to.match(new RegExp(`^${redirect.replace(/\./g, '\\.')}#access_token=`));
      }
    });

    it('refuses a callback that is not allowed, without redirecting to it', async () => {
      const page = await new Browser().navigate(implicitUrl({ redirect_uri: 'https://evil.example.com/cb' }), 'https://evil.example.com');
      expect(page.status).to.equal(400);
      expect(page.location).to.equal(undefined);
      expect(page.body).to.include('redirect_uri');
    });

    it('answers a wrong password with the form again (401) and no redirect', async () => {
      const browser = new Browser();
      const page = await browser.logIn(await loginPage(browser, implicitUrl()), 'admin@example.com', 'wrong', CALLBACK);
      expect(page.status).to.equal(401);
      expect(page.body).to.include('Wrong email or password.');
      expect(page.body).to.include('value="admin@example.com"');
      const done = await browser.logIn(page, 'admin@example.com', 'admin', CALLBACK);
      expect(done.location).to.match(new RegExp(`^${CALLBACK}#access_token=`));
    });

    it('without audience gives an opaque token (not a JWT), which the API refuses with 401', async () => {
      const browser = new Browser();
      const page = await loginPage(browser, implicitUrl({ audience: '', scope: 'openid read:blabla' }));
      const token = fragmentOf((await browser.logIn(page, 'admin@example.com', 'admin', CALLBACK)).location!).get('access_token')!;
      expect(token.split('.')).to.have.length(1);
      const error = await tenant
        .auth0()
        .verify(token)
        .then(
          () => undefined,
          (e: unknown) => e as { status: number },
        );
      expect(error?.status).to.equal(401);
    });
  });

  describe('authorization code with PKCE', () => {
    async function codeFlow(browser: Browser, scope: string, email: string, password: string): Promise<Record<string, unknown>> {
      const { verifier, challenge } = pkce();
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: 'local-spa-client',
        redirect_uri: CALLBACK,
        scope,
        state: 'xyz',
        audience: API,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      let done = await browser.navigate(`${tenant.urls.authorize}?${query}`, CALLBACK);
      if (done.status === 200) done = await browser.logIn(done, email, password, CALLBACK);
      const callback = new URL(done.location!);
      expect(callback.origin + callback.pathname).to.equal(CALLBACK);
      expect(callback.searchParams.get('state')).to.equal('xyz');
      expect(callback.searchParams.get('iss')).to.equal(tenant.issuer);
      const res = await fetch(tenant.urls.token, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost:3000' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: 'local-spa-client',
          code: callback.searchParams.get('code')!,
          code_verifier: verifier,
          redirect_uri: CALLBACK,
        }).toString(),
      });
      expect(res.status).to.equal(200);
      // Swagger UI calls the token endpoint from the docs page: CORS must let it read the answer.
      expect(res.headers.get('access-control-allow-origin')).to.equal('http://localhost:3000');
      return (await res.json()) as Record<string, unknown>;
    }

    it('exchanges the code for an Auth0-shaped access token', async () => {
      const body = await codeFlow(new Browser(), 'read:blabla', 'admin@example.com', 'admin');
      expect(body).to.include({ token_type: 'Bearer', scope: 'read:blabla', expires_in: 86_400 });
      const claims = decodeJwt(body.access_token as string);
      expect(claims).to.deep.include({ aud: API, scope: 'read:blabla', permissions: ['read:blabla'], azp: 'local-spa-client' });
      expect((await tenant.auth0().verify(body.access_token as string)).user.email).to.equal('admin@example.com');
    });

    it('with openid: an ID token too, and aud [API, {issuer}userinfo]', async () => {
      const body = await codeFlow(new Browser(), 'openid profile email read:blabla', 'admin@example.com', 'admin');
      expect(body.id_token).to.be.a('string');
      expect(decodeJwt(body.id_token as string)).to.include({ aud: 'local-spa-client', email: 'admin@example.com' });
      const claims = decodeJwt(body.access_token as string);
      expect(claims.aud).to.deep.equal([API, `${tenant.issuer}userinfo`]);
      expect(claims.scope).to.equal('openid profile email read:blabla');
    });

    it('drops the scope user@example.com does not hold, and still issues a token', async () => {
      const body = await codeFlow(new Browser(), 'read:blabla', 'user@example.com', 'user');
      expect(body.scope ?? '').to.equal('');
      expect(decodeJwt(body.access_token as string)).to.deep.include({ scope: '', permissions: [], aud: API });
    });

    it('asking no scope at all still gives a token, with an empty scope', async () => {
      const body = await codeFlow(new Browser(), '', 'admin@example.com', 'admin');
      expect(body.scope ?? '').to.equal('');
      expect(decodeJwt(body.access_token as string)).to.deep.include({ scope: '', permissions: ['read:blabla'], aud: API });
    });

    it('requires PKCE of the public client', async () => {
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: 'local-spa-client',
        redirect_uri: CALLBACK,
        scope: 'read:blabla',
        audience: API,
      });
      const page = await new Browser().navigate(`${tenant.urls.authorize}?${query}`, CALLBACK);
      const callback = new URL(page.location!);
      expect(callback.searchParams.get('error')).to.equal('invalid_request');
      expect(callback.searchParams.get('error_description')).to.include('PKCE');
    });

    it('refuses a wrong code_verifier', async () => {
      const browser = new Browser();
      const { challenge } = pkce();
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: 'local-spa-client',
        redirect_uri: CALLBACK,
        scope: 'read:blabla',
        audience: API,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      const done = await browser.logIn(
        await loginPage(browser, `${tenant.urls.authorize}?${query}`),
        'admin@example.com',
        'admin',
        CALLBACK,
      );
      const res = await fetch(tenant.urls.token, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: 'local-spa-client',
          code: new URL(done.location!).searchParams.get('code')!,
          code_verifier: pkce().verifier,
          redirect_uri: CALLBACK,
        }).toString(),
      });
      expect(res.status).to.equal(400);
      expect(((await res.json()) as { error: string }).error).to.equal('invalid_grant');
    });
  });

  describe('session and /v2/logout', () => {
    it('a signed-in browser gets a token without the form; /v2/logout ends that and redirects to returnTo', async () => {
      const browser = new Browser();
      const first = await browser.logIn(await loginPage(browser, implicitUrl()), 'admin@example.com', 'admin', CALLBACK);
      expect(first.location).to.match(new RegExp(`^${CALLBACK}#access_token=`));

      const again = await browser.navigate(implicitUrl({ state: 'second' }), CALLBACK);
      expect(again.location).to.match(new RegExp(`^${CALLBACK}#access_token=`));
      expect(fragmentOf(again.location!).get('state')).to.equal('second');

      const returnTo = 'http://localhost:3000/docs/';
      const logout = await browser.request(`${tenant.urls.logout}?${new URLSearchParams({ client_id: 'local-spa-client', returnTo })}`);
      expect(logout.status).to.equal(302);
      expect(logout.location).to.equal(returnTo);
      expect(browser.cookieNames(tenant.issuer)).not.to.include('auth0');

      await loginPage(browser, implicitUrl({ state: 'third' }));
    });

    it('ends the session on the server, whatever cookie the browser keeps', async () => {
      const browser = new Browser();
      await browser.logIn(await loginPage(browser, implicitUrl()), 'admin@example.com', 'admin', CALLBACK);
      const cookie = (browser as unknown as { jar: Map<string, Map<string, unknown>> }).jar.get('localhost')!;
      const kept = new Map(cookie);
      await browser.request(tenant.urls.logout);
      for (const [name, value] of kept) cookie.set(name, value);
      await loginPage(browser, implicitUrl());
    });

    it('without returnTo shows a logged-out page', async () => {
      const page = await new Browser().request(tenant.urls.logout);
      expect(page.status).to.equal(200);
      expect(page.body).to.include('Logged out');
    });

    it('refuses a returnTo that is not an allowed logout URL', async () => {
      const page = await new Browser().request(
        `${tenant.urls.logout}?${new URLSearchParams({ client_id: 'local-spa-client', returnTo: 'https://evil.example.com/' })}`,
      );
      expect(page.status).to.equal(400);
      expect(page.location).to.equal(undefined);
      expect(page.body).to.include('Allowed Logout URLs');
    });
  });
});
