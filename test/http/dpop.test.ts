import { expect } from 'chai';
import { Authorized, CurrentUser, Get, JsonController } from 'routing-controllers';
import { DpopKey, TestTenant } from 'routing-controllers-auth0/testing';
import { Auth0User, type MemoryReplayStore } from '../../src';
import { get, startExpress, startKoa, type Running } from '../support/server';

const ALGS = 'ES256 RS256 PS256 EdDSA';
/** The `resource_metadata` parameter every 401 and 403 carries (RFC 9728 §5.1). */
const metadata = (url: string) => `resource_metadata="${url}/.well-known/oauth-protected-resource"`;

@JsonController('/d')
class DpopApi {
  @Get('/secure')
  @Authorized()
  secure(@CurrentUser() user: Auth0User) {
    return user;
  }

  @Get('/blabla')
  @Authorized('read:blabla')
  blabla() {
    return { ok: true };
  }
}

describe('DPoP (RFC 9449)', () => {
  let tenant: TestTenant;
  let app: Running;
  let key: DpopKey;
  let other: DpopKey;

  before(async () => {
    tenant = await TestTenant.start();
    app = await startKoa(tenant.auth0(), [DpopApi]);
    key = await DpopKey.generate();
    other = await DpopKey.generate();
  });
  after(async () => {
    await app.close();
    await tenant.close();
  });

  async function call(path: string, token: string, proof?: string | string[], scheme = 'DPoP') {
    const headers: Record<string, string> = {};
    if (proof !== undefined) headers.dpop = Array.isArray(proof) ? proof.join(', ') : proof;
    return get(`${app.url}${path}`, { authorization: `${scheme} ${token}`, headers });
  }

  function dpopError(description: string): string {
    return `Bearer realm="${tenant.audience}", DPoP algs="${ALGS}", error="invalid_dpop_proof", error_description="${description.replace(/"/g, "'")}", ${metadata(app.url)}`;
  }

  it('a DPoP-bound token with a good proof: 200', async () => {
    const token = await tenant.token({ dpopJkt: key.thumbprint, subject: 'auth0|dpop' });
    const res = await call('/d/secure', token, await key.proof({ url: `${app.url}/d/secure`, accessToken: token }));
    expect(res.status).to.equal(200);
    expect(res.body.id).to.equal('auth0|dpop');
  });

  it('the query string is not part of htu; the scheme name is case-insensitive', async () => {
    const token = await tenant.token({ dpopJkt: key.thumbprint });
    const res = await get(`${app.url}/d/secure?page=2`, {
      authorization: `dpop ${token}`,
      headers: { dpop: await key.proof({ url: `${app.url}/d/secure`, accessToken: token }) },
    });
    expect(res.status).to.equal(200);
  });

  it('a missing scope with DPoP: 403 with the DPoP challenge', async () => {
    const token = await tenant.token({ dpopJkt: key.thumbprint });
    const res = await call('/d/blabla', token, await key.proof({ url: `${app.url}/d/blabla`, accessToken: token }));
    expect(res.status).to.equal(403);
    expect(res.headers.get('www-authenticate')).to.equal(
      `DPoP algs="${ALGS}", error="insufficient_scope", error_description="Missing 'read:blabla' scope", scope="read:blabla", ${metadata(app.url)}`,
    );
  });

  it('a replayed proof is refused', async () => {
    const token = await tenant.token({ dpopJkt: key.thumbprint });
    const proof = await key.proof({ url: `${app.url}/d/secure`, accessToken: token });
    expect((await call('/d/secure', token, proof)).status).to.equal(200);
    const again = await call('/d/secure', token, proof);
    expect(again.status).to.equal(401);
    expect(again.body).to.deep.equal({ error: 'invalid_dpop_proof', message: 'DPoP proof replayed (jti already used)' });
    expect(again.headers.get('www-authenticate')).to.equal(dpopError('DPoP proof replayed (jti already used)'));
  });

  const refusals: Array<[string, (token: string, url: string) => Promise<string | undefined>, string]> = [
    ['no proof', async () => undefined, 'Missing DPoP proof'],
    ['a proof for another URL (htu)', (t, u) => key.proof({ url: `${u}/other`, accessToken: t }), 'DPoP proof is for another URL (htu)'],
    [
      'a proof for another method (htm)',
      (t, u) => key.proof({ url: u, method: 'POST', accessToken: t }),
      'DPoP proof is for another HTTP method (htm)',
    ],
    [
      'a proof for another token (ath)',
      (_t, u) => key.proof({ url: u, accessToken: 'another.token.value' }),
      'DPoP proof is for another access token (ath)',
    ],
    ['a proof without ath', (_t, u) => key.proof({ url: u }), 'DPoP proof is for another access token (ath)'],
    [
      'a proof made with another key (cnf.jkt)',
      (t, u) => other.proof({ url: u, accessToken: t }),
      'DPoP proof key does not match the token (cnf.jkt)',
    ],
    [
      'a proof too old (iat)',
      (t, u) => key.proof({ url: u, accessToken: t, iat: Math.floor(Date.now() / 1000) - 900 }),
      'DPoP proof is too old or from the future (iat)',
    ],
    [
      'a proof from the future (iat)',
      (t, u) => key.proof({ url: u, accessToken: t, iat: Math.floor(Date.now() / 1000) + 600 }),
      'DPoP proof is too old or from the future (iat)',
    ],
    [
      'a proof of the wrong type',
      (t, u) => key.proof({ url: u, accessToken: t, header: { typ: 'JWT' } }),
      'Invalid DPoP proof type (expected dpop+jwt)',
    ],
    [
      'a proof without jti',
      (t, u) => key.proof({ url: u, accessToken: t, claims: { jti: undefined } }),
      'Invalid DPoP proof claims (missing "jti")',
    ],
    [
      "a proof whose jwk is not the token's key, before its signature is checked",
      (t, u) => key.proof({ url: u, accessToken: t, header: { jwk: other.publicJwk } }),
      'DPoP proof key does not match the token (cnf.jkt)',
    ],
    ['garbage', async () => 'not-a-proof', 'Malformed DPoP proof'],
  ];
  for (const [name, make, message] of refusals) {
    it(`refuses ${name}`, async () => {
      const token = await tenant.token({ dpopJkt: key.thumbprint });
      const res = await call('/d/secure', token, await make(token, `${app.url}/d/secure`));
      expect(res.status).to.equal(401);
      expect(res.body).to.deep.equal({ error: 'invalid_dpop_proof', message });
      expect(res.headers.get('www-authenticate')).to.equal(dpopError(message));
    });
  }

  it("refuses a proof whose jwk is the token's key but not the signing key", async () => {
    const token = await tenant.token({ dpopJkt: other.thumbprint });
    const url = `${app.url}/d/secure`;
    const res = await call('/d/secure', token, await key.proof({ url, accessToken: token, header: { jwk: other.publicJwk } }));
    expect(res.status).to.equal(401);
    expect(res.body).to.deep.equal({ error: 'invalid_dpop_proof', message: 'Invalid DPoP proof signature' });
    expect(res.headers.get('www-authenticate')).to.equal(dpopError('Invalid DPoP proof signature'));
  });

  it('refuses a proof signed with a symmetric algorithm or none', async () => {
    const token = await tenant.token({ dpopJkt: key.thumbprint });
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: 'dpop+jwt', jwk: key.publicJwk })}.${b64({ jti: 'x', htm: 'GET', htu: `${app.url}/d/secure`, iat: Math.floor(Date.now() / 1000) })}.`;
    const res = await call('/d/secure', token, none);
    expect(res.status).to.equal(401);
    expect(res.body).to.deep.equal({ error: 'invalid_dpop_proof', message: 'DPoP proof algorithm not allowed' });
  });

  it('two proofs are an invalid proof (RFC 9449 §4.3 check 1): 401 invalid_dpop_proof', async () => {
    const token = await tenant.token({ dpopJkt: key.thumbprint });
    const proof = await key.proof({ url: `${app.url}/d/secure`, accessToken: token });
    const res = await call('/d/secure', token, [proof, proof]);
    expect(res.status).to.equal(401);
    expect(res.body).to.deep.equal({ error: 'invalid_dpop_proof', message: 'Send exactly one DPoP proof' });
    expect(res.headers.get('www-authenticate')).to.equal(dpopError('Send exactly one DPoP proof'));
  });

  it('a DPoP-bound token sent as Bearer is refused', async () => {
    const token = await tenant.token({ dpopJkt: key.thumbprint });
    const res = await get(`${app.url}/d/secure`, { token });
    expect(res.status).to.equal(401);
    expect(res.body).to.deep.equal({
      error: 'invalid_token',
      message: 'DPoP-bound token sent as a Bearer token: send it with the DPoP scheme and a proof',
    });
    expect(res.headers.get('www-authenticate')).to.match(
      /^Bearer realm="[^"]+", error="invalid_token", error_description="[^"]+", resource_metadata="[^"]+", DPoP algs="[^"]+"$/,
    );
  });

  it('an unbound token sent with the DPoP scheme is refused', async () => {
    const token = await tenant.token();
    const res = await call('/d/secure', token, await key.proof({ url: `${app.url}/d/secure`, accessToken: token }));
    expect(res.status).to.equal(401);
    expect(res.body.message).to.equal('Token is not DPoP-bound (no cnf.jkt): send it as a Bearer token');
    expect(res.headers.get('www-authenticate')).to.include('DPoP algs=');
  });

  it('plain Bearer tokens keep working in the default (allowed) mode', async () => {
    expect((await get(`${app.url}/d/secure`, { token: await tenant.token() })).status).to.equal(200);
  });

  it('mode required: Bearer is refused with a DPoP-only challenge; DPoP works', async () => {
    const strict = await startKoa(tenant.auth0({ dpop: { mode: 'required' } }), [DpopApi]);
    try {
      const bearer = await get(`${strict.url}/d/secure`, { token: await tenant.token() });
      expect(bearer.status).to.equal(401);
      expect(bearer.headers.get('www-authenticate')).to.equal(`DPoP algs="${ALGS}", ${metadata(strict.url)}`);
      expect(bearer.body.message).to.equal('Bearer tokens are not accepted here: send a DPoP-bound token with a DPoP proof');
      const none = await get(`${strict.url}/d/secure`);
      expect(none.headers.get('www-authenticate')).to.equal(`DPoP algs="${ALGS}", ${metadata(strict.url)}`);
      const token = await tenant.token({ dpopJkt: key.thumbprint });
      const ok = await get(`${strict.url}/d/secure`, {
        authorization: `DPoP ${token}`,
        headers: { dpop: await key.proof({ url: `${strict.url}/d/secure`, accessToken: token }) },
      });
      expect(ok.status).to.equal(200);
    } finally {
      await strict.close();
    }
  });

  it('mode disabled: only Bearer, no DPoP challenge; the DPoP scheme counts as no credentials', async () => {
    const plain = await startKoa(tenant.auth0({ dpop: { mode: 'disabled' } }), [DpopApi]);
    try {
      const token = await tenant.token({ dpopJkt: key.thumbprint });
      const res = await get(`${plain.url}/d/secure`, {
        authorization: `DPoP ${token}`,
        headers: { dpop: await key.proof({ url: `${plain.url}/d/secure`, accessToken: token }) },
      });
      expect(res.status).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.equal(`Bearer realm="${tenant.audience}", ${metadata(plain.url)}`);
      expect((await get(`${plain.url}/d/secure`, { token: await tenant.token() })).status).to.equal(200);
    } finally {
      await plain.close();
    }
  });

  it('the replay cache is bounded per proof key and fails closed: a key full of live proofs waits (503) until its oldest expire', async () => {
    let now = Date.now();
    const auth = tenant.auth0({ dpop: { jtiCacheSize: 5, jtiPerKey: 5, iatOffset: 1, iatLeeway: 0 }, clock: () => now });
    const small = await startKoa(auth, [DpopApi]);
    try {
      const token = await tenant.token({ dpopJkt: key.thumbprint });
      const call = async () =>
        get(`${small.url}/d/secure`, {
          authorization: `DPoP ${token}`,
          headers: { dpop: await key.proof({ url: `${small.url}/d/secure`, accessToken: token, iat: Math.floor(now / 1000) }) },
        });
      for (let i = 0; i < 5; i += 1) expect((await call()).status).to.equal(200);
      const full = await call();
      expect(full.status).to.equal(503);
      expect(full.body).to.deep.equal({
        error: 'temporarily_unavailable',
        message: 'Too many DPoP proofs in flight for this key: retry later',
      });
      expect(Number(full.headers.get('retry-after'))).to.be.within(1, 2);
      const store = auth.pipeline.replayStore as MemoryReplayStore;
      expect(store.size).to.equal(5);
      // The window is 1 s: once it has passed for the first proofs, new ones are taken again.
      now += 2100;
      expect((await call()).status).to.equal(200);
      expect(store.size).to.be.at.most(5);
    } finally {
      await small.close();
    }
  });

  it('dpop.origin: htu is checked against the configured public origin, not the Host header', async () => {
    const pinned = await startKoa(tenant.auth0({ dpop: { origin: 'https://api.example.com' } }), [DpopApi]);
    try {
      const token = await tenant.token({ dpopJkt: key.thumbprint });
      const ok = await get(`${pinned.url}/d/secure?page=1`, {
        authorization: `DPoP ${token}`,
        headers: { dpop: await key.proof({ url: 'https://api.example.com/d/secure', accessToken: token }) },
      });
      expect(ok.status).to.equal(200);
      const local = await get(`${pinned.url}/d/secure`, {
        authorization: `DPoP ${token}`,
        headers: { dpop: await key.proof({ url: `${pinned.url}/d/secure`, accessToken: token }) },
      });
      expect(local.status).to.equal(401);
      expect(local.body.message).to.equal('DPoP proof is for another URL (htu)');
    } finally {
      await pinned.close();
    }
  });

  it('works on the Express driver (htu from protocol, host and original URL)', async () => {
    const express = await startExpress(tenant.auth0(), [DpopApi]);
    try {
      const token = await tenant.token({ dpopJkt: key.thumbprint });
      const res = await get(`${express.url}/d/secure?x=1`, {
        authorization: `DPoP ${token}`,
        headers: { dpop: await key.proof({ url: `${express.url}/d/secure`, accessToken: token }) },
      });
      expect(res.status).to.equal(200);
      const wrong = await get(`${express.url}/d/secure`, {
        authorization: `DPoP ${token}`,
        headers: { dpop: await key.proof({ url: `${express.url}/d/other`, accessToken: token }) },
      });
      expect(wrong.status).to.equal(401);
    } finally {
      await express.close();
    }
  });
});
