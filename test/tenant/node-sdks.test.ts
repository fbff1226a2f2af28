/**
 * Auth0's own Node clients against the local tenant, as against an Auth0 tenant: `auth0` 7's
 * `AuthenticationClient` (auth0/legacy), `@auth0/auth0-auth-js` and `openid-client`, each given the
 * plain `domain: 'localhost:PORT'` of the tenant in HTTPS mode. They only speak https and check the
 * certificate, so they run in a process of their own started with NODE_EXTRA_CA_CERTS naming the
 * tenant's CA (fixtures/node-sdks.ts), where the sample API (sample/app.ts) also runs; that process
 * prints what it saw.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { LocalTenant } from 'routing-controllers-auth0/testing';
import { runFixture } from './child';

describe("Auth0's Node clients against the local tenant in HTTPS mode (a process of their own)", function () {
  this.timeout(120_000);
  let dir: string;
  let tenant: LocalTenant;
  let seen: Record<string, Record<string, unknown>>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rca0-local-ca-'));
    tenant = await LocalTenant.start({ https: { caDir: dir } });
    seen = (await runFixture('node-sdks.ts', {
      NODE_EXTRA_CA_CERTS: tenant.certificateAuthority!.certificatePath,
      TENANT_DOMAIN: tenant.domain,
      API_AUDIENCE: tenant.audience,
    })) as Record<string, Record<string, unknown>>;
  });

  after(async () => {
    await tenant?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("auth0's AuthenticationClient: client credentials, password-realm with an ID token it validated, Auth0's errors", () => {
    expect(seen.legacy).to.deep.equal({
      clientCredentials: 200,
      admin: 200,
      user: 403,
      idToken: 'string',
      wrongPassword: { status: 403, error: 'invalid_grant', description: 'Wrong email or password.' },
      wrongSecret: { status: 401, error: 'access_denied', description: 'Unauthorized' },
    });
  });

  it('@auth0/auth0-auth-js: discovery with the issuer it checks, client credentials, password with realm, userinfo', () => {
    expect(seen.authJs).to.deep.equal({
      issuer: tenant.issuer,
      clientCredentials: 200,
      admin: 200,
      user: 403,
      idTokenEmail: 'admin@example.com',
      userinfo: { email: 'admin@example.com', sub: true },
      wrongPassword: 'invalid_grant',
    });
  });

  it('openid-client: discovery, client credentials, the password grant and userinfo', () => {
    expect(seen.openidClient).to.deep.equal({
      issuer: tenant.issuer,
      endpoints: [tenant.urls.token, tenant.urls.userinfo, tenant.urls.jwks],
      clientCredentials: 200,
      admin: 200,
      user: 403,
      idTokenEmail: 'admin@example.com',
      userinfo: { email: 'admin@example.com', name: 'Admin' },
    });
  });
});
