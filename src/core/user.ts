/**
 * The user behind a verified access token, built with class-transformer and checked with
 * class-validator, so that an application can subclass it to map more claims.
 */
import 'reflect-metadata';
import { Expose, plainToInstance, Transform } from 'class-transformer';
import { IsArray, IsBoolean, IsNotEmpty, IsOptional, IsString, validate } from 'class-validator';
import { InsufficientScopeError, InvalidTokenError } from './errors';

// The resolved email travels under a key no real claim can have, so that it never shadows one.
const EMAIL = '\u0000email';

import type { AccessTokenClaims } from './token/verify';

/**
 * Maps a token claim to a property of a user class. Unlike class-transformer's `@Expose({ name })`,
 * the property keeps its own name when the user is sent back as JSON.
 *
 * @example
 * ```ts
 * class MyUser extends Auth0User {
 *   @Claim('org_id') @IsString() orgId!: string;
 *   @Claim('gty', (gty) => gty ?? 'authorization_code') grantType!: string;
 * }
 * ```
 */
export function Claim(name: string, map: (value: any, claims: Record<string, any>) => unknown = (v) => v): PropertyDecorator {
  const expose = Expose({ toClassOnly: true });
  const transform = Transform(({ obj }) => map((obj as Record<string, unknown>)[name], obj as Record<string, any>), {
    toClassOnly: true,
  });
  return (target, property) => {
    expose(target, property);
    transform(target, property);
  };
}

/**
 * The caller of a secured route: a person (`auth0|…`, `google-oauth2|…`) or a machine
 * (`{client_id}@clients`, client-credentials grant).
 *
 * Subclass it to map more claims with {@link Claim} and check them with class-validator:
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
  @Claim('sub')
  @IsString()
  @IsNotEmpty()
  id!: string;

  /** The `permissions` claim (RBAC with "Add Permissions in the Access Token"); `[]` when absent. */
  @Claim('permissions', (value) => value ?? [])
  @IsArray()
  @IsString({ each: true })
  permissions!: string[];

  /** The email, from the configured email claim; `undefined` when the token carries none. */
  @Claim(EMAIL)
  @IsOptional()
  @IsString()
  email?: string;

  /** The `scope` claim, split on spaces. */
  @Claim('scope', (value) => (typeof value === 'string' ? value.split(' ').filter((s) => s !== '') : []))
  @IsArray()
  scopes!: string[];

  /** True for a machine-to-machine (client-credentials) token. */
  @Claim('gty', (gty, claims) => gty === 'client-credentials' || (typeof claims.sub === 'string' && claims.sub.endsWith('@clients')))
  @IsBoolean()
  isMachine!: boolean;
}

/** Finds the email: the configured claim, else `email`, else the only claim ending in `/email`. */
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

const PARSE_ERROR = 'Error parsing Auth0User: invalid claims';

/**
 * The base class needs no class-transformer pass: its claims are already checked by the verifier
 * (`sub`, `scope`, `permissions`), so only the email's type is left to check.
 */
function buildBaseUser(claims: AccessTokenClaims, email: unknown): Auth0User {
  if (email !== undefined && typeof email !== 'string') throw new InvalidTokenError(`${PARSE_ERROR} (email)`);
  const user = new Auth0User();
  user.id = claims.sub;
  user.permissions = claims.permissions === undefined ? [] : [...claims.permissions];
  user.email = email;
  user.scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter((s) => s !== '') : [];
  user.isMachine = claims.gty === 'client-credentials' || claims.sub.endsWith('@clients');
  return user;
}

/**
 * Builds and validates the user from verified claims. Claims that do not fit the class give a 401
 * `invalid_token` ("Error parsing Auth0User"); a missing email with `requireEmail` gives a 403.
 *
 * @example
 * ```ts
 * const user = await buildUser(claims, Auth0User, { emailClaim: undefined, requireEmail: false });
 * ```
 */
export async function buildUser<U extends Auth0User>(
  claims: AccessTokenClaims,
  userClass: new () => U,
  options: { emailClaim: string | undefined; requireEmail: boolean },
): Promise<U> {
  const email = emailOf(claims, options.emailClaim);
  let user: U;
  if (userClass === (Auth0User as unknown)) {
    user = buildBaseUser(claims, email) as U;
  } else {
    user = plainToInstance(userClass, { ...claims, [EMAIL]: email }, { excludeExtraneousValues: true });
    const problems = await validate(user, { forbidUnknownValues: false });
    if (problems.length > 0) {
      throw new InvalidTokenError(`${PARSE_ERROR} (${problems.map((p) => p.property).join(', ')})`);
    }
  }
  if (options.requireEmail && (typeof user.email !== 'string' || user.email === '')) {
    throw new InsufficientScopeError(
      'Missing email claim: add it to the access token with a post-login Action (see the README)',
    );
  }
  return user;
}

/** A copy of a user for one request: its own object and arrays, so that a handler cannot change another's. */
export function copyUser<U extends Auth0User>(user: U): U {
  const copy = Object.create(Object.getPrototypeOf(user) as object) as Record<string, unknown>;
  for (const key of Object.keys(user)) {
    const value = (user as unknown as Record<string, unknown>)[key];
    copy[key] = Array.isArray(value) ? [...(value as unknown[])] : value;
  }
  return copy as unknown as U;
}
