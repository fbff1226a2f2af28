/**
 * The public options of the library. They are checked and resolved by `resolveConfig`; every
 * mistake fails at construction with an `Auth0ConfigError` that names the option.
 */
import type { AuthEvent } from '../events';
import type { ReplayStore } from '../binding/replay-store';
import type { AccessTokenClaims } from '../claims';
import type { Auth0User } from '../user';

/**
 * Which claim `@Authorized('a', 'b')` checks.
 *
 * @example
 * ```ts
 * const authorizeWith: AuthorizeWith = 'permissions'; // RBAC: the token's `permissions` claim
 * ```
 *
 * @inline
 */
export type AuthorizeWith = 'scope' | 'permissions' | 'either';

/**
 * A class that builds the user from the token's claims (a subclass of {@link Auth0User}).
 *
 * @example
 * ```ts
 * class MyUser extends Auth0User {
 *   @Claim('org_id') orgId!: string;
 * }
 * const userClass: UserClass<MyUser> = MyUser;
 * ```
 *
 * @inline
 */
export type UserClass<U extends Auth0User = Auth0User> = new () => U;

/**
 * Options of {@link Auth0}. Only `domain` and `audience` are required. An unknown option name (a
 * typo such as `audiance`) and a value of the wrong kind fail at construction with an
 * `Auth0ConfigError` that names the option.
 *
 * @example
 * ```ts
 * const auth = new Auth0({ domain: 'your-tenant.auth0.com', audience: 'https://api.example.com',
 *   scopes: { 'read:blabla': 'Read the BlaBla resource' } });
 * ```
 */
