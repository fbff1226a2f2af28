/**
 * Errors of the framework-free core.
 *
 * RFC 6750 §3.1 and RFC 9449 §7.1/§8 (error codes). Every request failure is an {@link Auth0Error}
 * with an HTTP status, a stable `code`, a message that never contains the token, the original
 * `cause` and a deliberate JSON body. Errors are frozen when built: nothing can change one after it
 * is thrown. The `WWW-Authenticate` challenge is not part of the error: it depends on the API's
 * configuration and the request, and is built at the edge from both (see `challenge.ts`).
 */

/** The stable error codes of request failures. */
export type Auth0ErrorCode =
  | 'unauthorized'
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'temporarily_unavailable';

/**
 * Why a request was refused, from a fixed set (dashboards can group by it).
 *
 * @inline
 */
export type RefusalReason =
  | 'no_credentials'
  | 'scheme_not_accepted'
  | 'malformed_request'
  | 'expired'
  | 'bad_signature'
  | 'wrong_issuer_or_audience'
  | 'wrong_organization'
  | 'unknown_key'
  | 'invalid_token'
  | 'unbound_use'
  | 'validate'
  | 'invalid_user'
  | 'dpop_proof'
  | 'dpop_replay'
  | 'dpop_nonce'
  | 'insufficient_scope'
  | 'key_set_unavailable'
  | 'replay_store_unavailable'
  | 'busy';

/** The authentication scheme a failure is about: `Bearer` (RFC 6750) or `DPoP` (RFC 9449). */
export type AuthScheme = 'Bearer' | 'DPoP';

/**
 * The JSON body of an error answer.
 *
 * @inline
 */
export interface Auth0ErrorBody {
  /** Stable code (see {@link Auth0ErrorCode}). */
  error: Auth0ErrorCode;
  /** A human message (never the token). */
  message: string;
  /** The scopes the route needs, on `insufficient_scope`. */
  scope?: string;
}

/**
 * Options every error takes.
 *
 * @inline
 */
export interface Auth0ErrorOptions {
  /** The error that caused this one (a jose error, a fetch failure…). */
  cause?: unknown;
  /** Why the request is refused, when the class and the cause do not say it (see `reasonOf`). */
  reason?: RefusalReason;
}

/**
 * Base class of every request failure raised by the library. Instances are frozen.
 *
 * @example
 * ```ts
 * const outcome = await auth.pipeline.authenticate(request);
 * if (outcome.kind === 'failed') console.warn(outcome.error.status, outcome.error.code);
 * ```
 */
export abstract class Auth0Error extends Error {
  /** HTTP status to answer with. */
  abstract readonly status: number;
  /** Stable machine-readable code. */
  abstract readonly code: Auth0ErrorCode;
  /**
   * The scheme this failure is about whatever the request used (`DPoP` for proof and nonce errors),
   * or `undefined` when it is about the scheme the request used.
   */
  readonly scheme: AuthScheme | undefined = undefined;
  /** Why the request is refused, when set where the error was raised. */
  readonly reason: RefusalReason | undefined;

  constructor(message: string, options?: Auth0ErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.reason = options?.reason;
  }

  /** The auth-params that describe the error in a challenge (none for a bare challenge). */
  challengeParams(): Record<string, string | undefined> {
    return { error: this.code, error_description: this.message };
  }

  /** Response headers this error adds beside the challenge (`Retry-After`, `DPoP-Nonce`). */
  extraHeaders(): Record<string, string> {
    return {};
  }

  /** The JSON body: a stable code and a message, no stack, no internals. */
  toJSON(): Auth0ErrorBody {
    return { error: this.code, message: this.message };
  }

  /** Freezes the instance once the most derived constructor has run. */
  protected seal(leaf: abstract new (...args: never[]) => Auth0Error): void {
    if (Object.getPrototypeOf(this) === leaf.prototype) Object.freeze(this);
  }
}

/**
 * 401 without an error code: the request carried no credentials of an accepted scheme (RFC 6750 §3.1).
 *
 * @example
 * ```ts
 * new UnauthorizedError().status; // 401
 * ```
 */
