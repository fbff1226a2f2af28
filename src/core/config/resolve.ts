/**
 * The checked, resolved form of the options. Every mistake is found here, at construction, with a
 * message that names the option and says what to set; nothing here touches the network.
 */
import type { AuthEvent } from '../events';
import { randomBytes } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { ReplayStore } from '../binding/replay-store';
import type { AccessTokenClaims } from '../claims';
import {
  CACHE_SIZE,
  callable,
  COUNT,
  fail,
  flag,
  MILLISECONDS,
  type NumberRule,
  numberOption,
  onlyKnown,
  POSITIVE_SECONDS,
  SECONDS,
  section,
  shown,
  TIMER_MILLISECONDS,
  text,
} from '../option-check';
import { organizationSet, type OrganizationSet } from '../organization';
import { Auth0User } from '../user';
import { list } from './env';
import type { Auth0Options, AuthorizeWith, DpopOptions, MtlsOptions } from './options';

/**
 * The options after checking, with every default applied.
 *
 * @example
 * ```ts
 * const config: ResolvedConfig = resolveConfig({ domain: 'your-tenant.auth0.com', audience: 'https://api' });
 * config.algorithms; // ['RS256']
 * ```
 */
export interface ResolvedConfig {
  /** The first (or only) issuer: the one whose URLs the docs page uses. */
  issuer: string;
  /** The key set URL of the first issuer. */
  jwksUri: string;
  /** Every allowed issuer with its key set URL. */
  issuers: Array<{ issuer: string; jwksUri: string }>;
  /** The accepted audiences. */
  audience: string[];
  /** Scope name → description. */
  scopes: Record<string, string>;
  /** The resource identifier (RFC 9728) and the path of its metadata document; `undefined`: none. */
  resource: { identifier: string; metadataPath: string } | undefined;
  /** The normalised public origin (`publicOrigin`); `undefined`: the request's own. */
  publicOrigin: string | undefined;
  /** The accepted signing algorithms: asymmetric ones, or with `secret` symmetric ones only. */
  algorithms: string[];
  /** The signing secret of an HS256/HS384/HS512 API; `undefined` when tokens are checked with the key set. */
  secret: Uint8Array | undefined;
  /** Oldest accepted `iat`, in seconds before now; `undefined`: no limit. */
  maxTokenAge: number | undefined;
  /** The fetch of the key set; `undefined`: the global `fetch`. */
  fetch: typeof fetch | undefined;
  /** The extra check of every verified token. */
  validate: ((claims: AccessTokenClaims) => boolean) | undefined;
  /** Leeway for `exp`, `nbf` and `iat`, in seconds. */
  clockTolerance: number;
  /** Which claim `@Authorized(...)` checks. */
  authorizeWith: AuthorizeWith;
  /** Whether the scopes of `@Authorized(...)` are checked. */
  enforceScopes: boolean;
  /** The claim that holds the email; `undefined`: `email` or the only claim ending in `/email`. */
  emailClaim: string | undefined;
  /** Users without an email get 403. */
  requireEmail: boolean;
  /** The organizations this API serves (ids, and names when trusted); `undefined`: any or none. */
  organization: OrganizationSet | undefined;
  /** Whether `org_name` is trusted for the `organization` option. */
  organizationNames: boolean;
  /** An optional `@CurrentUser` treats an invalid token as a guest. */
  guestOnInvalidToken: boolean;
  /** The `realm` of the challenge. */
  realm: string;
  /** Least time between two key set fetches, in ms. */
  jwksCooldown: number;
  /** Timeout of one key set fetch, in ms. */
  jwksTimeout: number;
  /** Age after which the key set is refreshed, in ms. */
  jwksMaxAge: number;
  /** Most keys kept from one key set. */
  jwksMaxKeys: number;
  /** Most verified tokens remembered (0: none). */
  tokenCacheSize: number;
  /** Longest a verified token is remembered, in ms. */
  tokenCacheMaxAge: number;
  /** Longest accepted token, in characters. */
  maxTokenLength: number;
  /** The client id of the docs page's sign-in. */
  clientId: string | undefined;
  /** RFC 9068 strict profile. */
  strict: boolean;
  /** DPoP settings. */
  dpop: {
    mode: 'allowed' | 'required' | 'disabled';
    algorithms: string[];
    iatOffset: number;
    iatLeeway: number;
    /** Most proof `jti`s remembered, in total. */
    jtiCacheSize: number;
    /** Most live proofs remembered per proof key (`jkt`). */
    jtiPerKey: number;
    /** Most live proofs remembered per subject (`sub`), over all of its keys. */
    jtiPerSubject: number;
    /** The normalised public origin (`https://api.example.com`), or `undefined`: the request's own. */
    origin: string | undefined;
    /** Server-issued nonces: the secret they are made with and their lifetime in seconds; `undefined`: off. */
    nonce: { secret: Uint8Array; lifetime: number } | undefined;
    /** Where proof `jti`s are remembered; `undefined`: the built-in memory store. */
    replayStore: ReplayStore | undefined;
  };
  /** Certificate-bound token settings. */
  mtls: {
    enabled: boolean;
    required: boolean;
    certificateHeader: string | undefined;
    /** Whether a connection's peer address is one of `mtls.trustedProxies` (never true without them). */
    trustedProxy: (address: string) => boolean;
  };
  /** The time, in epoch ms, every expiry and window is measured with. */
  clock: () => number;
  /** The auth event hook, if any. */
  onEvent: ((event: AuthEvent) => void) | undefined;
}

