/**
 * Attacks on the request path, one `describe` per weakness: each test sends what an attacker (or a
 * careless deployment) would send and asserts the answer the API owes it.
 */
import { randomUUID, X509Certificate } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Koa from 'koa';
import { expect } from 'chai';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import type { SchemaObject } from 'openapi3-ts';
import { Authorized, CurrentUser, Get, JsonController, useKoaServer } from 'routing-controllers';
import { certificateThumbprint, DpopKey, TestTenant } from 'routing-controllers-auth0/testing';
import { type AccessTokenClaims, Auth0, Auth0ConfigError, Auth0Error, type Auth0Options, Auth0User, Claim } from '../../src';
import { auth0Spec } from '../../src/openapi';
import { Api } from '../support/controllers';
import { rejectionOf } from '../support/errors';
import { type RawAnswer, rawRequest } from '../support/raw-http';
import { freePort, get, listening, type Running, startExpress, startKoa } from '../support/server';

@JsonController('/d')
class BoundApi {
  @Get('/secure')
  @Authorized()
  secure(@CurrentUser() user: Auth0User) {
    return user;
  }
}

/** Routes a raw path with dot segments or encoded characters can reach. */
@JsonController('/d')
class ParamApi {
  @Get('/:a/:b/secure')
  @Authorized()
  nested(@CurrentUser() user: Auth0User) {
    return user;
  }

  @Get('/:name')
  @Authorized()
  named(@CurrentUser() user: Auth0User) {
    return user;
  }
}

/** Options of the API that today's option types do not list yet. */
function loose(options: Record<string, unknown>): Partial<Auth0Options> {
  return options as Partial<Auth0Options>;
}

/** What `verify` is given besides the token: the DPoP proof of the request, or its client certificate. */
interface Binding {
  dpop?: { proof: string; method: string; url: string };
  certificate?: Uint8Array;
}

interface Verified {
  claims: AccessTokenClaims;
  user: Auth0User;
}

/** `auth.verify(token, binding)`. */
function verifyBound(auth: Auth0, token: string, binding?: Binding): Promise<Verified> {
  return (auth as unknown as { verify(token: string, binding?: Binding): Promise<Verified> }).verify(token, binding);
}

/** The JSON body of a raw answer (or its text when it is not JSON). */
function bodyOf(answer: RawAnswer): { error?: string; message?: string } {
  try {
    return JSON.parse(answer.body) as { error?: string; message?: string };
  } catch {
    return { message: answer.body };
  }
}

/** The Auth0Error a promise rejects with. */
async function auth0Rejection(promise: Promise<unknown>): Promise<Auth0Error> {
  const error = await rejectionOf(promise);
  expect(error).to.be.instanceOf(Auth0Error);
  return error as unknown as Auth0Error;
}

function dpopGet(url: string, token: string, proof?: string) {
  return get(url, { authorization: `DPoP ${token}`, headers: proof === undefined ? {} : { dpop: proof } });
}

/** A Koa app of the DPoP-guarded routes on a port chosen before the Auth0 is built (for a `dpop.origin` that names it). */
async function startOnOwnPort(make: (origin: string) => Auth0): Promise<Running> {
  const port = await freePort();
  const auth = make(`http://127.0.0.1:${port}`);
  const app = new Koa();
  useKoaServer(app, {
    controllers: [BoundApi],
    development: false,
    authorizationChecker: auth.authorizationChecker,
    currentUserChecker: auth.currentUserChecker,
  });
  return listening(app.listen(port, '127.0.0.1'));
}

