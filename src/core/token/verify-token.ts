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
 * Two ways to the same decision. jose's `jwtVerify` does everything for any token. A token of the
 * plain shape every Auth0 access token has (three base64url segments, `alg` RS256/RS384/RS512
 * allowed here, no `crit` or `b64`) takes a faster way through the same jose checks, in the same
 * order: jose parses the header, the key resolver below picks the key (jose's key set), node:crypto
 * checks the RSA signature on the calling thread instead of WebCrypto's thread pool
 * (`rsa-signature.ts`), and only then jose parses and checks the claims. Anything else goes to
 * `jwtVerify`, so the two ways never disagree on an odd token.
 *
 * Step 2 of the pipeline. It proves the token was issued for this API; it does not prove that the
 * sender may use it (sender binding is the next step), so nothing outside the pipeline calls it.
 */
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, UnsecuredJWT, type JWTHeaderParameters, type JWTVerifyOptions } from 'jose';
import type { AccessTokenClaims } from '../claims';
import type { ResolvedConfig } from '../config';
import { Auth0Error, InvalidTokenError } from '../errors';
import { emit } from '../events';
import { RemoteKeySet } from './key-set';
import { RSA_PKCS1_ALGORITHMS, rsaSignatureValid, rsaVerificationKey } from './rsa-signature';
import type { VerifiedToken } from './token-cache';

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
  resolveKey: (header: JWTHeaderParameters) => CryptoKey | Uint8Array | Promise<CryptoKey>;
}

/**
 * RFC 8725 §3.10: keys come from the issuer's key set (or the API's secret), never from the token.
 * A key already chosen for this `kid` and `alg` is returned at once; otherwise the key set answers
 * (fetching it when needed). Throws for a header that names its own key or no `kid`.
 */
function keyResolver(keys: RemoteKeySet, secret: Uint8Array | undefined): IssuerEntry['resolveKey'] {
  return (header) => {
    const named = FOREIGN_KEY_HEADERS.find((name) => header[name] !== undefined);
    if (named !== undefined) throw new InvalidTokenError(`Token header names its own key ("${named}"): refused`);
    if (secret !== undefined) return secret;
    if (typeof header.kid !== 'string' || header.kid === '') throw new InvalidTokenError('Invalid kid header (missing)');
    return keys.chosenKey(header) ?? keys.getKey(header);
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

/** Freezes a JSON value and everything in it. */
function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const item of Object.values(value)) deepFreeze(item);
}

/** Three base64url segments, nothing else: the shape of every access token Auth0 issues. */
const PLAIN_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** `{"alg":"none"}`, base64url. */
const NO_SIGNATURE_HEADER = Buffer.from('{"alg":"none"}').toString('base64url');

/**
 * The claims of a token whose signature has just been checked, through jose's own claim checks.
 *
 * jose offers its claim checks on their own only as `UnsecuredJWT.decode`, which reads a JWT with
 * `alg: "none"`. So the token's payload segment, as signed, gets a header of its own here: `none`
 * and, when the `typ` check is on, the token's `typ`. No token from a request is ever decoded this
 * way; the verifier's `none` refusal is jose's, at the header, before any key is looked up.
 */
