/**
 * Step 5 of the pipeline: what one route needs. Every scope named in `@Authorized(...)` must be
 * granted and every claim rule beside them satisfied (RFC 6750 §3.1 `insufficient_scope`).
 */
import type { ResolvedConfig } from './config';
import { isClaimRule, type ClaimRule, type RouteContext } from './rules';
import { requireScopes } from './scopes';
import type { AccessTokenClaims } from './claims';

/**
 * Throws `InsufficientScopeError` unless the claims grant every scope listed and satisfy every
 * rule. With `enforceScopes: false` only scope requirements (names and `anyOf`) are skipped; claim
 * rules are always checked. A requirement that is neither a scope name nor a claim rule is a bug
 * of the route, never skipped: a `TypeError`. `route` (the route's parameters) is handed to every
 * rule, for the rules bound to the route (`inOrganization({ param })`).
 *
 * @example
 * ```ts
 * authorize(claims, ['read:blabla', anyOf('admin', 'owner')], config);
 * authorize(claims, [inOrganization({ param: 'orgId' })], config, { params: { orgId: 'org_abc' } });
 * ```
 */
export function authorize(
  claims: AccessTokenClaims,
  requirements: ReadonlyArray<string | ClaimRule>,
  config: Pick<ResolvedConfig, 'enforceScopes' | 'authorizeWith'>,
  route?: RouteContext,
): void {
  const { enforceScopes, authorizeWith } = config;
  const scopes: string[] = [];
  const rules: ClaimRule[] = [];
  for (const requirement of requirements) {
    if (typeof requirement === 'string') scopes.push(requirement);
    else if (isClaimRule(requirement)) rules.push(requirement);
    else throw new TypeError('routing-controllers-auth0: a requirement is a scope name or a claim rule (anyOf, claimEquals, …)');
  }
  if (enforceScopes) requireScopes(claims, scopes, authorizeWith);
  for (const rule of rules) if (enforceScopes || rule.scopes.length === 0) rule.check(claims, authorizeWith, route);
}