export interface Auth0Options<U extends Auth0User = Auth0User> {
  /**
   * The tenant's domain (`your-tenant.auth0.com`, a custom domain, or `host:port`): issuer
   * `https://{domain}/`, key set `https://{domain}/.well-known/jwks.json`. A full URL such as
   * `http://localhost:4000/` is taken as the issuer; plain http is allowed only for loopback hosts.
   * Several domains (Auth0's multiple custom domains of one tenant) are accepted as a list: each is an
   * allowed issuer with its own key set, chosen by the token's `iss` only when it is in the list.
   * Not together with `issuerBaseURL`.
   * Default: the `AUTH0_DOMAIN` environment variable (comma-separated for several).
   */
  domain?: string | string[];
  /**
   * The issuer URL, instead of `domain` (Auth0 SDK's name; env `ISSUER_BASE_URL`, read only when
   * neither `domain` nor `issuerBaseURL` is given). Setting both is an error.
   */
  issuerBaseURL?: string;
  /**
   * The API identifier(s): a token is accepted when its `aud` holds one of them. Required.
   * Default: `AUTH0_AUDIENCE`, `AUTH0_API_AUDIENCE` or `AUDIENCE` from the environment (comma-separated for several).
   */
  audience?: string | string[];
  /** Scope name → description, for the OpenAPI security schemes. Default `{}`. */
  scopes?: Record<string, string>;
  /**
   * The resource identifier of this API (RFC 9728, RFC 8707): an https URL (plain http on a
   * loopback host), without query or fragment. Its Protected Resource Metadata is served at
   * `/.well-known/oauth-protected-resource` followed by its path (`protectedResourceController`),
   * and every 401 and 403 names that document with `resource_metadata`. For MCP clients it must be
   * the URL they call, and an audience of this API. Default: the first audience when it is such a
   * URL; `false` turns the metadata off.
   */
  resource?: string | false;
  /**
   * The origin clients reach this API at (`https://api.example.com`: scheme, host and port), on
   * which the `resource_metadata` URL of a challenge is built. Default: the request's own (its
   * scheme and a Host that must be a valid `host[:port]`, as for DPoP's `htu`).
   */
  publicOrigin?: string;
  /** The key set URL. Default `{issuer}.well-known/jwks.json`. Not together with `secret`. */
  jwksUri?: string;
  /**
   * Accepted signing algorithms. Default: env `AUTH0_TOKEN_SIGNING_ALG` (e.g. `RS256` or `PS256`),
   * else `['RS256']`. `none` is always refused. HS256/HS384/HS512 must be named here explicitly and
   * need `secret`; with `secret`, only they are accepted.
   */
  algorithms?: string[];
  /**
   * The API's signing secret, for an Auth0 API set to HS256. Needs an explicit symmetric algorithm,
   * `algorithms: ['HS256']` (or HS384/HS512): a secret alone is an error. Tokens are then checked
   * with it alone: no key set is fetched and asymmetric algorithms are refused. At least 32
   * characters. Default: env `AUTH0_SIGNING_SECRET` (with `AUTH0_TOKEN_SIGNING_ALG=HS256`), else none
   * (RS256 with the tenant's key set, as Auth0 recommends). `AUTH0_SECRET`, the session-cookie
   * secret of Auth0's web SDKs, is never read.
   */
  secret?: string;
  /** Refuse tokens issued (`iat`) longer ago than this many seconds (> 0), whatever their `exp`. Default: no limit. */
  maxTokenAge?: number;
  /** The fetch used for the key set (e.g. one with a proxy agent). Default: the global `fetch`. */
  fetch?: typeof fetch;
  /**
   * An extra check of every verified token (Auth0 SDK's `validators`): return `false` (or throw) to
   * refuse it with 401 `invalid_token`. Runs on every request (verified-token cache hits included), after
   * the sender binding is proven: put revocation checks here.
   */
  validate?: (claims: AccessTokenClaims) => boolean;
  /** Leeway for `exp`, `nbf` and `iat`, in seconds (>= 0). Default 5. */
  clockTolerance?: number;
  /** Which claim `@Authorized(...)` checks: `scope` (default, as fastapi-auth0), `permissions` (RBAC) or `either`. */
  authorizeWith?: AuthorizeWith;
  /**
   * The claim that holds the email. Default: `email`, else the only claim whose name ends in
   * `/email` (a namespaced claim added by a post-login Action).
   */
  emailClaim?: string;
  /**
   * Check the scopes listed in `@Authorized(...)` (default true). `false` only authenticates, leaving
   * the route to look at `user.scopes` itself (fastapi-auth0's `scope_auto_error=False`).
   */
  enforceScopes?: boolean;
  /** Refuse users without an email with 403 (fastapi-auth0's `email_auto_error`). Default false. */
  requireEmail?: boolean;
  /**
   * The Auth0 Organization(s) this API serves: a token is accepted only when it is for one of them
   * (its `org_id`, or with `organizationNames` its `org_name`); a token of no organization or of
   * another is invalid for this API (401 `invalid_token`), like one for another audience. Ids
   * (`org_…`) as the dashboard shows them; names (lower-case) only with `organizationNames: true`.
   * For a check per route, see `inOrganization`. Default: `AUTH0_API_ORGANIZATION` from the
   * environment (comma-separated), else none (tokens of any organization, or none, are accepted).
   */
  organization?: string | string[];
  /**
   * Trust `org_name`: names in `organization` are compared with the token's `org_name`. Only for a
   * tenant with "Allow Organization Names in Authentication API" on, where a name cannot be given
   * to another organization behind your back. Default false: ids only, as Auth0 recommends.
   */
  organizationNames?: boolean;
  /** The user class, a subclass of `Auth0User`. Default `Auth0User`. */
  userClass?: UserClass<U>;
  /**
   * What an optional `@CurrentUser({ required: false })` does with a token that is sent but invalid:
   * `false` (default) answers 401 as RFC 6750 says; `true` treats the caller as a guest (fastapi-auth0).
   */
  guestOnInvalidToken?: boolean;
  /**
   * The `realm` of the `WWW-Authenticate` challenge: printable ASCII without `"` or `\`, as it goes
   * into a header. Default: the first audience.
   */
  realm?: string;
  /** Wait at least this long (ms, >= 0) between two key set fetches caused by unknown `kid`s or failures. Default 5000. */
  jwksCooldown?: number;
  /** Timeout of one key set fetch: a whole number of ms from 1 to 2147483647 (a timer's range). Default 5000. */
  jwksTimeout?: number;
  /** Refresh a cached key set older than this (ms, >= 0), in the background. Default 600000 (10 minutes). */
  jwksMaxAge?: number;
  /** Most keys kept from one key set (an integer >= 1). Default 20. */
  jwksMaxKeys?: number;
  /** Most verified tokens remembered (an integer; 0 turns the cache off). Default 1000. */
  tokenCacheSize?: number;
  /** Longest a verified token is remembered, in ms (>= 0; never past its `exp`). Default 60000. */
  tokenCacheMaxAge?: number;
  /** Longest accepted token, in characters (an integer >= 1). Default 8192. */
  maxTokenLength?: number;
  /** The client id shown in the docs page's sign-in (used by the OpenAPI helpers). Default env `AUTH0_CLIENT_ID`. */
  clientId?: string;
  /**
   * RFC 9068 strict profile (opt-in): the header's `typ` must be `at+jwt`, and `client_id`, `jti`
   * and `iat` are required. Default false (Auth0 issues `typ: JWT` unless the API uses the profile).
   */
  strict?: boolean;
  /** DPoP (RFC 9449) sender-constrained tokens. Default `{ mode: 'allowed' }`. */
  dpop?: DpopOptions;
  /** Certificate-bound tokens (RFC 8705), opt-in. Default off. */
  mtls?: MtlsOptions;
  /**
   * For tests: the time every expiry and window is measured with, in epoch milliseconds.
   * Default `Date.now`.
   */
  clock?: () => number;
  /**
   * Called with every auth event: `authenticated`, `refused` (status, code, a reason from a fixed
   * set, the route), `keySetFetch` and `replayStoreError`. No event carries a token or a proof; a
   * hook that throws is ignored. Default: none.
   */
  onEvent?: (event: AuthEvent) => void;
}

/**
 * DPoP settings.
 *
 * @example
 * ```ts
 * const dpop: DpopOptions = { mode: 'required', origin: 'https://api.example.com', nonce: true };
 * ```
 *
 * @inline
 */
