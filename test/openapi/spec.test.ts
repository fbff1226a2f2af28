import { expect } from 'chai';
import type { OpenAPIObject, OperationObject, ResponseObject } from 'openapi3-ts';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { Auth0 } from '../../src';
import {
  ALL_SCHEME_KINDS,
  AUTH0_SECURITY_SCHEMES,
  DEFAULT_SCHEME_KINDS,
  OIDC_SCOPES,
  auth0SecurityRequirements,
  auth0SecuritySchemes,
  auth0Spec,
  guardedRoutes,
} from '../../src/openapi';
import { getMetadataArgsStorage } from 'routing-controllers';
import { SampleApi } from '../../sample/api';
import { DocsAdminApi, DocsApi, DocsChildApi } from './controllers';
import { get, startKoa, type Running } from '../support/server';
import { expectValid } from './validate';

const SCOPES = { 'read:items': 'Read items', 'write:items': 'Write items', 'admin:all': 'Everything' };

function auth(options: Partial<ConstructorParameters<typeof Auth0>[0]> = {}): Auth0 {
  return new Auth0({ domain: 'tenant.example.com', audience: 'https://api.example.com', scopes: SCOPES, ...options });
}

function op(spec: OpenAPIObject, path: string, method = 'get'): OperationObject {
  const operation = spec.paths[path]?.[method] as OperationObject | undefined;
  expect(operation, `${method.toUpperCase()} ${path}`).to.not.equal(undefined);
  return operation as OperationObject;
}

/** The scopes each scheme requires on an operation, e.g. { Auth0Implicit: ['read:x'], … }. */
function securityOf(operation: OperationObject): Record<string, string[]>[] | undefined {
  return operation.security as Record<string, string[]>[] | undefined;
}

/** The schemes of the document by default: authorization code, implicit, client credentials, bearer. */
const DEFAULT_SCHEMES = ['Auth0AuthorizationCode', 'Auth0Implicit', 'Auth0ClientCredentials', 'BearerToken'];

function required(scopes: string[]): Record<string, string[]>[] {
  return DEFAULT_SCHEMES.map((name) => ({ [name]: name === 'BearerToken' ? [] : scopes }));
}