const ASYMMETRIC = new Set<unknown>(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']);
const SYMMETRIC = new Set<unknown>(['HS256', 'HS384', 'HS512']);
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const DPOP_ALGORITHMS = ['ES256', 'RS256', 'PS256', 'EdDSA'];
const DPOP_MODES: unknown[] = ['allowed', 'required', 'disabled'];
const AUTHORIZE_WITH: unknown[] = ['scope', 'permissions', 'either'];
/** The environment variables that configure HS256, named in every message about it. */
const HS_HOW =
  "set `secret` with `algorithms: ['HS256']` (or HS384/HS512), or the environment variables AUTH0_SIGNING_SECRET and AUTH0_TOKEN_SIGNING_ALG=HS256";

// Every option name, so that a typo is an error rather than an ignored setting. Typed against the
// interfaces: adding an option without listing it here does not compile.
const OPTION_NAMES: Record<keyof Auth0Options, true> = {
  domain: true,
  issuerBaseURL: true,
  audience: true,
  scopes: true,
  resource: true,
  publicOrigin: true,
  jwksUri: true,
  algorithms: true,
  secret: true,
  maxTokenAge: true,
  fetch: true,
  validate: true,
  clockTolerance: true,
  authorizeWith: true,
  emailClaim: true,
  enforceScopes: true,
  requireEmail: true,
  organization: true,
  organizationNames: true,
  userClass: true,
  guestOnInvalidToken: true,
  realm: true,
  jwksCooldown: true,
  jwksTimeout: true,
  jwksMaxAge: true,
  jwksMaxKeys: true,
  tokenCacheSize: true,
  tokenCacheMaxAge: true,
  maxTokenLength: true,
  clientId: true,
  strict: true,
  dpop: true,
  mtls: true,
  clock: true,
  onEvent: true,
};
const DPOP_NAMES: Record<keyof DpopOptions, true> = {
  mode: true,
  algorithms: true,
  iatOffset: true,
  iatLeeway: true,
  jtiCacheSize: true,
  jtiPerKey: true,
  jtiPerSubject: true,
  origin: true,
  nonce: true,
  replayStore: true,
};
const MTLS_NAMES: Record<keyof MtlsOptions, true> = { required: true, certificateHeader: true, trustedProxies: true };
const NONCE_NAMES: Record<'secret' | 'lifetime', true> = { secret: true, lifetime: true };

/** A string or a list of strings (`domain`, `audience`). */
function strings(name: string, value: unknown): string[] {
  if (value !== undefined && typeof value !== 'string' && !(Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
    fail(`\`${name}\` must be a string or a list of strings (got ${shown(value)})`);
  }
  return list(value);
}

function isLoopback(hostname: string): boolean {
  // Only names that never leave the machine: `*.localhost` would be asked of the configured resolver.
  return LOOPBACK.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Parses a host name or URL: https, or plain http on a loopback host only. */
function checkedUrl(name: string, raw: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return fail(`\`${name}\` "${raw}" is not a host name or URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(`\`${name}\` must be an https URL, not ${url.protocol}`);
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    fail(`\`${name}\`: plain http is allowed only for a local tenant on a loopback host; use https://${url.host}/`);
  }
  if (url.search || url.hash || url.username || url.password || /[?#]/.test(raw)) {
    fail(`\`${name}\` must not carry a query, fragment or credentials`);
  }
  return url;
}

/** The issuer URL of a domain or `issuerBaseURL`, always with the trailing slash. */
function issuerOf(name: string, raw: string): string {
  const { href } = checkedUrl(name, raw);
  return href.endsWith('/') ? href : `${href}/`;
}

/** Every allowed issuer with its key set URL: from `domain` or from `issuerBaseURL`, never both. */
function resolveIssuers(options: Auth0Options<Auth0User>): ResolvedConfig['issuers'] {
  const domains = strings('domain', options.domain);
  const { issuerBaseURL } = options;
  if (issuerBaseURL !== undefined && typeof issuerBaseURL !== 'string')
    fail(`\`issuerBaseURL\` must be a URL (got ${shown(issuerBaseURL)})`);
  const base = issuerBaseURL?.trim() ?? '';
  if (base !== '' && domains.length > 0) {
    fail('`domain` and `issuerBaseURL` are both set: set one of them (the issuer is `https://{domain}/`, or `issuerBaseURL` itself)');
  }
  for (const domain of domains) {
    const { pathname, host } = checkedUrl('domain', domain);
    if (pathname !== '/') {
      fail(
        `\`domain\` is your tenant's domain, without a path (got ${shown(domain)}): set "${host}", or \`issuerBaseURL\` for an issuer with a path`,
      );
    }
  }
  const issuers = base === '' ? domains.map((domain) => issuerOf('domain', domain)) : [issuerOf('issuerBaseURL', base)];
  if (issuers.length === 0) {
    fail('set `domain` (your tenant, e.g. "your-tenant.auth0.com") or the AUTH0_DOMAIN environment variable');
  }
  const jwksUri = text('jwksUri', options.jwksUri);
  if (jwksUri !== undefined && issuers.length > 1) fail('`jwksUri` cannot be set with several domains: each has its own key set');
  return issuers.map((issuer, n) => ({
    issuer,
    jwksUri: n === 0 && jwksUri !== undefined ? checkedUrl('jwksUri', jwksUri).href : `${issuer}.well-known/jwks.json`,
  }));
}

/**
 * The accepted algorithms and the secret: asymmetric algorithms with the key set, or symmetric ones,
 * named explicitly, with a secret (RFC 8725 §3.1); never a secret implied by its mere presence.
 */
function resolveSigning(options: Auth0Options<Auth0User>): Pick<ResolvedConfig, 'algorithms' | 'secret'> {
  const { secret } = options;
  if (secret !== undefined && options.jwksUri !== undefined) {
    fail('`jwksUri` and `secret` cannot both be set: with `secret` tokens are checked with it alone and no key set is fetched');
  }
  if (secret !== undefined && (typeof secret !== 'string' || secret.length < 32)) {
    fail('`secret` must be the API signing secret, at least 32 characters');
  }
  const algorithms: unknown = options.algorithms ?? ['RS256'];
  if (!Array.isArray(algorithms) || algorithms.length === 0) fail('`algorithms` must list at least one algorithm');
  for (const alg of algorithms) {
    if (typeof alg !== 'string') fail(`\`algorithms\` must list algorithm names (got ${shown(alg)})`);
  }
  if (secret === undefined) {
    const symmetric = algorithms.find((alg) => SYMMETRIC.has(alg));
    if (symmetric !== undefined) fail(`algorithm "${symmetric}" is not accepted without a secret: ${HS_HOW}`);
    const other = algorithms.find((alg) => !ASYMMETRIC.has(alg));
    if (other !== undefined) fail(`algorithm "${other}" is not accepted; an API verifies Auth0 tokens with asymmetric keys (RS256)`);
    return { algorithms: [...algorithms], secret: undefined };
  }
  if (options.algorithms === undefined) fail(`\`secret\` needs an explicit symmetric algorithm: ${HS_HOW}`);
  const other = algorithms.find((alg) => !SYMMETRIC.has(alg));
  if (other !== undefined) fail(`with \`secret\`, only HS256/HS384/HS512 are accepted, not "${other}": ${HS_HOW}`);
  return { algorithms: [...algorithms], secret: new TextEncoder().encode(secret) };
}

function resolveAudience(value: unknown): string[] {
  const audience = strings('audience', value);
  if (audience.length === 0) {
    fail('set `audience` to your API identifier (Auth0 dashboard → APIs → Identifier) or the AUTH0_AUDIENCE environment variable');
  }
  return audience;
}

function resolveScopes(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(`\`scopes\` must be an object of scope name → description (got ${shown(value)})`);
  }
  for (const [name, description] of Object.entries(value)) {
    if (typeof description !== 'string') fail(`\`scopes\`: the description of "${name}" must be a string`);
  }
  return { ...(value as Record<string, string>) };
}

/** `realm` goes into the `WWW-Authenticate` header as a quoted string: printable ASCII without `"` and `\`. */
function resolveRealm(value: unknown, audience: string[]): string {
  const realm = text('realm', value);
  if (realm === undefined) return audience[0];
  if (!/^[\x20\x21\x23-\x5B\x5D-\x7E]+$/.test(realm)) {
    fail('`realm` goes into the WWW-Authenticate header: use printable ASCII without `"`, `\\` or control characters');
  }
  return realm;
}

/** The `organization` option: one id or name, or a list (names only when `organizationNames`). */
function resolveOrganization(value: unknown, names: boolean): OrganizationSet | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' && !Array.isArray(value)) {
    fail(`\`organization\` must be an organization id (org_…) or a list of them (got ${shown(value)})`);
  }
  const what = '`organization` (or the AUTH0_API_ORGANIZATION environment variable)';
  const values = typeof value === 'string' ? [value] : value;
  return organizationSet(values, { trustNames: names, refuse: fail, what, trustHow: 'set `organizationNames: true`' });
}

