/**
 * JWT access token verification (RFC 7519 §7.2, RFC 7515 §5.2) following RFC 8725 (JWT BCP):
 *
 * - §3.1 algorithm verification: only the configured asymmetric algorithms (RS256 by default) are
 *   accepted, so `none` and HS256 keyed with the public key (algorithm confusion) are refused
 *   before any key is looked up;
 * - §3.10 keys come only from the tenant's key set: a token that names its own key (`jwk`, `jku`,
 *   `x5u`, `x5c`) is refused, and `kid` is only a lookup key;
 * - §3.8/§3.9 issuer and audience are checked exactly (`https://{domain}/`, trailing slash included);
 * - unknown critical headers (`crit`) are refused (RFC 7515 §4.1.11); `exp` and `sub` are required.
 *
 * Verified tokens are remembered (bounded in count and age, never past `exp`, dropped when their key
 * leaves the key set) so that a token seen again costs a map lookup instead of an RSA verification.
 * Failures are never remembered.
 */
import { decodeJwt, errors, jwtVerify, type JWTPayload, type JWTHeaderParameters, type JWTVerifyOptions } from 'jose';
import type { ResolvedConfig } from '../config';
import { Auth0Error, InvalidTokenError } from '../errors';
import { RemoteKeySet } from './key-set';

/** The verified claims of an access token. */
export type AccessTokenClaims = JWTPayload & {
  sub: string;
  exp: number;
  scope?: string;
  permissions?: string[];
  gty?: string;
  azp?: string;
  [claim: string]: unknown;
};

interface Remembered {
  claims: AccessTokenClaims;
  kid: string;
  keys: RemoteKeySet;
  until: number;
}

const FOREIGN_KEY_HEADERS = ['jwk', 'jku', 'x5u', 'x5c'] as const;

/** Maps a jose error to the message an API client sees (fastapi-auth0's wording where it has one). */
function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return error.claim === 'iat' ? 'Token too old (maxTokenAge)' : 'Expired token';
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
      case 'aud':
        return 'Invalid token claims (wrong issuer or audience)';
      case 'nbf':
        return 'Token not yet valid';
      case 'iat':
        return error.reason === 'missing' ? 'Invalid token claims (missing "iat")' : 'Invalid token claims (iat)';
      case 'typ':
        return 'Invalid token type (expected at+jwt)';
      default:
        return `Invalid token claims (${error.reason === 'missing' ? `missing "${error.claim}"` : error.claim})`;
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'Token algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'Invalid token signature';
  return 'Malformed token';
}

/**
 * Verifies Auth0 access tokens against the tenant's key set.
 *
 * @example
 * ```ts
 * const verifier = new TokenVerifier(resolveConfig({ domain: 'your-tenant.auth0.com', audience: 'https://api' }));
 * const claims = await verifier.verify(token); // throws an Auth0Error subclass
 * ```
 */
export class TokenVerifier {
  /** The key set of the first (or only) issuer. */
  readonly keySet: RemoteKeySet;
  /** Every allowed issuer's key set. */
  readonly keySets: ReadonlyMap<string, RemoteKeySet>;
  private readonly config: ResolvedConfig;
  private readonly remembered = new Map<string, Remembered>();
  private readonly verifyOptions: Map<string, JWTVerifyOptions>;
  private readonly resolvers: Map<string, (header: JWTHeaderParameters) => Promise<CryptoKey | Uint8Array>>;

  constructor(config: ResolvedConfig, keySet?: RemoteKeySet) {
    this.config = config;
    const keySets = new Map<string, RemoteKeySet>();
    this.verifyOptions = new Map();
    this.resolvers = new Map();
    for (const [index, { issuer, jwksUri }] of config.issuers.entries()) {
      const keys =
        index === 0 && keySet !== undefined
          ? keySet
          : new RemoteKeySet(jwksUri, {
              cooldown: config.jwksCooldown,
              timeout: config.jwksTimeout,
              maxAge: config.jwksMaxAge,
              maxKeys: config.jwksMaxKeys,
              fetch: config.fetch,
            });
      keySets.set(issuer, keys);
      this.verifyOptions.set(issuer, {
        issuer,
        audience: config.audience,
        algorithms: config.algorithms,
        clockTolerance: config.clockTolerance,
        requiredClaims: config.strict ? ['exp', 'sub', 'iat', 'jti', 'client_id'] : ['exp', 'sub'],
        maxTokenAge: config.maxTokenAge,
        // RFC 9068 §2.1 / RFC 8725 §3.11: explicit typing, compared as media types.
        typ: config.strict ? 'at+jwt' : undefined,
      });
      const { secret } = config;
      this.resolvers.set(issuer, (header) => {
        for (const name of FOREIGN_KEY_HEADERS) {
          if (header[name] !== undefined) {
            return Promise.reject(new InvalidTokenError(`Token header names its own key ("${name}"): refused`));
          }
        }
        if (secret !== undefined) return Promise.resolve(secret);
        if (typeof header.kid !== 'string' || header.kid === '') {
          return Promise.reject(new InvalidTokenError('Invalid kid header (missing)'));
        }
        return keys.getKey(header.kid, header.alg);
      });
    }
    this.keySets = keySets;
    this.keySet = keySets.get(config.issuer) as RemoteKeySet;
  }

