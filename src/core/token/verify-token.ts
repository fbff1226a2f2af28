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
 * Every signature is checked by jose's `jwtVerify`. A token verified before is answered from the
 * verified-token cache (`token-cache.ts`), which keeps its frozen claims only.
 *
 * Step 2 of the pipeline. It proves the token was issued for this API; it does not prove that the
 * sender may use it (sender binding is the next step), so nothing outside the pipeline calls it.
 */
import { decodeJwt, errors, jwtVerify, type JWTHeaderParameters, type JWTVerifyOptions } from 'jose';
import type { AccessTokenClaims } from '../claims';
import type { ResolvedConfig } from '../config';
import { Auth0Error, InvalidTokenError } from '../errors';
import { emit } from '../events';
import { RemoteKeySet } from './key-set';
import { TokenCache, type VerifiedToken } from './token-cache';

const FOREIGN_KEY_HEADERS = ['jwk', 'jku', 'x5u', 'x5c'] as const;

/**
 * An ID token sent where an access token belongs: it has a `nonce` or an `at_hash` (OpenID Connect
 * Core §2, §3.1.3.6), or its audience is the application's client id.
 */
function looksLikeIdToken(payload: Record<string, unknown>, clientId: string | undefined): boolean {
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  return payload.nonce !== undefined || payload.at_hash !== undefined || (clientId !== undefined && audiences.includes(clientId));
}

/** Maps a jose error to the message an API client sees (fastapi-auth0's wording where it has one). */
function describe(error: unknown, clientId: string | undefined): string {
  if (error instanceof errors.JWTExpired) return error.claim === 'iat' ? 'Token too old (maxTokenAge)' : 'Expired token';
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
      case 'aud':
        if (looksLikeIdToken(error.payload, clientId)) {
          return 'This looks like an ID token: send the access token (requested with the audience of this API)';
        }
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
  resolveKey: (header: JWTHeaderParameters) => Uint8Array | Promise<CryptoKey>;
}

/**
 * RFC 8725 §3.10: keys come from the issuer's key set (or the API's secret), never from the token.
 * The key set answers (fetching it when needed). Throws for a header that names its own key or no
 * `kid`.
 */
function keyResolver(keys: RemoteKeySet, secret: Uint8Array | undefined): IssuerEntry['resolveKey'] {
  return (header) => {
    const named = FOREIGN_KEY_HEADERS.find((name) => header[name] !== undefined);
    if (named !== undefined) throw new InvalidTokenError(`Token header names its own key ("${named}"): refused`);
    if (secret !== undefined) return secret;
    if (typeof header.kid !== 'string' || header.kid === '') throw new InvalidTokenError('Invalid kid header (missing)');
    return keys.getKey(header);
  };
}

