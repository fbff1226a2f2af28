import { expect } from 'chai';
import { decodeJwt } from 'jose';
import { LocalTenant, LocalTenantError } from 'routing-controllers-auth0/testing';
import { MemoryStore } from '../../src/testing/local-tenant/adapter';
import { dynamicRegistration, MAX_REGISTRATIONS } from '../../src/testing/local-tenant/registration';
import { rejectionOf } from '../support/errors';
import { authorizationCode, Browser } from './browser';

const API = 'https://api.example.com';
const MCP = 'http://localhost:3000/mcp';
const CALLBACK = 'http://127.0.0.1:8123/callback';

describe('the local tenant: dynamic client registration (RFC 7591) and resource indicators (RFC 8707)', () => {
  let tenant: LocalTenant;

  before(async () => {
    tenant = await LocalTenant.start({ additionalAudiences: [MCP] });
  });
  after(() => tenant.close());

  async function register(metadata: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${tenant.issuer}oidc/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(metadata),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function publicClient(): Promise<string> {
    const { status, body } = await register({
      client_name: 'An MCP client',
      redirect_uris: [CALLBACK],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
    expect(status).to.equal(201);
    return body.client_id as string;
  }

  async function exchange(params: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(tenant.urls.token, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  describe('registration at /oidc/register', () => {
    it('is advertised as registration_endpoint in the discovery document', async () => {
      const discovery = (await (await fetch(tenant.urls.discovery)).json()) as Record<string, unknown>;
      expect(discovery.registration_endpoint).to.equal(`${tenant.issuer}oidc/register`);
    });

    it('registers a public client with a loopback callback, without a token, as a third-party application', async () => {
      const { status, body } = await register({ redirect_uris: [CALLBACK], token_endpoint_auth_method: 'none', client_name: 'x' });
      expect(status).to.equal(201);
      expect(body.client_id).to.be.a('string');
      expect(body.is_first_party).to.equal(false);
      expect(body.redirect_uris).to.deep.equal([CALLBACK]);
      expect(body).not.to.have.property('registration_access_token');
    });

    it("takes a scope member naming API permissions (MCP clients send the resource's scopes) without limiting the client", async () => {
      const { status, body } = await register({ redirect_uris: [CALLBACK], scope: 'openid read:blabla' });
      expect(status, JSON.stringify(body)).to.equal(201);
    });

    it('accepts https callbacks and localhost / [::1] over http', async () => {
      for (const uri of ['https://app.example.com/cb', 'http://localhost:9/cb', 'http://[::1]:9/cb']) {
        expect((await register({ redirect_uris: [uri] })).status, uri).to.equal(201);
      }
    });

    for (const uri of ['javascript:alert(1)', 'data:text/html,hi', 'http://app.example.com/cb', 'http://10.0.0.1/cb', 'not a url']) {
      it(`refuses the redirect URI ${uri} with 400 invalid_redirect_uri`, async () => {
        const { status, body } = await register({ redirect_uris: ['https://ok.example.com/cb', uri] });
        expect(status).to.equal(400);
        expect(body.error).to.equal('invalid_redirect_uri');
      });
    }

    for (const grant of ['password', 'client_credentials', 'implicit']) {
      it(`refuses the ${grant} grant for a third-party application (400 invalid_client_metadata)`, async () => {
        const { status, body } = await register({ redirect_uris: [CALLBACK], grant_types: ['authorization_code', grant] });
        expect(status).to.equal(400);
        expect(body.error).to.equal('invalid_client_metadata');
        expect(body.error_description).to.include(grant);
      });
    }

    it('refuses response types other than code, and a body that is not an object', async () => {
      expect((await register({ redirect_uris: [CALLBACK], response_types: ['code id_token'] })).body.error).to.equal(
        'invalid_client_metadata',
      );
      expect((await register([CALLBACK])).status).to.equal(400);
    });

    it('a registered client signs a demo user in with code + PKCE and `resource`, and gets a token for that API', async () => {
      const clientId = await publicClient();
      const { code, verifier } = await authorizationCode(
        tenant.urls.authorize,
        { client_id: clientId, scope: 'openid read:blabla', resource: MCP, state: 's' },
        CALLBACK,
      );
      const { status, body } = await exchange({
        grant_type: 'authorization_code',
        client_id: clientId,
        code,
        code_verifier: verifier,
        redirect_uri: CALLBACK,
        resource: MCP,
      });
      expect(status, JSON.stringify(body)).to.equal(200);
      const claims = decodeJwt(body.access_token as string);
      expect(claims.aud).to.deep.equal([MCP, `${tenant.issuer}userinfo`]);
      expect(claims.scope).to.equal('openid read:blabla');
      expect(claims.permissions).to.deep.equal(['read:blabla']);
      expect(claims.azp).to.equal(clientId);
    });

    it("the login page shows a registered client's name", async () => {
      const clientId = await publicClient();
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: CALLBACK,
        scope: 'read:blabla',
        resource: MCP,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      });
      const page = await new Browser().navigate(`${tenant.urls.authorize}?${query}`, CALLBACK);
      expect(page.status).to.equal(200);
      expect(page.body).to.include('An MCP client');
    });

    it('a registered client may not use the password grant', async () => {
      const clientId = await publicClient();
      const { status, body } = await exchange({
        grant_type: 'password',
        client_id: clientId,
        username: 'admin@example.com',
        password: 'admin',
        audience: API,
      });
      expect(status).to.equal(403);
      expect(body.error).to.equal('unauthorized_client');
    });

    it(`keeps at most ${MAX_REGISTRATIONS} registrations: past the bound the oldest is forgotten`, async () => {
      const store = new MemoryStore();
      const clients = store.adapter('Client');
      const middleware = dynamicRegistration(store, 2);
      const ids = ['a', 'b', 'c'];
      for (const id of ids) {
        await clients.upsert(id, { client_id: id }, undefined);
        const ctx = {
          path: '/oidc/register',
          method: 'POST',
          status: 0,
          body: undefined as unknown,
          is: () => false,
          set: () => {},
        };
        await middleware(ctx as never, async () => {
          ctx.status = 201;
          ctx.body = { client_id: id };
        });
        expect((ctx.body as Record<string, unknown>).is_first_party).to.equal(false);
      }
      expect(await clients.find('a')).to.equal(undefined);
      expect(await clients.find('b')).to.deep.equal({ client_id: 'b' });
      expect(await clients.find('c')).to.deep.equal({ client_id: 'c' });
    });
  });

  describe('resource names the API as audience does, at /authorize and /oauth/token', () => {
    const m2m = (params: Record<string, string>) =>
      tenant.requestToken({
        grant_type: 'client_credentials',
        client_id: tenant.m2mClient.clientId,
        client_secret: tenant.m2mClient.clientSecret as string,
        ...params,
      });
    const password = (params: Record<string, string>) =>
      tenant.requestToken({
        grant_type: 'password',
        client_id: tenant.spaClient.clientId,
        username: 'admin@example.com',
        password: 'admin',
        scope: 'read:blabla',
        ...params,
      });

    it('lists every API of the tenant', () => {
      expect(tenant.audiences).to.deep.equal([API, MCP]);
    });

    for (const [name, grant] of [
      ['client credentials', m2m],
      ['password', password],
    ] as const) {
      it(`${name}: resource names the API; the API's permissions hold there too`, async () => {
        const claims = decodeJwt((await grant({ resource: MCP })).access_token);
        expect(claims.aud).to.equal(MCP);
        expect(claims.permissions).to.deep.equal(['read:blabla']);
      });

      it(`${name}: with both, audience wins`, async () => {
        expect(decodeJwt((await grant({ audience: API, resource: 'https://unknown.example.com' })).access_token).aud).to.equal(API);
        expect(decodeJwt((await grant({ audience: MCP, resource: API })).access_token).aud).to.equal(MCP);
      });

      it(`${name}: an unknown resource is 403 access_denied "Service not found"`, async () => {
        const error = await rejectionOf<LocalTenantError>(grant({ resource: 'https://unknown.example.com' }));
        expect(error.status).to.equal(403);
        expect(error.error).to.equal('access_denied');
        expect(error.message).to.include('Service not found: https://unknown.example.com');
      });
    }

    async function codeFor(params: Record<string, string>): Promise<{ code: string; verifier: string }> {
      return authorizationCode(
        tenant.urls.authorize,
        { client_id: 'local-spa-client', scope: 'read:blabla offline_access', state: 's', ...params },
        'http://localhost:3000/docs/oauth2-redirect',
      );
    }

    async function codeExchange(code: string, verifier: string, extra: Record<string, string> = {}) {
      return exchange({
        grant_type: 'authorization_code',
        client_id: 'local-spa-client',
        code,
        code_verifier: verifier,
        redirect_uri: 'http://localhost:3000/docs/oauth2-redirect',
        ...extra,
      });
    }

    it('authorization code: resource at /authorize names the API, and the refresh token keeps it', async () => {
      const { code, verifier } = await codeFor({ resource: MCP });
      const { status, body } = await codeExchange(code, verifier, { resource: MCP });
      expect(status, JSON.stringify(body)).to.equal(200);
      expect(decodeJwt(body.access_token as string).aud).to.equal(MCP);
      const refreshed = await exchange({
        grant_type: 'refresh_token',
        client_id: 'local-spa-client',
        refresh_token: body.refresh_token as string,
        resource: MCP,
      });
      expect(refreshed.status, JSON.stringify(refreshed.body)).to.equal(200);
      expect(decodeJwt(refreshed.body.access_token as string).aud).to.equal(MCP);
      expect(decodeJwt(refreshed.body.access_token as string).scope).to.equal('read:blabla offline_access');
    });

    it('authorization code: with audience and resource at /authorize, audience wins', async () => {
      const { code, verifier } = await codeFor({ audience: API, resource: MCP });
      const { body } = await codeExchange(code, verifier);
      expect(decodeJwt(body.access_token as string).aud).to.equal(API);
    });

    it('authorization code: an unknown resource at /authorize comes back as access_denied "Service not found"', async () => {
      const browser = new Browser();
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: 'local-spa-client',
        redirect_uri: 'http://localhost:3000/docs/oauth2-redirect',
        scope: 'read:blabla',
        resource: 'https://unknown.example.com',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      });
      let page = await browser.navigate(`${tenant.urls.authorize}?${query}`, 'http://localhost:3000/docs/oauth2-redirect');
      if (page.status === 200) page = await browser.logIn(page, 'admin@example.com', 'admin', 'http://localhost:3000/docs/oauth2-redirect');
      const callback = new URL(page.location as string);
      expect(callback.searchParams.get('error')).to.equal('access_denied');
      expect(callback.searchParams.get('error_description')).to.include('Service not found: https://unknown.example.com');
    });

    it('refresh: a resource the grant does not hold is refused', async () => {
      const { code, verifier } = await codeFor({ resource: MCP });
      const { body } = await codeExchange(code, verifier);
      const refreshed = await exchange({
        grant_type: 'refresh_token',
        client_id: 'local-spa-client',
        refresh_token: body.refresh_token as string,
        resource: API,
      });
      expect(refreshed.status).to.be.oneOf([400, 403]);
    });
  });
});
