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

/** What verifying a token of one issuer needs. */
interface IssuerEntry {
  keys: RemoteKeySet;
  options: JWTVerifyOptions;
  resolveKey: (header: JWTHeaderParameters) => Promise<CryptoKey | Uint8Array>;
}

/** RFC 8725 §3.10: keys come from the issuer's key set (or the API's secret), never from the token. */
function keyResolver(keys: RemoteKeySet, secret: Uint8Array | undefined): IssuerEntry['resolveKey'] {
  return (header) => {
    const named = FOREIGN_KEY_HEADERS.find((name) => header[name] !== undefined);
    if (named !== undefined) return Promise.reject(new InvalidTokenError(`Token header names its own key ("${named}"): refused`));
    if (secret !== undefined) return Promise.resolve(secret);
    if (typeof header.kid !== 'string' || header.kid === '') return Promise.reject(new InvalidTokenError('Invalid kid header (missing)'));
    return keys.getKey(header.kid, header.alg);
  };
}

/** RFC 6749/Auth0 claim types the user and the scope check rely on. */
function checkClaimTypes(claims: AccessTokenClaims): void {
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new InvalidTokenError('Invalid token claims (sub)');
  if (claims.scope !== undefined && typeof claims.scope !== 'string') throw new InvalidTokenError('Invalid token claims (scope)');
  const { permissions } = claims;
  if (permissions !== undefined && (!Array.isArray(permissions) || permissions.some((p) => typeof p !== 'string'))) {
    throw new InvalidTokenError('Invalid token claims (permissions)');
  }
}

/** A 31-bit hash of a token's last 32 characters (its signature): a small number, not a copy of the token. */
function fingerprint(token: string): number {
  let hash = 0;
  for (let i = Math.max(0, token.length - 32); i < token.length; i += 1) hash = (Math.imul(hash, 31) + token.charCodeAt(i)) | 0;
  return hash & 0x7fffffff;
}

/** Freezes a JSON value and everything in it. */
function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const item of Object.values(value)) deepFreeze(item);
}

/** Opaque (JWE) and other non-JWS tokens are refused before any parsing. */
function checkSegments(token: string): void {
  let dots = 0;
  for (let i = token.indexOf('.'); i !== -1; i = token.indexOf('.', i + 1)) dots += 1;
  if (dots === 4) {
    throw new InvalidTokenError(
      'Opaque or encrypted token: request the access token with the `audience` parameter of this API to get a JWT',
    );
  }
  if (dots !== 2) throw new InvalidTokenError('Malformed token');
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
  private readonly seenOnce = new Set<number>();
  private readonly byIssuer = new Map<string, IssuerEntry>();
  private readonly first: IssuerEntry;

  constructor(config: ResolvedConfig, keySet?: RemoteKeySet) {
    this.config = config;
    const keySets = new Map<string, RemoteKeySet>();
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
      const options: JWTVerifyOptions = {
        issuer,
        audience: config.audience,
        algorithms: config.algorithms,
        clockTolerance: config.clockTolerance,
        requiredClaims: config.strict ? ['exp', 'sub', 'iat', 'jti', 'client_id'] : ['exp', 'sub'],
        maxTokenAge: config.maxTokenAge,
        // RFC 9068 §2.1 / RFC 8725 §3.11: explicit typing, compared as media types.
        typ: config.strict ? 'at+jwt' : undefined,
      };
      this.byIssuer.set(issuer, { keys, options, resolveKey: keyResolver(keys, config.secret) });
    }
    this.keySets = keySets;
    this.first = this.byIssuer.values().next().value as IssuerEntry;
    this.keySet = this.first.keys;
  }

  /** The issuer entry for a token: the only one, or the one its (unverified) `iss` names when it is listed. */
  private entryFor(token: string): IssuerEntry {
    if (this.byIssuer.size === 1) return this.first;
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch (error) {
      throw new InvalidTokenError('Malformed token', { cause: error });
    }
    const entry = typeof iss === 'string' ? this.byIssuer.get(iss) : undefined;
    if (entry === undefined) throw new InvalidTokenError('Invalid token claims (wrong issuer or audience)');
    return entry;
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
    const hit = this.recall(token);
    if (hit !== undefined) return hit;
    checkSegments(token);
    const entry = this.entryFor(token);
    let claims: AccessTokenClaims;
    let kid: string;
    try {
      const result = await jwtVerify(token, entry.resolveKey, entry.options);
      claims = result.payload as AccessTokenClaims;
      kid = (result.protectedHeader.kid as string | undefined) ?? '';
    } catch (error) {
      if (error instanceof Auth0Error) throw error;
      throw new InvalidTokenError(describe(error), { cause: error });
    }
    checkClaimTypes(claims);
    this.runValidate(claims);
    // Claims may be handed to every request that carries the same token: nobody may change them.
    deepFreeze(claims);
    this.remember(token, claims, kid, entry.keys);
    return claims;
  }

  /** A remembered token's claims while it is still good (unexpired, its key still published). */
  private recall(token: string): AccessTokenClaims | undefined {
    const hit = this.remembered.get(token);
    if (hit === undefined) return undefined;
    if (Date.now() < hit.until && (this.config.secret !== undefined || hit.keys.has(hit.kid))) return hit.claims;
    this.remembered.delete(token);
    return undefined;
  }

  private runValidate(claims: AccessTokenClaims): void {
    const { validate } = this.config;
    if (validate === undefined) return;
    let valid = false;
    try {
      valid = validate(claims) === true;
    } catch {
      valid = false;
    }
    if (!valid) throw new InvalidTokenError('Invalid token claims (refused by the validate option)');
  }

  /**
   * Admission: a token is remembered the second time it is verified, not the first. A stream of
   * one-off tokens then leaves nothing behind but a small number per token (a bounded set), instead
   * of whole entries that outlive the request only to be evicted.
   */
  private admit(token: string): boolean {
    const print = fingerprint(token);
    if (this.seenOnce.delete(print)) return true;
    if (this.seenOnce.size >= Math.max(1024, this.config.tokenCacheSize * 4)) this.seenOnce.clear();
    this.seenOnce.add(print);
    return false;
  }

  private remember(token: string, claims: AccessTokenClaims, kid: string, keys: RemoteKeySet): void {
    const { tokenCacheSize, tokenCacheMaxAge, clockTolerance } = this.config;
    if (tokenCacheSize === 0 || !this.admit(token)) return;
    let until = Math.min(claims.exp * 1000 + clockTolerance * 1000, Date.now() + tokenCacheMaxAge);
    const { maxTokenAge } = this.config;
    if (maxTokenAge !== undefined && typeof claims.iat === 'number') {
      until = Math.min(until, (claims.iat + maxTokenAge + clockTolerance) * 1000);
    }
    if (this.remembered.size >= tokenCacheSize) {
      // Oldest first: Map keeps insertion order.
      const oldest = this.remembered.keys().next().value;
      if (oldest !== undefined) this.remembered.delete(oldest);
    }
    this.remembered.set(token, { claims, kid, keys, until });
  }
}
