/**
 * Auth0 Organizations at the local tenant over real HTTP: the authorization code flow with PKCE
 * signing in to an organization by name or id, without one, as a non-member, to an unknown one and
 * as a member without the permission; client credentials for an organization; the application's
 * organization setting; names switched off; refresh tokens and silent sign-in keeping the
 * organization. The tokens then go to a routing-controllers app with `inOrganization`.
 */
import { expect } from 'chai';
import { decodeJwt } from 'jose';
import { Authorized, CurrentUser, Get, JsonController, Param } from 'routing-controllers';
import { LocalTenant, LocalTenantError, type SeededOrganization } from 'routing-controllers-auth0/testing';
import { Auth0ConfigError, type Auth0User, inOrganization } from '../../src';
import { get, startKoa, type Running } from '../support/server';
import { Browser, pkce } from './browser';

const API = 'https://api.example.com';
const CALLBACK = 'http://localhost:3000/docs/oauth2-redirect';

@JsonController('/orgs')
class TenantOrganizationsApi {
  @Get('/:orgId/blabla')
  @Authorized(['read:blabla', inOrganization({ param: 'orgId' })])
  blabla(@Param('orgId') orgId: string, @CurrentUser() user: Auth0User) {
    return { orgId, organization: user.organization };
  }
}

/** What the callback got: the code, or the error; and the state. */
interface Callback {
  code: string | null;
  error: string | null;
  description: string | null;
  state: string | null;
  verifier: string;
}

