/**
 * The framework-free request path: credentials → verified claims → user → scope check.
 * Framework glue (routing-controllers, or anything else) only feeds it a {@link CredentialsSource}
 * and answers the {@link Auth0Error} it raises.
 */
import { optionsWithEnv, resolveConfig, type Auth0Options, type ResolvedConfig } from './config';
import { Auth0Error, InvalidTokenError, UnauthorizedError, type AuthScheme } from './errors';
import { isClaimRule, type ClaimRule } from './rules';
import { requireScopes } from './scopes';
import { certificateFromHeader, checkCertificateBinding } from './token/certificate';
import { DpopVerifier } from './token/dpop';
import { extractCredentials, type CredentialsSource } from './token/extract';
import { TokenVerifier, type AccessTokenClaims } from './token/verify';
import { Auth0User, buildUser, copyUser } from './user';

/** The outcome of authenticating one request; never a rejected promise. */
export type Authentication<U extends Auth0User> =
  | { readonly kind: 'anonymous'; readonly error: UnauthorizedError }
  | { readonly kind: 'failed'; readonly error: Auth0Error }
  | {
      readonly kind: 'authenticated';
      readonly claims: AccessTokenClaims;
      readonly user: U;
      /** The scheme the token came with. */
      readonly scheme: AuthScheme;
    };

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
  /** The DPoP proof verifier (and its replay cache). */
  readonly dpop: DpopVerifier;
  private readonly userClass: new () => U;
  // Users built per claims object: a remembered token (the same frozen claims) skips building its user;
  // other entries go with their claims.
  private readonly users = new WeakMap<AccessTokenClaims, U>();

  constructor(options: Auth0Options<U> = {}) {
    this.config = resolveConfig(optionsWithEnv(options));
    this.userClass = options.userClass ?? (Auth0User as unknown as new () => U);
    const isUserClass = (this.userClass as unknown) === Auth0User || this.userClass?.prototype instanceof Auth0User;
    if (!isUserClass) {
      throw new TypeError('routing-controllers-auth0: `userClass` must be Auth0User or a subclass of it');
    }
    this.verifier = new TokenVerifier(this.config);
    this.dpop = new DpopVerifier(this.config.dpop);
  }

  /** Verifies a bare token and builds its user. Throws an {@link Auth0Error}. */
  async verify(token: string): Promise<{ claims: AccessTokenClaims; user: U }> {
    const claims = await this.verifier.verify(token);
    let user = this.users.get(claims);
    if (user === undefined) {
      user = await buildUser(claims, this.userClass, this.config);
      this.users.set(claims, user);
    }
    return { claims, user: copyUser(user) };
  }

  /**
   * Authenticates a request: the token (Bearer, or DPoP with its proof), its user, and its binding
   * to a DPoP key or a client certificate. Resolves with the outcome; never rejects for a request defect.
   */
  async authenticate(source: CredentialsSource): Promise<Authentication<U>> {
    const { mode } = this.config.dpop;
    let scheme: AuthScheme = 'Bearer';
    try {
      const credentials = extractCredentials(source, this.config.maxTokenLength, mode !== 'disabled');
      if (credentials === undefined) {
        return { kind: 'anonymous', error: this.decorate(new UnauthorizedError(), scheme) };
      }
      scheme = credentials.scheme;
      if (scheme === 'Bearer' && mode === 'required') {
        throw new UnauthorizedError('Bearer tokens are not accepted here: send a DPoP-bound token with a DPoP proof');
      }
      const { claims, user } = await this.verify(credentials.token);
      const cnf = claims.cnf as { jkt?: unknown } | undefined;
      const jkt = typeof cnf === 'object' && cnf !== null ? cnf.jkt : undefined;
      if (scheme === 'DPoP') {
        if (jkt === undefined) throw new InvalidTokenError('Token is not DPoP-bound (no cnf.jkt): send it as a Bearer token');
        await this.dpop.verify(
          { proof: source.dpop, method: source.method ?? 'GET', url: this.requestUrl(source) },
          credentials.token,
          jkt,
        );
      } else if (jkt !== undefined) {
        // RFC 9449 §7.1: a DPoP-bound token must not be usable as a plain bearer token.
        throw new InvalidTokenError('DPoP-bound token sent as a Bearer token: send it with the DPoP scheme and a proof');
      }
      if (this.config.mtls.enabled) {
        checkCertificateBinding(claims as { cnf?: unknown }, this.certificateOf(source), { required: this.config.mtls.required });
      } else if (typeof cnf === 'object' && cnf !== null && (cnf as Record<string, unknown>)['x5t#S256'] !== undefined) {
        // RFC 8705 §3: a certificate-bound token is honoured only where its certificate can be checked.
        throw new InvalidTokenError('Certificate-bound token: this API does not check client certificates (the mtls option)');
      }
      return { kind: 'authenticated', claims, user, scheme };
    } catch (error) {
      if (error instanceof Auth0Error) return { kind: 'failed', error: this.decorate(error, scheme) };
      throw error;
    }
  }

  /** The URL a DPoP proof's `htu` must name: the request's, on the configured public origin if any. */
  private requestUrl(source: CredentialsSource): string {
    const url = source.url?.() ?? '';
    const { origin } = this.config.dpop;
    if (origin === undefined) return url;
    try {
      return `${origin}${new URL(url).pathname}`;
    } catch {
      return '';
    }
  }

  private certificateOf(source: CredentialsSource): Uint8Array | undefined {
    const name = this.config.mtls.certificateHeader;
    if (name === undefined) return source.certificate?.();
    const value = source.header?.(name);
    return typeof value === 'string' ? certificateFromHeader(value) : undefined;
  }

  /**
   * Throws `InsufficientScopeError` unless the claims grant every scope listed and satisfy every
   * rule. With `enforceScopes: false` only scope requirements (names and `anyOf`) are skipped; claim
   * rules are always checked.
   */
  authorize(claims: AccessTokenClaims, requirements: ReadonlyArray<string | ClaimRule>, scheme: AuthScheme = 'Bearer'): void {
    if (requirements.length === 0) return;
    const { enforceScopes, authorizeWith } = this.config;
    try {
      if (enforceScopes)
        requireScopes(
          claims,
          requirements.filter((r): r is string => typeof r === 'string'),
          authorizeWith,
        );
      for (const requirement of requirements) {
        if (isClaimRule(requirement) && (enforceScopes || requirement.scopes.length === 0)) requirement.check(claims, authorizeWith);
      }
    } catch (error) {
      if (error instanceof Auth0Error) throw this.decorate(error, scheme);
      throw error;
    }
  }

  /** Gives an error the realm, the scheme it is about, and what a 401 challenge offers. */
  private decorate<E extends Auth0Error>(error: E, scheme: AuthScheme): E {
    const { mode, algorithms } = this.config.dpop;
    error.realm = this.config.realm;
    error.scheme = mode === 'required' ? 'DPoP' : error.scheme === 'DPoP' ? 'DPoP' : scheme;
    error.offer = { bearer: mode !== 'required', dpopAlgorithms: mode === 'disabled' ? undefined : algorithms };
    return error;
  }
}
