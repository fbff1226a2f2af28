/**
 * The user behind a verified access token, built with class-transformer and checked with
 * class-validator, so that an application can subclass it to map more claims.
 */
import 'reflect-metadata';
import { Expose, plainToClassFromExist, Transform } from 'class-transformer';
import { IsArray, IsBoolean, IsNotEmpty, IsOptional, IsString, validate } from 'class-validator';
import { InsufficientScopeError, InvalidTokenError } from './errors';

import type { AccessTokenClaims } from './claims';

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
// The base class carries no class-transformer metadata: the library fills its properties itself
// (see baseFields), which keeps users cheap to build and to serialise; subclasses map more claims
// with @Claim (class-transformer) on top.
export class Auth0User {
  /** The `sub` claim: `auth0|5fe7…`, `google-oauth2|1155…` or `{client_id}@clients`. */
  @IsString()
  @IsNotEmpty()
  id!: string;

  /** The `permissions` claim (RBAC with "Add Permissions in the Access Token"); `[]` when absent. */
  @IsArray()
  @IsString({ each: true })
  permissions!: string[];

  /** The email, from the configured email claim; `undefined` when the token carries none. */
  @IsOptional()
  @IsString()
  email?: string;

  /** The `scope` claim, split on spaces. */
  @IsArray()
  scopes!: string[];

  /** True for a machine-to-machine (client-credentials) token. */
  @IsBoolean()
  isMachine!: boolean;
}

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

const PARSE_ERROR = 'Error parsing Auth0User: invalid claims';

/** The base properties, from claims the verifier has already checked (`sub`, `scope`, `permissions`). */
function baseFields(claims: AccessTokenClaims, email: unknown): Pick<Auth0User, 'id' | 'permissions' | 'email' | 'scopes' | 'isMachine'> {
  if (email !== undefined && typeof email !== 'string') throw new InvalidTokenError(`${PARSE_ERROR} (email)`);
  return {
    id: claims.sub,
    permissions: claims.permissions === undefined ? [] : [...claims.permissions],
    email,
    scopes: typeof claims.scope === 'string' ? claims.scope.split(' ').filter((s) => s !== '') : [],
    isMachine: claims.gty === 'client-credentials' || claims.sub.endsWith('@clients'),
  };
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
  const user = Object.assign(new userClass(), baseFields(claims, email));
  if ((userClass as unknown) !== Auth0User) {
    // A subclass: its @Claim (class-transformer) properties on top of the base ones, then class-validator.
    plainToClassFromExist(user, claims, { excludeExtraneousValues: true });
    const problems = await validate(user, { forbidUnknownValues: false });
    if (problems.length > 0) {
      throw new InvalidTokenError(`${PARSE_ERROR} (${problems.map((p) => p.property).join(', ')})`);
    }
  }
  if (options.requireEmail && (typeof user.email !== 'string' || user.email === '')) {
    throw new InsufficientScopeError('Missing email claim: add it to the access token with a post-login Action (see the README)');
  }
  return user;
}

/** Arrays and plain objects copied through; anything else (a Date, a class instance) is shared as is. */
function copyValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyValue);
  if (typeof value !== 'object' || value === null) return value;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = copyValue(item);
  return copy;
}

/**
 * A copy of a user for one request: its own object, arrays and plain objects, so that a handler
 * cannot change what another request carrying the same token sees.
 */
export function copyUser<U extends Auth0User>(user: U): U {
  const copy = Object.create(Object.getPrototypeOf(user) as object) as Record<string, unknown>;
  for (const key of Object.keys(user)) copy[key] = copyValue((user as unknown as Record<string, unknown>)[key]);
  return copy as unknown as U;
}
