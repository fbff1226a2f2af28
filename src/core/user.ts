/**
 * Step 4 of the pipeline: the user behind a verified access token, a plain object built from the
 * claims. Mapping more claims onto a user class (`@Claim`) and validating it belong to the
 * routing-controllers layer (`routing-controllers/user-class.ts`), which hands the pipeline a
 * {@link UserFactory}; the core itself needs no decorator library.
 */
import type { AccessTokenClaims } from './claims';
import { InsufficientScopeError, InvalidTokenError } from './errors';

/**
 * The prototype of the users the library builds: `Object.prototype` plus nothing visible (its
 * `constructor` is `Object`'s). Serialisers take such a user for the plain data it is:
 * class-transformer, which routing-controllers runs over every answer, looks no class metadata up
 * for it, as it would for an instance of a class.
 */
const BASE_USER: object = Object.freeze(Object.create(Object.prototype) as object);

/**
 * The caller of a secured route: a person (`auth0|…`, `google-oauth2|…`) or a machine
 * (`{client_id}@clients`, client-credentials grant).
 *
 * Subclass it to map more claims with `@Claim` and check them with class-validator:
 *
 * @example
 * ```ts
 * class MyUser extends Auth0User {
 *   @Claim('org_id') @IsString() orgId!: string;
 * }
 * const auth = new Auth0({ domain, audience, userClass: MyUser });
 * ```
 */
export class Auth0User {
  /**
   * `user instanceof Auth0User` holds for the users the library builds (plain objects of this
   * shape) as for instances of this class; `instanceof` a subclass is the usual check.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return this === Auth0User && typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === BASE_USER;
  }

  /** The `sub` claim: `auth0|5fe7…`, `google-oauth2|1155…` or `{client_id}@clients`. */
  id!: string;

  /** The `permissions` claim (RBAC with "Add Permissions in the Access Token"); `[]` when absent. */
  permissions!: string[];

  /** The email, from the configured email claim; `undefined` when the token carries none. */
  email?: string;

  /** The `scope` claim, split on spaces. */
  scopes!: string[];

  /** True for a machine-to-machine (client-credentials) token. */
  isMachine!: boolean;
}

/**
 * Builds the user of a class from the claims and the base user the library made of them. Throws an
 * `InvalidTokenError` for claims that do not fit.
 *
 * @example
 * ```ts
 * const factory: UserFactory<MyUser> = (claims, base) => Object.assign(new MyUser(), base, { orgId: String(claims.org_id) });
 * ```
 */
export type UserFactory<U extends Auth0User> = (claims: AccessTokenClaims, base: Auth0User) => U | Promise<U>;

/**
 * Finds the email: the configured claim, else `email`, else the only claim ending in `/email`.
 *
 * @example
 * ```ts
 * emailOf({ 'https://example.com/email': 'a@example.com' }, undefined); // 'a@example.com'
 * ```
 */
export function emailOf(claims: Record<string, unknown>, emailClaim: string | undefined): unknown {
  if (emailClaim !== undefined) return claims[emailClaim];
  if (claims.email !== undefined) return claims.email;
  let found: unknown;
  let count = 0;
  for (const name in claims) {
    if (name.endsWith('/email')) {
      found = claims[name];
      count += 1;
    }
  }
  return count === 1 ? found : undefined;
}

/** The message of a user that cannot be built from the claims (fastapi-auth0's wording). */
export const USER_PARSE_ERROR = 'Error parsing Auth0User: invalid claims';

/** The `scope` claim split on spaces, without the empty names that repeated spaces leave. */
function scopesOf(scope: string): string[] {
  const names = scope.split(' ');
  return names.includes('') ? names.filter((name) => name !== '') : names;
}