function resolveOrganizations(options: Auth0Options<Auth0User>): Pick<ResolvedConfig, 'organization' | 'organizationNames'> {
  const organizationNames = flag('organizationNames', options.organizationNames, false);
  return { organization: resolveOrganization(options.organization, organizationNames), organizationNames };
}

function resolveAuthorizeWith(value: unknown): AuthorizeWith {
  if (value === undefined) return 'scope';
  if (!AUTHORIZE_WITH.includes(value)) fail('`authorizeWith` must be "scope", "permissions" or "either"');
  return value as AuthorizeWith;
}

/** An origin option (`dpop.origin`, `publicOrigin`): scheme, host and port only, normalised (lower-case host, default port dropped). */
function resolveOrigin(name: string, value: unknown): string | undefined {
  const raw = text(name, value);
  if (raw === undefined) return undefined;
  const url = checkedUrl(name, raw.trim());
  if (url.pathname !== '/') fail(`\`${name}\` must be an origin (scheme, host and port) without a path, e.g. "${url.origin}"`);
  return url.origin;
}

/**
 * The resource identifier and its metadata path (RFC 9728 §3.1: the well-known segment goes
 * between the host and the identifier's path). By default the first audience, when it is an https
 * URL (or http on a loopback host) without query or fragment.
 */
