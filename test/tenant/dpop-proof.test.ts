import { expect } from 'chai';
import { decodeJwt } from 'jose';
import { DpopKey, LocalTenant } from 'routing-controllers-auth0/testing';
import { authorizationCode } from './browser';

const CALLBACK = 'http://localhost:3000/docs/oauth2-redirect';

interface TokenAnswer {
  status: number;
  body: { error?: string; error_description?: string; access_token?: string; token_type?: string };
}

/** POSTs a token request with the given `DPoP` header (none when undefined). */
async function tokenRequest(tenant: LocalTenant, params: Record<string, string>, dpop: string | undefined): Promise<TokenAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (dpop !== undefined) headers.dpop = dpop;
  const response = await fetch(tenant.urls.token, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
  return { status: response.status, body: (await response.json()) as TokenAnswer['body'] };
}

function machine(tenant: LocalTenant): Record<string, string> {
  return {
    grant_type: 'client_credentials',
    client_id: tenant.m2mClient.clientId,
    client_secret: tenant.m2mClient.clientSecret ?? '',
    audience: tenant.audience,
  };
}

function admin(tenant: LocalTenant): Record<string, string> {
  return {
    grant_type: 'password',
    client_id: tenant.spaClient.clientId,
    username: 'admin@example.com',
    password: 'admin',
    audience: tenant.audience,
    scope: 'read:blabla',
  };
}

/** Asserts the answer is 400 `invalid_dpop_proof` with the library's reason as description. */
function expectRefused(answer: TokenAnswer, description: string): void {
  expect(answer.status, JSON.stringify(answer.body)).to.equal(400);
  expect(answer.body.error).to.equal('invalid_dpop_proof');
  expect(answer.body.error_description).to.equal(description);
  expect(answer.body).not.to.have.property('access_token');
}

describe("the local tenant's token endpoint checks DPoP proofs with the library's proof checker", () => {
  let tenant: LocalTenant;
  let key: DpopKey;

  before(async () => {
    tenant = await LocalTenant.start();
    key = await DpopKey.generate();
  });
  after(() => tenant.close());

  it('password grant: a replayed proof is refused (400 invalid_dpop_proof)', async () => {
    const proof = await key.proof({ method: 'POST', url: tenant.urls.token });
    const first = await tokenRequest(tenant, admin(tenant), proof);
    expect(first.status).to.equal(200);
    expect(first.body.token_type).to.equal('DPoP');
    expectRefused(await tokenRequest(tenant, admin(tenant), proof), 'DPoP proof replayed (jti already used)');
  });

  it('client credentials: a replayed proof is refused (400 invalid_dpop_proof)', async () => {
    const proof = await key.proof({ method: 'POST', url: tenant.urls.token });
    expect((await tokenRequest(tenant, machine(tenant), proof)).status).to.equal(200);
    expectRefused(await tokenRequest(tenant, machine(tenant), proof), 'DPoP proof replayed (jti already used)');
  });

  it('a proof spent at one grant is refused at the other (replays are tracked per proof key, not per client)', async () => {
    const proof = await key.proof({ method: 'POST', url: tenant.urls.token });
    expect((await tokenRequest(tenant, machine(tenant), proof)).status).to.equal(200);
    expectRefused(await tokenRequest(tenant, admin(tenant), proof), 'DPoP proof replayed (jti already used)');
  });

  it('a proof for another URL is refused, at both grants (400 invalid_dpop_proof)', async () => {
    const others = [
      `${tenant.issuer}oauth/revoke`,
      `${tenant.issuer}oauth/token/`,
      `https://localhost:${tenant.port}/oauth/token`,
      `http://localhost:${tenant.port + 1}/oauth/token`,
      'https://example.auth0.com/oauth/token',
    ];
    for (const url of others) {
      for (const params of [machine(tenant), admin(tenant)]) {
        const answer = await tokenRequest(tenant, params, await key.proof({ method: 'POST', url }));
        expectRefused(answer, 'DPoP proof is for another URL (htu)');
      }
    }
  });

  it('htu is compared after normalisation, without query and fragment', async () => {
    const url = `HTTP://LOCALHOST:${tenant.port}/oauth/./token?audience=x#top`;
    const answer = await tokenRequest(tenant, machine(tenant), await key.proof({ method: 'POST', url }));
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    expect(decodeJwt(answer.body.access_token ?? '').cnf).to.deep.equal({ jkt: key.thumbprint });
  });

  it("says why a proof is refused, in the library's words", async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string][] = [
      [await key.proof({ method: 'GET', url: tenant.urls.token }), 'DPoP proof is for another HTTP method (htm)'],
      [await key.proof({ method: 'POST', url: tenant.urls.token, iat: now - 301 }), 'DPoP proof is too old or from the future (iat)'],
      [await key.proof({ method: 'POST', url: tenant.urls.token, iat: now + 400 }), 'DPoP proof is too old or from the future (iat)'],
      [await key.proof({ method: 'POST', url: tenant.urls.token, header: { typ: 'JWT' } }), 'Invalid DPoP proof type (expected dpop+jwt)'],
      ['not-a-proof', 'Malformed DPoP proof'],
    ];
    for (const [proof, description] of cases) {
      expectRefused(await tokenRequest(tenant, machine(tenant), proof), description);
    }
  });

  it('a refused proof costs nothing: the same key binds the next good proof', async () => {
    const token = await tenant.machineToken({ dpop: key });
    expect(decodeJwt(token).cnf).to.deep.equal({ jkt: key.thumbprint });
  });

  it("the code exchange, checked by oidc-provider itself, refuses a replayed proof too (its records live in the tenant's store)", async () => {
    const code = () =>
      authorizationCode(
        tenant.urls.authorize,
        { client_id: tenant.spaClient.clientId, scope: 'read:blabla', audience: tenant.audience },
        CALLBACK,
      );
    const exchange = (grant: { code: string; verifier: string }, dpop: string) =>
      tokenRequest(
        tenant,
        {
          grant_type: 'authorization_code',
          client_id: tenant.spaClient.clientId,
          code: grant.code,
          code_verifier: grant.verifier,
          redirect_uri: CALLBACK,
        },
        dpop,
      );
    const proof = await key.proof({ method: 'POST', url: tenant.urls.token });
    const first = await exchange(await code(), proof);
    expect(first.status, JSON.stringify(first.body)).to.equal(200);
    expect(first.body.token_type).to.equal('DPoP');
    const fresh = await exchange(await code(), await key.proof({ method: 'POST', url: tenant.urls.token }));
    expect(fresh.status, JSON.stringify(fresh.body)).to.equal(200);
    const again = await exchange(await code(), proof);
    // oidc-provider's own answer to a replay at the grants it handles (the reason stays server-side).
    expect(again.status).to.equal(400);
    expect(again.body.error).to.equal('invalid_grant');
    expect(again.body).not.to.have.property('access_token');
  });
});