/** RFC 6749/Auth0 claim types the user, the scope check and the organization checks rely on. */
function checkClaimTypes(claims: AccessTokenClaims): void {
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new InvalidTokenError('Invalid token claims (sub)');
  if (claims.scope !== undefined && typeof claims.scope !== 'string') throw new InvalidTokenError('Invalid token claims (scope)');
  const { permissions } = claims;
  if (permissions !== undefined && (!Array.isArray(permissions) || permissions.some((p) => typeof p !== 'string'))) {
    throw new InvalidTokenError('Invalid token claims (permissions)');
  }
  // Auth0 Organizations: an organization is named by strings, or the token is for none.
  for (const name of ['org_id', 'org_name'] as const) {
    const value = claims[name];
    if (value !== undefined && (typeof value !== 'string' || value === '')) throw new InvalidTokenError(`Invalid token claims (${name})`);
  }
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

/** Verified claims, and whether they came from the verified-token cache. */
export interface Verified {
  /** The deep-frozen claims. */
  readonly claims: AccessTokenClaims;
  readonly cache: 'hit' | 'miss';
}

/**
 * Verifies access tokens against the issuer's key set (or the API's secret), remembering the claims
 * of tokens seen again.
 *
 * @example
 * ```ts
 * const tokens = new AccessTokenVerifier(resolveConfig({ domain: 'your-tenant.auth0.com', audience: 'https://api' }));
 * const { claims } = await tokens.verified(token); // rejects with an Auth0Error subclass
 * ```
 */
export class AccessTokenVerifier {
  /** Every allowed issuer's key set. */
  readonly keySets: ReadonlyMap<string, RemoteKeySet>;
  /** The verified-token cache. */
  readonly cache: TokenCache;
  private readonly config: ResolvedConfig;
  private readonly byIssuer = new Map<string, IssuerEntry>();

  constructor(config: ResolvedConfig) {
    this.config = config;
    this.cache = new TokenCache({ size: config.tokenCacheSize, now: config.clock });
    const keySets = new Map<string, RemoteKeySet>();
    for (const { issuer, jwksUri } of config.issuers) {
      const keys = new RemoteKeySet(jwksUri, {
        cooldown: config.jwksCooldown,
        timeout: config.jwksTimeout,
        maxAge: config.jwksMaxAge,
        maxKeys: config.jwksMaxKeys,
        fetch: config.fetch,
        now: config.clock,
        onFetch: (fetched) => emit(config.onEvent, { type: 'keySetFetch', issuer, ...fetched }),
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
  }

  /**
   * The claims of a token: remembered ones while the token and its key are still good, else
   * {@link verifyToken}'s, offered to the cache.
   */
  async verified(token: string): Promise<Verified> {
    const known = this.cache.lookup(token);
    if (known !== undefined) return { claims: known.verified.claims, cache: 'hit' };
    const verified = await this.verifyToken(token);
    this.cache.remember(token, verified);
    return { claims: verified.claims, cache: 'miss' };
  }

  /** The issuer entry for a token: the only one, or the one its (unverified) `iss` names when it is listed. */
  private entryFor(token: string): IssuerEntry {
    if (this.byIssuer.size === 1) return this.byIssuer.values().next().value as IssuerEntry;
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch (error) {
      throw new InvalidTokenError('Malformed token', { cause: error });
    }
    const entry = typeof iss === 'string' ? this.byIssuer.get(iss) : undefined;
    if (entry === undefined)
      throw new InvalidTokenError('Invalid token claims (wrong issuer or audience)', { reason: 'wrong_issuer_or_audience' });
    return entry;
  }

  /**
   * Verifies a compact JWT with jose. Resolves with its deep-frozen claims and how long they may be
   * remembered; rejects with an {@link Auth0Error}: 401 `invalid_token` for any defect of the token,
   * 503 when the key set cannot be had.
   */
  async verifyToken(token: string): Promise<VerifiedToken> {
    checkSegments(token);
    const entry = this.entryFor(token);
    let claims: AccessTokenClaims;
    let kid: string;
    // A narrow try: only jose's own failures are translated.
    try {
      const result = await jwtVerify(token, entry.resolveKey, { ...entry.options, currentDate: new Date(this.config.clock()) });
      claims = result.payload as AccessTokenClaims;
      kid = (result.protectedHeader.kid as string | undefined) ?? '';
    } catch (error) {
      if (error instanceof Auth0Error) throw error;
      throw new InvalidTokenError(describe(error, this.config.clientId), { cause: error });
    }
    checkClaimTypes(claims);
    // The same claims are handed to every request that carries the token: nobody may change them.
    deepFreeze(claims);
    return {
      claims,
      until: this.rememberUntil(claims),
      keyStillPublished: this.config.secret === undefined ? () => entry.keys.has(kid) : () => true,
    };
  }

  /** How long verified claims may be remembered: never past `exp` or `maxTokenAge`. */
  private rememberUntil(claims: AccessTokenClaims): number {
    const { tokenCacheMaxAge, clockTolerance, maxTokenAge, clock } = this.config;
    let until = Math.min(claims.exp * 1000 + clockTolerance * 1000, clock() + tokenCacheMaxAge);
    if (maxTokenAge !== undefined && typeof claims.iat === 'number') {
      until = Math.min(until, (claims.iat + maxTokenAge + clockTolerance) * 1000);
    }
    return until;
  }
}