function resolveResource(value: unknown, audience: string[]): ResolvedConfig['resource'] {
  if (value === false) return undefined;
  let url: URL;
  if (value === undefined) {
    try {
      url = checkedUrl('audience', audience[0]);
    } catch {
      return undefined;
    }
    if (!/^https?:\/\//i.test(audience[0])) return undefined;
  } else {
    const raw = text('resource', value);
    url = checkedUrl('resource', (raw as string).trim());
    if (!/^https?:\/\//i.test(raw as string)) fail('`resource` must be an absolute https URL, e.g. "https://api.example.com/mcp"');
  }
  const identifier = value === undefined ? audience[0] : (value as string).trim();
  if (!audience.includes(identifier)) {
    fail(`\`resource\` must be one of the audiences (a token for the resource is one for this API): add it to \`audience\``);
  }
  const path = url.pathname === '/' ? '' : url.pathname;
  return { identifier, metadataPath: `/.well-known/oauth-protected-resource${path}` };
}

function resolveNonce(value: unknown): ResolvedConfig['dpop']['nonce'] {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { secret: new Uint8Array(randomBytes(32)), lifetime: 300 };
  const { secret, lifetime } = section('dpop.nonce', value, NONCE_NAMES, 'true, false or { secret, lifetime }') as {
    secret?: unknown;
    lifetime?: unknown;
  };
  if (secret !== undefined && (typeof secret !== 'string' || secret.length < 32)) {
    fail('`dpop.nonce.secret` must be at least 32 characters (or the AUTH0_DPOP_NONCE_SECRET environment variable)');
  }
  return {
    secret: secret === undefined ? new Uint8Array(randomBytes(32)) : new TextEncoder().encode(secret),
    lifetime: numberOption('dpop.nonce.lifetime', lifetime, 300, POSITIVE_SECONDS),
  };
}

function resolveReplayStore(value: unknown): ReplayStore | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || typeof (value as Partial<ReplayStore>).remember !== 'function') {
    fail('`dpop.replayStore` must be an object with a `remember(jkt, jti, expiresAt)` function');
  }
  return value as ReplayStore;
}

