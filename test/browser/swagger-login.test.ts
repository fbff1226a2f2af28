/**
 * The docs page's sign-in, end to end in real headless Chromium: the sample app's Swagger UI, the
 * local Auth0-shaped tenant's login page, authorization code + PKCE, implicit, password and client
 * credentials, "Try it out", and "Log out of Auth0". A failing test leaves screenshots in test-results/.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { LocalTenant } from 'routing-controllers-auth0/testing';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium';
import Koa from 'koa';
import { useKoaServer } from 'routing-controllers';
import { ALL_SCHEME_KINDS, useKoaDocs } from 'routing-controllers-auth0/openapi';
import { SampleApi } from '../../sample/api';
import { createSampleApp, createSampleAuth, sampleDocsUrl, settingsFromEnv } from '../../sample/app';
import { DocsPage, type Credentials } from './docs-page';

const ADMIN: Credentials = { email: 'admin@example.com', password: 'admin' };
const USER: Credentials = { email: 'user@example.com', password: 'user' };
const CODE = 'Auth0AuthorizationCode';
const IMPLICIT = 'Auth0Implicit';
const PASSWORD = 'Auth0Password';
const CLIENT_CREDENTIALS = 'Auth0ClientCredentials';

describe('Swagger UI sign-in in headless Chromium (local tenant)', function () {
  this.timeout(120_000);

  let tenant: LocalTenant | undefined;
  let server: Server | undefined;
  let profile: string | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let docs: DocsPage;
  let adminId: string;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.warn(`    skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
      this.skip();
    }
    tenant = await LocalTenant.start();
    adminId = tenant.users.find((u) => u.email === ADMIN.email)!.userId;
    const settings = settingsFromEnv({
      AUTH0_DOMAIN: tenant.issuer,
      AUTH0_API_AUDIENCE: tenant.audience,
      AUTH0_CLIENT_ID: tenant.spaClient.clientId,
      AUTH0_EMAIL_CLAIM: tenant.emailClaim,
    });
    server = createSampleApp(createSampleAuth(settings)).listen(0, '127.0.0.1');
    await new Promise((resolve) => server!.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    profile = mkdtempSync(join(tmpdir(), 'rc-auth0-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    context.setDefaultTimeout(20_000);
    page = context.pages()[0] ?? (await context.newPage());
    docs = new DocsPage(page, sampleDocsUrl(base));
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || context === undefined) return;
    mkdirSync('test-results', { recursive: true });
    const slug = (this.currentTest.title || 'test').replace(/[^a-z0-9]+/gi, '-').slice(0, 80);
    for (const [index, open] of context.pages().entries()) {
      const path = join('test-results', `browser-${slug}-${index}.png`);
      await open.screenshot({ path, fullPage: true }).catch(() => undefined);
      console.warn(`    screenshot: ${path} (${open.url()})`);
    }
  });

  after(async () => {
    await context?.close();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise((resolve) => server!.close(resolve));
    }
    await tenant?.close();
  });

  it('not signed in, "Try it out" on /secure/blabla shows 401; the page loads nothing from the network', async () => {
    const origins = new Set<string>();
    const paths = new Set<string>();
    const errors: string[] = [];
    const record = (request: { url(): string }): void => {
      const url = new URL(request.url());
      if (url.protocol === 'http:' || url.protocol === 'https:') origins.add(url.origin);
      if (url.origin === new URL(docs.docsUrl).origin) paths.add(url.pathname);
    };
    const recordError = (error: Error): void => {
      errors.push(error.message);
    };
    context!.on('request', record);
    page.on('pageerror', recordError);
    await docs.open();
    context!.off('request', record);
    page.off('pageerror', recordError);
    // Only the app itself: no scheme reads the tenant's discovery document by default.
    expect([...origins]).to.deep.equal([new URL(docs.docsUrl).origin]);
    // The initializer script read its configuration beside the page, and ran without an error.
    expect([...paths]).to.include.members(['/docs/swagger-initializer.js', '/docs/swagger-initializer.json', '/openapi.json']);
    expect(errors).to.deep.equal([]);
    expect(await page.evaluate(() => typeof (globalThis as { ui?: unknown }).ui)).to.equal('object');
    const result = await docs.execute('/secure/blabla');
    expect(result.authorization).to.equal(undefined);
    expect(result.status).to.equal(401);
    expect(result.response.status()).to.equal(401);
    expect(await result.response.headerValue('www-authenticate')).to.match(
      new RegExp(
        `^Bearer realm="${tenant!.audience.replace(/\./g, '\\.')}", scope="read:blabla", resource_metadata="http://127\\.0\\.0\\.1:\\d+/\\.well-known/oauth-protected-resource", DPoP algs="ES256 RS256 PS256 EdDSA"$`,
      ),
    );
    expect(result.body).to.deep.equal({ error: 'unauthorized', message: 'Missing bearer token' });
  });

  it('the Authorize dialog has four sections; no lock on /public, the open lock on /secure and /guest before sign-in', async () => {
    await docs.open();
    await page.locator('.auth-wrapper button.authorize').click();
    const sections = page.locator('.dialog-ux .modal-ux .auth-container');
    await sections.first().waitFor();
    const texts = await sections.allInnerTexts();
    expect(await sections.count()).to.equal(4);
    [CODE, IMPLICIT, CLIENT_CREDENTIALS, 'BearerToken'].forEach((name, index) => {
      expect(texts[index], name).to.include(name);
    });
    await page.locator('.dialog-ux .modal-ux button.btn-done').first().click();
    await page.locator('.dialog-ux').waitFor({ state: 'detached' });
    const lock = (path: string): Locator =>
      page
        .locator('.opblock')
        .filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) })
        .locator('button.authorization__btn');
    expect(await lock('/public').count()).to.equal(0);
    expect(await lock('/secure').getAttribute('aria-label')).to.equal('authorization button unlocked');
    expect(await lock('/guest').getAttribute('aria-label')).to.equal('authorization button unlocked');
    await docs.authorize(CODE, ADMIN);
    expect(await lock('/secure').getAttribute('aria-label')).to.equal('authorization button locked');
    expect(await lock('/guest').getAttribute('aria-label')).to.equal('authorization button locked');
    expect(await lock('/public').count()).to.equal(0);
    // The next tests expect the tenant to ask for a login.
    await docs.logOutOfAuth0(`${tenant!.issuer}v2/logout?`);
  });

  it('authorization code + PKCE as admin@example.com: 200 with the user', async () => {
    await docs.open();
    const authorizeRequest = context!.waitForEvent('request', (r) => r.url().startsWith(`${tenant!.issuer}authorize?`));
    const tokenRequest = page.waitForRequest((r) => r.url().startsWith(`${tenant!.issuer}oauth/token`) && r.method() === 'POST');
    const { loginAsked } = await docs.authorize(CODE, ADMIN);
    expect(loginAsked).to.equal(true);

    // What Swagger UI sent to the tenant: PKCE, the audience once, the pre-selected scope.
    const query = new URL((await authorizeRequest).url()).searchParams;
    expect(query.get('response_type')).to.equal('code');
    expect(query.get('client_id')).to.equal(tenant!.spaClient.clientId);
    expect(query.getAll('audience')).to.deep.equal([tenant!.audience]);
    expect(query.get('code_challenge_method')).to.equal('S256');
    expect(query.get('code_challenge')).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(query.get('scope')).to.equal('read:blabla');
    expect(query.get('redirect_uri')).to.equal(`${new URL(docs.docsUrl).origin}/docs/oauth2-redirect`);
    const form = new URLSearchParams((await tokenRequest).postData() ?? '');
    expect(form.get('grant_type')).to.equal('authorization_code');
    expect(form.get('code_verifier')).to.match(/^[A-Za-z0-9._~-]{43,128}$/);

    const result = await docs.execute('/secure/blabla');
    expect(result.authorization).to.match(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(result.status).to.equal(200);
    expect(result.body).to.deep.equal({
      id: adminId,
      permissions: ['read:blabla'],
      email: 'admin@example.com',
      scopes: ['read:blabla'],
      isMachine: false,
    });
  });

  it('the tenant session outlives the page: without "Log out of Auth0" the next Authorize asks for nothing', async () => {
    await docs.open();
    const { loginAsked } = await docs.authorize(CODE, ADMIN);
    expect(loginAsked).to.equal(false);
    expect((await docs.execute('/secure/blabla')).status).to.equal(200);
  });

  it('"Log out of Auth0" ends it: the next Authorize asks for a login; as user@example.com the call shows 403', async () => {
    await docs.open();
    await docs.logOutOfAuth0(`${tenant!.issuer}v2/logout?`);
    const { loginAsked } = await docs.authorize(CODE, USER);
    expect(loginAsked).to.equal(true);
    const result = await docs.execute('/secure/blabla');
    expect(result.status).to.equal(403);
    expect(result.response.status()).to.equal(403);
    expect(await result.response.headerValue('www-authenticate')).to.match(
      new RegExp(
        `^Bearer realm="${tenant!.audience.replace(/\./g, '\\.')}", error="insufficient_scope", error_description="Missing 'read:blabla' scope", scope="read:blabla", resource_metadata="http://127\\.0\\.0\\.1:\\d+/\\.well-known/oauth-protected-resource"$`,
      ),
    );
    expect(result.body).to.deep.equal({ error: 'insufficient_scope', message: 'Missing "read:blabla" scope', scope: 'read:blabla' });
    // The same user may call what needs no scope.
    const secure = await docs.execute('/secure');
    expect(secure.status).to.equal(200);
    expect(secure.body).to.include({ email: 'user@example.com', isMachine: false });
  });

  it('implicit as admin@example.com (after logging out): 200 with the user', async () => {
    await docs.open();
    await docs.logOutOfAuth0(`${tenant!.issuer}v2/logout?`);
    const authorizeRequest = context!.waitForEvent('request', (r) => r.url().startsWith(`${tenant!.issuer}authorize?`));
    const { loginAsked } = await docs.authorize(IMPLICIT, ADMIN);
    expect(loginAsked).to.equal(true);
    const query = new URL((await authorizeRequest).url()).searchParams;
    expect(query.get('response_type')).to.equal('token');
    expect(query.getAll('audience')).to.deep.equal([tenant!.audience]);
    const result = await docs.execute('/secure/blabla');
    expect(result.authorization).to.match(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(result.status).to.equal(200);
    expect(result.body).to.deep.equal({
      id: adminId,
      permissions: ['read:blabla'],
      email: 'admin@example.com',
      scopes: ['read:blabla'],
      isMachine: false,
    });
  });

  it('password grant (opted in through `schemes`) in the dialog as admin@example.com: the audience goes in the form body; 200 with the user', async () => {
    const auth = createSampleAuth(
      settingsFromEnv({ AUTH0_DOMAIN: tenant!.issuer, AUTH0_API_AUDIENCE: tenant!.audience, AUTH0_CLIENT_ID: tenant!.spaClient.clientId }),
    );
    const routing = {
      controllers: [SampleApi],
      development: false,
      authorizationChecker: auth.authorizationChecker,
      currentUserChecker: auth.currentUserChecker,
    };
    const app = new Koa();
    useKoaDocs(app, auth, { spec: { routing, schemes: ALL_SCHEME_KINDS } });
    useKoaServer(app, routing);
    const every = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => every.once('listening', resolve));
    try {
      const docs = new DocsPage(page, `http://127.0.0.1:${(every.address() as AddressInfo).port}/docs/`);
      await docs.open();
      const tokenRequest = page.waitForRequest((r) => r.url().startsWith(`${tenant!.issuer}oauth/token`) && r.method() === 'POST');
      await docs.authorizeWithForm(
        PASSWORD,
        { oauth_username: ADMIN.email, oauth_password: ADMIN.password, client_id_password: tenant!.spaClient.clientId },
        { password_type: 'request-body' },
      );
      const form = new URLSearchParams((await tokenRequest).postData() ?? '');
      expect(form.get('grant_type')).to.equal('password');
      expect(form.get('audience')).to.equal(tenant!.audience);
      const result = await docs.execute('/secure/blabla');
      expect(result.status).to.equal(200);
      expect(result.body).to.include({ id: adminId, email: 'admin@example.com', isMachine: false });
    } finally {
      every.closeAllConnections();
      await new Promise((resolve) => every.close(resolve));
    }
  });

  it('client credentials in the dialog with the M2M application: the CORS token request from the docs page succeeds; 200 as the machine', async () => {
    await docs.open();
    const m2m = tenant!.m2mClient;
    const tokenResponse = page.waitForResponse(
      (r) => r.url().startsWith(`${tenant!.issuer}oauth/token`) && r.request().method() === 'POST',
    );
    await docs.authorizeWithForm(CLIENT_CREDENTIALS, {
      client_id_clientCredentials: m2m.clientId,
      client_secret_clientCredentials: m2m.clientSecret!,
    });
    const response = await tokenResponse;
    expect(response.status()).to.equal(200);
    expect(response.headers()['access-control-allow-origin']).to.equal(new URL(docs.docsUrl).origin);
    expect(new URLSearchParams(response.request().postData() ?? '').get('audience')).to.equal(tenant!.audience);
    const result = await docs.execute('/secure/blabla');
    expect(result.status).to.equal(200);
    expect(result.body).to.include({ id: `${m2m.clientId}@clients`, isMachine: true });
  });

  it('?organization= in the address: Authorize signs in to that organization; its route 200, another organization’s 403', async () => {
    const acme = tenant!.organization('acme');
    const globex = tenant!.organization('globex');
    await docs.open();
    await docs.logOutOfAuth0(`${tenant!.issuer}v2/logout?`);
    await docs.open('?organization=acme');
    const authorizeRequest = context!.waitForEvent('request', (r) => r.url().startsWith(`${tenant!.issuer}authorize?`));
    expect((await docs.authorize(CODE, ADMIN)).loginAsked).to.equal(true);
    const query = new URL((await authorizeRequest).url()).searchParams;
    expect(query.getAll('organization')).to.deep.equal(['acme']);
    expect(query.getAll('audience')).to.deep.equal([tenant!.audience]);
    const ok = await docs.execute('/orgs/{orgId}/blabla', { orgId: acme.id });
    expect(ok.status).to.equal(200);
    expect(ok.body).to.deep.include({ id: adminId, organization: { id: acme.id, name: 'acme' } });
    const other = await docs.execute('/orgs/{orgId}/blabla', { orgId: globex.id });
    expect(other.status).to.equal(403);
    expect(await other.response.headerValue('www-authenticate')).to.equal(
      `Bearer realm="${tenant!.audience}", error="insufficient_scope", error_description="Organization mismatch: the token is for another organization", resource_metadata="${new URL(docs.docsUrl).origin}/.well-known/oauth-protected-resource"`,
    );

    // As the user, signed in to globex: the same call to acme's route is refused.
    await docs.logOutOfAuth0(`${tenant!.issuer}v2/logout?`);
    await docs.open('?organization=globex');
    expect((await docs.authorize(CODE, USER)).loginAsked).to.equal(true);
    expect((await docs.execute('/orgs/{orgId}/blabla', { orgId: acme.id })).status).to.equal(403);
  });
});