export interface DpopOptions {
  /**
   * `allowed` (default): `Authorization: DPoP` with a proof is accepted beside Bearer; `required`:
   * only DPoP; `disabled`: only Bearer. A DPoP-bound token (`cnf.jkt`) is never accepted as Bearer.
   */
  mode?: 'allowed' | 'required' | 'disabled';
  /** Algorithms accepted for proofs (at least one). Default `['ES256', 'RS256', 'PS256', 'EdDSA']`. */
  algorithms?: string[];
  /**
   * How far a proof's `iat` may lie in the past, in seconds (> 0). Default 60: RFC 9449 §11.1 asks
   * for a short window, and a proof's `jti` is remembered for this long (plus `iatLeeway` when the
   * client's clock runs ahead), so the window sets how many proofs a key's quota holds per second.
   */
  iatOffset?: number;
  /** How far a proof's `iat` may lie in the future (clock skew), in seconds (>= 0). Default 30. */
  iatLeeway?: number;
  /**
   * Most proof `jti`s remembered against replay, in total (an integer >= 1). Each proof key is
   * limited to `jtiPerKey` of them and each subject to `jtiPerSubject`, so that one key's flood, or
   * one user's flood through many keys, cannot take them all; when all are live (several users
   * flooding together), new proofs get 503. Default 100000: with the 60 s window, about 1,600
   * DPoP requests a second over all clients (32 clients at 50 a second), in at most about 25 MB
   * (some 240 bytes a proof, whatever its `jti`).
   */
  jtiCacheSize?: number;
  /**
   * Most live proofs remembered per proof key (`jkt`): an integer from 1 to `jtiCacheSize`.
   * Default 5000 (or `jtiCacheSize` when that is smaller): one key sustains 50 requests a second
   * even when its clock runs `iatLeeway` ahead (a proof is then remembered for 91 s), about 80 a
   * second with a right clock.
   */
  jtiPerKey?: number;
  /**
   * Most live proofs remembered per subject (the token's `sub`; the domains of `domain` are one
   * tenant's, so one `sub` is one user at all of them), over all the keys its
   * tokens are bound to: an integer from 1 to `jtiCacheSize`. A user who obtains many tokens, each
   * bound to a key of their own, is held to this share. Default a tenth of `jtiCacheSize`, and no
   * less than `jtiPerKey` (10000 with the defaults). Applies to the built-in memory store; a
   * `replayStore` of your own is given the subject and may bound it too.
   */
  jtiPerSubject?: number;
  /**
   * The public origin of this API (`https://api.example.com`), against which proofs' `htu` is
   * checked: scheme, host and port only (no path, query or fragment). Default: the request's own
   * (Koa's `href`, honouring `app.proxy`; Express's protocol and Host header). Set it behind a proxy
   * that rewrites the Host, or to pin the origin.
   */
  origin?: string;
  /**
   * Server-issued nonces (RFC 9449 §8). `true`: a random secret per process and a lifetime of 300
   * seconds. `{ secret, lifetime }`: `secret` of at least 32 characters, shared between replicas so
   * that they accept each other's nonces (env `AUTH0_DPOP_NONCE_SECRET` fills it when nonces are on
   * and no secret is given); `lifetime` in seconds (> 0). Default: off. Not with `mode: 'disabled'`.
   */
  nonce?: boolean | { secret?: string; lifetime?: number };
  /**
   * Where proof `jti`s are remembered against replay: an object with a `remember` function, e.g. one
   * shared by the replicas of the API. Default: a memory store bounded by `jtiCacheSize`,
   * `jtiPerKey` and `jtiPerSubject`. Not with `mode: 'disabled'`.
   */
  replayStore?: ReplayStore;
}

/**
 * Certificate-bound token settings (RFC 8705).
 *
 * @example
 * ```ts
 * const mtls: MtlsOptions = { required: true, certificateHeader: 'x-client-cert', trustedProxies: ['10.0.0.0/8'] };
 * ```
 *
 * @inline
 */
export interface MtlsOptions {
  /** Refuse tokens that carry no `cnf["x5t#S256"]`. Default false (unbound tokens pass; bound ones are checked). */
  required?: boolean;
  /**
   * A request header set by a TLS-terminating proxy you trust, holding the client certificate (PEM,
   * URL-encoded PEM, or base64 DER). It is read only on requests whose connection comes from one
   * of `trustedProxies`, which it needs; on any other request the certificate of the TLS connection
   * itself is used. The proxy must remove the header from what clients send, and set it only after
   * verifying the client certificate. Default: the certificate of the TLS connection itself.
   */
  certificateHeader?: string;
  /**
   * The addresses that `certificateHeader` is believed from: IP addresses, CIDR ranges
   * (`10.0.0.0/8`, `fd00::/8`) and the names `loopback`, `linklocal` and `uniquelocal`, as a list or
   * comma-separated, compared with the connection's peer address (as Express's `trust proxy`).
   * Required with `certificateHeader`.
   */
  trustedProxies?: string | string[];
}