function resolveDpop(value: unknown): ResolvedConfig['dpop'] {
  const options: DpopOptions = value === undefined ? {} : section('dpop', value, DPOP_NAMES);
  const mode = options.mode ?? 'allowed';
  if (!DPOP_MODES.includes(mode)) fail('`dpop.mode` must be "allowed", "required" or "disabled"');
  const algorithms: unknown = options.algorithms ?? DPOP_ALGORITHMS;
  if (!Array.isArray(algorithms) || algorithms.length === 0) fail('`dpop.algorithms` must list at least one algorithm');
  const refused = algorithms.find((alg) => !ASYMMETRIC.has(alg));
  if (refused !== undefined) fail(`DPoP algorithm "${refused}" is not accepted`);
  const jtiCacheSize = numberOption('dpop.jtiCacheSize', options.jtiCacheSize, 100_000, COUNT);
  const withinCache: NumberRule = { ...COUNT, max: jtiCacheSize, note: 'at most `dpop.jtiCacheSize`' };
  const jtiPerKey = numberOption('dpop.jtiPerKey', options.jtiPerKey, Math.min(5000, jtiCacheSize), withinCache);
  const nonce = resolveNonce(options.nonce);
  const replayStore = resolveReplayStore(options.replayStore);
  if (mode === 'disabled' && (nonce !== undefined || replayStore !== undefined)) {
    fail('`dpop.nonce` and `dpop.replayStore` have no effect with `dpop.mode: "disabled"`: remove them or enable DPoP');
  }
  return {
    mode,
    algorithms: [...algorithms],
    iatOffset: numberOption('dpop.iatOffset', options.iatOffset, 60, POSITIVE_SECONDS),
    iatLeeway: numberOption('dpop.iatLeeway', options.iatLeeway, 30, SECONDS),
    jtiCacheSize,
    jtiPerKey,
    jtiPerSubject: numberOption(
      'dpop.jtiPerSubject',
      options.jtiPerSubject,
      Math.max(jtiPerKey, Math.floor(jtiCacheSize / 10)),
      withinCache,
    ),
    origin: resolveOrigin('dpop.origin', options.origin),
    nonce,
    replayStore,
  };
}

const NO_PROXY = (): boolean => false;

/** Express's named ranges (`proxy-addr`): loopback, link-local and unique local addresses. */
const PROXY_RANGES: Record<string, Array<[string, number]>> = {
  loopback: [
    ['127.0.0.0', 8],
    ['::1', 128],
  ],
  linklocal: [
    ['169.254.0.0', 16],
    ['fe80::', 10],
  ],
  uniquelocal: [
    ['10.0.0.0', 8],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
    ['fc00::', 7],
  ],
};

/** `mtls.trustedProxies` as a check of a peer address, through node:net's BlockList. */
function resolveTrustedProxies(value: unknown): (address: string) => boolean {
  const entries = strings('mtls.trustedProxies', value);
  if (entries.length === 0) fail('`mtls.trustedProxies` must list at least one address or CIDR range');
  const trusted = new BlockList();
  const family = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');
  for (const entry of entries) {
    const named = PROXY_RANGES[entry];
    if (named !== undefined) {
      for (const [start, length] of named) trusted.addSubnet(start, length, family(start));
      continue;
    }
    const [address, bits, ...rest] = entry.split('/');
    const max = isIP(address) === 6 ? 128 : 32;
    const prefix = bits === undefined ? max : Number(bits);
    if (isIP(address) === 0 || rest.length > 0 || !/^\d{1,3}$/.test(bits ?? '0') || prefix > max) {
      fail(`\`mtls.trustedProxies\`: ${shown(entry)} is not an IP address, a CIDR range, loopback, linklocal or uniquelocal`);
    }
    trusted.addSubnet(address, prefix, family(address));
  }
  return (address) => isIP(address) !== 0 && trusted.check(address, family(address));
}