describe('attack: Host smuggling of the DPoP htu', () => {
  let tenant: TestTenant;
  let key: DpopKey;
  let koa: Running;
  let pinned: Running;

  before(async () => {
    tenant = await TestTenant.start();
    key = await DpopKey.generate();
    koa = await startKoa(tenant.auth0(), [BoundApi]);
    pinned = await startKoa(tenant.auth0({ dpop: { origin: 'https://api.example.com' } }), [BoundApi]);
  });
  after(async () => {
    await koa.close();
    await pinned.close();
    await tenant.close();
  });

  /** `GET /d/secure` with `Host: 127.0.0.1:{port}/public{suffix}` and a proof for `http://127.0.0.1:{port}/public`. */
  async function smuggle(app: Running, suffix: string): Promise<RawAnswer> {
    const port = Number(new URL(app.url).port);
    const token = await tenant.token({ dpopJkt: key.thumbprint });
    const proof = await key.proof({ url: `http://127.0.0.1:${port}/public`, accessToken: token });
    return rawRequest(port, 'GET /d/secure HTTP/1.1', [
      `Host: 127.0.0.1:${port}/public${suffix}`,
      `Authorization: DPoP ${token}`,
      `DPoP: ${proof}`,
    ]);
  }

  it('a Host of "127.0.0.1:<port>/public?" makes a proof for /public pass on /d/secure: 400 invalid_request', async () => {
    const res = await smuggle(koa, '?');
    expect(res.status).to.equal(400);
    expect(bodyOf(res).error).to.equal('invalid_request');
  });

  it('a Host of "127.0.0.1:<port>/public#" makes a proof for /public pass on /d/secure: 400 invalid_request', async () => {
    const res = await smuggle(koa, '#');
    expect(res.status).to.equal(400);
    expect(bodyOf(res).error).to.equal('invalid_request');
  });

  it('a proof for /d/secure spent on a path a router sees otherwise (/d/x/../secure, /d/%73ecure): 400 invalid_request', async () => {
    const app = await startKoa(tenant.auth0(), [BoundApi, ParamApi]);
    try {
      const port = Number(new URL(app.url).port);
      const token = await tenant.token({ dpopJkt: key.thumbprint });
      for (const path of ['/d/x/../secure', '/d/x/%2e%2e/secure', '/d/%73ecure', 'http://elsewhere.example.com/d/x/../secure']) {
        const proof = await key.proof({ url: `http://127.0.0.1:${port}/d/secure`, accessToken: token });
        const res = await rawRequest(port, `GET ${path} HTTP/1.1`, [
          `Host: 127.0.0.1:${port}`,
          `Authorization: DPoP ${token}`,
          `DPoP: ${proof}`,
        ]);
        expect([res.status, bodyOf(res).error], path).to.deep.equal([400, 'invalid_request']);
      }
    } finally {
      await app.close();
    }
  });

  it('the same smuggled Host on the Express driver: 400 invalid_request', async () => {
    const app = await startExpress(tenant.auth0(), [BoundApi]);
    try {
      const res = await smuggle(app, '?');
      expect(res.status).to.equal(400);
      expect(bodyOf(res).error).to.equal('invalid_request');
    } finally {
      await app.close();
    }
  });

  it('with dpop.origin set, a smuggled Host still cannot move the htu off the request path: never 200', async () => {
    const app = await startOnOwnPort((origin) => tenant.auth0({ dpop: { origin } }));
    try {
      const res = await smuggle(app, '?');
      expect(res.status).to.be.oneOf([400, 401]);
      expect(bodyOf(res).error).to.equal(res.status === 401 ? 'invalid_dpop_proof' : 'invalid_request');
    } finally {
      await app.close();
    }
  });

  it('an htu with an upper-case scheme and host still names this request: 200', async () => {
    const token = await tenant.token({ dpopJkt: key.thumbprint });
    const htu = `HTTP://127.0.0.1:${new URL(koa.url).port}/d/secure`;
    expect((await dpopGet(`${koa.url}/d/secure`, token, await key.proof({ url: htu, accessToken: token }))).status).to.equal(200);
  });

  /** A test: a proof whose htu is `htu`, sent to /d/secure of the app pinned to https://api.example.com, gets `status`. */
  const pinnedProof = (htu: string, status: number) => async () => {
    const token = await tenant.token({ dpopJkt: key.thumbprint });
    const res = await dpopGet(`${pinned.url}/d/secure`, token, await key.proof({ url: htu, accessToken: token }));
    expect(res.status).to.equal(status);
    if (status === 401) expect(res.body.error).to.equal('invalid_dpop_proof');
  };

  const sameResource: [string, string][] = [
    ['an upper-case host and an explicit default port', 'HTTPS://API.example.com:443/d/secure'],
    ['a percent-encoded unreserved character', 'https://api.example.com/d/%73ecure'],
    ['dot segments', 'https://api.example.com/d/x/../secure'],
  ];
  for (const [name, htu] of sameResource) {
    it(`dpop.origin: an htu with ${name} names the same resource (RFC 3986 normalization): 200`, pinnedProof(htu, 200));
  }

  const otherResource: [string, string][] = [
    ['an encoded slash (%2F) is another path', 'https://api.example.com/d/%2Fsecure'],
    ['the path is case-sensitive', 'https://api.example.com/d/Secure'],
  ];
  for (const [name, htu] of otherResource) {
    it(`dpop.origin: a proof whose htu is not this resource (${name}): 401 invalid_dpop_proof`, pinnedProof(htu, 401));
  }
});

