import { expect } from 'chai';
import type { OpenAPIObject, OperationObject } from 'openapi3-ts';
import { Authorized, Get, getMetadataArgsStorage, JsonController } from 'routing-controllers';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { Auth0, anyOf, claimCheck, claimEquals, claimIncludes } from '../../src';
import { AUTH0_SECURITY_SCHEMES, DEFAULT_SCHEME_KINDS, auth0SecurityRequirements, auth0Spec, guardedRoutes } from '../../src/openapi';
import { get, startKoa, type Running } from '../support/server';
import { expectValid } from './validate';

const SCOPES = { 'read:reports': 'Read reports', admin: 'Everything', 'read:items': 'Read items', 'write:a': 'A', 'write:b': 'B' };

@JsonController('/rules-doc')
class RulesDocApi {
  @Get('/any')
  @Authorized(anyOf('read:reports', 'admin'))
  any() {
    return { ok: true };
  }

  @Get('/mixed')
  @Authorized(['read:items', anyOf('write:a', 'write:b')])
  mixed() {
    return { ok: true };
  }

  @Get('/two-groups')
  @Authorized([anyOf('read:reports', 'admin'), anyOf('write:a', 'write:b')])
  twoGroups() {
    return { ok: true };
  }

  @Get('/org')
  @Authorized(claimEquals('org_id', 'org_123'))
  org() {
    return { ok: true };
  }

  @Get('/all-rules')
  @Authorized(['read:items', claimIncludes('https://example.com/roles', 'admin'), claimCheck((c) => c.azp === 'spa', 'issued to the SPA')])
  allRules() {
    return { ok: true };
  }
}

/** Class-level any-of, method-level claim rule. */
@JsonController('/rules-class')
@Authorized(anyOf('read:reports', 'admin'))
class RulesClassApi {
  @Get('/org')
  @Authorized(claimEquals('org_id', 'org_123'))
  org() {
    return { ok: true };
  }
}

const SCHEMES = DEFAULT_SCHEME_KINDS.map((kind) => AUTH0_SECURITY_SCHEMES[kind]);

/** One requirement per alternative and per scheme (bearer once: it lists no scopes). */
function alternatives(...lists: string[][]): Record<string, string[]>[] {
  const out: Record<string, string[]>[] = [];
  const seen = new Set<string>();
  for (const scopes of lists) {
    for (const name of SCHEMES) {
      const requirement = { [name]: name === 'BearerToken' ? [] : scopes };
      if (seen.has(JSON.stringify(requirement))) continue;
      seen.add(JSON.stringify(requirement));
      out.push(requirement);
    }
  }
  return out;
}

function auth(options: Partial<ConstructorParameters<typeof Auth0>[0]> = {}): Auth0 {
  return new Auth0({ domain: 'tenant.example.com', audience: 'https://api.example.com', scopes: SCOPES, ...options });
}

function op(spec: OpenAPIObject, path: string): OperationObject {
  const operation = spec.paths[path]?.get as OperationObject | undefined;
  expect(operation, path).to.not.equal(undefined);
  return operation as OperationObject;
}

const FORBIDDEN = { $ref: '#/components/responses/Auth0InsufficientScope' };

