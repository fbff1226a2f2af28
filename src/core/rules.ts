/**
 * Claim rules for `@Authorized(...)`, beside plain scope names (all of which are required):
 * any-of scopes, a claim equal to or including a value, a predicate over the claims (and the route's
 * parameters), and the organization rule (`organization-rule.ts`).
 *
 * A rule that fails answers 403 `insufficient_scope` (RFC 6750 §3.1: the token is valid but does not
 * grant what the route needs); `anyOf` names its scopes in the challenge's `scope`.
 */
import type { AuthorizeWith } from './config';
import { InsufficientScopeError } from './errors';
import { grantedScopes } from './scopes';
import type { AccessTokenClaims } from './claims';

const RULE = Symbol.for('routing-controllers-auth0.rule');

/**
 * What the glue tells a claim rule about the route being called.
 *
 * @inline
 */
export interface RouteContext {
  /**
   * The route's path parameters as the router decoded them (`{ orgId: 'org_…' }` for
   * `/orgs/:orgId`), in an object without a prototype.
   */
  readonly params: Readonly<Record<string, unknown>>;
}

/**
 * What an organization rule asks, for the OpenAPI document.
 *
 * @inline
 */
export interface OrganizationRequirement {
  /** The path parameter that names the organization, for a rule bound to the route. */
  readonly param?: string;
  /** The organizations allowed (ids, and lower-case names when trusted), for a listed rule. */
  readonly oneOf?: readonly string[];
  /** Whether names are compared (`org_name`) beside ids (`org_id`). */
  readonly names: boolean;
}

/** A check over the verified claims, usable as a role of `@Authorized(...)`. */
export interface ClaimRule {
  readonly [RULE]: true;
  /** What the rule asks, for messages and docs. */
  readonly description: string;
  /** Scopes the rule names (any of them), for the challenge and the OpenAPI document. */
  readonly scopes: readonly string[];
  /** What the rule asks of the token's organization, when it is an organization rule. */
  readonly organization?: OrganizationRequirement;
  /**
   * Throws {@link InsufficientScopeError} when the claims do not satisfy the rule. `route` holds
   * the route's parameters when the glue knows them (the routing-controllers checkers pass them).
   */
  check(claims: AccessTokenClaims, mode: AuthorizeWith, route?: RouteContext): void;
}

/**
 * True for rules made by {@link anyOf}, {@link claimEquals}, {@link claimIncludes}, {@link claimCheck}
 * and `inOrganization`.
 *
 * @example
 * ```ts
 * isClaimRule(anyOf('a', 'b')); // true
 * isClaimRule('read:x'); // false
 * ```
 */
export function isClaimRule(value: unknown): value is ClaimRule {
  return typeof value === 'object' && value !== null && (value as { [RULE]?: unknown })[RULE] === true;
}

/**
 * Makes a claim rule (frozen), for the rules of this library.
 *
 * @example
 * ```ts
 * const rule = makeRule('claim "x" is set', [], (claims) => { if (claims.x === undefined) throw new InsufficientScopeError('Missing claim "x"'); });
 * ```
 */
export function makeRule(
  description: string,
  scopes: readonly string[],
  check: ClaimRule['check'],
  organization?: OrganizationRequirement,
): ClaimRule {
  const made = { [RULE]: true as const, description, scopes: Object.freeze([...scopes]), check };
  return Object.freeze(organization === undefined ? made : { ...made, organization });
}

/**
 * At least one of the scopes (checked in `scope`, `permissions` or either, as configured).
 *
 * @example
 * ```ts
 * @Get('/reports') @Authorized(anyOf('read:reports', 'admin')) reports() { … }
 * ```
 */
export function anyOf(...scopes: string[]): ClaimRule {
  if (scopes.length === 0 || scopes.some((s) => typeof s !== 'string' || s === '')) {
    throw new TypeError('routing-controllers-auth0: anyOf() takes one or more scope names');
  }
  return makeRule(`any of ${scopes.join(', ')}`, scopes, (claims, mode) => {
    const granted = grantedScopes(claims, mode);
    if (!scopes.some((s) => granted.has(s))) {
      throw new InsufficientScopeError(`Missing one of the scopes: ${scopes.map((s) => `"${s}"`).join(', ')}`, { scope: scopes });
    }
  });
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && a !== null && JSON.stringify(a) === JSON.stringify(b));
}

/**
 * The claim equals the value (compared by value for arrays and objects).
 *
 * @example
 * ```ts
 * @Authorized(claimEquals('org_id', 'org_123'))
 * ```
 */
export function claimEquals(claim: string, value: unknown): ClaimRule {
  return makeRule(`claim "${claim}" equals ${JSON.stringify(value)}`, [], (claims) => {
    if (!sameValue(claims[claim], value)) throw new InsufficientScopeError(`Claim "${claim}" does not have the required value`);
  });
}

/**
 * The claim (an array, or a space-separated string) includes every value given.
 *
 * @example
 * ```ts
 * @Authorized(claimIncludes('https://example.com/roles', 'admin'))
 * ```
 */
export function claimIncludes(claim: string, ...values: unknown[]): ClaimRule {
  return makeRule(`claim "${claim}" includes ${values.map((v) => JSON.stringify(v)).join(', ')}`, [], (claims) => {
    const actual = claims[claim];
    const list: unknown[] = Array.isArray(actual) ? actual : typeof actual === 'string' ? actual.split(' ') : [];
    if (!values.every((v) => list.some((item) => sameValue(item, v)))) {
      throw new InsufficientScopeError(`Claim "${claim}" does not include the required value`);
    }
  });
}

/**
 * A predicate over the claims, and the route's parameters when the glue knows them; `false` (or a
 * throw) refuses the request with 403.
 *
 * @example
 * ```ts
 * @Authorized(claimCheck((c) => c.azp === 'my-spa-client-id', 'issued to the SPA'))
 * @Authorized(claimCheck((c, route) => c['https://example.com/tenant'] === route?.params.tenantId, 'the tenant of the path'))
 * ```
 */
export function claimCheck(
  predicate: (claims: AccessTokenClaims, route: RouteContext | undefined) => boolean,
  description = 'claim check',
): ClaimRule {
  return makeRule(description, [], (claims, _mode, route) => {
    let ok = false;
    try {
      ok = predicate(claims, route) === true;
    } catch {
      ok = false;
    }
    if (!ok) throw new InsufficientScopeError(`The token does not satisfy: ${description}`);
  });
}