describe('attack: two DPoP proofs on one request', () => {
  let tenant: TestTenant;
  let key: DpopKey;
  let app: Running;

  before(async () => {
    tenant = await TestTenant.start();
    key = await DpopKey.generate();
    app = await startKoa(tenant.auth0(), [BoundApi]);
  });
  after(async () => {
    await app.close();
    await tenant.close();
  });

  it('two DPoP header fields: 401 invalid_dpop_proof with its challenge', async () => {
    const token = await tenant.token({ dpopJkt: key.thumbprint });
    const url = `${app.url}/d/secure`;
    const first = await key.proof({ url, accessToken: token });
    const second = await key.proof({ url, accessToken: token });
    const port = Number(new URL(app.url).port);
    const res = await rawRequest(port, 'GET /d/secure HTTP/1.1', [
      `Host: 127.0.0.1:${port}`,
      `Authorization: DPoP ${token}`,
      `DPoP: ${first}`,
      `DPoP: ${second}`,
    ]);
    expect(res.status).to.equal(401);
    expect(bodyOf(res).error).to.equal('invalid_dpop_proof');
    expect(res.headers['www-authenticate']).to.include('error="invalid_dpop_proof"');
  });

  it('two proofs joined by a comma in one DPoP header: 401 invalid_dpop_proof with its challenge', async () => {
    const token = await tenant.token({ dpopJkt: key.thumbprint });
    const url = `${app.url}/d/secure`;
    const proofs = `${await key.proof({ url, accessToken: token })}, ${await key.proof({ url, accessToken: token })}`;
    const res = await dpopGet(url, token, proofs);
    expect(res.status).to.equal(401);
    expect(res.body.error).to.equal('invalid_dpop_proof');
    expect(res.headers.get('www-authenticate')).to.include('error="invalid_dpop_proof"');
  });
});

describe('attack: a second Authorization field hidden past the header limit', () => {
  let tenant: TestTenant;
  before(async () => {
    tenant = await TestTenant.start();
  });
  after(() => tenant.close());

  /** A GET of `path` with `fillers` header fields, then the given Authorization fields. */
  async function send(url: string, path: string, fillers: number, authorizations: string[]): Promise<RawAnswer> {
    const port = Number(new URL(url).port);
    const filler = Array.from({ length: fillers }, (_, i) => `F${i}: 1`);
    return rawRequest(port, `GET ${path} HTTP/1.1`, [
      `Host: 127.0.0.1:${port}`,
      ...filler,
      ...authorizations.map((a) => `Authorization: ${a}`),
    ]);
  }

  for (const [framework, start] of [
    ['Koa', startKoa],
    ['Express', startExpress],
  ] as const) {
    it(`${framework}: a request with as many header fields as Node keeps gets 400 invalid_request on a secured route`, async () => {
      const app = await start(tenant.auth0(), [Api]);
      try {
        const token = await tenant.token();
        const mine = `Bearer ${token}`;
        const other = `Bearer ${await tenant.token({ subject: 'auth0|someone-else' })}`;
        // A plain duplicate is seen, and refused.
        expect((await send(app.url, '/secure', 0, [mine, other])).status).to.equal(400);
        // The same duplicate after 1,021 fillers (10 KB): Node drops it, the request may have been cut.
        for (const authorizations of [[mine, other], [mine], []]) {
          const cut = await send(app.url, '/secure', 1021, authorizations);
          expect(cut.status, String(authorizations.length)).to.equal(400);
          expect(bodyOf(cut)).to.deep.equal({
            error: 'invalid_request',
            message: 'Too many header fields: the server may have dropped some, so the request cannot be checked',
          });
          expect(cut.headers['www-authenticate']).to.include('error="invalid_request"');
        }
        // Fewer fields than the limit: answered as usual; a public route never asks.
        expect((await send(app.url, '/secure', 900, [mine])).status).to.equal(200);
        expect((await send(app.url, '/public', 1021, [mine, other])).status).to.equal(200);
      } finally {
        await app.close();
      }
    });
  }

  it("the limit is the server's own maxHeadersCount", async () => {
    const koa = new Koa();
    const auth = tenant.auth0();
    useKoaServer(koa, {
      controllers: [Api],
      development: false,
      authorizationChecker: auth.authorizationChecker,
      currentUserChecker: auth.currentUserChecker,
    });
    const server = koa.listen(0, '127.0.0.1');
    server.maxHeadersCount = 50;
    const app = await listening(server);
    try {
      const mine = `Bearer ${await tenant.token()}`;
      expect((await send(app.url, '/secure', 30, [mine])).status).to.equal(200);
      expect((await send(app.url, '/secure', 60, [mine])).status).to.equal(400);
    } finally {
      await app.close();
    }
  });
});

