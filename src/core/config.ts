/**
 * Options of the library and their checked, resolved form. Every mistake is found here, at
 * construction, with a message that says what to set; nothing here touches the network.
 */
import { Auth0ConfigError } from './errors';
import type { AccessTokenClaims } from './token/verify';
import type { Auth0User } from './user';

/** Which claim `@Authorized('a', 'b')` checks. */
export type AuthorizeWith = 'scope' | 'permissions' | 'either';

/** A class that builds the user from the token's claims (a subclass of {@link Auth0User}). */
export type UserClass<U extends Auth0User = Auth0User> = new () => U;

/**
 * Options of {@link Auth0}. Only `domain` and `audience` are required.
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
   * Default: the `AUTH0_DOMAIN` environment variable (comma-separated for several).
   */
  domain?: string | string[];
  /** The issuer URL, overriding the one derived from `domain` (Auth0 SDK's name; env `ISSUER_BASE_URL`). */
  issuerBaseURL?: string;
  /**
   * The API identifier(s): a token is accepted when its `aud` holds one of them. Required.
   * Default: `AUTH0_AUDIENCE`, `AUTH0_API_AUDIENCE` or `AUDIENCE` from the environment (comma-separated for several).
   */
  audience?: string | string[];
  /** Scope name → description, for the OpenAPI security schemes. Default `{}`. */
  scopes?: Record<string, string>;
  /** The key set URL. Default `{issuer}.well-known/jwks.json`. */
  jwksUri?: string;
  /**
   * Accepted signing algorithms. Default `['RS256']` (or `['HS256']` with `secret`). `none` is
   * always refused, and symmetric algorithms are accepted only with `secret`.
   */
  algorithms?: string[];
  /**
   * The API's signing secret, for an Auth0 API set to HS256 (Auth0 SDK's `secret`; env `AUTH0_SECRET`).
   * Tokens are then checked with it alone: no key set is fetched and asymmetric algorithms are refused.
   * At least 32 characters. Default: none (RS256 with the tenant's key set, as Auth0 recommends).
   */
  secret?: string;
  /** Refuse tokens issued (`iat`) longer ago than this many seconds, whatever their `exp`. Default: no limit. */
  maxTokenAge?: number;
  /** The fetch used for the key set (e.g. one with a proxy agent). Default: the global `fetch`. */
  fetch?: typeof fetch;
  /**
   * An extra check of every verified token (Auth0 SDK's `validators`): return `false` (or throw) to
   * refuse it with 401 `invalid_token`. Runs once per token, before it is remembered.
   */
  validate?: (claims: AccessTokenClaims) => boolean;
  /** Leeway for `exp`, `nbf` and `iat`, in seconds. Default 5. */
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
  /** The user class, a subclass of `Auth0User`. Default `Auth0User`. */
  userClass?: UserClass<U>;
  /**
   * What an optional `@CurrentUser({ required: false })` does with a token that is sent but invalid:
   * `false` (default) answers 401 as RFC 6750 says; `true` treats the caller as a guest (fastapi-auth0).
   */
  guestOnInvalidToken?: boolean;
  /** The `realm` of the `WWW-Authenticate` challenge. Default: the first audience. */
  realm?: string;
  /** Wait at least this long (ms) between two key set fetches caused by unknown `kid`s or failures. Default 5000. */
  jwksCooldown?: number;
  /** Timeout of one key set fetch, in ms. Default 5000. */
  jwksTimeout?: number;
  /** Refresh a cached key set older than this (ms), in the background. Default 600000 (10 minutes). */
  jwksMaxAge?: number;
  /** Most keys kept from one key set. Default 20. */
  jwksMaxKeys?: number;
  /** Most verified tokens remembered (0 turns the cache off). Default 1000. */
  tokenCacheSize?: number;
  /** Longest a verified token is remembered, in ms (never past its `exp`). Default 60000. */
  tokenCacheMaxAge?: number;
  /** Longest accepted token, in characters. Default 8192. */
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
}

