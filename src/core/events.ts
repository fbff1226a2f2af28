/**
 * What the pipeline tells an operator: one typed hook (`onEvent`) with four events. No event ever
 * carries a token, a proof or a claim other than the subject; a hook that throws is ignored, so
 * observing can never change an answer.
 */
import { errors } from 'jose';
import {
  type Auth0Error,
  type Auth0ErrorCode,
  type AuthScheme,
  InsufficientScopeError,
  InvalidDpopProofError,
  InvalidRequestError,
  KeySetUnavailableError,
  type RefusalReason,
  TemporarilyUnavailableError,
  UnauthorizedError,
  UseDpopNonceError,
} from './errors';

/**
 * A request was authenticated.
 *
 * @inline
 */
export interface AuthenticatedEvent {
  readonly type: 'authenticated';
  /** The token's `sub`. */
  readonly subject: string;
  readonly scheme: AuthScheme;
  /** Whether the token's verification came from the verified-token cache. */
  readonly cache: 'hit' | 'miss';
  /** Milliseconds from the request's credentials to its user. */
  readonly durationMs: number;
}

/**
 * A request was refused.
 *
 * @inline
 */
export interface RefusedEvent {
  readonly type: 'refused';
  readonly status: number;
  readonly code: Auth0ErrorCode;
  readonly reason: RefusalReason;
  readonly scheme: AuthScheme;
  /** The request path, when the glue knows it. */
  readonly route?: string;
  /**
   * For a wrong issuer or audience: which claim, what this API expects and what the token says (at
   * most five values of 100 characters; never the token).
   */
  readonly claim?: { readonly name: 'iss' | 'aud'; readonly expected: readonly string[]; readonly received: readonly string[] };
}

/**
 * The tenant's key set was fetched (or a fetch failed).
 *
 * @inline
 */
export interface KeySetFetchEvent {
  readonly type: 'keySetFetch';
  readonly issuer: string;
  readonly outcome: 'ok' | 'error' | 'timeout';
  readonly durationMs: number;
  /** Keys usable after the fetch (the cached ones when it failed). */
  readonly keys: number;
  /**
   * Why a fetch failed: a short code (`ECONNREFUSED`, `ENOTFOUND`, a TLS code, `http_503`,
   * `timeout`, `too_large`, `invalid_json`, `invalid_key_set`) and a message. Absent when it worked.
   */
  readonly cause?: { readonly code: string; readonly message: string };
}

/**
 * The DPoP replay store could not record a proof (the request was refused with 503).
 *
 * @inline
 */
export interface ReplayStoreErrorEvent {
  readonly type: 'replayStoreError';
  /** What went wrong (the store's message; never a proof). */
  readonly message: string;
}

/**
 * Every event of the `onEvent` hook.
 *
 * @example
 * ```ts
 * new Auth0({ domain, audience, onEvent: (event) => { if (event.type === 'refused') log.warn(event); } });
 * ```
 */
export type AuthEvent = AuthenticatedEvent | RefusedEvent | KeySetFetchEvent | ReplayStoreErrorEvent;

/** The hook, or nothing. */
export type AuthEventHook = ((event: AuthEvent) => void) | undefined;

/**
 * Calls the hook; whatever it throws is swallowed (observing never changes an answer).
 *
 * @example
 * ```ts
 * emit(config.onEvent, { type: 'replayStoreError', message: 'timeout' });
 * ```
 */
export function emit(hook: AuthEventHook, event: AuthEvent): void {
  if (hook === undefined) return;
  try {
    hook(event);
  } catch {
    // an observer's bug is not the request's
  }
}

/**
 * Which of `iss` and `aud` a refusal is about, with the expected and the received values, from
 * jose's claim check (whose payload's signature was verified first); `undefined` otherwise.
 *
 * @example
 * ```ts
 * claimOf(error, { iss: ['https://t.auth0.com/'], aud: ['https://api'] }); // { name: 'aud', expected: ['https://api'], received: ['other'] }
 * ```
 */
export function claimOf(error: Auth0Error, expected: { iss: readonly string[]; aud: readonly string[] }): RefusedEvent['claim'] {
  const { cause } = error;
  if (!(cause instanceof errors.JWTClaimValidationFailed) || (cause.claim !== 'iss' && cause.claim !== 'aud')) return undefined;
  const value: unknown = cause.payload[cause.claim];
  const received = (Array.isArray(value) ? value : value === undefined ? [] : [value]).slice(0, 5).map((v) => String(v).slice(0, 100));
  return { name: cause.claim, expected: [...expected[cause.claim]], received };
}

/**
 * The reason of a refusal: the one set where it was raised, else what its class and cause say.
 *
 * @example
 * ```ts
 * reasonOf(new InsufficientScopeError('Missing "a" scope')); // 'insufficient_scope'
 * ```
 */
export function reasonOf(error: Auth0Error): RefusalReason {
  if (error.reason !== undefined) return error.reason;
  if (error instanceof UnauthorizedError) return 'no_credentials';
  if (error instanceof InvalidRequestError) return 'malformed_request';
  if (error instanceof InsufficientScopeError) return 'insufficient_scope';
  if (error instanceof UseDpopNonceError) return 'dpop_nonce';
  if (error instanceof InvalidDpopProofError) return 'dpop_proof';
  if (error instanceof KeySetUnavailableError) return 'key_set_unavailable';
  if (error instanceof TemporarilyUnavailableError) return 'replay_store_unavailable';
  const { cause } = error;
  if (cause instanceof errors.JWTExpired) return 'expired';
  if (cause instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (cause instanceof errors.JWTClaimValidationFailed && (cause.claim === 'iss' || cause.claim === 'aud')) {
    return 'wrong_issuer_or_audience';
  }
  return 'invalid_token';
}