function resolveMtls(value: unknown): ResolvedConfig['mtls'] {
  if (value === undefined) return { enabled: false, required: false, certificateHeader: undefined, trustedProxy: NO_PROXY };
  const options: MtlsOptions = section('mtls', value, MTLS_NAMES);
  const header = text('mtls.certificateHeader', options.certificateHeader);
  if (header !== undefined && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)) fail('`mtls.certificateHeader` must be a header name');
  if (header !== undefined && options.trustedProxies === undefined) {
    fail(
      '`mtls.certificateHeader` needs `mtls.trustedProxies`: the addresses of the TLS-terminating proxies that set it (e.g. ["10.0.0.0/8"]); the header is believed from them only',
    );
  }
  if (header === undefined && options.trustedProxies !== undefined) {
    fail('`mtls.trustedProxies` has no effect without `mtls.certificateHeader`: remove it or name the header');
  }
  return {
    enabled: true,
    required: flag('mtls.required', options.required, false),
    certificateHeader: header?.toLowerCase(),
    trustedProxy: header === undefined ? NO_PROXY : resolveTrustedProxies(options.trustedProxies),
  };
}

function checkUserClass(value: unknown): void {
  if (value === undefined || value === Auth0User) return;
  if (typeof value !== 'function' || !(value.prototype instanceof Auth0User)) {
    fail(`\`userClass\` must be Auth0User or a subclass of it (got ${shown(value)})`);
  }
}

/**
 * Checks the options and applies the defaults. Throws {@link Auth0ConfigError}, naming the option,
 * for an unknown option name, a value of the wrong kind or out of range, and options that conflict.
 *
 * @example
 * ```ts
 * const config = resolveConfig({ domain: 'your-tenant.auth0.com', audience: 'https://api.example.com' });
 * config.issuer; // 'https://your-tenant.auth0.com/'
 * ```
 */
export function resolveConfig(options: Auth0Options<Auth0User>): ResolvedConfig {
  const given: unknown = options;
  if (given === null || typeof given !== 'object' || Array.isArray(given)) fail('pass options: new Auth0({ domain, audience })');
  onlyKnown('', options, OPTION_NAMES);
  checkUserClass(options.userClass);
  const issuers = resolveIssuers(options);
  const audience = resolveAudience(options.audience);
  return {
    issuer: issuers[0].issuer,
    jwksUri: issuers[0].jwksUri,
    issuers,
    audience,
    scopes: resolveScopes(options.scopes),
    resource: resolveResource(options.resource, audience),
    publicOrigin: resolveOrigin('publicOrigin', options.publicOrigin),
    ...resolveSigning(options),
    maxTokenAge: options.maxTokenAge === undefined ? undefined : numberOption('maxTokenAge', options.maxTokenAge, 0, POSITIVE_SECONDS),
    fetch: callable('fetch', options.fetch),
    validate: callable('validate', options.validate),
    clockTolerance: numberOption('clockTolerance', options.clockTolerance, 5, SECONDS),
    authorizeWith: resolveAuthorizeWith(options.authorizeWith),
    enforceScopes: flag('enforceScopes', options.enforceScopes, true),
    emailClaim: text('emailClaim', options.emailClaim),
    requireEmail: flag('requireEmail', options.requireEmail, false),
    ...resolveOrganizations(options),
    guestOnInvalidToken: flag('guestOnInvalidToken', options.guestOnInvalidToken, false),
    realm: resolveRealm(options.realm, audience),
    jwksCooldown: numberOption('jwksCooldown', options.jwksCooldown, 5000, MILLISECONDS),
    jwksTimeout: numberOption('jwksTimeout', options.jwksTimeout, 5000, TIMER_MILLISECONDS),
    jwksMaxAge: numberOption('jwksMaxAge', options.jwksMaxAge, 600_000, MILLISECONDS),
    jwksMaxKeys: numberOption('jwksMaxKeys', options.jwksMaxKeys, 20, COUNT),
    tokenCacheSize: numberOption('tokenCacheSize', options.tokenCacheSize, 1000, CACHE_SIZE),
    tokenCacheMaxAge: numberOption('tokenCacheMaxAge', options.tokenCacheMaxAge, 60_000, MILLISECONDS),
    maxTokenLength: numberOption('maxTokenLength', options.maxTokenLength, 8192, COUNT),
    clientId: text('clientId', options.clientId),
    strict: flag('strict', options.strict, false),
    dpop: resolveDpop(options.dpop),
    mtls: resolveMtls(options.mtls),
    clock: callable('clock', options.clock) ?? Date.now,
    onEvent: callable('onEvent', options.onEvent),
  };
}