let claimMappings = 0;

/** A user class whose claim mapper is user code that must not run for an unproven token. */
class CountingUser extends Auth0User {
  @Claim('org_id', (value: unknown) => {
    claimMappings += 1;
    return value ?? 'no-org';
  })
  orgId!: string;
}

describe('attack: a second verification path that skips sender binding', () => {
  let tenant: TestTenant;
  let key: DpopKey;
  let other: DpopKey;

  before(async () => {
    tenant = await TestTenant.start();
    key = await DpopKey.generate();
    other = await DpopKey.generate();
  });
  after(() => tenant.close());

  async function certificate(commonName: string): Promise<Uint8Array> {
    const selfsigned = require('selfsigned') as {
      generate: (...args: unknown[]) => Promise<{ cert: string }>;
    };
    const pems = await selfsigned.generate([{ name: 'commonName', value: commonName }], { days: 1, keySize: 2048, algorithm: 'sha256' });
    return new X509Certificate(pems.cert).raw;
  }

  it('verify() of a DPoP-bound token without its proof: rejected with 401', async () => {
    const token = await tenant.token({ dpopJkt: key.thumbprint });
    const error = await auth0Rejection(tenant.auth0().verify(token));
    expect(error.status).to.equal(401);
  });

  it('verify() of a certificate-bound token without its certificate (mtls on): rejected with 401', async () => {
    const token = await tenant.token({ certificateThumbprint: randomUUID() });
    const error = await auth0Rejection(tenant.auth0({ mtls: {} }).verify(token));
    expect(error.status).to.equal(401);
  });

  it('verify() with a DPoP proof: accepted once, the replayed proof is refused (401 invalid_dpop_proof)', async () => {
    const auth = tenant.auth0();
    const token = await tenant.token({ dpopJkt: key.thumbprint, subject: 'auth0|bound' });
    const url = 'https://api.example.com/x';
    const dpop = { proof: await key.proof({ url, accessToken: token }), method: 'GET', url };
    const { claims, user } = await verifyBound(auth, token, { dpop });
    expect(claims.sub).to.equal('auth0|bound');
    expect(user.id).to.equal('auth0|bound');
    const error = await auth0Rejection(verifyBound(auth, token, { dpop }));
    expect(error.status).to.equal(401);
    expect(error.code).to.equal('invalid_dpop_proof');
  });

  it('verify() with a client certificate: its own certificate passes, another one is refused with 401', async function () {
    this.timeout(60_000);
    const [mine, theirs] = await Promise.all([certificate('client-a'), certificate('client-b')]);
    const auth = tenant.auth0({ mtls: {} });
    const token = await tenant.token({ certificateThumbprint: certificateThumbprint(mine) });
    expect((await verifyBound(auth, token, { certificate: mine })).claims.sub).to.equal('auth0|test-user');
    const error = await auth0Rejection(verifyBound(auth, token, { certificate: theirs }));
    expect(error.status).to.equal(401);
  });

  describe('no user code runs before the binding is proven', () => {
    let validations = 0;
    let app: Running;

    // A fresh API and counters for every test, so that no test finds a token another one verified.
    beforeEach(async () => {
      validations = 0;
      claimMappings = 0;
      const auth = tenant.auth0<CountingUser>({
        userClass: CountingUser,
        validate: () => {
          validations += 1;
          return true;
        },
      });
      app = await startKoa(auth, [BoundApi]);
    });
    afterEach(() => app.close());

    it('control: a DPoP-bound token with its own proof is accepted, and validate and the claim mapper both run', async () => {
      const token = await tenant.token({ dpopJkt: key.thumbprint, claims: { jti: randomUUID() } });
      const res = await dpopGet(`${app.url}/d/secure`, token, await key.proof({ url: `${app.url}/d/secure`, accessToken: token }));
      expect(res.status).to.equal(200);
      expect(validations).to.be.greaterThan(0);
      expect(claimMappings).to.be.greaterThan(0);
    });

    it('a DPoP-bound token sent as Bearer: 401, neither validate nor the claim mapper ran', async () => {
      const token = await tenant.token({ dpopJkt: key.thumbprint, claims: { jti: randomUUID() } });
      const res = await get(`${app.url}/d/secure`, { token });
      expect(res.status).to.equal(401);
      expect({ validations, claimMappings }).to.deep.equal({ validations: 0, claimMappings: 0 });
    });

    it('a DPoP-bound token with a proof made by another key: 401, neither validate nor the claim mapper ran', async () => {
      const token = await tenant.token({ dpopJkt: key.thumbprint, claims: { jti: randomUUID() } });
      const res = await dpopGet(`${app.url}/d/secure`, token, await other.proof({ url: `${app.url}/d/secure`, accessToken: token }));
      expect(res.status).to.equal(401);
      expect({ validations, claimMappings }).to.deep.equal({ validations: 0, claimMappings: 0 });
    });
  });
});