describe('the local tenant: Auth0 Organizations', () => {
  let tenant: LocalTenant;
  let app: Running;
  let acme: SeededOrganization;
  let globex: SeededOrganization;

  before(async () => {
    tenant = await LocalTenant.start();
    app = await startKoa(tenant.auth0(), [TenantOrganizationsApi]);
    acme = tenant.organization('acme');
    globex = tenant.organization('globex');
  });
  after(async () => {
    await app.close();
    await tenant.close();
  });

  async function tokenRequest(params: Record<string, string>): Promise<{ status: number; body: Record<string, string> }> {
    const res = await fetch(tenant.urls.token, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  }

  /** `/authorize` with PKCE for the SPA, the login form when it is shown, and what the callback gets. */
  async function signIn(
    browser: Browser,
    params: Record<string, string>,
    user?: { email: string; password: string },
    clientId = 'local-spa-client',
  ): Promise<Callback> {
    const { verifier, challenge } = pkce();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: CALLBACK,
      audience: API,
      scope: 'openid read:blabla',
      state: 'st4te',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...params,
    });
    let page = await browser.navigate(`${tenant.urls.authorize}?${query}`, CALLBACK);
    if (page.status === 200 && user !== undefined) page = await browser.logIn(page, user.email, user.password, CALLBACK);
    expect(page.location, `${page.status} ${page.body.slice(0, 300)}`).to.be.a('string');
    const callback = new URL(page.location as string);
    expect(`${callback.origin}${callback.pathname}`).to.equal(CALLBACK);
    const { searchParams: q } = callback;
    return { code: q.get('code'), error: q.get('error'), description: q.get('error_description'), state: q.get('state'), verifier };
  }

  async function exchange(callback: Callback, clientId = 'local-spa-client'): Promise<Record<string, string>> {
    expect(callback.error, callback.description ?? '').to.equal(null);
    const res = await tokenRequest({
      grant_type: 'authorization_code',
      client_id: clientId,
      code: callback.code as string,
      code_verifier: callback.verifier,
      redirect_uri: CALLBACK,
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body;
  }

  const ADMIN = { email: 'admin@example.com', password: 'admin' };
  const USER = { email: 'user@example.com', password: 'user' };

  it("seeds acme and globex with ids like Auth0's (org_ and 16 letters and digits), the same on every start", async () => {
    expect(acme.id).to.match(/^org_[A-Za-z0-9]{16}$/);
    expect(globex.id).to.match(/^org_[A-Za-z0-9]{16}$/);
    expect(acme.id).not.to.equal(globex.id);
    expect(acme.members.map((m) => [m.email, m.roles])).to.deep.equal([['admin@example.com', ['blabla-reader']]]);
    expect(globex.members.map((m) => [m.email, m.roles])).to.deep.equal([['user@example.com', []]]);
    expect(acme.clients).to.deep.equal(['local-m2m-client']);
    const again = await LocalTenant.start();
    try {
      expect(again.organization('acme').id).to.equal(acme.id);
    } finally {
      await again.close();
    }
  });

  describe('the authorization code flow with PKCE', () => {
    it('by name: the access and ID tokens carry org_id and org_name, and the permissions of the role there', async () => {
      const body = await exchange(await signIn(new Browser(), { organization: 'acme' }, ADMIN));
      const access = decodeJwt(body.access_token);
      expect(access).to.deep.include({ org_id: acme.id, org_name: 'acme', permissions: ['read:blabla'], scope: 'openid read:blabla' });
      expect(decodeJwt(body.id_token)).to.deep.include({ org_id: acme.id, org_name: 'acme', sub: access.sub });
      const res = await get(`${app.url}/orgs/${acme.id}/blabla`, { token: body.access_token });
      expect([res.status, res.body]).to.deep.equal([200, { orgId: acme.id, organization: { id: acme.id, name: 'acme' } }]);
      expect((await get(`${app.url}/orgs/${globex.id}/blabla`, { token: body.access_token })).status).to.equal(403);
    });

    it('by id: the same organization; a name in upper case is the same name', async () => {
      const byId = decodeJwt((await exchange(await signIn(new Browser(), { organization: acme.id }, ADMIN))).access_token);
      expect(byId).to.deep.include({ org_id: acme.id, org_name: 'acme' });
      const upper = decodeJwt((await exchange(await signIn(new Browser(), { organization: 'ACME' }, ADMIN))).id_token);
      expect(upper).to.deep.include({ org_id: acme.id, org_name: 'acme' });
    });

    it('without an organization: no org_id nor org_name, and the user’s own permissions', async () => {
      const body = await exchange(await signIn(new Browser(), {}, ADMIN));
      const access = decodeJwt(body.access_token);
      expect(access).not.to.have.property('org_id');
      expect(access).not.to.have.property('org_name');
      expect(decodeJwt(body.id_token)).not.to.have.property('org_id');
      expect(access.permissions).to.deep.equal(['read:blabla']);
      const res = await get(`${app.url}/orgs/${acme.id}/blabla`, { token: body.access_token });
      expect([res.status, res.body.message]).to.deep.equal([403, 'Organization mismatch: the token is for no organization']);
    });

    it("a non-member: back to the callback with Auth0's access_denied and no code", async () => {
      const callback = await signIn(new Browser(), { organization: 'acme' }, USER);
      const userId = tenant.users.find((u) => u.email === USER.email)?.userId;
      expect(callback).to.deep.include({
        code: null,
        error: 'access_denied',
        description: `user ${userId} is not part of the ${acme.id} organization`,
        state: 'st4te',
      });
    });

    it('an unknown organization: back to the callback with invalid_request, before any login form', async () => {
      for (const organization of ['initech', 'org_Unknown0000000', 'ACME ', '__proto__']) {
        const callback = await signIn(new Browser(), { organization });
        expect(callback, organization).to.deep.include({
          code: null,
          error: 'invalid_request',
          description: 'parameter organization is invalid',
          state: 'st4te',
        });
      }
    });

    it('a member without the permission: a token of the organization without read:blabla, refused by the API (403)', async () => {
      const body = await exchange(await signIn(new Browser(), { organization: 'globex' }, USER));
      const access = decodeJwt(body.access_token);
      expect(access).to.deep.include({ org_id: globex.id, org_name: 'globex', permissions: [], scope: 'openid' });
      const res = await get(`${app.url}/orgs/${globex.id}/blabla`, { token: body.access_token });
      expect([res.status, res.body]).to.deep.equal([
        403,
        { error: 'insufficient_scope', message: 'Missing "read:blabla" scope', scope: 'read:blabla' },
      ]);
    });

    it('the admin holds read:blabla of their own but not in globex: a non-member there, whatever they hold elsewhere', async () => {
      const callback = await signIn(new Browser(), { organization: globex.id }, ADMIN);
      expect(callback.error).to.equal('access_denied');
    });

    it('a signed-in browser signing in to another organization: each sign-in gets the organization it asked for', async () => {
      const browser = new Browser();
      const first = decodeJwt((await exchange(await signIn(browser, { organization: 'acme' }, ADMIN))).access_token);
      expect(first.org_id).to.equal(acme.id);
      // The session stays: no form; a sign-in to no organization has none, one to a non-member organization is refused.
      const plain = decodeJwt((await exchange(await signIn(browser, {}))).access_token);
      expect(plain).not.to.have.property('org_id');
      expect((await signIn(browser, { organization: 'globex' })).error).to.equal('access_denied');
      const again = decodeJwt((await exchange(await signIn(browser, { organization: acme.id }))).access_token);
      expect(again).to.deep.include({ org_id: acme.id, permissions: ['read:blabla'] });
    });
  });

  describe('client credentials for an organization', () => {
    it('the M2M application granted acme gets a token with org_id and org_name, which the organization’s route accepts', async () => {
      for (const organization of ['acme', acme.id]) {
        const token = await tenant.machineToken({ organization });
        expect(decodeJwt(token)).to.deep.include({
          org_id: acme.id,
          org_name: 'acme',
          gty: 'client-credentials',
          sub: 'local-m2m-client@clients',
          scope: 'read:blabla',
        });
        expect((await get(`${app.url}/orgs/${acme.id}/blabla`, { token })).status).to.equal(200);
        expect((await get(`${app.url}/orgs/${globex.id}/blabla`, { token })).status).to.equal(403);
      }
      expect(decodeJwt(await tenant.machineToken())).not.to.have.property('org_id');
    });

    it('an organization it is not granted is 403 access_denied; an unknown one 400 invalid_request', async () => {
      const params = { grant_type: 'client_credentials', client_id: 'local-m2m-client', client_secret: 'local-m2m-secret', audience: API };
      expect(await tokenRequest({ ...params, organization: 'globex' })).to.deep.equal({
        status: 403,
        body: {
          error: 'access_denied',
          error_description: `client local-m2m-client is not authorized to access the ${globex.id} organization`,
        },
      });
      expect(await tokenRequest({ ...params, organization: 'initech' })).to.deep.equal({
        status: 400,
        body: { error: 'invalid_request', error_description: 'parameter organization is invalid' },
      });
      const error = await tenant.machineToken({ organization: globex.id }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(LocalTenantError).and.include({ status: 403, error: 'access_denied' });
    });
  });

  describe('refresh tokens and silent sign-in keep the organization', () => {
    it('a refresh token of a sign-in to acme gives acme tokens, also after the browser signed in to no organization', async () => {
      const browser = new Browser();
      const first = await exchange(await signIn(browser, { organization: 'acme', scope: 'openid offline_access read:blabla' }, ADMIN));
      expect(first.refresh_token).to.be.a('string');
      // The same session signs in again, to no organization: the older refresh token keeps acme.
      const plain = await exchange(await signIn(browser, { scope: 'openid offline_access read:blabla' }));
      expect(decodeJwt(plain.access_token)).not.to.have.property('org_id');
      const refreshed = await tokenRequest({
        grant_type: 'refresh_token',
        client_id: 'local-spa-client',
        refresh_token: first.refresh_token,
      });
      expect(refreshed.status).to.equal(200);
      expect(decodeJwt(refreshed.body.access_token)).to.deep.include({ org_id: acme.id, org_name: 'acme', permissions: ['read:blabla'] });
      expect(decodeJwt(refreshed.body.id_token)).to.deep.include({ org_id: acme.id, org_name: 'acme' });
      const plainRefreshed = await tokenRequest({
        grant_type: 'refresh_token',
        client_id: 'local-spa-client',
        refresh_token: plain.refresh_token,
      });
      expect(decodeJwt(plainRefreshed.body.access_token)).not.to.have.property('org_id');
    });

    it('silent sign-in (prompt=none, web_message) with the organization: its code gives tokens of that organization; a non-member gets access_denied', async () => {
      const browser = new Browser();
      await exchange(await signIn(browser, { organization: acme.id }, ADMIN));
      const silent = async (organization: string): Promise<Record<string, string>> => {
        const { verifier, challenge } = pkce();
        const page = await browser.request(
          `${tenant.urls.authorize}?${new URLSearchParams({
            response_type: 'code',
            response_mode: 'web_message',
            prompt: 'none',
            client_id: 'local-spa-client',
            redirect_uri: CALLBACK,
            audience: API,
            scope: 'openid read:blabla',
            state: 'silent',
            organization,
            code_challenge: challenge,
            code_challenge_method: 'S256',
          })}`,
        );
        const data = /var data = (\{.*?\});\n/s.exec(page.body)?.[1];
        const { response } = JSON.parse(data ?? '{}') as { response: Record<string, string> };
        return { ...response, verifier };
      };
      const ok = await silent(acme.id);
      expect(ok.state).to.equal('silent');
      const body = await exchange({ code: ok.code, error: null, description: null, state: ok.state, verifier: ok.verifier });
      expect(decodeJwt(body.access_token)).to.deep.include({ org_id: acme.id, permissions: ['read:blabla'] });
      expect(decodeJwt(body.id_token)).to.deep.include({ org_id: acme.id, org_name: 'acme' });
      expect(await silent(globex.id)).to.deep.include({ error: 'access_denied', state: 'silent' });
    });
  });

  describe('settings', () => {
    it('names switched off (the tenant setting): a name is invalid_request, an id works, tokens carry org_id only', async () => {
      const idsOnly = await LocalTenant.start({ organizationNames: false });
      try {
        const saved = tenant;
        tenant = idsOnly;
        try {
          expect((await signIn(new Browser(), { organization: 'acme' })).error).to.equal('invalid_request');
          const body = await exchange(await signIn(new Browser(), { organization: idsOnly.organization('acme').id }, ADMIN));
          expect(decodeJwt(body.access_token)).to.include({ org_id: acme.id }).and.not.have.property('org_name');
          expect(decodeJwt(body.id_token)).not.to.have.property('org_name');
          expect(decodeJwt(await idsOnly.machineToken({ organization: acme.id }))).not.to.have.property('org_name');
        } finally {
          tenant = saved;
        }
      } finally {
        await idsOnly.close();
      }
    });

    it("the application's organization setting: deny refuses an organization, require refuses a sign-in without one", async () => {
      const custom = await LocalTenant.start({
        clients: [
          { type: 'spa', clientId: 'individuals', organizationUsage: 'deny' },
          { type: 'spa', clientId: 'business', organizationUsage: 'require' },
        ],
        organizations: [{ name: 'acme', id: 'org_Custom1', members: [{ email: 'admin@example.com', roles: ['blabla-reader'] }] }],
      });
      const saved = tenant;
      tenant = custom;
      try {
        expect(await signIn(new Browser(), { organization: 'acme' }, ADMIN, 'individuals')).to.deep.include({
          error: 'invalid_request',
          description: 'parameter organization is not allowed for this client',
        });
        expect(await signIn(new Browser(), {}, ADMIN, 'business')).to.deep.include({
          error: 'invalid_request',
          description: 'parameter organization is required for this client',
        });
        const body = await exchange(await signIn(new Browser(), { organization: 'acme' }, ADMIN, 'business'), 'business');
        expect(decodeJwt(body.access_token)).to.include({ org_id: 'org_Custom1' });
      } finally {
        tenant = saved;
        await custom.close();
      }
    });

    it('the defaults follow the tenant’s own users and applications; explicit organizations are checked, naming the option', async () => {
      const other = await LocalTenant.start({
        users: [{ email: 'x@example.com', password: 'x' }],
        clients: [{ type: 'spa', clientId: 'spa' }],
      });
      try {
        expect(other.organizations.map((o) => [o.name, o.members.length, o.clients.length])).to.deep.equal([
          ['acme', 0, 0],
          ['globex', 0, 0],
        ]);
      } finally {
        await other.close();
      }
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ organizations: [{ name: 'Acme' }] }, /`organizations\[0\]\.name` must be lower-case/],
        [{ organizations: [{ name: 'acme', id: 'acme' }] }, /`organizations\[0\]\.id` must be org_/],
        [{ organizations: [{ name: 'acme' }, { name: 'acme' }] }, /listed twice/],
        [
          { organizations: [{ name: 'acme', members: [{ email: 'nobody@example.com' }] }] },
          /must be the email of one of the tenant's users/,
        ],
        [
          { organizations: [{ name: 'acme', members: [{ email: 'admin@example.com', roles: ['boss'] }] }] },
          /"boss" is not one of the tenant's `roles`/,
        ],
        [{ organizations: [{ name: 'acme', clients: ['local-spa-client'] }] }, /is not one of the tenant's m2m applications/],
        [{ organizations: [{ name: 'acme', member: [] }] }, /unknown option `organizations\[0\]\.member`/],
        [{ roles: { boss: ['write:all'] } }, /`roles\.boss`: "write:all" is not one of the API's permissions/],
        [{ organizationNames: 'yes' }, /`organizationNames` must be true or false/],
        [{ clients: [{ type: 'm2m', clientId: 'm', clientSecret: 's', organizationUsage: 'allow' }] }, /organizationUsage/],
        // The tenant's other options, checked the same way.
        [{ users: [{ email: 'a@example.com' }] }, /`users`: every user needs an email and a password/],
        [
          {
            users: [
              { email: 'a@example.com', password: 'a' },
              { email: 'A@example.com', password: 'b' },
            ],
          },
          /`users`: "a@example.com" is listed twice/,
        ],
        [{ clients: [{ type: 'native', clientId: 'n' }] }, /`clients`: type must be "spa", "regular_web" or "m2m" \(got "native"\)/],
        [{ clients: [{ type: 'spa' }] }, /`clients`: every application needs a clientId/],
        [{ clients: [{ type: 'm2m', clientId: 'm' }] }, /`clients`: the m2m application "m" needs a clientSecret/],
        [{ accessTokenLifetime: 0 }, /`accessTokenLifetime` must be a whole number of seconds > 0 \(got 0\)/],
        [{ https: 'yes' }, /`https` must be true, false or \{ caDir \}/],
        [{ https: { caDir: '' } }, /`https.caDir` must be a folder path/],
      ];
      for (const [options, message] of cases) {
        const error = await LocalTenant.start(options as never).then(
          async (started) => {
            await started.close();
          },
          (e: unknown) => e,
        );
        expect(error, String(message)).to.be.instanceOf(Auth0ConfigError);
        expect((error as Error).message).to.match(message);
      }
    });
  });
});
