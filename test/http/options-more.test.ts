import { expect } from 'chai';
import { SignJWT } from 'jose';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { Auth0, Auth0ConfigError, Auth0HttpError, Auth0User } from '../../src';
import { Api } from '../support/controllers';
import { get, startKoa } from '../support/server';

const SECRET = 'a-long-api-signing-secret-of-at-least-32-chars';

describe('HS256 APIs with a signing secret, maxTokenAge and a custom fetch', () => {
  let tenant: TestTenant;
  before(async () => {
    tenant = await TestTenant.start();
  });
  after(() => tenant.close());

  function hs256(claims: Record<string, unknown>, secret = SECRET, alg = 'HS256') {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: tenant.issuer,
      aud: tenant.audience,
      sub: 'auth0|hs',
      iat: now,
      exp: now + 600,
      scope: 'read:blabla',
      ...claims,
    })
      .setProtectedHeader({ alg, typ: 'JWT' })
      .sign(new TextEncoder().encode(secret));
  }

  it('secret: accepts HS256 tokens signed with it, fetches no key set, refuses other secrets and RS256', async () => {
    const auth = new Auth0({ domain: tenant.issuer, audience: tenant.audience, secret: SECRET, algorithms: ['HS256'] });
    const app = await startKoa(auth, [Api]);
    try {
      const ok = await get(`${app.url}/secure/blabla`, { token: await hs256({}) });
      expect(ok.status).to.equal(200);
      expect(ok.body.id).to.equal('auth0|hs');
      const wrong = await get(`${app.url}/secure`, { token: await hs256({}, 'another-secret-that-is-long-enough-too') });
      expect(wrong.status).to.equal(401);
      expect(wrong.body.message).to.equal('Invalid token signature');
      const rs = await get(`${app.url}/secure`, { token: await tenant.token() });
      expect(rs.status).to.equal(401);
      expect(rs.body.message).to.equal('Token algorithm not allowed');
      const iss = await get(`${app.url}/secure`, { token: await hs256({ iss: 'https://evil/' }) });
      expect(iss.status).to.equal(401);
      expect(tenant.jwksRequests).to.equal(0);
    } finally {
      await app.close();
    }
  });

  it('secret: refuses a short secret, asymmetric algorithms and a secret without an explicit HS algorithm at construction', () => {
    expect(() => new Auth0({ domain: 't.auth0.com', audience: 'a', secret: 'short' })).to.throw(Auth0ConfigError, /at least 32 characters/);
    expect(() => new Auth0({ domain: 't.auth0.com', audience: 'a', secret: SECRET, algorithms: ['RS256'] })).to.throw(
      Auth0ConfigError,
      /only HS256/,
    );
    expect(() => new Auth0({ domain: 't.auth0.com', audience: 'a', algorithms: ['HS256'] })).to.throw(Auth0ConfigError, /not accepted/);
    expect(() => new Auth0({ domain: 't.auth0.com', audience: 'a', secret: SECRET })).to.throw(
      Auth0ConfigError,
      /`secret` needs an explicit symmetric algorithm/,
    );
  });

  it('maxTokenAge: refuses tokens issued too long ago, whatever their exp', async () => {
    const app = await startKoa(tenant.auth0({ maxTokenAge: 60 }), [Api]);
    try {
      const now = Math.floor(Date.now() / 1000);
      expect((await get(`${app.url}/secure`, { token: await tenant.token() })).status).to.equal(200);
      const old = await get(`${app.url}/secure`, { token: await tenant.token({ claims: { iat: now - 3600 } }) });
      expect(old.status).to.equal(401);
      expect(old.body).to.deep.equal({ error: 'invalid_token', message: 'Token too old (maxTokenAge)' });
    } finally {
      await app.close();
    }
  });

  it('validate: an extra check of every token; false or a throw is 401 invalid_token', async () => {
    const app = await startKoa(tenant.auth0({ validate: (claims) => claims.azp === 'allowed-client' }), [Api]);
    try {
      expect((await get(`${app.url}/secure`, { token: await tenant.token({ clientId: 'allowed-client' }) })).status).to.equal(200);
      const res = await get(`${app.url}/secure`, { token: await tenant.token({ clientId: 'other' }) });
      expect(res.status).to.equal(401);
      expect(res.body).to.deep.equal({ error: 'invalid_token', message: 'Invalid token claims (refused by the validate option)' });
    } finally {
      await app.close();
    }
    const throwing = await startKoa(
      tenant.auth0({
        validate: () => {
          throw new Error('boom');
        },
      }),
      [Api],
    );
    try {
      expect((await get(`${throwing.url}/secure`, { token: await tenant.token() })).status).to.equal(401);
    } finally {
      await throwing.close();
    }
  });

  it('maxTokenAge also bounds how long a remembered token is honoured', async () => {
    let now = Date.now();
    const auth = tenant.auth0({ maxTokenAge: 2, clockTolerance: 0, clock: () => now });
    const app = await startKoa(auth, [Api]);
    try {
      const token = await tenant.token({ claims: { iat: Math.floor(Date.now() / 1000) } });
      expect((await get(`${app.url}/secure`, { token })).status).to.equal(200);
      expect((await get(`${app.url}/secure`, { token })).status).to.equal(200);
      expect(auth.pipeline.cachedTokenCount).to.equal(1);
      now += 3100;
      const res = await get(`${app.url}/secure`, { token });
      expect(res.status).to.equal(401);
      expect(res.body.message).to.equal('Token too old (maxTokenAge)');
    } finally {
      await app.close();
    }
  });

  it('verified claims are frozen through and through: one request cannot change another', async () => {
    const auth = tenant.auth0();
    const token = await tenant.token({ claims: { 'https://example.com/roles': ['user'], nested: { a: [1] } } });
    const first = await auth.verify(token);
    expect(Object.isFrozen(first.claims)).to.equal(true);
    expect(Object.isFrozen(first.claims['https://example.com/roles'])).to.equal(true);
    expect(() => (first.claims['https://example.com/roles'] as string[]).push('admin')).to.throw(TypeError);
    expect(() => ((first.claims.nested as { a: number[] }).a as number[]).push(2)).to.throw(TypeError);
    const again = await auth.verify(token);
    expect(again.claims['https://example.com/roles']).to.deep.equal(['user']);
  });

  it('guestOnInvalidToken never turns an outage (503) into a guest', async () => {
    const down = await TestTenant.start();
    down.mode = 'down';
    const app = await startKoa(down.auth0({ guestOnInvalidToken: true }), [Api]);
    try {
      const res = await get(`${app.url}/guest`, { token: await down.token() });
      expect(res.status).to.equal(503);
      expect(res.body.error).to.equal('temporarily_unavailable');
      expect((await get(`${app.url}/guest`, { token: 'a.b.c' })).body).to.deep.equal({ message: 'guest' });
    } finally {
      await app.close();
      await down.close();
    }
  });

  it('fetch: the key set is fetched with the given function', async () => {
    const seen: string[] = [];
    const auth = tenant.auth0({
      fetch: (input, init) => {
        seen.push(String(input));
        return fetch(input, init);
      },
    });
    const app = await startKoa(auth, [Api]);
    try {
      expect((await get(`${app.url}/secure`, { token: await tenant.token() })).status).to.equal(200);
      expect(seen).to.deep.equal([tenant.jwksUri]);
    } finally {
      await app.close();
    }
  });
});