describe('OpenAPI: security schemes', () => {
  it('produces four schemes by default, with Auth0 URLs, audience and scope descriptions', () => {
    const schemes = auth0SecuritySchemes(auth());
    expect(Object.keys(schemes)).to.deep.equal(DEFAULT_SCHEMES);
    expect(DEFAULT_SCHEME_KINDS.map((kind) => AUTH0_SECURITY_SCHEMES[kind])).to.deep.equal(DEFAULT_SCHEMES);
    const authorizationUrl = 'https://tenant.example.com/authorize?audience=https%3A%2F%2Fapi.example.com';
    const userScopes = {
      ...SCOPES,
      openid: 'OpenID Connect sign-in (adds the userinfo audience to the token)',
      profile: 'The user profile (name, nickname, picture)',
      email: 'The email address (an access token carries it only through a post-login Action claim)',
    };
    expect(schemes.Auth0AuthorizationCode).to.include({ type: 'oauth2' });
    expect(schemes.Auth0AuthorizationCode.flows).to.deep.equal({
      authorizationCode: { authorizationUrl, tokenUrl: 'https://tenant.example.com/oauth/token', scopes: userScopes },
    });
    expect(schemes.Auth0Implicit.flows).to.deep.equal({ implicit: { authorizationUrl, scopes: userScopes } });
    expect(schemes.Auth0Implicit.description).to.match(/^Legacy: /);
    expect(schemes.Auth0ClientCredentials.flows).to.deep.equal({
      clientCredentials: { tokenUrl: 'https://tenant.example.com/oauth/token', scopes: SCOPES },
    });
    expect(schemes.BearerToken).to.deep.include({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    for (const scheme of Object.values(schemes)) expect(scheme.description).to.be.a('string').and.not.equal('');
  });

  it('password and OpenID Connect discovery are opt-in, under their usual names', () => {
    const schemes = auth0SecuritySchemes(auth(), { schemes: ALL_SCHEME_KINDS });
    expect(Object.keys(schemes)).to.deep.equal([
      'Auth0AuthorizationCode',
      'Auth0Implicit',
      'Auth0Password',
      'Auth0ClientCredentials',
      'Auth0OpenIdConnect',
      'BearerToken',
    ]);
    expect(schemes.Auth0Password.flows).to.deep.equal({
      password: { tokenUrl: 'https://tenant.example.com/oauth/token', scopes: { ...SCOPES, ...OIDC_SCOPES } },
    });
    expect(schemes.Auth0OpenIdConnect).to.deep.include({
      type: 'openIdConnect',
      openIdConnectUrl: 'https://tenant.example.com/.well-known/openid-configuration',
    });
    expect(Object.keys(auth0SecuritySchemes(auth(), { schemes: [...DEFAULT_SCHEME_KINDS, 'password'] }))).to.include('Auth0Password');
    expect(auth0SecurityRequirements(['read:x'], { schemes: ['password', 'openIdConnect'] })).to.deep.equal([
      { Auth0Password: ['read:x'] },
      { Auth0OpenIdConnect: ['read:x'] },
    ]);
  });

  it('names the docs redirect page in the authorization code description: /docs, or the given docsPath', () => {
    const byDefault = auth0SecuritySchemes(auth()).Auth0AuthorizationCode.description ?? '';
    expect(byDefault).to.include('`/docs/oauth2-redirect`').and.not.include('{docs}');
    const moved = auth0SecuritySchemes(auth(), { docsPath: '/api/reference' }).Auth0AuthorizationCode.description ?? '';
    expect(moved).to.include('`/api/reference/oauth2-redirect`').and.not.include('{docs}');
  });

  it('takes a subset of schemes, another audience, and can leave out the OIDC scopes', () => {
    const schemes = auth0SecuritySchemes(auth({ audience: ['https://a.example.com', 'https://b.example.com'] }), {
      schemes: ['implicit', 'bearer'],
      audience: 'https://b.example.com',
      oidcScopes: false,
    });
    expect(Object.keys(schemes)).to.deep.equal(['Auth0Implicit', 'BearerToken']);
    expect(schemes.Auth0Implicit.flows?.implicit).to.deep.equal({
      authorizationUrl: 'https://tenant.example.com/authorize?audience=https%3A%2F%2Fb.example.com',
      scopes: SCOPES,
    });
  });

  it('keeps a local issuer with its port and path', () => {
    const schemes = auth0SecuritySchemes(auth({ domain: 'http://localhost:4000/' }), { schemes: ['authorizationCode'] });
    expect(schemes.Auth0AuthorizationCode.flows?.authorizationCode?.tokenUrl).to.equal('http://localhost:4000/oauth/token');
  });

  it('refuses an unknown scheme kind at once', () => {
    expect(() => auth0SecuritySchemes(auth(), { schemes: ['magic' as 'bearer'] })).to.throw(TypeError, /unknown security scheme "magic"/);
  });

  it('builds requirements: one alternative per scheme, none for bearer scopes, {} when optional', () => {
    expect(auth0SecurityRequirements(['read:x'], { schemes: ['implicit', 'bearer'] })).to.deep.equal([
      { Auth0Implicit: ['read:x'] },
      { BearerToken: [] },
    ]);
    expect(auth0SecurityRequirements([], { schemes: ['authorizationCode'], optional: true })).to.deep.equal([
      { Auth0AuthorizationCode: [] },
      {},
    ]);
  });
});

describe('OpenAPI: the whole document from the decorators', () => {
  const routing = { controllers: [DocsApi, DocsAdminApi, DocsChildApi] };
  let spec: OpenAPIObject;

  before(() => {
    spec = auth0Spec(auth(), { info: { title: 'Docs API', version: '2.0.0' }, routing });
  });

  it('validates as OpenAPI 3', async () => {
    expect(spec.openapi).to.match(/^3\./);
    expect(spec.info).to.deep.equal({ title: 'Docs API', version: '2.0.0' });
    await expectValid(spec);
  });

  it('documents only the given controllers', () => {
    expect(Object.keys(spec.paths).sort()).to.deep.equal([
      '/docs-admin/audit',
      '/docs-admin/stats',
      '/docs-api/any-token',
      '/docs-api/custom',
      '/docs-api/items/{id}',
      '/docs-api/maybe',
      '/docs-api/me',
      '/docs-api/public',
      '/docs-child/inherited',
    ]);
  });

  it('public routes get no security and no error responses', () => {
    const operation = op(spec, '/docs-api/public');
    expect(operation.security).to.equal(undefined);
    expect(Object.keys(operation.responses)).to.deep.equal(['200']);
  });

  it('@Authorized() needs a token without scopes: 400, 401 and 503 but no 403', () => {
    const operation = op(spec, '/docs-api/any-token');
    expect(securityOf(operation)).to.deep.equal(required([]));
    expect(operation.responses).to.deep.equal({
      '200': { content: { 'application/json': {} }, description: 'Successful response' },
      '400': { $ref: '#/components/responses/Auth0InvalidRequest' },
      '401': { $ref: '#/components/responses/Auth0Unauthorized' },
      '503': { $ref: '#/components/responses/Auth0Unavailable' },
    });
    expect(operation.description).to.equal('Needs a valid Auth0 access token.');
  });

  it('@Authorized([...]) puts every scope on every OAuth scheme, and adds 403', () => {
    const operation = op(spec, '/docs-api/items/{id}');
    expect(securityOf(operation)).to.deep.equal(required(['read:items', 'write:items']));
    // The route's own scopes in the 403's example (the shared response names none of its own).
    expect(operation.responses['403'].description).to.equal('A valid token without what the route needs (`insufficient_scope`).');
    expect(operation.responses['403'].content['application/json'].example).to.deep.equal({
      error: 'insufficient_scope',
      message: 'Missing "read:items" scope',
      scope: 'read:items write:items',
    });
    expect(operation.description).to.equal('Needs a valid Auth0 access token with the scopes: `read:items`, `write:items`.');
  });

  it('a required @CurrentUser() needs a token', () => {
    const operation = op(spec, '/docs-api/me');
    expect(securityOf(operation)).to.deep.equal(required([]));
    expect(operation.responses['401']).to.deep.equal({ $ref: '#/components/responses/Auth0Unauthorized' });
  });

  it('an optional @CurrentUser() gets optional security: the schemes or nothing', () => {
    const operation = op(spec, '/docs-api/maybe');
    expect(securityOf(operation)).to.deep.equal([...required([]), {}]);
    expect(operation.responses['403']).to.equal(undefined);
    expect(operation.responses['401']).to.deep.equal({ $ref: '#/components/responses/Auth0Unauthorized' });
  });

  it('class-level @Authorized applies to every action, before the method-level scopes', () => {
    expect(securityOf(op(spec, '/docs-admin/stats'))).to.deep.equal(required(['admin:all']));
    expect(securityOf(op(spec, '/docs-admin/audit'))).to.deep.equal(required(['admin:all', 'read:audit']));
  });

  it('inherited actions are documented with the controller class guard', () => {
    const operation = op(spec, '/docs-child/inherited');
    expect(operation.operationId).to.equal('DocsChildApi.inherited');
    expect(securityOf(operation)).to.deep.equal(required(['read:child']));
  });

  it('an explicit @OpenAPI security or response wins over the derived one', () => {
    const operation = op(spec, '/docs-api/custom', 'post');
    expect(operation.security).to.deep.equal([{ BearerToken: [] }]);
    expect(operation.responses['401']).to.deep.equal({ description: 'Custom 401' });
    expect(operation.responses['403'].content['application/json'].example).to.deep.equal({
      error: 'insufficient_scope',
      message: 'Missing "write:items" scope',
      scope: 'write:items',
    });
  });

  it('has the error body schema and the shared error responses with the challenge header', () => {
    const components = spec.components!;
    expect(components.schemas!.Auth0ErrorBody).to.deep.include({ type: 'object', required: ['error', 'message'] });
    expect(Object.keys((components.schemas!.Auth0ErrorBody as { properties: object }).properties)).to.deep.equal([
      'error',
      'message',
      'scope',
    ]);
    expect(Object.keys(components.responses!)).to.deep.equal([
      'Auth0InvalidRequest',
      'Auth0Unauthorized',
      'Auth0InsufficientScope',
      'Auth0Unavailable',
    ]);
    const forbidden = components.responses!.Auth0InsufficientScope as ResponseObject;
    expect(forbidden.headers).to.have.property('WWW-Authenticate');
    expect(forbidden.content?.['application/json']).to.deep.equal({
      schema: { $ref: '#/components/schemas/Auth0ErrorBody' },
      example: { error: 'insufficient_scope', message: 'Claim "org_id" does not have the required value' },
    });
    expect((components.responses!.Auth0Unavailable as ResponseObject).headers).to.have.property('Retry-After');
    expect(Object.keys(components.securitySchemes!)).to.deep.equal(DEFAULT_SCHEMES);
  });

  it('applies routePrefix, a scheme subset, servers and extensions', async () => {
    const custom = auth0Spec(auth(), {
      routing,
      routePrefix: '/api',
      schemes: ['authorizationCode', 'bearer'],
      servers: [{ url: 'https://api.example.com' }],
      extend: { info: { title: 'Extended', version: '3' }, tags: [{ name: 'Docs Api', description: 'Docs' }] },
    });
    expect(custom.paths).to.have.property('/api/docs-api/items/{id}');
    expect(custom.paths).to.not.have.property('/docs-api/items/{id}');
    expect(securityOf(op(custom, '/api/docs-admin/stats'))).to.deep.equal([{ Auth0AuthorizationCode: ['admin:all'] }, { BearerToken: [] }]);
    expect(Object.keys(custom.components!.securitySchemes!)).to.deep.equal(['Auth0AuthorizationCode', 'BearerToken']);
    expect(custom.servers).to.deep.equal([{ url: 'https://api.example.com' }]);
    expect(custom.info).to.deep.equal({ title: 'Extended', version: '3' });
    expect(custom.tags).to.deep.equal([{ name: 'Docs Api', description: 'Docs' }]);
    await expectValid(custom);
  });

  it('documents 403 on every guarded route when an email is required, and names permissions when they are checked', () => {
    const strict = auth0Spec(auth({ requireEmail: true, authorizeWith: 'permissions' }), { routing });
    expect(op(strict, '/docs-api/any-token').responses['403']).to.deep.equal({ $ref: '#/components/responses/Auth0InsufficientScope' });
    expect(op(strict, '/docs-api/items/{id}').description).to.equal(
      'Needs a valid Auth0 access token with the permissions: `read:items`, `write:items`.',
    );
  });

  it('documents no 403 for scopes that are not enforced', () => {
    const lax = auth0Spec(auth({ enforceScopes: false }), { routing });
    const operation = op(lax, '/docs-api/items/{id}');
    expect(securityOf(operation)).to.deep.equal(required(['read:items', 'write:items']));
    expect(operation.responses['403']).to.equal(undefined);
    expect(operation.description).to.equal(
      'Needs a valid Auth0 access token. The scopes `read:items`, `write:items` are asked for but not checked.',
    );
  });

  it('follows defaults.paramOptions.required for @CurrentUser()', () => {
    const strict = auth0Spec(auth(), { routing: { ...routing, defaults: { paramOptions: { required: true } } } });
    expect(securityOf(op(strict, '/docs-api/maybe'))).to.deep.equal(required([]));
  });

  it('reports each route and its guard', () => {
    const routes = guardedRoutes(getMetadataArgsStorage(), routing);
    const byMethod = Object.fromEntries(routes.map((r) => [`${r.route.action.target.name}.${r.route.action.method}`, r.guard]));
    expect(byMethod).to.deep.equal({
      'DocsApi.open': undefined,
      'DocsApi.anyToken': { kind: 'required', scopes: [] },
      'DocsApi.item': { kind: 'required', scopes: ['read:items', 'write:items'] },
      'DocsApi.me': { kind: 'required', scopes: [] },
      'DocsApi.maybe': { kind: 'optional', scopes: [] },
      'DocsApi.custom': { kind: 'required', scopes: ['write:items'] },
      'DocsAdminApi.stats': { kind: 'required', scopes: ['admin:all'] },
      'DocsAdminApi.audit': { kind: 'required', scopes: ['admin:all', 'read:audit'] },
      'DocsChildApi.inherited': { kind: 'required', scopes: ['read:child'] },
    });
  });
});

describe('OpenAPI: the document says what the running app does', () => {
  let tenant: TestTenant;
  let app: Running;

  before(async () => {
    tenant = await TestTenant.start();
    app = await startKoa(tenant.auth0({ scopes: SCOPES }), [DocsApi, DocsAdminApi, DocsChildApi]);
  });
  after(async () => {
    await app?.close();
    await tenant?.close();
  });

  const cases: [string, number, string[]][] = [
    ['/docs-api/public', 200, []],
    ['/docs-api/any-token', 401, []],
    ['/docs-api/me', 401, []],
    ['/docs-api/maybe', 200, []],
    ['/docs-admin/audit', 403, ['admin:all']],
    ['/docs-admin/audit', 200, ['admin:all', 'read:audit']],
    ['/docs-child/inherited', 401, []],
    ['/docs-child/inherited', 403, ['read:items']],
    ['/docs-child/inherited', 200, ['read:child']],
  ];
  for (const [path, status, scopes] of cases) {
    it(`GET ${path} ${scopes.length > 0 ? `with ${scopes.join(' ')}` : 'without a token'} is ${status}`, async () => {
      const token = scopes.length > 0 ? await tenant.token({ scopes }) : undefined;
      const res = await get(`${app.url}${path}`, { token });
      expect(res.status).to.equal(status);
      if (status === 403) expect(res.body).to.have.property('error', 'insufficient_scope');
    });
  }
});

describe('OpenAPI: the sample', () => {
  it("documents fastapi-auth0's example: security with scopes on secured routes, none on /public", async () => {
    const spec = auth0Spec(auth({ scopes: { 'read:blabla': 'Read the BlaBla resource' } }), { routing: { controllers: [SampleApi] } });
    await expectValid(spec);
    expect(op(spec, '/public').security).to.equal(undefined);
    expect(securityOf(op(spec, '/secure'))).to.deep.equal(required([]));
    expect(securityOf(op(spec, '/secure/blabla'))).to.deep.equal(required(['read:blabla']));
    expect(securityOf(op(spec, '/guest'))).to.deep.equal([...required([]), {}]);
  });
});