/** DPoP settings. */
export interface DpopOptions {
  /**
   * `allowed` (default): `Authorization: DPoP` with a proof is accepted beside Bearer; `required`:
   * only DPoP; `disabled`: only Bearer. A DPoP-bound token (`cnf.jkt`) is never accepted as Bearer.
   */
  mode?: 'allowed' | 'required' | 'disabled';
  /** Algorithms accepted for proofs. Default `['ES256', 'RS256', 'PS256', 'EdDSA']`. */
  algorithms?: string[];
  /** How far a proof's `iat` may lie in the past, in seconds. Default 300. */
  iatOffset?: number;
  /** How far a proof's `iat` may lie in the future (clock skew), in seconds. Default 30. */
  iatLeeway?: number;
  /** Most proof `jti`s remembered against replay; when all are live, new proofs get 503. Default 10000. */
  jtiCacheSize?: number;
  /**
   * The public origin of this API (`https://api.example.com`), against which proofs' `htu` is
   * checked. Default: the request's own (Koa's `href`, honouring `app.proxy`; Express's protocol and
   * Host header). Set it behind a proxy that rewrites the Host, or to pin the origin.
   */
  origin?: string;
}

/** Certificate-bound token settings (RFC 8705). */
export interface MtlsOptions {
  /** Refuse tokens that carry no `cnf["x5t#S256"]`. Default false (unbound tokens pass; bound ones are checked). */
  required?: boolean;
  /**
   * A request header set by a TLS-terminating proxy you trust, holding the client certificate (PEM,
   * URL-encoded PEM, or base64 DER). Default: the certificate of the TLS connection itself.
   */
  certificateHeader?: string;
}

/** The options after checking, with every default applied. */
export interface ResolvedConfig {
  /** The first (or only) issuer: the one whose URLs the docs page uses. */
  issuer: string;
  /** The key set URL of the first issuer. */
  jwksUri: string;
  /** Every allowed issuer with its key set URL. */
  issuers: Array<{ issuer: string; jwksUri: string }>;
  audience: string[];
  scopes: Record<string, string>;
  algorithms: string[];
  secret: Uint8Array | undefined;
  maxTokenAge: number | undefined;
  fetch: typeof fetch | undefined;
  validate: ((claims: AccessTokenClaims) => boolean) | undefined;
  clockTolerance: number;
  authorizeWith: AuthorizeWith;
  enforceScopes: boolean;
  emailClaim: string | undefined;
  requireEmail: boolean;
  guestOnInvalidToken: boolean;
  realm: string;
  jwksCooldown: number;
  jwksTimeout: number;
  jwksMaxAge: number;
  jwksMaxKeys: number;
  tokenCacheSize: number;
  tokenCacheMaxAge: number;
  maxTokenLength: number;
  clientId: string | undefined;
  strict: boolean;
  dpop: Required<Omit<DpopOptions, 'origin'>> & { origin: string | undefined };
  mtls: { enabled: boolean; required: boolean; certificateHeader: string | undefined };
}

const ASYMMETRIC = new Set<string>(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']);
const SYMMETRIC = new Set<string>(['HS256', 'HS384', 'HS512']);
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function isLoopback(hostname: string): boolean {
  return LOOPBACK.has(hostname) || hostname.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Parses a host name or URL: https, or plain http on a loopback host only. */
function checkedUrl(name: string, raw: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Auth0ConfigError(`routing-controllers-auth0: \`${name}\` "${raw}" is not a host name or URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Auth0ConfigError(`routing-controllers-auth0: \`${name}\` must be an https URL, not ${url.protocol}`);
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new Auth0ConfigError(
      `routing-controllers-auth0: \`${name}\`: plain http is allowed only for a local tenant on a loopback host; use https://${url.host}/`,
    );
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new Auth0ConfigError(`routing-controllers-auth0: \`${name}\` must not carry a query, fragment or credentials`);
  }
  return url;
}

/** Turns `domain` or `issuerBaseURL` into the issuer URL, always with the trailing slash. */
function resolveIssuer(domain: string | undefined, issuerBaseURL: string | undefined): string {
  const raw = (issuerBaseURL ?? domain ?? '').trim();
  if (raw === '') {
    throw new Auth0ConfigError(
      'routing-controllers-auth0: set `domain` (your tenant, e.g. "your-tenant.auth0.com") or the AUTH0_DOMAIN environment variable',
    );
  }
  const href = checkedUrl(issuerBaseURL === undefined ? 'domain' : 'issuerBaseURL', raw).href;
  return href.endsWith('/') ? href : `${href}/`;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Auth0ConfigError(`routing-controllers-auth0: \`${name}\` must be a number >= 0`);
  }
  return value;
}

