/**
 * The organization rule of `@Authorized(...)`: the token must be for an organization (any, listed
 * ones, or the one a route parameter names). The comparisons are `organization.ts`'s.
 */
import type { AccessTokenClaims } from './claims';
import { InsufficientScopeError } from './errors';
import { isInSet, namesOrganization, organizationOf, organizationSet } from './organization';
import { isClaimRule, makeRule, type ClaimRule, type OrganizationRequirement, type RouteContext } from './rules';

/** A route parameter's name as routers write it (`:orgId`). */
const PARAM = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Options of {@link inOrganization}.
 *
 * @inline
 */
export interface OrganizationRuleOptions {
  /**
   * The route parameter that names the organization: `orgId` for `/orgs/:orgId/…`. The token's
   * `org_id` must equal it (or, with `names`, its `org_name` a name given there).
   */
  param?: string;
  /** The organizations allowed: ids (`org_…`), or names with `names: true`. */
  oneOf?: string[];
  /**
   * Compare `org_name` as well, for names: only when the tenant's "Allow Organization Names in
   * Authentication API" is on and names are trusted (a name can be given to another organization
   * once it is changed). Default false: ids only, as Auth0 recommends.
   */
  names?: boolean;
}

const OPTION_NAMES = new Set(['param', 'oneOf', 'names']);

function refuseRule(message: string): never {
  throw new TypeError(`routing-controllers-auth0: inOrganization(): ${message}`);
}

/** The options of `inOrganization(...)`, from ids or one options object. */
function ruleOptions(args: readonly unknown[]): OrganizationRuleOptions {
  if (args.length === 0) return {};
  if (args.every((arg) => typeof arg === 'string')) return { oneOf: args as string[] };
  const [options] = args;
  if (args.length > 1 || options === null || typeof options !== 'object' || Array.isArray(options) || isClaimRule(options)) {
    refuseRule('takes organization ids, or one options object ({ param }, { oneOf, names })');
  }
  for (const key of Object.keys(options)) if (!OPTION_NAMES.has(key)) refuseRule(`unknown option "${key.slice(0, 40)}"`);
  return options as OrganizationRuleOptions;
}

function mismatch(claims: AccessTokenClaims): InsufficientScopeError {
  const which = organizationOf(claims) === undefined ? 'no organization' : 'another organization';
  return new InsufficientScopeError(`Organization mismatch: the token is for ${which}`, { reason: 'wrong_organization' });
}

/** The parameter's value: an own property of the route's parameters only (never one inherited, such as `__proto__`). */
function paramValue(route: RouteContext | undefined, param: string): unknown {
  if (route === undefined) {
    throw new TypeError(
      `routing-controllers-auth0: inOrganization({ param: '${param}' }) needs the route's parameters: pass them to Pipeline.authorize`,
    );
  }
  return Object.hasOwn(route.params, param) ? route.params[param] : undefined;
}

function describeRule(requirement: OrganizationRequirement): string {
  const claims = requirement.names ? '`org_id`, or `org_name` for a name' : '`org_id`';
  if (requirement.param !== undefined) return `the organization named by the path parameter \`${requirement.param}\` (${claims})`;
  if (requirement.oneOf !== undefined) return `the organization ${requirement.oneOf.map((o) => `\`${o}\``).join(' or ')} (${claims})`;
  return 'an organization (`org_id`)';
}

/**
 * The token must be for an organization (Auth0 Organizations): any organization, one of some ids
 * (or names, with `names: true`), or the one a route parameter names, which is the common case of
 * `/orgs/:orgId/…`. A token of another organization, or of none, is refused with 403
 * `insufficient_scope` and the message "Organization mismatch: …", which echoes neither the token
 * nor its organization. Combines with scopes and other claim rules in `@Authorized(...)`. Throws a
 * `TypeError` for options that cannot be right (a name without `names: true`, a bad parameter name).
 *
 * @example
 * ```ts
 * @Get('/orgs/:orgId/blabla')
 * @Authorized(['read:blabla', inOrganization({ param: 'orgId' })])
 * blabla(@Param('orgId') orgId: string) { … }
 *
 * @Authorized(inOrganization())                       // any organization
 * @Authorized(inOrganization('org_6cQbJvZ8mKp2Lw4R'))  // this one
 * @Authorized(inOrganization({ oneOf: ['acme', 'globex'], names: true }))
 * ```
 */
export function inOrganization(...args: string[] | [OrganizationRuleOptions]): ClaimRule {
  const { param, oneOf, names = false } = ruleOptions(args);
  if (typeof names !== 'boolean') refuseRule('`names` is true or false');
  if (param !== undefined && oneOf !== undefined) refuseRule('takes `param` or `oneOf`, not both');
  if (param !== undefined && (typeof param !== 'string' || !PARAM.test(param))) {
    refuseRule('`param` is the name of a route parameter, such as "orgId"');
  }
  if (oneOf !== undefined && !Array.isArray(oneOf)) refuseRule('`oneOf` is a list of organization ids or names');
  const set =
    oneOf === undefined
      ? undefined
      : organizationSet(oneOf, {
          trustNames: names,
          refuse: refuseRule,
          what: 'the list',
          trustHow: 'pass `{ oneOf: [...], names: true }`',
        });
  const requirement: OrganizationRequirement = Object.freeze({
    ...(param === undefined ? {} : { param }),
    ...(set === undefined ? {} : { oneOf: Object.freeze([...set.ids, ...set.names]) }),
    names,
  });
  return makeRule(
    describeRule(requirement),
    [],
    (claims, _mode, route) => {
      if (organizationOf(claims) === undefined) throw mismatch(claims);
      if (param !== undefined && !namesOrganization(paramValue(route, param), claims, names)) throw mismatch(claims);
      if (set !== undefined && !isInSet(claims, set)) throw mismatch(claims);
    },
    requirement,
  );
}
