import { expect } from 'chai';
import { Auth0ConfigError, type Auth0Options, claimCheck, inOrganization, InsufficientScopeError, type AccessTokenClaims } from '../../src';
import { authorize } from '../../src/core/authorize';
import { optionsWithEnv, resolveConfig } from '../../src/core/config';
import { namesOrganization, organizationOf } from '../../src/core/organization';

const ACME = 'org_6cQbJvZ8mKp2Lw4R';
const claims = (extra: Record<string, unknown> = {}): AccessTokenClaims =>
  ({ sub: 'auth0|u', exp: Math.floor(Date.now() / 1000) + 60, ...extra }) as AccessTokenClaims;
const config = { enforceScopes: true, authorizeWith: 'scope' as const };
const base: Auth0Options = { domain: 't.auth0.com', audience: 'https://api' };

describe('organizations: the option, the rule and the comparisons', () => {
  describe('the organization option', () => {
    it('takes ids, or names with organizationNames: true (lower-cased)', () => {
      const resolved = resolveConfig({ ...base, organization: [ACME, 'Acme'], organizationNames: true });
      expect([...(resolved.organization?.ids ?? [])]).to.deep.equal([ACME]);
      expect([...(resolved.organization?.names ?? [])]).to.deep.equal(['acme']);
      expect(resolveConfig(base).organization).to.equal(undefined);
      expect(resolveConfig({ ...base, organization: ACME }).organizationNames).to.equal(false);
    });

    it('refuses a name unless names are trusted, and anything that is neither an id nor a name', () => {
      expect(() => resolveConfig({ ...base, organization: 'acme' })).to.throw(
        Auth0ConfigError,
        /`organization` \(or the AUTH0_API_ORGANIZATION environment variable\): "acme" is an organization name; .*use its id \(org_…\), or set `organizationNames: true`/,
      );
      for (const bad of ['org_', 'org_a b', ' org_abc', 'org_abc\n', 'a'.repeat(51), 'ac me', 'acmé', 'ORG_abc']) {
        expect(() => resolveConfig({ ...base, organization: bad, organizationNames: true }), bad).to.throw(
          Auth0ConfigError,
          /is not an organization id|is neither an organization id/,
        );
      }
      for (const bad of [[], [''], [42], 42, {}, null]) {
        expect(() => resolveConfig({ ...base, organization: bad as never }), JSON.stringify(bad)).to.throw(
          Auth0ConfigError,
          /organization/,
        );
      }
      expect(() => resolveConfig({ ...base, organizationNames: 'yes' as never })).to.throw(
        Auth0ConfigError,
        /`organizationNames` must be true or false/,
      );
    });

    it('is read from AUTH0_API_ORGANIZATION (comma-separated) when omitted; an empty list there is an error, not "any"', () => {
      const filled = optionsWithEnv(base, { AUTH0_API_ORGANIZATION: `${ACME}, org_Other1` });
      expect(filled.organization).to.deep.equal([ACME, 'org_Other1']);
      expect(optionsWithEnv({ ...base, organization: 'org_Mine1' }, { AUTH0_API_ORGANIZATION: ACME }).organization).to.equal('org_Mine1');
      // The front ends' setting (the docs page's, the sample's) is not the API's.
      expect(optionsWithEnv(base, { AUTH0_ORGANIZATION: ACME }).organization).to.equal(undefined);
      expect(() => resolveConfig(optionsWithEnv(base, { AUTH0_API_ORGANIZATION: ' , ' }))).to.throw(
        Auth0ConfigError,
        /must name at least one organization/,
      );
      expect(() => resolveConfig(optionsWithEnv(base, { AUTH0_API_ORGANIZATION: 'acme' }))).to.throw(
        Auth0ConfigError,
        /is an organization name/,
      );
    });
  });

  describe('inOrganization()', () => {
    it('refuses options that cannot be right when the route is declared (TypeError)', () => {
      const cases: [() => unknown, RegExp][] = [
        [() => inOrganization('acme'), /"acme" is an organization name; .*pass `\{ oneOf: \[\.\.\.\], names: true \}`/],
        [() => inOrganization({ oneOf: [] }), /must name at least one organization/],
        [() => inOrganization({ param: 'orgId', oneOf: [ACME] }), /`param` or `oneOf`, not both/],
        [() => inOrganization({ param: 'org-id' }), /`param` is the name of a route parameter/],
        [() => inOrganization({ param: '' }), /`param` is the name of a route parameter/],
        [() => inOrganization({ param: 7 as never }), /`param` is the name of a route parameter/],
        [() => inOrganization({ parm: 'orgId' } as never), /unknown option "parm"/],
        [() => inOrganization({ names: 'yes' as never }), /`names` is true or false/],
        [() => inOrganization({ oneOf: ACME as never }), /`oneOf` is a list/],
        [() => inOrganization(ACME, { param: 'orgId' } as never), /takes organization ids, or one options object/],
        [() => inOrganization(null as never), /takes organization ids, or one options object/],
      ];
      for (const [make, message] of cases) expect(make, String(message)).to.throw(TypeError, message);
    });

    it('a rule bound to a parameter needs the route: without it, a TypeError (a bug of the glue), never a pass', () => {
      const rule = inOrganization({ param: 'orgId' });
      expect(() => authorize(claims({ org_id: ACME }), [rule], config)).to.throw(TypeError, /needs the route's parameters/);
      expect(() => authorize(claims({ org_id: ACME }), [rule], config, { params: { orgId: ACME } })).not.to.throw();
      // An absent or inherited parameter names no organization.
      expect(() => authorize(claims({ org_id: ACME }), [rule], config, { params: {} })).to.throw(InsufficientScopeError);
      const inherited = Object.create({ orgId: ACME }) as Record<string, unknown>;
      expect(() => authorize(claims({ org_id: ACME }), [rule], config, { params: inherited })).to.throw(InsufficientScopeError);
    });

    it('is checked with enforceScopes: false too (it is a claim rule), and documents what it asks', () => {
      expect(() => authorize(claims(), [inOrganization()], { ...config, enforceScopes: false })).to.throw(InsufficientScopeError);
      expect(inOrganization({ param: 'orgId' }).organization).to.deep.equal({ param: 'orgId', names: false });
      expect(inOrganization({ oneOf: ['Acme', ACME], names: true }).organization).to.deep.equal({ oneOf: [ACME, 'acme'], names: true });
      expect(inOrganization().description).to.equal('an organization (`org_id`)');
    });
  });

  describe('the comparisons', () => {
    it('an id is compared exactly; a name in lower case, only when trusted; lists and other types name nothing', () => {
      const acme = claims({ org_id: ACME, org_name: 'acme' });
      expect(namesOrganization(ACME, acme, false)).to.equal(true);
      expect(namesOrganization(ACME.toLowerCase(), acme, true)).to.equal(false);
      expect(namesOrganization('ACME', acme, false)).to.equal(false);
      expect(namesOrganization('ACME', acme, true)).to.equal(true);
      expect(namesOrganization('org_acme', claims({ org_id: ACME, org_name: 'org_acme' }), true)).to.equal(false);
      for (const value of [[ACME], undefined, null, 7, { toString: () => ACME }, '']) {
        expect(namesOrganization(value, acme, true), String(value)).to.equal(false);
      }
      expect(namesOrganization(ACME, claims({ org_name: 'acme' }), true)).to.equal(false);
    });

    it('the organization of claims: org_id, with org_name beside it', () => {
      expect(organizationOf(claims({ org_id: ACME }))).to.deep.equal({ id: ACME });
      expect(organizationOf(claims({ org_name: 'acme' }))).to.equal(undefined);
    });

    it('claimCheck predicates see the route too', () => {
      const rule = claimCheck((c, route) => c['https://example.com/tenant'] === route?.params.tenant, 'the tenant of the path');
      const token = claims({ 'https://example.com/tenant': 't1' });
      expect(() => rule.check(token, 'scope', { params: { tenant: 't1' } })).not.to.throw();
      expect(() => rule.check(token, 'scope', { params: { tenant: 't2' } })).to.throw(InsufficientScopeError);
      expect(() => rule.check(token, 'scope')).to.throw(InsufficientScopeError);
    });
  });
});
