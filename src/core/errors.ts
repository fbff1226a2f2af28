/**
 * Errors of the framework-free core.
 *
 * RFC 6750 §3 (the `WWW-Authenticate: Bearer` challenge) and §3.1 (error codes). Every request
 * failure is an {@link Auth0Error}: it carries the HTTP status, a stable `code`, the challenge
 * header and a deliberate JSON body, so that any framework can answer it without knowing jose.
 * Messages never contain the token.
 */

/** The stable error codes of request failures. */
export type Auth0ErrorCode =
  | 'unauthorized'
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_dpop_proof'
  | 'temporarily_unavailable';

/** The authentication scheme a failure is about: `Bearer` (RFC 6750) or `DPoP` (RFC 9449). */
export type AuthScheme = 'Bearer' | 'DPoP';

/** What the API accepts, advertised in 401 challenges. */
export interface SchemeOffer {
  /** Bearer tokens are accepted. */
  bearer: boolean;
  /** DPoP is accepted, with these proof algorithms. */
  dpopAlgorithms?: readonly string[];
}

/** The JSON body of an error answer. */
export interface Auth0ErrorBody {
  /** Stable code: `unauthorized`, `invalid_request`, `invalid_token`, `insufficient_scope`, `invalid_dpop_proof` or `temporarily_unavailable`. */
  error: Auth0ErrorCode;
  /** A human message (never the token). */
  message: string;
  /** The scopes the route needs, on `insufficient_scope`. */
  scope?: string;
}

/**
 * RFC 6750 §3: `error_description` and `scope` values are limited to printable ASCII without `"` and `\`.
 * Anything else is replaced so that a message can never break the header.
 */