describe('attack: validate skipped for a token the verifier remembers', () => {
  let tenant: TestTenant;

  before(async () => {
    tenant = await TestTenant.start();
  });
  after(() => tenant.close());

  it('the same token sent 4 times: validate runs on every request', async () => {
    let calls = 0;
    const app = await startKoa(
      tenant.auth0({
        validate: () => {
          calls += 1;
          return true;
        },
      }),
      [Api],
    );
    try {
      const token = await tenant.token();
      for (let i = 0; i < 4; i += 1) expect((await get(`${app.url}/secure`, { token })).status).to.equal(200);
      expect(calls).to.equal(4);
    } finally {
      await app.close();
    }
  });

  it('a token revoked after 3 requests (its jti added to a deny list): the 4th gets 401 invalid_token', async () => {
    const revoked = new Set<string>();
    const app = await startKoa(tenant.auth0({ validate: (claims) => typeof claims.jti === 'string' && !revoked.has(claims.jti) }), [Api]);
    try {
      const jti = randomUUID();
      const token = await tenant.token({ claims: { jti } });
      for (let i = 0; i < 3; i += 1) expect((await get(`${app.url}/secure`, { token })).status).to.equal(200);
      revoked.add(jti);
      const res = await get(`${app.url}/secure`, { token });
      expect(res.status).to.equal(401);
      expect(res.body.error).to.equal('invalid_token');
    } finally {
      await app.close();
    }
  });
});

describe('attack: a stray AUTH0_SECRET switches the API to HS256', () => {
  const SECRET = 'a-session-cookie-secret-of-40-characters';
  const NAMES = ['AUTH0_SECRET', 'AUTH0_SIGNING_SECRET', 'AUTH0_TOKEN_SIGNING_ALG'] as const;
  let tenant: TestTenant;
  let saved: Record<string, string | undefined>;
  let app: Running | undefined;

  before(async () => {
    tenant = await TestTenant.start();
  });
  beforeEach(() => {
    saved = Object.fromEntries(NAMES.map((name) => [name, process.env[name]]));
    for (const name of NAMES) delete process.env[name];
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    for (const name of NAMES) {
      const value = saved[name];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  after(() => tenant.close());

  function hs256(secret: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: tenant.issuer, aud: tenant.audience, sub: 'auth0|forged', iat: now, exp: now + 600 })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: tenant.currentKid })
      .sign(new TextEncoder().encode(secret));
  }

  it('with AUTH0_SECRET in the environment, a real RS256 token is still accepted: 200', async () => {
    process.env.AUTH0_SECRET = SECRET;
    app = await startKoa(tenant.auth0(), [Api]);
    expect((await get(`${app.url}/secure`, { token: await tenant.token() })).status).to.equal(200);
  });

  it('with AUTH0_SECRET in the environment, an HS256 token forged with that secret: 401', async () => {
    process.env.AUTH0_SECRET = SECRET;
    app = await startKoa(tenant.auth0(), [Api]);
    const res = await get(`${app.url}/secure`, { token: await hs256(SECRET) });
    expect(res.status).to.equal(401);
    expect(res.body.error).to.equal('invalid_token');
  });

  it('a secret without algorithms: Auth0ConfigError at construction', () => {
    expect(() => tenant.auth0({ secret: SECRET })).to.throw(Auth0ConfigError);
  });

  it('algorithms HS256 without a secret: Auth0ConfigError at construction', () => {
    expect(() => tenant.auth0({ algorithms: ['HS256'] })).to.throw(Auth0ConfigError);
  });

  it('a secret with algorithms HS256: HS256 tokens signed with it are accepted', async () => {
    app = await startKoa(tenant.auth0({ secret: SECRET, algorithms: ['HS256'] }), [Api]);
    expect((await get(`${app.url}/secure`, { token: await hs256(SECRET) })).status).to.equal(200);
  });

  it('AUTH0_SIGNING_SECRET with AUTH0_TOKEN_SIGNING_ALG=HS256: HS256 tokens signed with it are accepted', async () => {
    process.env.AUTH0_SIGNING_SECRET = SECRET;
    process.env.AUTH0_TOKEN_SIGNING_ALG = 'HS256';
    app = await startKoa(tenant.auth0(), [Api]);
    expect((await get(`${app.url}/secure`, { token: await hs256(SECRET) })).status).to.equal(200);
  });
});

