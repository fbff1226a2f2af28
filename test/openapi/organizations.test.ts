/**
 * Auth0 Organizations in the OpenAPI document (the routes bound to an organization) and on the docs
 * page (the organization "Authorize" signs in to).
 */
import { expect } from 'chai';
import type { OpenAPIObject, OperationObject, ParameterObject } from 'openapi3-ts';
import { Authorized, Get, JsonController, Param } from 'routing-controllers';
import { Auth0, inOrganization } from '../../src';
import { Auth0Docs, auth0Spec } from '../../src/openapi';
import { expectValid } from './validate';

const ACME = 'org_6cQbJvZ8mKp2Lw4R';

@JsonController('/orgs')
class OrganizationsDocApi {
  @Get('/:orgId/blabla')
  @Authorized(['read:blabla', inOrganization({ param: 'orgId' })])
  blabla(@Param('orgId') orgId: string) {
    return { orgId };
  }

  @Get('/by-name/:org/items')
  @Authorized(inOrganization({ param: 'org', names: true }))
  byName() {
    return { ok: true };
  }

  @Get('/acme')
  @Authorized([inOrganization(ACME)])
  acme() {
    return { ok: true };
  }

  @Get('/any')
  @Authorized(inOrganization())
  any() {
    return { ok: true };
  }
}

@JsonController('/broken')
class BrokenDocApi {
  @Get('/:id')
  @Authorized(inOrganization({ param: 'orgId' }))
  broken() {
    return { ok: true };
  }
}

function auth(options: Partial<ConstructorParameters<typeof Auth0>[0]> = {}): Auth0 {
  return new Auth0({ domain: 'tenant.example.com', audience: 'https://api.example.com', scopes: { 'read:blabla': 'Read' }, ...options });
}

function op(spec: OpenAPIObject, path: string): OperationObject {
  const operation = spec.paths[path]?.get as OperationObject | undefined;
  expect(operation, path).to.not.equal(undefined);
  return operation as OperationObject;
}

function pathParameter(operation: OperationObject, name: string): ParameterObject {
  const parameter = (operation.parameters ?? []).find((p) => !('$ref' in p) && p.in === 'path' && p.name === name) as ParameterObject;
  expect(parameter, name).to.not.equal(undefined);
  return parameter;
}

describe('OpenAPI: organization rules', () => {
  let spec: OpenAPIObject;
  before(() => {
    spec = auth0Spec(auth(), { routing: { controllers: [OrganizationsDocApi] } });
  });

  it('the document validates as OpenAPI 3', async () => {
    await expectValid(spec);
  });

  it('a route bound to a path parameter: the requirement in the description and in x-auth0-organization, the parameter described, a 403', () => {
    const operation = op(spec, '/orgs/{orgId}/blabla');
    expect(operation.description).to.equal(
      'Needs a valid Auth0 access token with the scopes: `read:blabla`. Requires: the organization named by the path parameter `orgId` (`org_id`).',
    );
    expect(operation['x-auth0-organization']).to.deep.equal([{ param: 'orgId', names: false }]);
    expect(pathParameter(operation, 'orgId')).to.deep.include({
      required: true,
      description: "The Auth0 Organization the token must be for: its id (`org_…`, the token's `org_id`).",
    });
    // The route's own scope in the 403's example.
    expect(operation.responses['403'].content['application/json'].example).to.deep.equal({
      error: 'insufficient_scope',
      message: 'Missing "read:blabla" scope',
      scope: 'read:blabla',
    });
  });

  it('with names: the parameter may be a name (org_name)', () => {
    const operation = op(spec, '/orgs/by-name/{org}/items');
    expect(operation['x-auth0-organization']).to.deep.equal([{ param: 'org', names: true }]);
    expect(pathParameter(operation, 'org').description).to.equal(
      "The Auth0 Organization the token must be for: its id (`org_…`, the token's `org_id`), or its name (`org_name`).",
    );
  });

  it('listed and any organization', () => {
    expect(op(spec, '/orgs/acme')['x-auth0-organization']).to.deep.equal([{ oneOf: [ACME], names: false }]);
    expect(op(spec, '/orgs/acme').description).to.equal(
      `Needs a valid Auth0 access token. Requires: the organization \`${ACME}\` (\`org_id\`).`,
    );
    expect(op(spec, '/orgs/any')['x-auth0-organization']).to.deep.equal([{ names: false }]);
    expect(op(spec, '/orgs/any').description).to.equal('Needs a valid Auth0 access token. Requires: an organization (`org_id`).');
  });

  it('a rule naming a parameter the path does not have could never pass: a TypeError when the document is built', () => {
    expect(() => auth0Spec(auth(), { routing: { controllers: [BrokenDocApi] } })).to.throw(
      TypeError,
      "GET /broken/{id}: inOrganization({ param: 'orgId' }) names a path parameter the route does not have",
    );
  });
});

describe('docs page: the organization to sign in to', () => {
  function initializer(docs: Auth0Docs): Record<string, unknown> {
    const answer = docs.handle({ method: 'GET', path: '/docs/swagger-initializer.json' });
    return JSON.parse(String(answer?.body));
  }
  const spec = { openapi: '3.0.3', info: { title: 'x', version: '1' }, paths: {} };

  it('the organization option goes to the page, not into the token requests', () => {
    const config = initializer(new Auth0Docs(auth(), { spec, organization: ACME }));
    expect(config.organization).to.equal(ACME);
    expect((config.oauth as { additionalQueryStringParams: unknown }).additionalQueryStringParams).to.deep.equal({
      audience: 'https://api.example.com',
    });
    expect(initializer(new Auth0Docs(auth(), { spec }))).not.to.have.property('organization');
  });

  it("defaults to the API's organization when it serves exactly one", () => {
    expect(initializer(new Auth0Docs(auth({ organization: ACME }), { spec })).organization).to.equal(ACME);
    expect(initializer(new Auth0Docs(auth({ organization: [ACME, 'org_Other1'] }), { spec }))).not.to.have.property('organization');
    expect(initializer(new Auth0Docs(auth({ organization: ACME }), { spec, organization: 'globex' })).organization).to.equal('globex');
  });

  it('refuses an organization option that is neither an id nor a name', () => {
    for (const bad of ['', 'org_ x', 'a b', '<script>', 42]) {
      expect(() => new Auth0Docs(auth(), { spec, organization: bad as never }), String(bad)).to.throw(TypeError, /organization/);
    }
  });
});
