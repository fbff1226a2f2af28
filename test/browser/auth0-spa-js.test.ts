/**
 * auth0-spa-js 2 in real headless Chromium against the local tenant, as a single-page application
 * uses it against Auth0: loginWithRedirect through the tenant's login form, handleRedirectCallback,
 * silent authentication after a reload (a hidden iframe, `prompt=none&response_mode=web_message`),
 * logout, and refresh tokens with rotation (`useRefreshTokens`, JSON bodies with `useFormData:
 * false`). The page is served by this test on a loopback origin, with the SDK's own production
 * bundle from node_modules; the tokens it gets are then sent to the sample API (sample/app.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { decodeJwt } from 'jose';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { LocalTenant } from 'routing-controllers-auth0/testing';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium';
import { createSampleApp, createSampleAuth, settingsFromEnv } from '../../sample/app';

const SDK = join(__dirname, '../../node_modules/@auth0/auth0-spa-js/dist/auth0-spa-js.production.js');
const CLIENT_ID = 'spa-js-app';

/** What the page's script leaves on `window` once it has run. */
interface Ready {
  authenticated: boolean;
  user: { email?: string; sub?: string } | null;
  error: string | null;
  ms: number;
}

/** The application: createAuth0Client, handleRedirectCallback after a login (or its error), then what it knows. */
const APP = `
(async () => {
  const started = Date.now();
  let error = null;
  const client = await auth0.createAuth0Client(window.SPA_CONFIG);
  window.spa = client;
  const query = new URLSearchParams(location.search);
  if ((query.has('code') || query.has('error')) && query.has('state')) {
    try { await client.handleRedirectCallback(); } catch (e) { error = String((e && e.error) || e); }
    history.replaceState(null, '', '/');
  }
  window.spaReady = { authenticated: await client.isAuthenticated(), user: (await client.getUser()) || null, error, ms: Date.now() - started };
})().catch((e) => { window.spaReady = { authenticated: false, user: null, error: String((e && e.error) || e), ms: -1 }; });
`;

