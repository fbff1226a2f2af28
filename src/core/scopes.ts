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

/** Whether `name` is one of the space-separated names of `scope`, as `scope.split(' ')` would list them. */
function listed(scope: string, name: string): boolean {
  if (name === '' || name.includes(' ')) return false;
  for (let at = scope.indexOf(name); at !== -1; at = scope.indexOf(name, at + 1)) {
    const end = at + name.length;
    if ((at === 0 || scope.charCodeAt(at - 1) === 32) && (end === scope.length || scope.charCodeAt(end) === 32)) return true;
  }
  return false;
}

/**
 * Whether the token grants one scope under the given mode: what `grantedScopes(claims, mode).has(name)`
 * answers, without building the set.
 *
 * @example
 * ```ts
 * grants({ scope: 'openid read:blabla' }, 'read:blabla', 'scope'); // true
 * ```
 */
export function grants(claims: Pick<AccessTokenClaims, 'scope' | 'permissions'>, name: string, mode: AuthorizeWith): boolean {
  if (mode !== 'permissions' && typeof claims.scope === 'string' && listed(claims.scope, name)) return true;
  return mode !== 'scope' && Array.isArray(claims.permissions) && claims.permissions.includes(name);
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
  const missing = required.find((s) => !grants(claims, s, mode));
  if (missing !== undefined) {
    const noun = mode === 'permissions' ? 'permission' : 'scope';
    throw new InsufficientScopeError(`Missing "${missing}" ${noun}`, { scope: [...required] });
  }
}