  /** The issuer a token claims, when several are allowed (unverified: it only picks the key set). */
  private issuerOf(token: string): string {
    if (this.config.issuers.length === 1) return this.config.issuer;
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch (error) {
      throw new InvalidTokenError('Malformed token', { cause: error });
    }
    if (typeof iss !== 'string' || !this.keySets.has(iss)) {
      throw new InvalidTokenError('Invalid token claims (wrong issuer or audience)');
    }
    return iss;
  }

  /** How many verified tokens are remembered now. */
  get rememberedCount(): number {
    return this.remembered.size;
  }

  /**
   * Verifies a compact JWT and returns its claims. Throws an {@link Auth0Error}: 401
   * `invalid_token` for any defect of the token, 503 when the key set cannot be had.
   */
  async verify(token: string): Promise<AccessTokenClaims> {
    const hit = this.remembered.get(token);
    if (hit !== undefined) {
      if (Date.now() < hit.until && (this.config.secret !== undefined || hit.keys.has(hit.kid))) return hit.claims;
      this.remembered.delete(token);
    }
    const segments = token.split('.').length;
    if (segments === 5) {
      throw new InvalidTokenError(
        'Opaque or encrypted token: request the access token with the `audience` parameter of this API to get a JWT',
      );
    }
    if (segments !== 3) throw new InvalidTokenError('Malformed token');

    const issuer = this.issuerOf(token);
    let claims: AccessTokenClaims;
    let kid: string;
    try {
      const result = await jwtVerify(token, this.resolvers.get(issuer)!, this.verifyOptions.get(issuer));
      claims = result.payload as AccessTokenClaims;
      kid = (result.protectedHeader.kid as string | undefined) ?? '';
    } catch (error) {
      if (error instanceof Auth0Error) throw error;
      throw new InvalidTokenError(describe(error), { cause: error });
    }
    if (typeof claims.sub !== 'string' || claims.sub === '') {
      throw new InvalidTokenError('Invalid token claims (sub)');
    }
    if (claims.scope !== undefined && typeof claims.scope !== 'string') {
      throw new InvalidTokenError('Invalid token claims (scope)');
    }
    if (
      claims.permissions !== undefined &&
      (!Array.isArray(claims.permissions) || claims.permissions.some((p) => typeof p !== 'string'))
    ) {
      throw new InvalidTokenError('Invalid token claims (permissions)');
    }
    if (this.config.validate !== undefined) {
      let valid = false;
      try {
        valid = this.config.validate(claims) === true;
      } catch {
        valid = false;
      }
      if (!valid) throw new InvalidTokenError('Invalid token claims (refused by the validate option)');
    }
    this.remember(token, claims, kid, this.keySets.get(issuer)!);
    return claims;
  }

  private remember(token: string, claims: AccessTokenClaims, kid: string, keys: RemoteKeySet): void {
    const { tokenCacheSize, tokenCacheMaxAge, clockTolerance } = this.config;
    if (tokenCacheSize === 0) return;
    const until = Math.min(claims.exp * 1000 + clockTolerance * 1000, Date.now() + tokenCacheMaxAge);
    if (this.remembered.size >= tokenCacheSize) {
      // Oldest first: Map keeps insertion order.
      const oldest = this.remembered.keys().next().value;
      if (oldest !== undefined) this.remembered.delete(oldest);
    }
    Object.freeze(claims.permissions);
    this.remembered.set(token, { claims: Object.freeze(claims), kid, keys, until });
  }
}
