import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createKoaServer } from 'routing-controllers';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { Auth0, Auth0ConfigError, type AuthEvent } from '../../src';
import { Api } from '../support/controllers';
import { rejectionOf } from '../support/errors';
import { freePort, get, listening, startKoa } from '../support/server';

/** A loopback server answering every request with `handler`. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Errors that say why: each failure a new user meets names its cause. */
describe('errors that say why', () => {
  let tenant: TestTenant;
  before(async () => {
    tenant = await TestTenant.start();
  });
  after(() => tenant.close());

  it('a key set fetch that fails says why in its event: refused, HTTP status, not JSON, not a key set, timeout', async () => {
    const closed = await freePort();
    const answers: Record<string, Parameters<typeof createServer>[1]> = {
      http_503: (_, res) => res.writeHead(503).end(),
      invalid_json: (_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{not json'),
      invalid_key_set: (_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":5}'),
      timeout: () => undefined,
    };
    const cases: Array<[string, string]> = [[`http://127.0.0.1:${closed}/`, 'ECONNREFUSED']];
    const servers: Server[] = [];
    for (const [code, handler] of Object.entries(answers)) {
      const { url, server } = await serve(handler);
      servers.push(server);
      cases.push([`${url}/`, code]);
    }
    try {
      for (const [issuer, code] of cases) {
        const events: AuthEvent[] = [];
        const auth = new Auth0({ domain: issuer, audience: tenant.audience, jwksTimeout: 200, onEvent: (event) => events.push(event) });
        const app = await startKoa(auth, [Api]);
        try {
          const res = await get(`${app.url}/secure`, { token: await tenant.token({ issuer }) });
          expect(res.status, code).to.equal(503);
          const fetched = events.find((event) => event.type === 'keySetFetch');
          expect(fetched, code).to.deep.include({ outcome: code === 'timeout' ? 'timeout' : 'error', keys: 0 });
          expect(fetched?.type === 'keySetFetch' && fetched.cause?.code, code).to.equal(code);
          expect(fetched?.type === 'keySetFetch' && fetched.cause?.message, code)
            .to.be.a('string')
            .and.not.equal('');
        } finally {
          await app.close();
        }
      }
      const ok: AuthEvent[] = [];
      await new Auth0({ domain: tenant.issuer, audience: tenant.audience, onEvent: (event) => ok.push(event) }).verify(
        await tenant.token(),
      );
      expect(ok.find((event) => event.type === 'keySetFetch'))
        .to.include({ outcome: 'ok' })
        .and.not.have.property('cause');
    } finally {
      for (const server of servers) server.close();
    }
  });

  it('auth.ready() fetches discovery and the key set once, and rejects with the cause', async () => {
    await tenant.auth0().ready();
    const closed = await freePort();
    const refused = await rejectionOf(new Auth0({ domain: `http://127.0.0.1:${closed}/`, audience: 'a' }).ready());
    expect(refused.message).to.match(/^routing-controllers-auth0: the tenant http:\/\/127\.0\.0\.1:\d+\/ is not ready: ECONNREFUSED/);
    expect(refused.cause).to.include({ code: 'ECONNREFUSED' });
    const { url, server } = await serve((_, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: 'https://someone-else.auth0.com/' })),
    );
    try {
      const wrong = await rejectionOf(new Auth0({ domain: `${url}/`, audience: 'a' }).ready());
      expect(wrong.cause).to.include({ code: 'wrong_issuer' });
      expect(wrong.message).to.include('https://someone-else.auth0.com/');
    } finally {
      server.close();
    }
  });

  it('the refused event says which of issuer and audience failed, with the expected and received values; never the token', async () => {
    const events: AuthEvent[] = [];
    const app = await startKoa(tenant.auth0({ onEvent: (event) => events.push(event) }), [Api]);
    try {
      const wrongAudience = await tenant.token({ audience: ['https://other.example.com', 'x'.repeat(300)] });
      expect((await get(`${app.url}/secure`, { token: wrongAudience })).status).to.equal(401);
      const wrongIssuer = await tenant.token({ issuer: 'https://evil.example.com/' });
      expect((await get(`${app.url}/secure`, { token: wrongIssuer })).status).to.equal(401);
      const refused = events.filter((event) => event.type === 'refused');
      expect(refused.map((event) => event.type === 'refused' && event.claim)).to.deep.equal([
        { name: 'aud', expected: [tenant.audience], received: ['https://other.example.com', 'x'.repeat(100)] },
        { name: 'iss', expected: [tenant.issuer], received: ['https://evil.example.com/'] },
      ]);
      expect(JSON.stringify(events)).not.to.include(wrongAudience.split('.')[2]).and.not.include(wrongIssuer.split('.')[1]);
    } finally {
      await app.close();
    }
  });

  it('an ID token sent as an access token gets "this looks like an ID token"', async () => {
    const app = await startKoa(tenant.auth0({ clientId: 'spa-client-id' }), [Api]);
    try {
      for (const options of [
        { audience: 'spa-client-id' },
        { audience: 'some-client', claims: { nonce: 'n-1' } },
        { audience: 'some-client', claims: { at_hash: 'abc' } },
      ]) {
        const res = await get(`${app.url}/secure`, { token: await tenant.token(options) });
        expect([res.status, res.body], JSON.stringify(options)).to.deep.equal([
          401,
          {
            error: 'invalid_token',
            message: 'This looks like an ID token: send the access token (requested with the audience of this API)',
          },
        ]);
      }
      const other = await get(`${app.url}/secure`, { token: await tenant.token({ audience: 'https://other.example.com' }) });
      expect(other.body.message).to.equal('Invalid token claims (wrong issuer or audience)');
    } finally {
      await app.close();
    }
  });

  it('a domain with a path (a pasted …/api/v2) is an Auth0ConfigError naming the fix', () => {
    for (const domain of ['your-tenant.auth0.com/api/v2', 'https://your-tenant.auth0.com/api/v2/']) {
      expect(() => new Auth0({ domain, audience: 'a' }), domain).to.throw(
        Auth0ConfigError,
        "`domain` is your tenant's domain, without a path",
      );
      expect(() => new Auth0({ domain, audience: 'a' }), domain).to.throw('set "your-tenant.auth0.com"');
    }
    expect(new Auth0({ domain: 'https://your-tenant.auth0.com/', audience: 'a' }).config.issuer).to.equal('https://your-tenant.auth0.com/');
  });

  it('auth.checkers spreads both checkers into routing-controllers options: neither can be forgotten', async () => {
    const auth = tenant.auth0();
    const app = await listening(createKoaServer({ controllers: [Api], development: false, ...auth.checkers }).listen(0, '127.0.0.1'));
    try {
      expect((await get(`${app.url}/secure`)).status).to.equal(401);
      const res = await get(`${app.url}/secure`, { token: await tenant.token({ subject: 'auth0|spread' }) });
      expect([res.status, res.body.id]).to.deep.equal([200, 'auth0|spread']);
      expect((await get(`${app.url}/guest`)).body).to.deep.equal({ message: 'guest' });
    } finally {
      await app.close();
    }
  });
});
