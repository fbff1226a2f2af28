/**
 * The sample's organizations with the local tenant (`npm start` without AUTH0_DOMAIN), in-process:
 * `GET /orgs/:orgId/blabla` needs `read:blabla` in the organization the path names, `/secure`
 * shows the user's organization, the banner names the organizations, and `AUTH0_ORGANIZATION`
 * makes the docs page sign in to one.
 */
import { expect } from 'chai';
import { startSample, type RunningSample } from '../../sample/start';
import { get } from '../support/server';
import { Browser, pkce } from './browser';

const CALLBACK = 'http://localhost:3000/docs/oauth2-redirect';

describe('the sample with the local tenant: Auth0 Organizations', () => {
  let sample: RunningSample;

  before(async () => {
    sample = await startSample({ PORT: '0', HOST: '127.0.0.1', AUTH0_LOCAL_TENANT_PORT: '0', AUTH0_ORGANIZATION: 'acme' });
  });
  after(() => sample.close());

  const tenant = () => sample.tenant!;
  const acme = () => tenant().organization('acme');
  const globex = () => tenant().organization('globex');

  /** What the docs page's "Authorize" does: the code flow with PKCE for the SPA, here by hand. */
  async function signIn(organization: string, email: string, password: string): Promise<string> {
    const browser = new Browser();
    const { verifier, challenge } = pkce();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: sample.settings.clientId!,
      redirect_uri: CALLBACK,
      audience: sample.settings.audience,
      scope: 'openid read:blabla',
      organization,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const login = await browser.navigate(`${tenant().urls.authorize}?${query}`, CALLBACK);
    const done = await browser.logIn(login, email, password, CALLBACK);
    const code = new URL(done.location!).searchParams.get('code')!;
    const res = await fetch(tenant().urls.token, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: sample.settings.clientId!,
        code,
        code_verifier: verifier,
        redirect_uri: CALLBACK,
      }).toString(),
    });
    return ((await res.json()) as { access_token: string }).access_token;
  }

  it('the banner names each organization with its id and members, and how to sign in to one', () => {
    const banner = sample.banner();
    expect(banner).to.include(`acme    ${acme().id}  admin@example.com (blabla-reader), local-m2m-client (M2M)`);
    expect(banner).to.include(`globex  ${globex().id}  user@example.com`);
    expect(banner).to.include(`${sample.docsUrl}/?organization=acme, then GET ${sample.url}/orgs/${acme().id}/blabla`);
  });

  it('AUTH0_ORGANIZATION: the docs page signs in to that organization', async () => {
    const res = await get(`${sample.docsUrl}/swagger-initializer.json`);
    expect(res.body.organization).to.equal('acme');
  });

  it('the admin signed in to acme: 200 on /orgs/<acme id>/blabla, 403 on globex; /secure shows the organization', async () => {
    const token = await signIn('acme', 'admin@example.com', 'admin');
    const ok = await get(`${sample.url}/orgs/${acme().id}/blabla`, { token });
    expect(ok.status).to.equal(200);
    expect(ok.body).to.deep.include({
      email: 'admin@example.com',
      permissions: ['read:blabla'],
      organization: { id: acme().id, name: 'acme' },
    });
    const other = await get(`${sample.url}/orgs/${globex().id}/blabla`, { token });
    expect([other.status, other.body.message]).to.deep.equal([403, 'Organization mismatch: the token is for another organization']);
    const secure = await get(`${sample.url}/secure`, { token });
    expect(secure.body.organization).to.deep.equal({ id: acme().id, name: 'acme' });
  });

  it('the user signed in to globex: refused on /orgs/<acme id>/blabla (403), and on globex without the permission', async () => {
    const token = await signIn('globex', 'user@example.com', 'user');
    for (const id of [acme().id, globex().id]) {
      const res = await get(`${sample.url}/orgs/${id}/blabla`, { token });
      expect(res.status, id).to.equal(403);
      expect(res.headers.get('www-authenticate')).to.include('error="insufficient_scope"');
    }
  });

  it('the M2M application, granted acme: its token for acme passes on acme only; the OpenAPI document describes the route', async () => {
    const token = await tenant().machineToken({ organization: 'acme' });
    expect((await get(`${sample.url}/orgs/${acme().id}/blabla`, { token })).status).to.equal(200);
    expect((await get(`${sample.url}/orgs/${globex().id}/blabla`, { token })).status).to.equal(403);
    const spec = (await get(`${sample.url}/openapi.json`)).body;
    expect(spec.paths['/orgs/{orgId}/blabla'].get['x-auth0-organization']).to.deep.equal([{ param: 'orgId', names: false }]);
  });
});
