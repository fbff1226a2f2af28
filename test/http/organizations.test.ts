/**
 * Auth0 Organizations over HTTP, on routing-controllers' Koa and Express drivers: the per-route
 * rules (any organization, listed ones, the one a path parameter names) with their 403 status,
 * challenge and body; the API-wide `organization` option with its 401; the user's `organization`.
 */
import { expect } from 'chai';
import { Authorized, CurrentUser, Get, JsonController, Param } from 'routing-controllers';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { Auth0User, inOrganization, type AuthEvent } from '../../src';
import { get, startExpress, startKoa, type Running } from '../support/server';

const ACME = 'org_6cQbJvZ8mKp2Lw4R';
const GLOBEX = 'org_Tz9XbQ1rVh7Nc3Ke';
const DPOP = 'DPoP algs="ES256 RS256 PS256 EdDSA"';

@JsonController('/orgs')
class OrganizationsApi {
  @Get('/:orgId/blabla')
  @Authorized(['read:blabla', inOrganization({ param: 'orgId' })])
  blabla(@Param('orgId') orgId: string, @CurrentUser() user: Auth0User) {
    return { orgId, organization: user.organization };
  }

  @Get('/by-name/:org')
  @Authorized(inOrganization({ param: 'org', names: true }))
  byName(@Param('org') org: string) {
    return { org };
  }
}

@JsonController('/rules')
class RulesApi {
  @Get('/any')
  @Authorized(inOrganization())
  any(@CurrentUser() user: Auth0User) {
    return user.organization;
  }

  @Get('/acme')
  @Authorized(inOrganization(ACME))
  acme() {
    return { ok: true };
  }

  @Get('/listed')
  @Authorized(inOrganization({ oneOf: ['Acme', GLOBEX], names: true }))
  listed() {
    return { ok: true };
  }

  @Get('/me')
  @Authorized()
  me(@CurrentUser() user: Auth0User) {
    return user;
  }
}

const drivers = [
  ['Koa', startKoa],
  ['Express', startExpress],
] as const;

