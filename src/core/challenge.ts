/**
 * The answer to a failure, built at the edge from the error and the API's configuration:
 * `WWW-Authenticate` (RFC 6750 §3, RFC 9449 §7.1), `Retry-After`, `DPoP-Nonce`, and the body.
 *
 * The error says what went wrong; the configuration says which schemes the API accepts (and the
 * realm); the request says which scheme it used. A 401 offers every accepted scheme; other answers
 * name the error on the scheme it is about.
 */
import type { Auth0Error, Auth0ErrorBody, AuthScheme } from './errors';

/** What the API accepts, advertised in 401 challenges. */
export interface SchemeOffer {
  /** Bearer tokens are accepted. */
  readonly bearer: boolean;
  /** DPoP is accepted, with these proof algorithms. */
  readonly dpopAlgorithms?: readonly string[];
}

/** What a challenge needs beside the error. */
export interface ChallengeContext {
  /** The `realm` auth-param of the Bearer challenge. */
  readonly realm: string | undefined;
  /** The schemes the API accepts. */
  readonly offer: SchemeOffer;
  /** The scheme the request used (`Bearer` when it sent none). */
  readonly requestScheme: AuthScheme;
  /** The URL of the Protected Resource Metadata (RFC 9728 §5.1), named on every 401 and 403. */
  readonly resourceMetadata?: string;
  /** The scopes the route needs, named on a 401 so that a client can ask for them up front. */
  readonly routeScopes?: readonly string[];
}

/** A failure as an HTTP answer. */
export interface ErrorAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Auth0ErrorBody;
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
 * The scheme a failure is about: the error's own (DPoP proof and nonce errors), else DPoP when
 * the API accepts DPoP only, else the request's.
 */
function schemeOf(error: Auth0Error, context: ChallengeContext): AuthScheme {
  if (error.scheme !== undefined) return error.scheme;
  return context.offer.bearer ? context.requestScheme : 'DPoP';
}

/**
 * The `WWW-Authenticate` value for a failure: the error on the scheme it is about; a 401 also
 * offers every other accepted scheme.
 *
 * @example
 * ```ts
 * challengeOf(new InvalidTokenError('Expired token'), { realm: 'api', offer: { bearer: true }, requestScheme: 'Bearer' });
 * // 'Bearer realm="api", error="invalid_token", error_description="Expired token"'
 * ```
 */
export function challengeOf(error: Auth0Error, context: ChallengeContext): string {
  const about = schemeOf(error, context);
  const offerAll = error.status === 401;
  const params = error.challengeParams();
  // RFC 9728 §5.1 and the MCP authorization spec: every 401 and 403 names the metadata; a 401 on a
  // route that needs scopes names them (a 403 names its own). Said once, on the challenge the
  // failure is about.
  if (error.status === 401 || error.status === 403) {
    const scopes = context.routeScopes ?? [];
    if (error.status === 401 && scopes.length > 0 && params.scope === undefined) params.scope = scopes.join(' ');
    params.resource_metadata = context.resourceMetadata;
  }
  const challenges: string[] = [];
  if (about === 'Bearer' || (offerAll && context.offer.bearer)) {
    challenges.push(schemeChallenge('Bearer', { realm: context.realm, ...(about === 'Bearer' ? params : {}) }));
  }
  const algs = context.offer.dpopAlgorithms;
  if (about === 'DPoP' || (offerAll && algs !== undefined)) {
    challenges.push(schemeChallenge('DPoP', { algs: algs?.join(' '), ...(about === 'DPoP' ? params : {}) }));
  }
  return challenges.join(', ');
}

/**
 * The whole answer to a failure: status, headers (challenge, `Retry-After`, `DPoP-Nonce`) and body.
 *
 * @example
 * ```ts
 * const answer = answerOf(error, { realm: 'api', offer: { bearer: true }, requestScheme: 'Bearer' });
 * res.status(answer.status).set(answer.headers).json(answer.body);
 * ```
 */
export function answerOf(error: Auth0Error, context: ChallengeContext): ErrorAnswer {
  return {
    status: error.status,
    headers: { 'WWW-Authenticate': challengeOf(error, context), ...error.extraHeaders() },
    body: error.toJSON(),
  };
}