describe('auth0-spa-js in headless Chromium (local tenant)', function () {
  this.timeout(120_000);

  let tenant: LocalTenant | undefined;
  let pageServer: Server | undefined;
  let api: Server | undefined;
  let apiUrl: string;
  let origin: string;
  let config: Record<string, unknown> = {};
  let profile: string | undefined;
  let context: BrowserContext | undefined;
  let page: Page;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.warn(`    skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
      this.skip();
    }
    tenant = await LocalTenant.start({
      clients: [
        {
          type: 'spa',
          clientId: CLIENT_ID,
          name: 'A single-page app',
          redirectUris: ['http://localhost:3000/'],
          logoutUrls: ['http://localhost:3000/'],
        },
      ],
    });
    const sdk = readFileSync(SDK, 'utf8');
    pageServer = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const send = (type: string, body: string): void => {
        res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' }).end(body);
      };
      if (path === '/auth0-spa-js.production.js') send('text/javascript', sdk);
      else if (path === '/config.js') send('text/javascript', `window.SPA_CONFIG = ${JSON.stringify(config)};`);
      else if (path === '/app.js') send('text/javascript', APP);
      else if (path === '/') {
        send(
          'text/html',
          '<!DOCTYPE html><html><head><title>SPA</title></head><body><script src="/auth0-spa-js.production.js"></script><script src="/config.js"></script><script src="/app.js"></script></body></html>',
        );
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => pageServer!.listen(0, '127.0.0.1', resolve));
    // localhost, as the tenant: one site, so the tenant's session cookie (SameSite=Lax) reaches the
    // silent authentication iframe, as with an Auth0 custom domain on the application's own site.
    origin = `http://localhost:${(pageServer.address() as AddressInfo).port}`;
    // The API on another origin answers the page's cross-origin calls (CORS_ORIGINS).
    const settings = settingsFromEnv({ AUTH0_DOMAIN: tenant.issuer, AUTH0_API_AUDIENCE: tenant.audience, CORS_ORIGINS: origin });
    api = createSampleApp(createSampleAuth(settings), undefined, settings.corsOrigins).listen(0, '127.0.0.1');
    await new Promise((resolve) => api!.once('listening', resolve));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });

  beforeEach(async () => {
    profile = mkdtempSync(join(tmpdir(), 'rc-auth0-spa-js-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    context.setDefaultTimeout(20_000);
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterEach(async () => {
    await context?.close();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
  });

  after(async () => {
    for (const server of [pageServer, api]) {
      if (server === undefined) continue;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await tenant?.close();
  });

  function configure(extra: Record<string, unknown> = {}): void {
    config = {
      domain: tenant!.issuer.replace(/\/$/, ''), // over http the scheme must be given (`docs/local-tenant.md`)
      clientId: CLIENT_ID,
      authorizationParams: { redirect_uri: `${origin}/`, audience: tenant!.audience, scope: 'openid profile email read:blabla' },
      ...extra,
    };
  }

  /** Loads the app and waits for its script; resolves with what it knows. */
  async function open(): Promise<Ready> {
    await page.goto(`${origin}/`);
    return (await (
      await page.waitForFunction(() => (globalThis as { spaReady?: unknown }).spaReady, undefined, { timeout: 30_000 })
    ).jsonValue()) as Ready;
  }

  /** loginWithRedirect, the tenant's login form (Universal Login's field names), back to the app. */
  async function logIn(email: string, password: string): Promise<Ready> {
    await page.evaluate(() => (globalThis as unknown as { spa: { loginWithRedirect(): Promise<void> } }).spa.loginWithRedirect());
    await page.waitForURL((url) => url.pathname.startsWith('/u/login/'));
    await page.locator('#username').fill(email);
    await page.locator('#password').fill(password);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.origin === origin);
    return (await (
      await page.waitForFunction(() => (globalThis as { spaReady?: unknown }).spaReady, undefined, { timeout: 30_000 })
    ).jsonValue()) as Ready;
  }

  /** logout(): the tenant's /v2/logout, back to the app, which loads afresh; resolves with what it knows. */
  async function logOut(): Promise<Ready> {
    const returned = page.waitForResponse((response) => new URL(response.url()).pathname === '/v2/logout');
    // /v2/logout answers with a redirect, no page: the next document to load is the app's, afresh.
    const reloaded = page.waitForEvent('load');
    await page.evaluate(() =>
      (globalThis as unknown as { spa: { logout(o: unknown): Promise<void> } }).spa.logout({
        logoutParams: { returnTo: `${location.origin}/` },
      }),
    );
    expect((await returned).status()).to.equal(302);
    await reloaded;
    expect(page.url()).to.equal(`${origin}/`);
    return (await (
      await page.waitForFunction(() => (globalThis as { spaReady?: unknown }).spaReady, undefined, { timeout: 30_000 })
    ).jsonValue()) as Ready;
  }

  async function tokenFromPage(options: Record<string, unknown> = {}): Promise<string> {
    return page.evaluate(
      (o) => (globalThis as unknown as { spa: { getTokenSilently(o: unknown): Promise<string> } }).spa.getTokenSilently(o),
      options,
    );
  }

  /** The page calls the API across origins (CORS), as the SPA would; a refusal's challenge is readable (exposed). */
  async function callApi(token: string, path = '/secure/blabla'): Promise<number> {
    const [status, challenge] = await page.evaluate(
      async ([url, t]) => {
        const res = await fetch(url, { headers: { authorization: `Bearer ${t}` } });
        return [res.status, res.headers.get('www-authenticate')] as const;
      },
      [`${apiUrl}${path}`, token] as const,
    );
    if (status === 403) expect(challenge).to.include('error="insufficient_scope"');
    return status;
  }

  it('loginWithRedirect and handleRedirectCallback: the user, and an access token the API accepts (403 for user@example.com)', async () => {
    configure();
    expect(await open()).to.include({ authenticated: false, error: null });
    const ready = await logIn('admin@example.com', 'admin');
    expect(ready).to.deep.include({ authenticated: true, error: null });
    expect(ready.user?.email).to.equal('admin@example.com');
    const token = await tokenFromPage();
    expect(decodeJwt(token)).to.deep.include({ azp: CLIENT_ID, permissions: ['read:blabla'] });
    expect(await callApi(token)).to.equal(200);

    expect(await logOut()).to.include({ authenticated: false });
    const other = await logIn('user@example.com', 'user');
    expect(other.user?.email).to.equal('user@example.com');
    expect(await callApi(await tokenFromPage())).to.equal(403);
  });

  it('after a reload, signs in silently (iframe, web_message) without the login form; after logout, silently finds no session', async () => {
    configure();
    await open();
    await logIn('admin@example.com', 'admin');
    const authorizeRequests: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/authorize') authorizeRequests.push(url.search);
    });
    const reloaded = await open();
    expect(reloaded).to.deep.include({ authenticated: true, error: null });
    expect(reloaded.user?.email).to.equal('admin@example.com');
    // Answered by the tenant's web_message page, not after auth0-spa-js's 60 s timeout.
    expect(reloaded.ms).to.be.lessThan(10_000);
    expect(authorizeRequests.some((search) => search.includes('prompt=none') && search.includes('response_mode=web_message'))).to.equal(
      true,
    );
    expect(await callApi(await tokenFromPage())).to.equal(200);

    // Back from /v2/logout, the app loads afresh: its silent authentication finds no session.
    const signedOut = await logOut();
    expect(signedOut).to.deep.include({ authenticated: false });
    expect(signedOut.ms).to.be.lessThan(10_000);
  });

  it('useRefreshTokens with JSON bodies: offline_access, grant_type=refresh_token with rotation; a reused refresh token ends the family', async () => {
    configure({
      useRefreshTokens: true,
      cacheLocation: 'localstorage',
      useFormData: false,
      authorizationParams: {
        redirect_uri: `${origin}/`,
        audience: tenant!.audience,
        scope: 'openid profile email offline_access read:blabla',
      },
    });
    await open();
    const tokenBodies: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/oauth/token' && request.method() === 'POST') {
        tokenBodies.push(`${request.headers()['content-type']} ${request.postData() ?? ''}`);
      }
    });
    const ready = await logIn('admin@example.com', 'admin');
    expect(ready).to.deep.include({ authenticated: true, error: null });
    const refreshTokens = (): Promise<string[]> =>
      page.evaluate(() =>
        Object.keys(localStorage)
          .map((key) => JSON.parse(localStorage.getItem(key) ?? '{}')?.body?.refresh_token as string | undefined)
          .filter((token): token is string => typeof token === 'string'),
      );
    const [first] = await refreshTokens();
    expect(first).to.be.a('string');
    expect(tokenBodies[0]).to.match(/^application\/json /);
    expect(JSON.parse(tokenBodies[0].slice(tokenBodies[0].indexOf(' ') + 1))).to.include({ grant_type: 'authorization_code' });

    const refreshed = await tokenFromPage({ cacheMode: 'off' });
    expect(JSON.parse(tokenBodies.at(-1)!.slice(tokenBodies.at(-1)!.indexOf(' ') + 1))).to.include({ grant_type: 'refresh_token' });
    expect(decodeJwt(refreshed).scope).to.equal('openid profile email offline_access read:blabla');
    expect(await callApi(refreshed)).to.equal(200);
    const [second] = await refreshTokens();
    expect(second).to.be.a('string').and.not.equal(first);

    // A stolen, already used refresh token: refused, and the family it belongs to is revoked.
    const reuse = await fetch(tenant!.urls.token, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: first }),
    });
    expect(reuse.status).to.equal(403);
    expect(await reuse.json()).to.deep.equal({ error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' });
    const afterReuse = await page.evaluate(() =>
      (globalThis as unknown as { spa: { getTokenSilently(o: unknown): Promise<string> } }).spa.getTokenSilently({ cacheMode: 'off' }).then(
        () => 'token',
        (e: { error?: string }) => e.error ?? String(e),
      ),
    );
    expect(afterReuse).to.equal('invalid_grant');
  });

  it('loginWithRedirect with authorizationParams.organization: the SDK checks the organization in the ID token; 200 on its route, 403 on another’s; a reload keeps it', async () => {
    const acme = tenant!.organization('acme');
    const globex = tenant!.organization('globex');
    const signInTo = (organization: string): void =>
      configure({
        authorizationParams: {
          redirect_uri: `${origin}/`,
          audience: tenant!.audience,
          scope: 'openid profile email read:blabla',
          organization,
        },
      });
    const idTokenClaims = (): Promise<Record<string, unknown>> =>
      page.evaluate(() =>
        (globalThis as unknown as { spa: { getIdTokenClaims(): Promise<Record<string, unknown>> } }).spa.getIdTokenClaims(),
      );

    // By name: auth0-spa-js refuses an ID token without a matching org_name (it passed: the user is signed in).
    signInTo('acme');
    await open();
    expect(await logIn('admin@example.com', 'admin')).to.deep.include({ authenticated: true, error: null });
    expect(await idTokenClaims()).to.deep.include({ org_id: acme.id, org_name: 'acme' });
    const token = await tokenFromPage();
    expect(decodeJwt(token)).to.deep.include({ org_id: acme.id, org_name: 'acme', permissions: ['read:blabla'] });
    expect(await callApi(token, `/orgs/${acme.id}/blabla`)).to.equal(200);
    expect(await callApi(token, `/orgs/${globex.id}/blabla`)).to.equal(403);

    // A reload signs in silently, to the same organization (the SDK sends its organization hint).
    const authorizeRequests: URLSearchParams[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/authorize') authorizeRequests.push(url.searchParams);
    });
    expect(await open()).to.deep.include({ authenticated: true, error: null });
    expect(authorizeRequests.some((query) => query.get('prompt') === 'none' && query.get('organization') !== null)).to.equal(true);
    const silent = await tokenFromPage({ cacheMode: 'off' });
    expect(decodeJwt(silent)).to.deep.include({ org_id: acme.id });
    expect(await callApi(silent, `/orgs/${acme.id}/blabla`)).to.equal(200);

    // By id, as the user, to globex: signed in, but globex's route needs read:blabla there (403), and acme's is another organization (403).
    await logOut();
    signInTo(globex.id);
    await open();
    expect(await logIn('user@example.com', 'user')).to.deep.include({ authenticated: true, error: null });
    expect(await idTokenClaims()).to.deep.include({ org_id: globex.id });
    const user = await tokenFromPage();
    expect(await callApi(user, `/orgs/${globex.id}/blabla`)).to.equal(403);
    expect(await callApi(user, `/orgs/${acme.id}/blabla`)).to.equal(403);

    // Not a member: the tenant sends Auth0's access_denied back, and the SDK reports it.
    await logOut();
    signInTo('acme');
    await open();
    expect(await logIn('user@example.com', 'user')).to.deep.include({ authenticated: false, error: 'access_denied' });
  });
});