describe('attack: one DPoP key fills the replay cache for everyone', () => {
  let tenant: TestTenant;
  let a: DpopKey;
  let b: DpopKey;

  before(async () => {
    tenant = await TestTenant.start();
    [a, b] = await Promise.all([DpopKey.generate(), DpopKey.generate()]);
  });
  after(() => tenant.close());

  async function send(app: Running, key: DpopKey, token: string, claims?: Record<string, unknown>) {
    const url = `${app.url}/d/secure`;
    return dpopGet(url, token, await key.proof({ url, accessToken: token, claims }));
  }

  it('key A sends more fresh proofs than the whole cache holds: A is held to its quota, key B still gets 200', async () => {
    const app = await startKoa(tenant.auth0(loose({ dpop: { jtiCacheSize: 50, jtiPerKey: 10 } })), [BoundApi]);
    try {
      const tokenA = await tenant.token({ dpopJkt: a.thumbprint });
      const answersA: { status: number; error: unknown }[] = [];
      for (let i = 0; i < 60; i += 1) {
        const res = await send(app, a, tokenA);
        answersA.push({ status: res.status, error: res.body.error });
      }
      const resB = await send(app, b, await tenant.token({ dpopJkt: b.thumbprint, subject: 'auth0|another-user' }));
      expect(resB.status).to.equal(200);
      const accepted = answersA.filter((r) => r.status === 200).length;
      expect(accepted).to.be.within(1, 10);
      for (const refused of answersA.filter((r) => r.status !== 200)) {
        expect(refused).to.deep.equal({ status: 503, error: 'temporarily_unavailable' });
      }
    } finally {
      await app.close();
    }
  });

  it('one user with a token bound to each of many keys is held to the per-subject quota; another user still gets 200', async () => {
    const app = await startKoa(tenant.auth0(loose({ dpop: { jtiCacheSize: 50, jtiPerKey: 10, jtiPerSubject: 6 } })), [BoundApi]);
    try {
      const keys = await Promise.all(Array.from({ length: 4 }, () => DpopKey.generate()));
      const answers: { status: number; error: unknown; retryAfter: string | null }[] = [];
      // Three proofs with each of four keys: twelve fresh proofs, none over its key's quota of 10.
      for (const key of keys) {
        const token = await tenant.token({ dpopJkt: key.thumbprint, subject: 'auth0|flooder' });
        for (let i = 0; i < 3; i += 1) {
          const res = await send(app, key, token);
          answers.push({ status: res.status, error: res.body.error, retryAfter: res.headers.get('retry-after') });
        }
      }
      expect(answers.filter((r) => r.status === 200)).to.have.length(6);
      expect(answers.slice(0, 6).every((r) => r.status === 200)).to.equal(true);
      for (const refused of answers.slice(6)) {
        expect(refused.status).to.equal(503);
        expect(refused.error).to.equal('temporarily_unavailable');
        expect(Number(refused.retryAfter)).to.be.within(1, 331);
      }
      // Another user's proof is accepted.
      const other = await send(app, a, await tenant.token({ dpopJkt: a.thumbprint, subject: 'auth0|someone-else' }));
      expect(other.status).to.equal(200);
      // The flooder's own fresh key is refused too: the quota is the subject's, over all its keys.
      const fresh = await DpopKey.generate();
      const again = await send(app, fresh, await tenant.token({ dpopJkt: fresh.thumbprint, subject: 'auth0|flooder' }));
      expect([again.status, again.body.error]).to.deep.equal([503, 'temporarily_unavailable']);
    } finally {
      await app.close();
    }
  });

  describe('server nonces (dpop.nonce)', () => {
    let app: Running;

    before(async () => {
      app = await startKoa(tenant.auth0(loose({ dpop: { nonce: true } })), [BoundApi]);
    });
    after(() => app.close());

    it('a proof without the server nonce: 401 use_dpop_nonce with a DPoP-Nonce header and challenge', async () => {
      const res = await send(app, a, await tenant.token({ dpopJkt: a.thumbprint }));
      expect(res.status).to.equal(401);
      expect(res.body.error).to.equal('use_dpop_nonce');
      expect(res.headers.get('dpop-nonce')).to.be.a('string').and.not.equal('');
      expect(res.headers.get('www-authenticate')).to.include('error="use_dpop_nonce"');
    });

    it('a retry whose proof carries the nonce the server gave: 200', async () => {
      const token = await tenant.token({ dpopJkt: a.thumbprint });
      const nonce = (await send(app, a, token)).headers.get('dpop-nonce');
      expect(nonce).to.be.a('string');
      expect((await send(app, a, token, { nonce })).status).to.equal(200);
    });

    it('a proof with a made-up nonce: 401 use_dpop_nonce', async () => {
      const res = await send(app, a, await tenant.token({ dpopJkt: a.thumbprint }), { nonce: 'made-up-nonce' });
      expect(res.status).to.equal(401);
      expect(res.body.error).to.equal('use_dpop_nonce');
    });
  });
});