function headerValue(text: string): string {
  return text.replace(/"/g, "'").replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, ' ');
}

/**
 * Builds a challenge of the given scheme from ordered auth-params.
 *
 * @example
 * ```ts
 * schemeChallenge('DPoP', { algs: 'ES256' }); // 'DPoP algs="ES256"'
 * ```
 */
export function schemeChallenge(scheme: AuthScheme, params: Record<string, string | undefined>): string {
  const parts = Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name}="${headerValue(value)}"`);
  return parts.length > 0 ? `${scheme} ${parts.join(', ')}` : scheme;
}

/**
 * Builds a `Bearer` challenge from ordered auth-params.
 *
 * @example
 * ```ts
 * bearerChallenge({ realm: 'api', error: 'invalid_token' }); // 'Bearer realm="api", error="invalid_token"'
 * ```
 */
export function bearerChallenge(params: Record<string, string | undefined>): string {
  return schemeChallenge('Bearer', params);
}

/**
 * Base class of every request failure raised by the library.
 *
 * @example
 * ```ts
 * try { await auth.verify(token); } catch (e) {
 *   if (e instanceof Auth0Error) { res.status(e.status).set(e.headers).json(e.toJSON()); }
 * }
 * ```
 */
export abstract class Auth0Error extends Error {
  /** HTTP status to answer with. */
  abstract readonly status: number;
  /** Stable machine-readable code. */
  abstract readonly code: Auth0ErrorCode;
  /** The realm put into the challenge; set by the authenticator that raised the error. */
  realm: string | undefined;
  /** The scheme the failure is about (the one the request used). */
  scheme: AuthScheme = 'Bearer';
  /** What a 401 challenge advertises; set by the authenticator. Default: Bearer only. */
  offer: SchemeOffer = { bearer: true };

  constructor(message: string, options?: { cause?: unknown; realm?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.realm = options?.realm;
  }

  /** The auth-params that describe the error (none for a bare challenge). */
  protected errorParams(): Record<string, string | undefined> {
    return { error: this.code, error_description: this.message };
  }

  /**
   * The `WWW-Authenticate` value (RFC 6750 §3, RFC 9449 §7.1): the error on the scheme the request
   * used; on a 401, every accepted scheme is offered.
   */
  get challenge(): string {
    const errorOn = (scheme: AuthScheme) => (scheme === this.scheme ? this.errorParams() : {});
    const offerAll = this.status === 401;
    const challenges: string[] = [];
    if (this.scheme === 'Bearer' || (offerAll && this.offer.bearer)) {
      challenges.push(schemeChallenge('Bearer', { realm: this.realm, ...errorOn('Bearer') }));
    }
    const algs = this.offer.dpopAlgorithms;
    if (this.scheme === 'DPoP' || (offerAll && algs !== undefined)) {
      challenges.push(schemeChallenge('DPoP', { algs: algs?.join(' '), ...errorOn('DPoP') }));
    }
    return challenges.join(', ');
  }

  /** Response headers this error must be answered with. */
  get headers(): Record<string, string> {
    return { 'WWW-Authenticate': this.challenge };
  }

  /** The JSON body: a stable code and a message, no stack, no internals. */
  toJSON(): Auth0ErrorBody {
    return { error: this.code, message: this.message };
  }
}

/**
 * 401 without an error code: the request carried no Bearer credentials (RFC 6750 §3.1).
 *
 * @example
 * ```ts
 * new UnauthorizedError(undefined, { realm: 'api' }).challenge; // 'Bearer realm="api"'
 * ```
 */
export class UnauthorizedError extends Auth0Error {
  readonly status = 401;
  readonly code = 'unauthorized' as const;
  constructor(message = 'Missing bearer token', options?: { cause?: unknown; realm?: string }) {
    super(message, options);
  }
  protected override errorParams(): Record<string, string | undefined> {
    return {};
  }
}

/**
 * 400 `invalid_request`: the request itself is malformed (e.g. the token is sent twice).
 *
 * @example
 * ```ts
 * throw new InvalidRequestError('Send exactly one Authorization header');
 * ```
 */
export class InvalidRequestError extends Auth0Error {
  readonly status = 400;
  readonly code = 'invalid_request' as const;
}

/**
 * 401 `invalid_token`: expired, malformed, wrongly signed, or for another issuer or audience.
 *
 * @example
 * ```ts
 * new InvalidTokenError('Expired token').toJSON(); // { error: 'invalid_token', message: 'Expired token' }
 * ```
 */
export class InvalidTokenError extends Auth0Error {
  readonly status = 401;
  readonly code = 'invalid_token' as const;
}

/**
 * 403 `insufficient_scope`: a valid token without what the route needs.
 *
 * @example
 * ```ts
 * new InsufficientScopeError('Missing "read:x" scope', { scope: ['read:x'] }).status; // 403
 * ```
 */
export class InsufficientScopeError extends Auth0Error {
  readonly status = 403;
  readonly code = 'insufficient_scope' as const;
  /** The scopes the route needs (space-separated), or undefined when the failure is not about scopes. */
  readonly scope: string | undefined;

  constructor(message: string, options?: { cause?: unknown; realm?: string; scope?: string[] }) {
    super(message, options);
    this.scope = options?.scope && options.scope.length > 0 ? options.scope.join(' ') : undefined;
  }
  protected override errorParams(): Record<string, string | undefined> {
    return { ...super.errorParams(), scope: this.scope };
  }
  override toJSON(): Auth0ErrorBody {
    return this.scope === undefined ? super.toJSON() : { ...super.toJSON(), scope: this.scope };
  }
}

/**
 * 401 `invalid_dpop_proof`: the DPoP proof is missing, malformed, replayed or does not match (RFC 9449 §7.1).
 *
 * @example
 * ```ts
 * new InvalidDpopProofError('DPoP proof replayed (jti already used)').scheme; // 'DPoP'
 * ```
 */
export class InvalidDpopProofError extends Auth0Error {
  readonly status = 401;
  readonly code = 'invalid_dpop_proof' as const;
  override scheme: AuthScheme = 'DPoP';
}

/**
 * 503 `temporarily_unavailable`: the request could not be checked now (not the client's fault).
 *
 * @example
 * ```ts
 * new TemporarilyUnavailableError('Too many DPoP proofs in flight: retry later', { retryAfter: 30 }).status; // 503
 * ```
 */
export class TemporarilyUnavailableError extends Auth0Error {
  readonly status = 503;
  readonly code = 'temporarily_unavailable' as const;
  /** Seconds after which a retry may succeed. */
  readonly retryAfter: number;

  constructor(message: string, options?: { cause?: unknown; realm?: string; retryAfter?: number }) {
    super(message, options);
    this.retryAfter = options?.retryAfter ?? 5;
  }
  override get headers(): Record<string, string> {
    return { 'WWW-Authenticate': this.challenge, 'Retry-After': String(this.retryAfter) };
  }
}

/**
 * 503 `temporarily_unavailable`: the token could not be checked because the tenant's key set is
 * unreachable and no usable key is cached. Not the client's fault; retry later.
 *
 * @example
 * ```ts
 * new KeySetUnavailableError('tenant down', { retryAfter: 5 }).headers['Retry-After']; // '5'
 * ```
 */
export class KeySetUnavailableError extends TemporarilyUnavailableError {}

/**
 * A configuration mistake, thrown at construction (never for a request).
 *
 * @example
 * ```ts
 * try { new Auth0({ audience: 'x' }); } catch (e) { if (e instanceof Auth0ConfigError) console.error(e.message); }
 * ```
 */
export class Auth0ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Auth0ConfigError';
  }
}