function checkedClaims(header: JWTHeaderParameters, payloadSegment: string, options: JWTVerifyOptions): AccessTokenClaims {
  const carrier =
    options.typ === undefined ? NO_SIGNATURE_HEADER : Buffer.from(JSON.stringify({ alg: 'none', typ: header.typ })).toString('base64url');
  return UnsecuredJWT.decode(`${carrier}.${payloadSegment}.`, options).payload as AccessTokenClaims;
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
 * Verifies an access token's signature and claims against the issuer's key set (or the API's secret).
 *
 * @example
 * ```ts
 * const verifier = new AccessTokenVerifier(resolveConfig({ domain: 'your-tenant.auth0.com', audience: 'https://api' }));
 * const { claims } = await verifier.verifyToken(token); // throws an Auth0Error subclass
 * ```
 */
export class AccessTokenVerifier {
  /** Every allowed issuer's key set. */
  readonly keySets: ReadonlyMap<string, RemoteKeySet>;
  private readonly config: ResolvedConfig;
  private readonly byIssuer = new Map<string, IssuerEntry>();
  private readonly first: IssuerEntry;
  /** The allowed algorithms node:crypto checks (none with a secret). */
  private readonly rsaAlgorithms: ReadonlySet<string>;

  /**
   * @param config The resolved configuration.
   * @param way `{ joseOnly: true }` sends every token through `jwtVerify` (the reference the faster
   *   way is tested against); the pipeline never sets it.
   */
  constructor(config: ResolvedConfig, way: { joseOnly?: boolean } = {}) {
    this.config = config;
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
    this.first = this.byIssuer.values().next().value as IssuerEntry;
    const nodeCrypto = config.secret === undefined && way.joseOnly !== true;
    this.rsaAlgorithms = new Set(nodeCrypto ? config.algorithms.filter((alg) => RSA_PKCS1_ALGORITHMS.includes(alg)) : []);
  }

  /** The header of a token of the plain RSA shape (see the file's comment), else `undefined`. */
  private plainRsaHeader(token: string): JWTHeaderParameters | undefined {
    if (this.rsaAlgorithms.size === 0 || !PLAIN_JWS.test(token)) return undefined;
    // jose's parsing; a header that is not a JSON object throws (a malformed token).
    const header = decodeProtectedHeader(token) as JWTHeaderParameters;
    const { alg } = header;
    if (typeof alg !== 'string' || !this.rsaAlgorithms.has(alg) || header.crit !== undefined || header.b64 !== undefined) {
      return undefined;
    }
    return header;
  }

  /**
   * The faster way, once the key is chosen: the signature through node:crypto, then jose's claim
   * checks. Its claims, or `undefined` for a key too large to check on the event loop (then
   * `jwtVerify`). Throws what `jwtVerify` would.
   */
  private verifyPlainRsa(token: string, header: JWTHeaderParameters, cryptoKey: CryptoKey, options: JWTVerifyOptions) {
    const key = rsaVerificationKey(header.alg, cryptoKey);
    if (key === undefined) return undefined;
    const first = token.indexOf('.');
    const last = token.lastIndexOf('.');
    if (!rsaSignatureValid(key, token.slice(0, last), token.slice(last + 1))) {
      throw new errors.JWSSignatureVerificationFailed();
    }
    return checkedClaims(header, token.slice(first + 1, last), options);
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
    if (entry === undefined)
      throw new InvalidTokenError('Invalid token claims (wrong issuer or audience)', { reason: 'wrong_issuer_or_audience' });
    return entry;
  }

  /**
   * Verifies a compact JWT. Resolves with its deep-frozen claims and how long they may be
   * remembered; rejects with an {@link Auth0Error}: 401 `invalid_token` for any defect of the token,
   * 503 when the key set cannot be had.
   */
  async verifyToken(token: string): Promise<VerifiedToken> {
    checkSegments(token);
    const entry = this.entryFor(token);
    const { clock } = this.config;
    let claims: AccessTokenClaims;
    let kid: string;
    // A narrow try: only jose's own failures are translated.
    try {
      const options = clock === Date.now ? entry.options : { ...entry.options, currentDate: new Date(clock()) };
      const header = this.plainRsaHeader(token);
      let plain: AccessTokenClaims | undefined;
      if (header !== undefined) {
        const resolved = entry.resolveKey(header);
        const cryptoKey = (resolved instanceof Promise ? await resolved : resolved) as CryptoKey;
        plain = this.verifyPlainRsa(token, header, cryptoKey, options);
      }
      if (plain !== undefined) {
        claims = plain;
        kid = header?.kid as string;
      } else {
        const result = await jwtVerify(token, entry.resolveKey, options);
        claims = result.payload as AccessTokenClaims;
        kid = (result.protectedHeader.kid as string | undefined) ?? '';
      }
    } catch (error) {
      if (error instanceof Auth0Error) throw error;
      throw new InvalidTokenError(describe(error), { cause: error });
    }
    checkClaimTypes(claims);
    // The same claims may be handed to every request that carries the token: nobody may change them.
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