describe('attack: settings that break every request are accepted', () => {
  let tenant: TestTenant;

  before(async () => {
    tenant = await TestTenant.start();
  });
  after(() => tenant.close());

  /** A test: building the API with `options` throws an Auth0ConfigError whose message matches `names`. */
  const refused = (options: Record<string, unknown>, names: RegExp) => () => {
    expect(() => tenant.auth0(loose(options))).to.throw(Auth0ConfigError, names);
  };

  const broken: [string, Record<string, unknown>, RegExp][] = [
    ['jwksTimeout: 0 (every key set fetch aborts)', { jwksTimeout: 0 }, /jwksTimeout/],
    ['jwksMaxKeys: 0 (no key is ever kept)', { jwksMaxKeys: 0 }, /jwksMaxKeys/],
    ['dpop.jtiCacheSize: 0 (every DPoP proof gets 503)', { dpop: { jtiCacheSize: 0 } }, /jtiCacheSize/],
    ['maxTokenLength: 0 (every token is too large)', { maxTokenLength: 0 }, /maxTokenLength/],
    ['jwksTimeout: -1', { jwksTimeout: -1 }, /jwksTimeout/],
    ['jwksTimeout: NaN', { jwksTimeout: Number.NaN }, /jwksTimeout/],
    ['a domain and an issuerBaseURL naming different issuers', { issuerBaseURL: 'https://other.example.com/' }, /issuerBaseURL/],
  ];
  for (const [name, options, names] of broken) {
    it(`${name}: Auth0ConfigError at construction, naming the option`, refused(options, names));
  }
});

