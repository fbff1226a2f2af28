import { expect } from 'chai';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { AdminApi, Api } from '../support/controllers';
import { get, startExpress, type Running } from '../support/server';

describe('Express driver: the same checkers', () => {
  let tenant: TestTenant;
  let app: Running;

  before(async () => {
    tenant = await TestTenant.start();
    app = await startExpress(tenant.auth0(), [Api, AdminApi]);
  });
  after(async () => {
    await app.close();
    await tenant.close();
  });

  it('401 with a bare challenge without a token', async () => {
    const res = await get(`${app.url}/secure`);
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.equal(
      `Bearer realm="${tenant.audience}", resource_metadata="${app.url}/.well-known/oauth-protected-resource", DPoP algs="ES256 RS256 PS256 EdDSA"`,
    );
    expect(res.body).to.deep.equal({ error: 'unauthorized', message: 'Missing bearer token' });
  });

  it('200 with the user for a valid token', async () => {
    const res = await get(`${app.url}/secure/blabla`, { token: await tenant.token({ scopes: 'read:blabla', email: 'e@example.com' }) });
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({
      id: 'auth0|test-user',
      permissions: [],
      email: 'e@example.com',
      scopes: ['read:blabla'],
      isMachine: false,
    });
  });

  it('403 insufficient_scope with the scope', async () => {
    const res = await get(`${app.url}/secure/blabla`, { token: await tenant.token() });
    expect(res.status).to.equal(403);
    expect(res.headers.get('www-authenticate')).to.include('error="insufficient_scope"');
    expect(res.headers.get('www-authenticate')).to.include('scope="read:blabla"');
    expect(res.body).to.deep.equal({ error: 'insufficient_scope', message: 'Missing "read:blabla" scope', scope: 'read:blabla' });
  });

  it('401 invalid_token for an expired token', async () => {
    const res = await get(`${app.url}/secure`, { token: await tenant.token({ expiredSecondsAgo: 30 }) });
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.equal(
      `Bearer realm="${tenant.audience}", error="invalid_token", error_description="Expired token", resource_metadata="${app.url}/.well-known/oauth-protected-resource", DPoP algs="ES256 RS256 PS256 EdDSA"`,
    );
    expect(res.body).to.deep.equal({ error: 'invalid_token', message: 'Expired token' });
  });

  it('400 invalid_request for a token in the URL', async () => {
    const res = await get(`${app.url}/secure?access_token=abc`);
    expect(res.status).to.equal(400);
    expect(res.body.error).to.equal('invalid_request');
  });

  it('optional user and controller-level scopes', async () => {
    expect((await get(`${app.url}/guest`)).body).to.deep.equal({ message: 'guest' });
    expect((await get(`${app.url}/admin/stats`, { token: await tenant.token() })).status).to.equal(403);
    expect((await get(`${app.url}/admin/stats`, { token: await tenant.token({ scopes: 'admin:all' }) })).status).to.equal(200);
  });

  it('keeps serving on the same connection after an error answer', async () => {
    for (let i = 0; i < 3; i += 1) {
      expect((await get(`${app.url}/secure`)).status).to.equal(401);
      expect((await get(`${app.url}/public`)).status).to.equal(200);
    }
  });
});