describe('the checkers on one request', () => {
  let tenant: TestTenant;
  before(async () => {
    tenant = await TestTenant.start();
  });
  after(() => tenant.close());

  it('answer a remembered Bearer token as they answer one still to verify, each request with its own user', async () => {
    const auth = tenant.auth0();
    const token = await tenant.token({ scopes: 'openid read:blabla' });
    const action = () => ({ request: { headers: { authorization: `Bearer ${token}` }, url: '/secure', method: 'GET' }, response: {} });
    // Twice unknown (admission on second sight), then remembered.
    const users: Auth0User[] = [];
    for (let i = 0; i < 3; i += 1) {
      const request = action();
      expect(await auth.authorizationChecker(request as never, ['read:blabla'])).to.equal(true);
      const user = (await auth.currentUserChecker(request as never)) as Auth0User;
      expect(user)
        .to.be.instanceOf(Auth0User)
        .and.deep.include({ id: 'auth0|test-user', scopes: ['openid', 'read:blabla'] });
      users.push(user);
    }
    expect(auth.pipeline.cachedTokenCount, 'remembered').to.equal(1);
    // A handler changing its user changes no other request's.
    users[1].scopes.push('write:blabla');
    expect(users[2].scopes).to.deep.equal(['openid', 'read:blabla']);
    const refused = action();
    const error = await auth.authorizationChecker(refused as never, ['write:blabla']).then(
      () => expect.fail('refused'),
      (rejection: unknown) => rejection,
    );
    expect(error)
      .to.be.instanceOf(Auth0HttpError)
      .and.include({ httpCode: 403, code: 'insufficient_scope', message: 'Missing "write:blabla" scope' });
    expect((error as Auth0HttpError).headers['WWW-Authenticate']).to.match(
      /^Bearer realm="[^"]+", error="insufficient_scope", error_description="[^"]+", scope="write:blabla"/,
    );
  });

  it('a bug while reading the request rejects every checker of that request alike, read once', async () => {
    const auth = tenant.auth0();
    let reads = 0;
    const request = {
      get headers(): never {
        reads += 1;
        throw new TypeError('broken request object');
      },
    };
    const action = { request, response: {} };
    const a = await Promise.resolve()
      .then(() => auth.authorizationChecker(action as never, []))
      .catch((error: unknown) => error);
    const b = await Promise.resolve()
      .then(() => auth.currentUserChecker(action as never))
      .catch((error: unknown) => error);
    expect(a).to.be.instanceOf(TypeError).and.equal(b);
    expect(reads).to.equal(1);
  });
});
