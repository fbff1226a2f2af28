/**
 * The framework-free request path: credentials → verified claims → user → scope check.
 * Framework glue (routing-controllers, or anything else) only feeds it a {@link CredentialsSource}
 * and answers the {@link Auth0Error} it raises.
 */
import { optionsWithEnv, resolveConfig, type Auth0Options, type ResolvedConfig } from './config';
import { Auth0Error, UnauthorizedError } from './errors';
import { isClaimRule, type ClaimRule } from './rules';
import { requireScopes } from './scopes';
import { extractBearerToken, type CredentialsSource } from './token/extract';
import { TokenVerifier, type AccessTokenClaims } from './token/verify';
import { Auth0User, buildUser, copyUser } from './user';

/** The outcome of authenticating one request; never a rejected promise. */
export type Authentication<U extends Auth0User> =
  | { readonly kind: 'anonymous'; readonly error: UnauthorizedError }
  | { readonly kind: 'failed'; readonly error: Auth0Error }
  | { readonly kind: 'authenticated'; readonly claims: AccessTokenClaims; readonly user: U };

/**
 * Authenticates requests against one Auth0 API.
 *
 * @example
 * ```ts
 * const authenticator = new Authenticator({ domain: 'your-tenant.auth0.com', audience: 'https://api' });
 * const result = await authenticator.authenticate({ authorization: req.headers.authorization });
 * if (result.kind === 'authenticated') console.log(result.user.id);
 * ```
 */
export class Authenticator<U extends Auth0User = Auth0User> {
  /** The checked configuration. */
  readonly config: ResolvedConfig;
  /** The token verifier (and through it, the key set). */
  readonly verifier: TokenVerifier;
  private readonly userClass: new () => U;
  // Users built from remembered (frozen, reused) claims: a token seen again skips building its user.
  private readonly users = new WeakMap<AccessTokenClaims, U>();

  constructor(options: Auth0Options<U> = {}) {
    this.config = resolveConfig(optionsWithEnv(options));
    this.userClass = options.userClass ?? (Auth0User as unknown as new () => U);
    if (typeof this.userClass !== 'function' || !(this.userClass.prototype instanceof Auth0User || this.userClass === (Auth0User as unknown))) {
      throw new TypeError('routing-controllers-auth0: `userClass` must be Auth0User or a subclass of it');
    }
    this.verifier = new TokenVerifier(this.config);
  }

  /** Verifies a bare token and builds its user. Throws an {@link Auth0Error}. */
  async verify(token: string): Promise<{ claims: AccessTokenClaims; user: U }> {
    const claims = await this.verifier.verify(token);
    let user = this.users.get(claims);
    if (user === undefined) {
      user = await buildUser(claims, this.userClass, this.config);
      if (Object.isFrozen(claims)) this.users.set(claims, user);
    }
    return { claims, user: copyUser(user) };
  }

  /** Authenticates a request. Resolves with the outcome; never rejects for a request defect. */
  async authenticate(source: CredentialsSource): Promise<Authentication<U>> {
    try {
      const token = extractBearerToken(source, this.config.maxTokenLength);
      if (token === undefined) {
        return { kind: 'anonymous', error: this.withRealm(new UnauthorizedError()) };
      }
      const { claims, user } = await this.verify(token);
      return { kind: 'authenticated', claims, user };
    } catch (error) {
      if (error instanceof Auth0Error) return { kind: 'failed', error: this.withRealm(error) };
      throw error;
    }
  }

  /**
   * Throws `InsufficientScopeError` unless the claims grant every scope listed and satisfy every
   * rule (when scopes are enforced).
   */
  authorize(claims: AccessTokenClaims, requirements: ReadonlyArray<string | ClaimRule>): void {
    if (!this.config.enforceScopes || requirements.length === 0) return;
    const scopes = requirements.filter((r): r is string => typeof r === 'string');
    try {
      requireScopes(claims, scopes, this.config.authorizeWith);
      for (const requirement of requirements) {
        if (isClaimRule(requirement)) requirement.check(claims, this.config.authorizeWith);
      }
    } catch (error) {
      if (error instanceof Auth0Error) throw this.withRealm(error);
      throw error;
    }
  }

  private withRealm<E extends Auth0Error>(error: E): E {
    error.realm = this.config.realm;
    return error;
  }
}
