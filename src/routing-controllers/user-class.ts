/**
 * Custom user classes for routing-controllers: `@Claim` maps a token claim to a property
 * (class-transformer) and the class's class-validator decorators check the result. The core builds
 * the base user; this layer, where those peers already are, turns it into an instance of the class.
 */
import 'reflect-metadata';
import { Expose, plainToClassFromExist, Transform } from 'class-transformer';
import { validate } from 'class-validator';
import type { AccessTokenClaims } from '../core/claims';
import { Auth0Error, InvalidTokenError } from '../core/errors';
import { Auth0User, USER_PARSE_ERROR, type UserFactory } from '../core/user';

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
export function Claim(name: string, map: (value: any, claims: Record<string, any>) => unknown = (v: unknown) => v): PropertyDecorator {
  const expose = Expose({ toClassOnly: true });
  return (target, property) => {
    // A mapper that throws on a token's claims is a token whose claims do not fit: 401, as when
    // class-validator refuses the result.
    const mapped = ({ obj }: { obj: unknown }): unknown => {
      try {
        return map((obj as Record<string, unknown>)[name], obj as Record<string, any>);
      } catch (error) {
        // A mapper that refuses on purpose (an Auth0Error of its own) is answered as it says.
        if (error instanceof Auth0Error) throw error;
        throw new InvalidTokenError(`${USER_PARSE_ERROR} (${String(property)})`, { reason: 'invalid_user', cause: error });
      }
    };
    expose(target, property);
    Transform(mapped, { toClassOnly: true })(target, property);
  };
}

/**
 * The user factory of a user class: the base user's properties, then the class's `@Claim`
 * properties, then class-validator. `undefined` for `Auth0User` itself (the base user is enough).
 *
 * @example
 * ```ts
 * const pipeline = new Pipeline({ domain, audience, userClass: MyUser }, { userFactory: userClassFactory(MyUser) });
 * ```
 */
export function userClassFactory<U extends Auth0User>(userClass: new () => U): UserFactory<U> | undefined {
  if ((userClass as unknown) === Auth0User) return undefined;
  return async (claims: AccessTokenClaims, base: Auth0User) => {
    const user = Object.assign(new userClass(), base);
    plainToClassFromExist(user, claims, { excludeExtraneousValues: true });
    const problems = await validate(user, { forbidUnknownValues: false });
    if (problems.length > 0) {
      throw new InvalidTokenError(`${USER_PARSE_ERROR} (${problems.map((p) => p.property).join(', ')})`, { reason: 'invalid_user' });
    }
    return user;
  };
}