describe('attack: keys chosen by kid alone', () => {
  const AUDIENCE = 'https://api.example.com';
  const TWO_MIB = 2 * 1024 * 1024;
  let keySet: Running;
  let serve: (req: IncomingMessage, res: ServerResponse) => void;
  let signer: { privateKey: CryptoKey; jwk: JWK };
  let second: { privateKey: CryptoKey; jwk: JWK };

  async function rsaKey(): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    return { privateKey, jwk: await exportJWK(publicKey) };
  }

  before(async () => {
    [signer, second] = await Promise.all([rsaKey(), rsaKey()]);
    keySet = await listening(createServer((req, res) => serve(req, res)).listen(0, '127.0.0.1'));
  });
  after(() => keySet.close());

  function publish(keys: JWK[]): void {
    serve = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    };
  }

  function token(privateKey: CryptoKey, alg = 'RS256'): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: `${keySet.url}/`, aud: AUDIENCE, sub: 'auth0|keys', iat: now, exp: now + 600 })
      .setProtectedHeader({ alg, typ: 'JWT', kid: 'k1' })
      .sign(privateKey);
  }

  /** Starts an API on the key set, sends the token to /secure, and returns the answer. */
  async function call(jwt: string, options: Record<string, unknown> = {}) {
    const app = await startKoa(new Auth0({ domain: `${keySet.url}/`, audience: AUDIENCE, jwksCooldown: 0, ...options }), [Api]);
    try {
      return await get(`${app.url}/secure`, { token: jwt });
    } finally {
      await app.close();
    }
  }

  it('the only key of kid k1 is published for encryption (use: enc): 401 invalid_token', async () => {
    publish([{ ...signer.jwk, kid: 'k1', use: 'enc' }]);
    const res = await call(await token(signer.privateKey));
    expect(res.status).to.equal(401);
    expect(res.body.error).to.equal('invalid_token');
  });

  it('the only key of kid k1 is for encryption (key_ops: [encrypt]): 401 invalid_token', async () => {
    publish([{ ...signer.jwk, kid: 'k1', key_ops: ['encrypt'] }]);
    const res = await call(await token(signer.privateKey));
    expect(res.status).to.equal(401);
    expect(res.body.error).to.equal('invalid_token');
  });

  it('the only key of kid k1 is for PS256 while the token says RS256 (both allowed): 401 invalid_token', async () => {
    publish([{ ...signer.jwk, kid: 'k1', alg: 'PS256' }]);
    const res = await call(await token(signer.privateKey), { algorithms: ['RS256', 'PS256'] });
    expect(res.status).to.equal(401);
    expect(res.body.error).to.equal('invalid_token');
  });

  it('kid k1 names an encryption key first and the signing key second: the signing key is used, 200', async () => {
    publish([
      { ...second.jwk, kid: 'k1', key_ops: ['encrypt'] },
      { ...signer.jwk, kid: 'k1', use: 'sig' },
    ]);
    expect((await call(await token(signer.privateKey))).status).to.equal(200);
  });

  it('kid k1 names a PS256 key first and the RS256 key second: the token alg picks its key, 200', async () => {
    publish([
      { ...second.jwk, kid: 'k1', alg: 'PS256' },
      { ...signer.jwk, kid: 'k1', alg: 'RS256' },
    ]);
    expect((await call(await token(signer.privateKey), { algorithms: ['RS256', 'PS256'] })).status).to.equal(200);
  });

  /** A key set that holds the signing key, padded to 2 MiB, sent chunked (no Content-Length), `pace` ms between chunks. */
  function publishOversized(pace: number, done: (finished: boolean) => void): void {
    serve = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const head = `{"keys":[${JSON.stringify({ ...signer.jwk, kid: 'k1' })}],"padding":"`;
      const chunk = 'x'.repeat(64 * 1024);
      let sent = head.length;
      res.write(head);
      const timer = setInterval(() => {
        if (sent >= TWO_MIB) {
          clearInterval(timer);
          res.end('"}');
          return;
        }
        res.write(chunk);
        sent += chunk.length;
      }, pace);
      res.on('close', () => {
        clearInterval(timer);
        done(res.writableFinished);
      });
    };
  }

  it('a 2 MiB key set streamed chunked (no Content-Length): 503 temporarily_unavailable, no usable key', async () => {
    publishOversized(0, () => undefined);
    const res = await call(await token(signer.privateKey));
    expect(res.status).to.equal(503);
    expect(res.body.error).to.equal('temporarily_unavailable');
  });

  it('a 2 MiB key set streamed chunked: the API stops reading at its size limit instead of buffering it all', async () => {
    let finished: boolean | undefined;
    publishOversized(10, (value) => {
      finished = value;
    });
    const res = await call(await token(signer.privateKey));
    expect(res.status).to.equal(503);
    for (let waited = 0; finished === undefined && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(finished, 'the key set response was read to its end').to.equal(false);
  });
});

describe('attack: errors changed after they are thrown', () => {
  let tenant: TestTenant;

  before(async () => {
    tenant = await TestTenant.start();
  });
  after(() => tenant.close());

  it('a caught Auth0Error cannot be given another realm, scheme or offer', async () => {
    const error = await auth0Rejection(tenant.auth0().verify('garbage'));
    const fields = error as unknown as Record<string, unknown>;
    const before = { realm: fields.realm, scheme: fields.scheme, offer: fields.offer };
    const changes: Record<string, unknown> = { realm: 'attacker', scheme: 'DPoP', offer: { bearer: false, dpopAlgorithms: ['none'] } };
    const refused: string[] = [];
    for (const [name, value] of Object.entries(changes)) {
      try {
        fields[name] = value;
      } catch {
        refused.push(name);
      }
    }
    expect(Object.isFrozen(error) || refused.length === 3, 'the error is frozen or refuses every assignment').to.equal(true);
    expect({ realm: fields.realm, scheme: fields.scheme, offer: fields.offer }).to.deep.equal(before);
  });

  it('the OpenAPI error body schema lists invalid_dpop_proof among its codes', () => {
    const spec = auth0Spec(tenant.auth0(), { routing: { controllers: [BoundApi] } });
    const body = spec.components?.schemas?.Auth0ErrorBody as SchemaObject;
    const error = body.properties?.error as SchemaObject;
    expect(error.enum).to.include('invalid_dpop_proof');
  });
});