describe('OpenAPI: claim rules in @Authorized(...)', () => {
  const routing = { controllers: [RulesDocApi, RulesClassApi] };
  let spec: OpenAPIObject;

  before(() => {
    spec = auth0Spec(auth(), { routing });
  });

  it('the document validates as OpenAPI 3', async () => {
    await expectValid(spec);
  });

  it('anyOf(a, b) becomes alternative security requirements, one per scope, and a 403', () => {
    const operation = op(spec, '/rules-doc/any');
    expect(operation.security).to.deep.equal(alternatives(['read:reports'], ['admin']));
    expect(operation.responses['403']).to.deep.equal(FORBIDDEN);
    expect(operation.description).to.equal('Needs a valid Auth0 access token with one of the scopes: `read:reports`, `admin`.');
  });

  it('each alternative also holds the all-of scopes', () => {
    const operation = op(spec, '/rules-doc/mixed');
    expect(operation.security).to.deep.equal(alternatives(['read:items', 'write:a'], ['read:items', 'write:b']));
    expect(operation.description).to.equal(
      'Needs a valid Auth0 access token with the scopes: `read:items`, and one of the scopes: `write:a`, `write:b`.',
    );
  });

  it('two anyOf groups give every combination', () => {
    expect(op(spec, '/rules-doc/two-groups').security).to.deep.equal(
      alternatives(['read:reports', 'write:a'], ['read:reports', 'write:b'], ['admin', 'write:a'], ['admin', 'write:b']),
    );
  });

  it('claimEquals: a token is needed (no scope), a 403, and a note in the description', () => {
    const operation = op(spec, '/rules-doc/org');
    expect(operation.security).to.deep.equal(alternatives([]));
    expect(operation.responses['403']).to.deep.equal(FORBIDDEN);
    expect(operation.description).to.equal('Needs a valid Auth0 access token. Requires: claim "org_id" equals "org_123".');
  });

  it('claimIncludes and claimCheck are noted with their descriptions, beside the scopes', () => {
    const operation = op(spec, '/rules-doc/all-rules');
    expect(operation.security).to.deep.equal(alternatives(['read:items']));
    expect(operation.responses['403'].content['application/json'].example).to.deep.equal({
      error: 'insufficient_scope',
      message: 'Missing "read:items" scope',
      scope: 'read:items',
    });
    expect(operation.description).to.equal(
      'Needs a valid Auth0 access token with the scopes: `read:items`. ' +
        'Requires: claim "https://example.com/roles" includes "admin"; issued to the SPA.',
    );
  });

  it('class-level rules apply to every action, with the method-level ones', () => {
    const operation = op(spec, '/rules-class/org');
    expect(operation.security).to.deep.equal(alternatives(['read:reports'], ['admin']));
    expect(operation.description).to.equal(
      'Needs a valid Auth0 access token with one of the scopes: `read:reports`, `admin`. Requires: claim "org_id" equals "org_123".',
    );
  });

  it('guardedRoutes reports the anyOf groups and the rules', () => {
    const routes = guardedRoutes(getMetadataArgsStorage(), routing);
    const byMethod = Object.fromEntries(routes.map((r) => [`${r.route.action.target.name}.${r.route.action.method}`, r.guard]));
    expect(byMethod).to.deep.equal({
      'RulesDocApi.any': { kind: 'required', scopes: [], anyOf: [['read:reports', 'admin']] },
      'RulesDocApi.mixed': { kind: 'required', scopes: ['read:items'], anyOf: [['write:a', 'write:b']] },
      'RulesDocApi.twoGroups': {
        kind: 'required',
        scopes: [],
        anyOf: [
          ['read:reports', 'admin'],
          ['write:a', 'write:b'],
        ],
      },
      'RulesDocApi.org': { kind: 'required', scopes: [], rules: ['claim "org_id" equals "org_123"'] },
      'RulesDocApi.allRules': {
        kind: 'required',
        scopes: ['read:items'],
        rules: ['claim "https://example.com/roles" includes "admin"', 'issued to the SPA'],
      },
      'RulesClassApi.org': { kind: 'required', scopes: [], anyOf: [['read:reports', 'admin']], rules: ['claim "org_id" equals "org_123"'] },
    });
  });

  it('with scopes not enforced: claim rules are still checked (403), anyOf scopes are not', () => {
    const loose = auth0Spec(auth({ enforceScopes: false }), { routing });
    const operation = op(loose, '/rules-doc/org');
    expect(operation.responses['403']).to.deep.equal({ $ref: '#/components/responses/Auth0InsufficientScope' });
    expect(operation.description).to.equal('Needs a valid Auth0 access token. Requires: claim "org_id" equals "org_123".');
    expect(op(loose, '/rules-doc/any').responses['403']).to.equal(undefined);
  });

  it('names permissions when they are checked', () => {
    const byPermissions = auth0Spec(auth({ authorizeWith: 'permissions' }), { routing });
    expect(op(byPermissions, '/rules-doc/any').description).to.equal(
      'Needs a valid Auth0 access token with one of the permissions: `read:reports`, `admin`.',
    );
  });

  it('auth0SecurityRequirements takes anyOf groups; a scope already required is not repeated', () => {
    expect(auth0SecurityRequirements(['read:x'], { schemes: ['authorizationCode', 'bearer'], anyOf: [['a', 'b']] })).to.deep.equal([
      { Auth0AuthorizationCode: ['read:x', 'a'] },
      { BearerToken: [] },
      { Auth0AuthorizationCode: ['read:x', 'b'] },
    ]);
    expect(auth0SecurityRequirements(['a'], { schemes: ['implicit'], anyOf: [['a', 'b']], optional: true })).to.deep.equal([
      { Auth0Implicit: ['a'] },
      { Auth0Implicit: ['a', 'b'] },
      {},
    ]);
  });
});

describe('OpenAPI: the documented alternatives are what the running app accepts', () => {
  let tenant: TestTenant;
  let app: Running;

  before(async () => {
    tenant = await TestTenant.start();
    app = await startKoa(tenant.auth0({ scopes: SCOPES }), [RulesDocApi, RulesClassApi]);
  });
  after(async () => {
    await app.close();
    await tenant.close();
  });

  const cases: [string, number, string[], Record<string, unknown>?][] = [
    ['/rules-doc/any', 200, ['read:reports']],
    ['/rules-doc/any', 200, ['admin']],
    ['/rules-doc/any', 403, ['read:items']],
    ['/rules-doc/mixed', 200, ['read:items', 'write:b']],
    ['/rules-doc/mixed', 403, ['write:a']],
    ['/rules-doc/two-groups', 200, ['admin', 'write:a']],
    ['/rules-doc/two-groups', 403, ['admin']],
    ['/rules-doc/org', 200, [], { org_id: 'org_123' }],
    ['/rules-doc/org', 403, [], { org_id: 'org_456' }],
    ['/rules-class/org', 200, ['admin'], { org_id: 'org_123' }],
    ['/rules-class/org', 403, ['read:items'], { org_id: 'org_123' }],
  ];
  for (const [path, status, scopes, claims] of cases) {
    it(`GET ${path} with [${scopes.join(' ')}]${claims ? ` ${JSON.stringify(claims)}` : ''} is ${status}`, async () => {
      const res = await get(`${app.url}${path}`, { token: await tenant.token({ scopes, claims }) });
      expect(res.status).to.equal(status);
      if (status === 403) expect(res.body).to.have.property('error', 'insufficient_scope');
    });
  }
});