for (const [driver, start] of drivers) {
  describe(`Auth0 Organizations on the ${driver} driver`, () => {
    let tenant: TestTenant;
    let app: Running;
    let events: AuthEvent[];
    const realm = () => `Bearer realm="${tenant.audience}"`;
    const metadata = () => `resource_metadata="${app.url}/.well-known/oauth-protected-resource"`;
    const acmeToken = (extra: Record<string, unknown> = {}) =>
      tenant.token({ scopes: 'read:blabla', claims: { org_id: ACME, org_name: 'acme', ...extra } });

    before(async () => {
      tenant = await TestTenant.start();
      app = await start(tenant.auth0({ onEvent: (event) => events.push(event) }), [OrganizationsApi, RulesApi]);
    });
    beforeEach(() => {
      events = [];
    });
    after(async () => {
      await app.close();
      await tenant.close();
    });

    describe('the organization a path parameter names (/orgs/:orgId/…)', () => {
      it("200 for a token of that organization, with the user's organization", async () => {
        const res = await get(`${app.url}/orgs/${ACME}/blabla`, { token: await acmeToken() });
        expect(res.status).to.equal(200);
        expect(res.body).to.deep.equal({ orgId: ACME, organization: { id: ACME, name: 'acme' } });
      });

      it('403 for a token of another organization: the challenge and the body say it is the organization, echoing neither', async () => {
        const token = await acmeToken();
        const res = await get(`${app.url}/orgs/${GLOBEX}/blabla`, { token });
        expect(res.status).to.equal(403);
        const challenge = res.headers.get('www-authenticate');
        expect(challenge).to.equal(
          `${realm()}, error="insufficient_scope", error_description="Organization mismatch: the token is for another organization", ${metadata()}`,
        );
        expect(res.body).to.deep.equal({
          error: 'insufficient_scope',
          message: 'Organization mismatch: the token is for another organization',
        });
        for (const text of [challenge ?? '', JSON.stringify(res.body)]) {
          expect(text).not.to.include(ACME);
          expect(text).not.to.include(token.split('.')[1]);
        }
        expect(events.filter((event) => event.type === 'refused')).to.deep.equal([
          {
            type: 'refused',
            status: 403,
            code: 'insufficient_scope',
            reason: 'wrong_organization',
            scheme: 'Bearer',
            route: `/orgs/${GLOBEX}/blabla`,
          },
        ]);
      });

      it('403 for a token of no organization', async () => {
        const res = await get(`${app.url}/orgs/${ACME}/blabla`, { token: await tenant.token({ scopes: 'read:blabla' }) });
        expect(res.status).to.equal(403);
        expect(res.headers.get('www-authenticate')).to.equal(
          `${realm()}, error="insufficient_scope", error_description="Organization mismatch: the token is for no organization", ${metadata()}`,
        );
        expect(res.body).to.deep.equal({ error: 'insufficient_scope', message: 'Organization mismatch: the token is for no organization' });
      });

      it('combines with the scope: the organization without read:blabla is 403 for the scope', async () => {
        const res = await get(`${app.url}/orgs/${ACME}/blabla`, {
          token: await tenant.token({ claims: { org_id: ACME } }),
        });
        expect(res.status).to.equal(403);
        expect(res.body).to.deep.equal({ error: 'insufficient_scope', message: 'Missing "read:blabla" scope', scope: 'read:blabla' });
      });

      it('names are not ids unless trusted; an id differs in case; encodings and look-alikes name no organization', async () => {
        const token = await acmeToken();
        for (const path of [
          'acme',
          'ACME',
          ACME.toUpperCase(),
          ACME.toLowerCase(),
          `${ACME}x`,
          `%20${ACME}`,
          // Encoded twice: the router decodes once, which leaves `%6Frg_…`.
          `%256F${ACME.slice(1)}`,
          '__proto__',
          'constructor',
          'org_',
        ]) {
          const res = await get(`${app.url}/orgs/${path}/blabla`, { token });
          expect([path, res.status, res.body.message]).to.deep.equal([
            path,
            403,
            'Organization mismatch: the token is for another organization',
          ]);
        }
        // The router decodes the path: the id, percent-encoded, is the id.
        const encoded = [...ACME].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('');
        expect((await get(`${app.url}/orgs/${encoded}/blabla`, { token })).status).to.equal(200);
      });

      it('without a token: 401 first, as for any route', async () => {
        const res = await get(`${app.url}/orgs/${ACME}/blabla`);
        expect(res.status).to.equal(401);
        expect(res.headers.get('www-authenticate')).to.equal(`${realm()}, scope="read:blabla", ${metadata()}, ${DPOP}`);
      });

      it('with names trusted: the name in any case, or the id; never org_name alone for an id-looking value', async () => {
        const token = await acmeToken();
        for (const name of ['acme', 'ACME', 'Acme', ACME]) {
          expect((await get(`${app.url}/orgs/by-name/${name}`, { token })).status, name).to.equal(200);
        }
        for (const name of ['globex', 'org_acme', 'ORG_acme']) {
          expect((await get(`${app.url}/orgs/by-name/${name}`, { token })).status, name).to.equal(403);
        }
        // A token without org_name is refused for a name, and still accepted for its id.
        const idOnly = await tenant.token({ claims: { org_id: ACME } });
        expect((await get(`${app.url}/orgs/by-name/acme`, { token: idOnly })).status).to.equal(403);
        expect((await get(`${app.url}/orgs/by-name/${ACME}`, { token: idOnly })).status).to.equal(200);
      });
    });

    describe('any organization, and listed organizations', () => {
      it('inOrganization(): any organization is 200, none is 403', async () => {
        const ok = await get(`${app.url}/rules/any`, { token: await tenant.token({ claims: { org_id: GLOBEX } }) });
        expect([ok.status, ok.body]).to.deep.equal([200, { id: GLOBEX }]);
        const res = await get(`${app.url}/rules/any`, { token: await tenant.token() });
        expect(res.status).to.equal(403);
        expect(res.headers.get('www-authenticate')).to.equal(
          `${realm()}, error="insufficient_scope", error_description="Organization mismatch: the token is for no organization", ${metadata()}`,
        );
      });

      it('inOrganization(id): that id only (org_name is not read)', async () => {
        expect((await get(`${app.url}/rules/acme`, { token: await acmeToken() })).status).to.equal(200);
        const other = await get(`${app.url}/rules/acme`, { token: await tenant.token({ claims: { org_id: GLOBEX, org_name: 'acme' } }) });
        expect([other.status, other.body.message]).to.deep.equal([403, 'Organization mismatch: the token is for another organization']);
      });

      it('inOrganization({ oneOf, names: true }): a listed name (in lower case) or id', async () => {
        expect(
          (await get(`${app.url}/rules/listed`, { token: await tenant.token({ claims: { org_id: ACME, org_name: 'acme' } }) })).status,
        ).to.equal(200);
        expect((await get(`${app.url}/rules/listed`, { token: await tenant.token({ claims: { org_id: GLOBEX } }) })).status).to.equal(200);
        const res = await get(`${app.url}/rules/listed`, {
          token: await tenant.token({ claims: { org_id: 'org_Other1', org_name: 'initech' } }),
        });
        expect(res.status).to.equal(403);
      });
    });

    describe('the claims and the user', () => {
      it('the user has organization { id, name } from org_id and org_name, and no organization without them', async () => {
        const withOrg = await get(`${app.url}/rules/me`, { token: await acmeToken() });
        expect(withOrg.body.organization).to.deep.equal({ id: ACME, name: 'acme' });
        const without = await get(`${app.url}/rules/me`, { token: await tenant.token() });
        expect(without.body).not.to.have.property('organization');
      });

      it('org_id or org_name that is not a non-empty string makes the token invalid (401), never a 500', async () => {
        for (const claims of [
          { org_id: 42 },
          { org_id: '' },
          { org_id: [ACME] },
          { org_id: ACME, org_name: { x: 1 } },
          { org_id: ACME, org_name: '' },
        ]) {
          const res = await get(`${app.url}/rules/me`, { token: await tenant.token({ claims }) });
          const name = 'org_name' in claims ? 'org_name' : 'org_id';
          expect([res.status, res.body]).to.deep.equal([401, { error: 'invalid_token', message: `Invalid token claims (${name})` }]);
        }
      });
    });
  });
}