export class UnauthorizedError extends Auth0Error {
  readonly status = 401;
  readonly code = 'unauthorized' as const;
  constructor(message = 'Missing bearer token', options?: Auth0ErrorOptions) {
    super(message, options);
    this.seal(UnauthorizedError);
  }
  override challengeParams(): Record<string, string | undefined> {
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
  constructor(message: string, options?: Auth0ErrorOptions) {
    super(message, options);
    this.seal(InvalidRequestError);
  }
}

/**
 * 401 `invalid_token`: expired, malformed, wrongly signed, for another issuer or audience, or used
 * without the key or certificate it is bound to.
 *
 * @example
 * ```ts
 * new InvalidTokenError('Expired token').toJSON(); // { error: 'invalid_token', message: 'Expired token' }
 * ```
 */
export class InvalidTokenError extends Auth0Error {
  readonly status = 401;
  readonly code = 'invalid_token' as const;
  constructor(message: string, options?: Auth0ErrorOptions) {
    super(message, options);
    this.seal(InvalidTokenError);
  }
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

  constructor(message: string, options?: Auth0ErrorOptions & { scope?: readonly string[] }) {
    super(message, options);
    this.scope = options?.scope && options.scope.length > 0 ? options.scope.join(' ') : undefined;
    this.seal(InsufficientScopeError);
  }
  override challengeParams(): Record<string, string | undefined> {
    return { ...super.challengeParams(), scope: this.scope };
  }
  override toJSON(): Auth0ErrorBody {
    return this.scope === undefined ? super.toJSON() : { ...super.toJSON(), scope: this.scope };
  }
}

/**
 * 401 `invalid_dpop_proof`: the DPoP proof is missing, malformed, repeated, replayed or does not
 * match the request or the token (RFC 9449 §7.1). Always about the DPoP scheme.
 *
 * @example
 * ```ts
 * new InvalidDpopProofError('DPoP proof replayed (jti already used)').scheme; // 'DPoP'
 * ```
 */
export class InvalidDpopProofError extends Auth0Error {
  readonly status = 401;
  readonly code = 'invalid_dpop_proof' as const;
  override readonly scheme = 'DPoP' as const;
  constructor(message: string, options?: Auth0ErrorOptions) {
    super(message, options);
    this.seal(InvalidDpopProofError);
  }
}

/**
 * 401 `use_dpop_nonce` (RFC 9449 §8): the proof must carry the server's current nonce, which this
 * answer hands out in its `DPoP-Nonce` header.
 *
 * @example
 * ```ts
 * new UseDpopNonceError('DPoP proof needs the server nonce', { nonce: 'k3x.abc' }).extraHeaders(); // { 'DPoP-Nonce': 'k3x.abc' }
 * ```
 */
export class UseDpopNonceError extends Auth0Error {
  readonly status = 401;
  readonly code = 'use_dpop_nonce' as const;
  override readonly scheme = 'DPoP' as const;
  /** The nonce the next proof must carry. */
  readonly nonce: string;
  constructor(message: string, options: Auth0ErrorOptions & { nonce: string }) {
    super(message, options);
    this.nonce = options.nonce;
    this.seal(UseDpopNonceError);
  }
  override extraHeaders(): Record<string, string> {
    return { 'DPoP-Nonce': this.nonce };
  }
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

  constructor(message: string, options?: Auth0ErrorOptions & { retryAfter?: number }) {
    super(message, options);
    this.retryAfter = options?.retryAfter ?? 5;
    this.seal(TemporarilyUnavailableError);
  }
  override extraHeaders(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfter) };
  }
}

/**
 * 503 `temporarily_unavailable`: the token could not be checked because the tenant's key set is
 * unreachable and no usable key is cached. Not the client's fault; retry later.
 *
 * @example
 * ```ts
 * new KeySetUnavailableError('tenant down', { retryAfter: 5 }).retryAfter; // 5
 * ```
 */
export class KeySetUnavailableError extends TemporarilyUnavailableError {
  constructor(message: string, options?: Auth0ErrorOptions & { retryAfter?: number }) {
    super(message, options);
    this.seal(KeySetUnavailableError);
  }
}

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
