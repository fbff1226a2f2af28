/**
 * The check behind `@Authorized('read:x', …)`: every listed scope must be granted (RFC 6750 §3.1
 * `insufficient_scope` otherwise). Auth0 puts what the client asked for and was granted into
 * `scope`, and everything the user holds into `permissions` (RBAC); which one counts is configured.
 */
import type { AuthorizeWith } from './config';
import { InsufficientScopeError } from './errors';
import type { AccessTokenClaims } from './claims';

/**
 * The scopes a token grants under the given mode.
 *
 * @example
 * ```ts
 * grantedScopes(claims, 'either').has('read:blabla');
 * ```
 */
export function grantedScopes(claims: AccessTokenClaims, mode: AuthorizeWith): Set<string> {
  const granted = new Set<string>();
  if (mode !== 'permissions' && typeof claims.scope === 'string') {
    for (const s of claims.scope.split(' ')) if (s !== '') granted.add(s);
  }
  if (mode !== 'scope' && Array.isArray(claims.permissions)) {
    for (const p of claims.permissions) granted.add(p);
  }
  return granted;
}

/**
 * Throws {@link InsufficientScopeError} unless every required scope is granted.
 *
 * @example
 * ```ts
 * requireScopes(claims, ['read:blabla'], 'scope'); // 403 'Missing "read:blabla" scope' when absent
 * ```
 */
export function requireScopes(claims: AccessTokenClaims, required: readonly string[], mode: AuthorizeWith): void {
  if (required.length === 0) return;
  const granted = grantedScopes(claims, mode);
  const missing = required.find((s) => !granted.has(s));
  if (missing !== undefined) {
    const noun = mode === 'permissions' ? 'permission' : 'scope';
    throw new InsufficientScopeError(`Missing "${missing}" ${noun}`, { scope: [...required] });
  }
}