for (const [driver, start] of drivers) {
  describe(`the API-wide organization option on the ${driver} driver`, () => {
    let tenant: TestTenant;
    let app: Running;

    before(async () => {
      tenant = await TestTenant.start();
      app = await start(tenant.auth0({ organization: [ACME, 'acme'], organizationNames: true }), [RulesApi]);
    });
    after(async () => {
      await app.close();
      await tenant.close();
    });

    it("a token of the API's organization passes; of another or of none it is invalid for this API (401 invalid_token)", async () => {
      const url = app.url;
      expect((await get(`${url}/rules/me`, { token: await tenant.token({ claims: { org_id: ACME } }) })).status).to.equal(200);
      // Listed by name too (names trusted): org_name, compared in lower case.
      expect(
        (await get(`${url}/rules/me`, { token: await tenant.token({ claims: { org_id: 'org_Renamed1', org_name: 'ACME' } }) })).status,
      ).to.equal(200);
      const other = await get(`${url}/rules/me`, { token: await tenant.token({ claims: { org_id: GLOBEX, org_name: 'globex' } }) });
      expect(other.status).to.equal(401);
      expect(other.headers.get('www-authenticate')).to.equal(
        `Bearer realm="${tenant.audience}", error="invalid_token", error_description="Invalid token claims (wrong organization)", resource_metadata="${url}/.well-known/oauth-protected-resource", ${DPOP}`,
      );
      expect(other.body).to.deep.equal({ error: 'invalid_token', message: 'Invalid token claims (wrong organization)' });
      const none = await get(`${url}/rules/me`, { token: await tenant.token() });
      expect(none.status).to.equal(401);
      expect(none.headers.get('www-authenticate')).to.equal(
        `Bearer realm="${tenant.audience}", error="invalid_token", error_description="Invalid token claims (no organization)", resource_metadata="${url}/.well-known/oauth-protected-resource", ${DPOP}`,
      );
      expect(none.body).to.deep.equal({ error: 'invalid_token', message: 'Invalid token claims (no organization)' });
    });
  });
}
