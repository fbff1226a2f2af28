/**
 * Step 4b of the pipeline: the user behind a verified access token, built for each request from the
 * claims. Mapping more claims onto a user class (`@Claim`) and validating it belong to the
 * routing-controllers layer (`routing-controllers/user-class.ts`), which hands the pipeline a
 * {@link UserFactory}; the core itself needs no decorator library.
 */
import type { AccessTokenClaims } from './claims';
import { InsufficientScopeError, InvalidTokenError } from './errors';
import { organizationOf } from './organization';

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
  /** The `sub` claim: `auth0|5fe7…`, `google-oauth2|1155…` or `{client_id}@clients`. */
  id!: string;

  /** The `permissions` claim (RBAC with "Add Permissions in the Access Token"); `[]` when absent. */
  permissions!: string[];

  /** The email, from the configured email claim; `undefined` when the token carries none. */
  email?: string;

  /** The `scope` claim, split on spaces. */
  scopes!: string[];

  /** True for a machine-to-machine token: Auth0's `gty: "client-credentials"` (the `sub` is not read). */
  isMachine!: boolean;

  /**
   * The Auth0 Organization the token is for: `org_id`, and `org_name` when the tenant puts names
   * into tokens; `undefined` for a sign-in to no organization. The name is for display: authorise
   * on the id (`inOrganization`), unless names are trusted.
   */
  // Declared only: a user of no organization has no such property, and serialises as before.
  declare organization?: { id: string; name?: string };
}

/**
 * Builds the user of a class from the claims and the base user the library made of them. Rejects
 * with an `InvalidTokenError` for claims that do not fit.
 *
 * @inline
 */
export type UserFactory<U extends Auth0User> = (claims: AccessTokenClaims, base: Auth0User) => Promise<U>;

/** What building a user reads. */
export interface UserSettings {
  /** The claim that holds the email; `undefined`: `email`, else the only claim ending in `/email`. */
  readonly emailClaim: string | undefined;
  /** A user without an email is refused with 403. */
  readonly requireEmail: boolean;
  /** Builds users of a custom class; `undefined`: plain {@link Auth0User}s. */
  readonly factory: UserFactory<Auth0User> | undefined;
}

/** Finds the email: the configured claim, else `email`, else the only claim ending in `/email`. */
export function emailOf(claims: Record<string, unknown>, emailClaim: string | undefined): unknown {
  if (emailClaim !== undefined) return claims[emailClaim];
  if (claims.email !== undefined) return claims.email;
  const namespaced = Object.keys(claims).filter((name) => name.endsWith('/email'));
  return namespaced.length === 1 ? claims[namespaced[0]] : undefined;
}

/** The message of a user that cannot be built from the claims (fastapi-auth0's wording). */
export const USER_PARSE_ERROR = 'Error parsing Auth0User: invalid claims';

/** The base user, from claims the verifier has already checked (`sub`, `scope`, `permissions`). */
function baseUser(claims: AccessTokenClaims, emailClaim: string | undefined): Auth0User {
  const email = emailOf(claims, emailClaim);
  if (email !== undefined && typeof email !== 'string') {
    throw new InvalidTokenError(`${USER_PARSE_ERROR} (email)`, { reason: 'invalid_user' });
  }
  const user = new Auth0User();
  user.id = claims.sub;
  // The claims are frozen and shared by every request with this token: the user gets its own lists.
  user.permissions = claims.permissions === undefined ? [] : [...claims.permissions];
  user.email = email;
  user.scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter((name) => name !== '') : [];
  // Auth0 sets `gty` on every machine-to-machine token; a person's `sub` may end in `@clients` too
  // (an enterprise connection's NameID, a custom database id), so the `sub` is not read.
  user.isMachine = claims.gty === 'client-credentials';
  const organization = organizationOf(claims);
  if (organization !== undefined) user.organization = { ...organization };
  return user;
}

/**
 * Builds the user from verified claims: the base user, or the one the factory makes of it.
 * Claims that do not fit give a 401 `invalid_token` ("Error parsing Auth0User"); a missing email
 * with `requireEmail` gives a 403.
 *
 * @example
 * ```ts
 * const user = await buildUser(claims, { emailClaim: undefined, requireEmail: false, factory: undefined });
 * ```
 */
export async function buildUser(claims: AccessTokenClaims, settings: UserSettings): Promise<Auth0User> {
  const base = baseUser(claims, settings.emailClaim);
  const user = settings.factory === undefined ? base : await settings.factory(claims, base);
  if (settings.requireEmail && (typeof user.email !== 'string' || user.email === '')) {
    throw new InsufficientScopeError('Missing email claim: add it to the access token with a post-login Action (see the README)');
  }
  return user;
}
