import { expect } from 'chai';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { Auth0, Auth0ConfigError, type Auth0Options, protectedResourceController } from '../../src';
import { Api } from '../support/controllers';
import { get, startExpress, startKoa } from '../support/server';
import { rawRequest } from '../support/raw-http';

/** RFC 9728: the Protected Resource Metadata document, and `resource_metadata` in every challenge. */
describe('Protected Resource Metadata (RFC 9728)', () => {
  let tenant: TestTenant;
  before(async () => {
    tenant = await TestTenant.start();
  });
  after(() => tenant.close());

  const SCOPES = { 'read:blabla': 'Read the BlaBla resource', offline_access: 'Refresh tokens' };
  const auth0 = (options: Partial<Auth0Options> = {}) => tenant.auth0({ scopes: SCOPES, ...options });

  for (const [framework, start] of [
    ['Koa', startKoa],
    ['Express', startExpress],
  ] as const) {
    it(`${framework}: the document, member by member, as cacheable JSON at the identifier's well-known path`, async () => {
      const auth = auth0({ audience: ['https://api.example.com/mcp', 'other-api'] });
      const app = await start(auth, [Api, protectedResourceController(auth, { documentation: 'https://api.example.com/docs/' })]);
      try {
        const res = await get(`${app.url}/.well-known/oauth-protected-resource/mcp`);
        expect(res.status).to.equal(200);
        expect(res.headers.get('content-type')).to.match(/^application\/json/);
        expect(res.headers.get('cache-control')).to.equal('public, max-age=3600');
        expect(res.body).to.deep.equal({
          resource: 'https://api.example.com/mcp',
          authorization_servers: [tenant.issuer],
          scopes_supported: ['read:blabla'],
          bearer_methods_supported: ['header'],
          resource_name: 'https://api.example.com/mcp',
          dpop_signing_alg_values_supported: ['ES256', 'RS256', 'PS256', 'EdDSA'],
          dpop_bound_access_tokens_required: false,
          resource_documentation: 'https://api.example.com/docs/',
        });
        // The path without the identifier's path is not this resource's.
        expect((await get(`${app.url}/.well-known/oauth-protected-resource`)).status).to.equal(404);
        // Every 401 names it, on this request's origin, with the scopes the route needs.
        const refused = await get(`${app.url}/secure/blabla`);
        expect(refused.status).to.equal(401);
        expect(refused.headers.get('www-authenticate')).to.equal(
          `Bearer realm="https://api.example.com/mcp", scope="read:blabla", resource_metadata="${app.url}/.well-known/oauth-protected-resource/mcp", DPoP algs="ES256 RS256 PS256 EdDSA"`,
        );
      } finally {
        await app.close();
      }
    });
  }

  it('DPoP required, mTLS required, several domains, a resource_name from the realm', async () => {
    const auth = new Auth0({
      domain: [new URL(tenant.issuer).host, 'b.example.com'].map((d) => (d.includes('127.0.0.1') ? tenant.issuer : d)),
      audience: 'https://api.example.com',
      realm: 'Example API',
      dpop: { mode: 'required', algorithms: ['ES256'] },
      mtls: { required: true },
    });
    expect(auth.pipeline.resourceMetadata).to.deep.equal({
      path: '/.well-known/oauth-protected-resource',
      document: {
        resource: 'https://api.example.com',
        authorization_servers: [tenant.issuer, 'https://b.example.com/'],
        scopes_supported: [],
        bearer_methods_supported: ['header'],
        resource_name: 'Example API',
        dpop_signing_alg_values_supported: ['ES256'],
        dpop_bound_access_tokens_required: true,
        tls_client_certificate_bound_access_tokens: true,
      },
    });
    expect(Object.isFrozen(auth.pipeline.resourceMetadata?.document)).to.equal(true);
    const plain = new Auth0({ domain: 't.auth0.com', audience: 'https://api.example.com', dpop: { mode: 'disabled' } });
    expect(plain.pipeline.resourceMetadata?.document).not.to.have.any.keys(
      'dpop_signing_alg_values_supported',
      'dpop_bound_access_tokens_required',
      'tls_client_certificate_bound_access_tokens',
    );
  });

  it('a 403 carries the scope it needs and the metadata; publicOrigin pins the origin whatever the Host says', async () => {
    const auth = auth0({ publicOrigin: 'https://API.example.com:443' });
    const app = await startKoa(auth, [Api]);
    try {
      const res = await get(`${app.url}/secure/blabla`, { token: await tenant.token({ scopes: 'read:other' }) });
      expect(res.status).to.equal(403);
      expect(res.headers.get('www-authenticate')).to.equal(
        `Bearer realm="${tenant.audience}", error="insufficient_scope", error_description="Missing 'read:blabla' scope", scope="read:blabla", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"`,
      );
      const port = Number(new URL(app.url).port);
      const smuggled = await rawRequest(port, 'GET /secure HTTP/1.1', ['Host: evil.example.com']);
      expect(smuggled.status).to.equal(401);
      expect(smuggled.headers['www-authenticate']).to.include(
        'resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"',
      );
    } finally {
      await app.close();
    }
  });

  it('without publicOrigin the origin is the validated Host; a malformed Host leaves resource_metadata out, never a 500', async () => {
    const app = await startKoa(auth0(), [Api]);
    try {
      const port = Number(new URL(app.url).port);
      const named = await rawRequest(port, 'GET /secure HTTP/1.1', ['Host: API.Example.com:8443']);
      expect(named.status).to.equal(401);
      expect(named.headers['www-authenticate']).to.include(
        'resource_metadata="http://api.example.com:8443/.well-known/oauth-protected-resource"',
      );
      for (const host of ['a b', 'x"y', 'exa mple.com:80']) {
        const bad = await rawRequest(port, 'GET /secure HTTP/1.1', [`Host: ${host}`]);
        expect([bad.status, bad.headers['www-authenticate']], host).to.deep.equal([
          401,
          `Bearer realm="${tenant.audience}", DPoP algs="ES256 RS256 PS256 EdDSA"`,
        ]);
      }
    } finally {
      await app.close();
    }
  });

  it('resource: false, or an audience that is not a URL, turns the metadata off', async () => {
    for (const options of [{ resource: false as const }, { audience: 'my-api' }]) {
      const auth = auth0(options);
      expect(auth.pipeline.resourceMetadata, JSON.stringify(options)).to.equal(undefined);
      expect(() => protectedResourceController(auth)).to.throw(Auth0ConfigError, /needs a resource identifier/);
      const app = await startKoa(auth, [Api]);
      try {
        const res = await get(`${app.url}/secure`, { withoutResourceMetadata: true });
        expect(res.status).to.equal(401);
        expect(res.headers.get('www-authenticate')).not.to.include('resource_metadata');
      } finally {
        await app.close();
      }
    }
  });

  it('resource, publicOrigin and documentation are checked at construction', () => {
    const base = { domain: 't.auth0.com', audience: ['https://api.example.com', 'https://api.example.com/mcp', 'my-api'] };
    expect(new Auth0({ ...base, resource: 'https://api.example.com/mcp' }).pipeline.resourceMetadata?.path).to.equal(
      '/.well-known/oauth-protected-resource/mcp',
    );
    for (const [resource, message] of [
      ['https://other.example.com', 'must be one of the audiences'],
      ['my-api', 'must be an absolute https URL'],
      ['http://api.example.com', 'plain http is allowed only'],
      ['https://api.example.com/?a=1', 'query'],
      ['', 'non-empty string'],
    ] as const) {
      expect(() => new Auth0({ ...base, resource }), resource).to.throw(Auth0ConfigError, message);
    }
    for (const publicOrigin of ['https://api.example.com/path', 'ftp://x', 'http://api.example.com']) {
      expect(() => new Auth0({ ...base, publicOrigin }), publicOrigin).to.throw(Auth0ConfigError, '`publicOrigin`');
    }
    const auth = new Auth0(base);
    for (const documentation of ['/docs/', 'javascript:alert(1)', 'https://a b']) {
      expect(() => protectedResourceController(auth, { documentation }), documentation).to.throw(Auth0ConfigError, '`documentation`');
    }
  });
});