function list(value: string | string[] | undefined): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  return items
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/**
 * Fills omitted options from the environment, as Auth0's SDK does: `AUTH0_DOMAIN` (or
 * `ISSUER_BASE_URL`), `AUTH0_AUDIENCE` (or `AUTH0_API_AUDIENCE`, `AUDIENCE`), `AUTH0_CLIENT_ID`,
 * `AUTH0_EMAIL_CLAIM` (or fastapi-auth0's `AUTH0_RULE_NAMESPACE` + `/email`), `AUTH0_SECRET`.
 *
 * @example
 * ```ts
 * const options = optionsWithEnv({ scopes: { 'read:blabla': 'Read' } }); // domain and audience from AUTH0_DOMAIN, AUTH0_AUDIENCE
 * ```
 */
export function optionsWithEnv<O extends Auth0Options<Auth0User>>(options: O, env: NodeJS.ProcessEnv = process.env): O {
  const empty = (v: unknown): boolean => v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
  const filled: Auth0Options<Auth0User> = { ...options };
  if (empty(filled.domain) && empty(filled.issuerBaseURL)) {
    if (env.AUTH0_DOMAIN) filled.domain = list(env.AUTH0_DOMAIN);
    else if (env.ISSUER_BASE_URL) filled.issuerBaseURL = env.ISSUER_BASE_URL;
  }
  if (empty(filled.audience)) {
    const audience = env.AUTH0_AUDIENCE || env.AUTH0_API_AUDIENCE || env.AUDIENCE;
    if (audience) filled.audience = list(audience);
  }
  if (empty(filled.clientId) && env.AUTH0_CLIENT_ID) filled.clientId = env.AUTH0_CLIENT_ID;
  if (empty(filled.secret) && env.AUTH0_SECRET) filled.secret = env.AUTH0_SECRET;
  if (empty(filled.emailClaim)) {
    if (env.AUTH0_EMAIL_CLAIM) filled.emailClaim = env.AUTH0_EMAIL_CLAIM;
    else if (env.AUTH0_RULE_NAMESPACE) filled.emailClaim = `${env.AUTH0_RULE_NAMESPACE.replace(/\/$/, '')}/email`;
  }
  return filled as O;
}

const DPOP_ALGORITHMS = ['ES256', 'RS256', 'PS256', 'EdDSA'];

function fail(message: string): never {
  throw new Auth0ConfigError(`routing-controllers-auth0: ${message}`);
}

/** Every allowed issuer with its key set URL; `jwksUri` overrides the first's. */
function resolveIssuers(options: Auth0Options<Auth0User>): ResolvedConfig['issuers'] {
  const domains = options.issuerBaseURL === undefined ? list(options.domain) : [];
  const issuers =
    domains.length === 0 ? [resolveIssuer(undefined, options.issuerBaseURL)] : domains.map((d) => resolveIssuer(d, undefined));
  if (options.jwksUri !== undefined && issuers.length > 1) {
    fail('`jwksUri` cannot be set with several domains: each has its own key set');
  }
  return issuers.map((issuer, n) => ({
    issuer,
    jwksUri: n === 0 && options.jwksUri !== undefined ? checkedUrl('jwksUri', options.jwksUri).href : `${issuer}.well-known/jwks.json`,
  }));
}

/** The accepted algorithms: asymmetric ones, or with a `secret` symmetric ones only (RFC 8725 §3.1). */
function resolveAlgorithms(options: Auth0Options<Auth0User>): string[] {
  const { secret } = options;
  if (secret !== undefined && (typeof secret !== 'string' || secret.length < 32)) {
    fail('`secret` must be the API signing secret, at least 32 characters');
  }
  const algorithms = options.algorithms ?? [secret === undefined ? 'RS256' : 'HS256'];
  if (!Array.isArray(algorithms) || algorithms.length === 0) fail('`algorithms` must list at least one algorithm');
  for (const alg of algorithms) {
    if (secret !== undefined && !SYMMETRIC.has(alg)) {
      fail(`with \`secret\`, only HS256/HS384/HS512 are accepted, not "${alg}"`);
    }
    if (secret === undefined && !ASYMMETRIC.has(alg)) {
      fail(`algorithm "${alg}" is not accepted; an API verifies Auth0 tokens with asymmetric keys (RS256)`);
    }
  }
  return [...algorithms];
}