/** The base user, from claims the verifier has already checked (`sub`, `scope`, `permissions`). */
function baseUser(claims: AccessTokenClaims, emailClaim: string | undefined): Auth0User {
  const email = emailOf(claims, emailClaim);
  if (email !== undefined && typeof email !== 'string')
    throw new InvalidTokenError(`${USER_PARSE_ERROR} (email)`, { reason: 'invalid_user' });
  const user = Object.create(BASE_USER) as Auth0User;
  user.id = claims.sub;
  user.permissions = claims.permissions === undefined ? [] : [...claims.permissions];
  user.email = email;
  user.scopes = typeof claims.scope === 'string' ? scopesOf(claims.scope) : [];
  user.isMachine = claims.gty === 'client-credentials' || claims.sub.endsWith('@clients');
  return user;
}

/** The options {@link buildUser} reads. */
interface UserOptions {
  emailClaim: string | undefined;
  requireEmail: boolean;
}

/** Throws the 403 of `requireEmail` when the user has no email. */
function checkEmail(user: Auth0User, options: UserOptions): void {
  if (options.requireEmail && (typeof user.email !== 'string' || user.email === '')) {
    throw new InsufficientScopeError('Missing email claim: add it to the access token with a post-login Action (see the README)');
  }
}

/**
 * {@link buildUser} without a factory, synchronously: the base user, or a throw. The base user is a
 * plain object of the {@link Auth0User} shape (`user instanceof Auth0User` holds; its `constructor`
 * is `Object`): a custom `userClass` gives instances of that class instead.
 *
 * @example
 * ```ts
 * const user = buildBaseUser(claims, { emailClaim: undefined, requireEmail: false });
 * ```
 */
export function buildBaseUser(claims: AccessTokenClaims, options: UserOptions): Auth0User {
  const user = baseUser(claims, options.emailClaim);
  checkEmail(user, options);
  return user;
}

/**
 * Builds the user from verified claims: the base user, or the one a {@link UserFactory} makes of it.
 * Claims that do not fit give a 401 `invalid_token` ("Error parsing Auth0User"); a missing email
 * with `requireEmail` gives a 403.
 *
 * @example
 * ```ts
 * const user = await buildUser(claims, { emailClaim: undefined, requireEmail: false });
 * ```
 */
export async function buildUser<U extends Auth0User = Auth0User>(
  claims: AccessTokenClaims,
  options: { emailClaim: string | undefined; requireEmail: boolean },
  factory?: UserFactory<U>,
): Promise<U> {
  if (factory === undefined) return buildBaseUser(claims, options) as U;
  const user = await factory(claims, baseUser(claims, options.emailClaim));
  checkEmail(user, options);
  return user;
}

/** Arrays and plain objects copied through; anything else (a Date, a class instance) is shared as is. */
function copyValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyValue);
  if (typeof value !== 'object' || value === null) return value;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  // Defined, not assigned: a claim's own "__proto__" key stays data instead of setting the prototype.
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copyValue(item)]));
}

/**
 * A copy of a user for one request: its own object, arrays and plain objects, so that a handler
 * cannot change what another request carrying the same token sees.
 *
 * @example
 * ```ts
 * const mine = copyUser(cachedUser);
 * ```
 */
export function copyUser<U extends Auth0User>(user: U): U {
  const copy = Object.create(Object.getPrototypeOf(user) as object) as Record<string, unknown>;
  for (const key of Object.keys(user)) copy[key] = copyValue((user as unknown as Record<string, unknown>)[key]);
  return copy as unknown as U;
}

/**
 * {@link copyUser} for a base user as {@link buildUser} makes it without a factory: its own
 * object and arrays (the same strings), without looking at its keys.
 */
export function copyBaseUser<U extends Auth0User>(user: U): U {
  const copy = Object.create(BASE_USER) as Auth0User;
  copy.id = user.id;
  copy.permissions = user.permissions.slice();
  copy.email = user.email;
  copy.scopes = user.scopes.slice();
  copy.isMachine = user.isMachine;
  return copy as U;
}
