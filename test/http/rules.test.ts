import { expect } from 'chai';
import { Authorized, CurrentUser, Get, JsonController } from 'routing-controllers';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { Auth0, Auth0User, anyOf, claimCheck, claimEquals, claimIncludes } from '../../src';
import { get, startKoa, type Running } from '../support/server';

@JsonController('/rules')
class RulesApi {
  @Get('/any')
  @Authorized(anyOf('read:reports', 'admin'))
  any(@CurrentUser() user: Auth0User) {
    return { id: user.id };
  }

  @Get('/org')
  @Authorized(claimEquals('org_id', 'org_123'))
  org() {
    return { ok: true };
  }

  @Get('/role')
  @Authorized(claimIncludes('https://example.com/roles', 'admin'))
  role() {
    return { ok: true };
  }

  @Get('/spa')
  @Authorized(claimCheck((c) => c.azp === 'spa-client', 'issued to the SPA'))
  spa() {
    return { ok: true };
  }

  @Get('/throws')
  @Authorized(
    claimCheck(() => {
      throw new Error('boom');
    }, 'a predicate that throws'),
  )
  throws() {
    return { ok: true };
  }

  @Get('/mixed')
  @Authorized(['read:blabla', anyOf('write:a', 'write:b'), claimEquals('org_id', 'org_123')])
  mixed() {
    return { ok: true };
  }
}

describe('claim rules in @Authorized', () => {
  let tenant: TestTenant;
  let app: Running;

  before(async () => {
    tenant = await TestTenant.start();
    app = await startKoa(tenant.auth0(), [RulesApi]);
  });
  after(async () => {
    await app.close();
    await tenant.close();
  });

  it('anyOf: one of the scopes is enough; none is 403 naming them all', async () => {
    expect((await get(`${app.url}/rules/any`, { token: await tenant.token({ scopes: 'admin' }) })).status).to.equal(200);
    expect((await get(`${app.url}/rules/any`, { token: await tenant.token({ scopes: 'read:reports x' }) })).status).to.equal(200);
    const res = await get(`${app.url}/rules/any`, { token: await tenant.token({ scopes: 'x' }) });
    expect(res.status).to.equal(403);
    expect(res.body).to.deep.equal({
      error: 'insufficient_scope',
      message: 'Missing one of the scopes: "read:reports", "admin"',
      scope: 'read:reports admin',
    });
    expect(res.headers.get('www-authenticate')).to.include('scope="read:reports admin"');
  });

  it('claimEquals', async () => {
    expect((await get(`${app.url}/rules/org`, { token: await tenant.token({ claims: { org_id: 'org_123' } }) })).status).to.equal(200);
    const res = await get(`${app.url}/rules/org`, { token: await tenant.token({ claims: { org_id: 'org_999' } }) });
    expect(res.status).to.equal(403);
    expect(res.body).to.deep.equal({ error: 'insufficient_scope', message: 'Claim "org_id" does not have the required value' });
    expect(res.headers.get('www-authenticate')).to.match(/error="insufficient_scope"/);
  });

  it('claimIncludes (array or space-separated claim)', async () => {
    expect(
      (await get(`${app.url}/rules/role`, { token: await tenant.token({ claims: { 'https://example.com/roles': ['user', 'admin'] } }) }))
        .status,
    ).to.equal(200);
    expect(
      (await get(`${app.url}/rules/role`, { token: await tenant.token({ claims: { 'https://example.com/roles': 'user admin' } }) })).status,
    ).to.equal(200);
    const res = await get(`${app.url}/rules/role`, { token: await tenant.token({ claims: { 'https://example.com/roles': ['user'] } }) });
    expect(res.status).to.equal(403);
    expect(res.body.message).to.equal('Claim "https://example.com/roles" does not include the required value');
  });

  it('claimCheck: a predicate; a throwing predicate refuses with 403, never 500', async () => {
    expect((await get(`${app.url}/rules/spa`, { token: await tenant.token({ clientId: 'spa-client' }) })).status).to.equal(200);
    const res = await get(`${app.url}/rules/spa`, { token: await tenant.token({ clientId: 'other' }) });
    expect(res.status).to.equal(403);
    expect(res.body.message).to.equal('The token does not satisfy: issued to the SPA');
    expect((await get(`${app.url}/rules/throws`, { token: await tenant.token() })).status).to.equal(403);
  });

  it('scopes and rules together: every one must hold', async () => {
    const ok = await tenant.token({ scopes: 'read:blabla write:b', claims: { org_id: 'org_123' } });
    expect((await get(`${app.url}/rules/mixed`, { token: ok })).status).to.equal(200);
    for (const token of [
      await tenant.token({ scopes: 'write:b', claims: { org_id: 'org_123' } }),
      await tenant.token({ scopes: 'read:blabla', claims: { org_id: 'org_123' } }),
      await tenant.token({ scopes: 'read:blabla write:a' }),
    ]) {
      expect((await get(`${app.url}/rules/mixed`, { token })).status).to.equal(403);
    }
  });

  it('rules still need a valid token first: 401 without one', async () => {
    const res = await get(`${app.url}/rules/any`);
    expect(res.status).to.equal(401);
    expect(res.body.error).to.equal('unauthorized');
  });

  it('enforceScopes: false skips scope requirements only: claim rules are still checked', async () => {
    const loose = await startKoa(tenant.auth0({ enforceScopes: false }), [RulesApi]);
    try {
      expect((await get(`${loose.url}/rules/any`, { token: await tenant.token({ scopes: 'x' }) })).status).to.equal(200);
      const org = await get(`${loose.url}/rules/org`, { token: await tenant.token({ claims: { org_id: 'other' } }) });
      expect(org.status).to.equal(403);
      expect(org.body.message).to.equal('Claim "org_id" does not have the required value');
      expect((await get(`${loose.url}/rules/spa`, { token: await tenant.token({ clientId: 'other' }) })).status).to.equal(403);
      const mixed = await get(`${loose.url}/rules/mixed`, { token: await tenant.token({ claims: { org_id: 'org_123' } }) });
      expect(mixed.status).to.equal(200);
    } finally {
      await loose.close();
    }
  });

  it('anyOf refuses an empty list at decoration time', () => {
    expect(() => anyOf()).to.throw(TypeError, /anyOf\(\) takes one or more scope names/);
  });
});