function resolveDpop(options: DpopOptions = {}): ResolvedConfig['dpop'] {
  const mode = options.mode ?? 'allowed';
  if (!['allowed', 'required', 'disabled'].includes(mode)) fail('`dpop.mode` must be "allowed", "required" or "disabled"');
  const algorithms = options.algorithms ?? DPOP_ALGORITHMS;
  for (const alg of algorithms) {
    if (!ASYMMETRIC.has(alg)) fail(`DPoP algorithm "${alg}" is not accepted`);
  }
  return {
    mode,
    algorithms: [...algorithms],
    iatOffset: positive('dpop.iatOffset', options.iatOffset, 300),
    iatLeeway: positive('dpop.iatLeeway', options.iatLeeway, 30),
    jtiCacheSize: positive('dpop.jtiCacheSize', options.jtiCacheSize, 10_000),
    origin: options.origin === undefined ? undefined : checkedUrl('dpop.origin', options.origin).origin,
  };
}

/**
 * Checks the options and applies the defaults. Throws {@link Auth0ConfigError}.
 *
 * @example
 * ```ts
 * const config = resolveConfig({ domain: 'your-tenant.auth0.com', audience: 'https://api.example.com' });
 * config.issuer; // 'https://your-tenant.auth0.com/'
 * ```
 */
export function resolveConfig(options: Auth0Options<Auth0User>): ResolvedConfig {
  if (options === null || typeof options !== 'object') fail('pass options: new Auth0({ domain, audience })');
  const issuers = resolveIssuers(options);
  const audience = list(options.audience);
  if (audience.length === 0) {
    fail('set `audience` to your API identifier (Auth0 dashboard → APIs → Identifier) or the AUTH0_AUDIENCE environment variable');
  }
  const algorithms = resolveAlgorithms(options);
  const authorizeWith = options.authorizeWith ?? 'scope';
  if (!['scope', 'permissions', 'either'].includes(authorizeWith)) fail('`authorizeWith` must be "scope", "permissions" or "either"');
  const { secret } = options;
  return {
    issuer: issuers[0].issuer,
    jwksUri: issuers[0].jwksUri,
    issuers,
    audience,
    scopes: { ...(options.scopes ?? {}) },
    algorithms,
    secret: secret === undefined ? undefined : new TextEncoder().encode(secret),
    maxTokenAge: options.maxTokenAge === undefined ? undefined : positive('maxTokenAge', options.maxTokenAge, 0),
    fetch: options.fetch,
    validate: options.validate,
    clockTolerance: positive('clockTolerance', options.clockTolerance, 5),
    authorizeWith,
    enforceScopes: options.enforceScopes ?? true,
    emailClaim: options.emailClaim || undefined,
    requireEmail: options.requireEmail ?? false,
    guestOnInvalidToken: options.guestOnInvalidToken ?? false,
    realm: options.realm ?? audience[0],
    jwksCooldown: positive('jwksCooldown', options.jwksCooldown, 5000),
    jwksTimeout: positive('jwksTimeout', options.jwksTimeout, 5000),
    jwksMaxAge: positive('jwksMaxAge', options.jwksMaxAge, 600_000),
    jwksMaxKeys: positive('jwksMaxKeys', options.jwksMaxKeys, 20),
    tokenCacheSize: positive('tokenCacheSize', options.tokenCacheSize, 1000),
    tokenCacheMaxAge: positive('tokenCacheMaxAge', options.tokenCacheMaxAge, 60_000),
    maxTokenLength: positive('maxTokenLength', options.maxTokenLength, 8192),
    clientId: options.clientId,
    strict: options.strict ?? false,
    dpop: resolveDpop(options.dpop),
    mtls: {
      enabled: options.mtls !== undefined,
      required: options.mtls?.required ?? false,
      certificateHeader: options.mtls?.certificateHeader?.toLowerCase(),
    },
  };
}
