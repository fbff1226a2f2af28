/**
 * Step 5 of the pipeline: what one route needs. Every scope named in `@Authorized(...)` must be
 * granted and every claim rule beside them satisfied (RFC 6750 §3.1 `insufficient_scope`).
 */
import type { ResolvedConfig } from './config';
import { isClaimRule, type ClaimRule } from './rules';
import { grants, requireScopes } from './scopes';
import type { AccessTokenClaims } from './claims';

/**
 * Throws `InsufficientScopeError` unless the claims grant every scope listed and satisfy every
 * rule. With `enforceScopes: false` only scope requirements (names and `anyOf`) are skipped; claim
 * rules are always checked.
 *
 * @example
 * ```ts
 * authorize(claims, ['read:blabla', anyOf('admin', 'owner')], config);
 * ```
 */
export function authorize(
  claims: AccessTokenClaims,
  requirements: ReadonlyArray<string | ClaimRule>,
  config: Pick<ResolvedConfig, 'enforceScopes' | 'authorizeWith'>,
): void {
  if (requirements.length === 0) return;
  const { enforceScopes, authorizeWith } = config;
  // The usual route names scopes only, all granted: checked one by one, no list built.
  if (enforceScopes && requirements.some((r) => typeof r === 'string' && !grants(claims, r, authorizeWith))) {
    requireScopes(
      claims,
      requirements.filter((r): r is string => typeof r === 'string'),
      authorizeWith,
    );
  }
  for (const requirement of requirements) {
    if (isClaimRule(requirement) && (enforceScopes || requirement.scopes.length === 0)) requirement.check(claims, authorizeWith);
  }
}