describe('RFC 9068 strict mode', () => {
  let tenant: TestTenant;
  let app: Running;
  @JsonController('/strict')
  class StrictApi {
    @Get('/')
    @Authorized()
    me(@CurrentUser() user: Auth0User) {
      return user;
    }
  }

  before(async () => {
    tenant = await TestTenant.start();
    app = await startKoa(tenant.auth0({ strict: true }), [StrictApi]);
  });
  after(async () => {
    await app.close();
    await tenant.close();
  });

  it('accepts an at+jwt token with client_id, jti and iat', async () => {
    const res = await get(`${app.url}/strict`, { token: await tenant.token({ rfc9068: true }) });
    expect(res.status).to.equal(200);
    expect(res.body.id).to.equal('auth0|test-user');
  });

  it('refuses typ JWT (or none)', async () => {
    for (const header of [{}, { typ: undefined }, { typ: 'JWT' }]) {
      const res = await get(`${app.url}/strict`, { token: await tenant.token({ header }) });
      expect(res.status).to.equal(401);
      expect(res.body).to.deep.equal({ error: 'invalid_token', message: 'Invalid token type (expected at+jwt)' });
    }
    const media = await get(`${app.url}/strict`, { token: await tenant.token({ rfc9068: true, header: { typ: 'application/at+jwt' } }) });
    expect(media.status).to.equal(200);
  });

  it('refuses a missing client_id, jti or iat', async () => {
    for (const claim of ['client_id', 'jti', 'iat']) {
      const res = await get(`${app.url}/strict`, { token: await tenant.token({ rfc9068: true, claims: { [claim]: undefined } }) });
      expect(res.status, claim).to.equal(401);
      expect(res.body.message).to.equal(`Invalid token claims (missing "${claim}")`);
    }
  });
});

describe('several custom domains of one tenant', () => {
  let first: TestTenant;
  let second: TestTenant;
  let outsider: TestTenant;
  let app: Running;

  before(async () => {
    first = await TestTenant.start({ audience: 'https://api.example.com' });
    second = await TestTenant.start({ audience: 'https://api.example.com' });
    outsider = await TestTenant.start({ audience: 'https://api.example.com' });
    const auth = new Auth0({ domain: [first.issuer, second.issuer], audience: 'https://api.example.com' });
    @JsonController('/domains')
    class DomainsApi {
      @Get('/')
      @Authorized()
      me(@CurrentUser() user: Auth0User) {
        return user;
      }
    }
    app = await startKoa(auth, [DomainsApi]);
  });
  after(async () => {
    await app.close();
    await Promise.all([first.close(), second.close(), outsider.close()]);
  });

  it('accepts tokens of each listed issuer, each checked with its own key set', async () => {
    expect((await get(`${app.url}/domains`, { token: await first.token({ subject: 'auth0|1' }) })).body.id).to.equal('auth0|1');
    expect((await get(`${app.url}/domains`, { token: await second.token({ subject: 'auth0|2' }) })).body.id).to.equal('auth0|2');
    expect(first.jwksRequests).to.equal(1);
    expect(second.jwksRequests).to.equal(1);
  });

  it('refuses an issuer outside the list without fetching anything', async () => {
    const res = await get(`${app.url}/domains`, { token: await outsider.token() });
    expect(res.status).to.equal(401);
    expect(res.body.message).to.equal('Invalid token claims (wrong issuer or audience)');
    expect(outsider.jwksRequests).to.equal(0);
  });

  it("refuses a listed issuer's name on a token signed with another listed issuer's key", async () => {
    const forged = await second.token({ issuer: first.issuer, header: { kid: second.currentKid } });
    const res = await get(`${app.url}/domains`, { token: forged });
    expect(res.status).to.equal(401);
    expect(res.body.message).to.equal('Invalid kid header (wrong tenant or rotated public key)');
  });
});
