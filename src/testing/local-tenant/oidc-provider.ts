/**
 * Loads oidc-provider, the OAuth 2.0 / OpenID Connect server the local tenant is built on. It is an
 * optional peer dependency: the library itself never needs it, only the local tenant does.
 *
 * The types below cover the small part of oidc-provider's API the tenant uses (the package ships no
 * type declarations of its own), so that nothing in this library's public types refers to it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The Koa context oidc-provider hands to its hooks and middleware (only what the tenant reads). */
export interface ProviderContext {
  method: string;
  path: string;
  url: string;
  querystring: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  type: string;
  req: IncomingMessage;
  res: ServerResponse;
  request: { origin: string };
  get(name: string): string;
  set(name: string, value: string): void;
  redirect(url: string): void;
  cookies: { set(name: string, value: string | null, options?: Record<string, unknown>): void };
  oidc: OidcContext;
}

/** `ctx.oidc`: the request as oidc-provider understood it. */
export interface OidcContext {
  route: string;
  params: Record<string, string | undefined>;
  body?: Record<string, string | string[] | undefined>;
  client?: ProviderClient;
  session?: ProviderSession;
  account?: { accountId: string };
  grant?: ProviderGrant;
  result?: { consent?: { grantId?: string } };
  resourceServers: Record<string, ProviderResourceServer>;
  requestParamScopes: Set<string>;
  requestParamOIDCScopes: Set<string>;
  claims: Record<string, unknown>;
  entity(name: string, value: unknown): void;
  /** The absolute URL of a route (`token`…) as this request reached it. */
  urlFor(name: string): string;
}

export interface ProviderClient {
  clientId: string;
  clientName?: string;
  clientAuthMethod: string;
  grantTypes: string[];
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypeAllowed(type: string): boolean;
  postLogoutRedirectUriAllowed(uri: string): boolean;
}

export interface ProviderSession {
  uid: string;
  accountId?: string;
  grantIdFor(clientId: string): string | undefined;
  sidFor(clientId: string): string | undefined;
  destroy(): Promise<void>;
}

export interface ProviderGrant {
  jti: string | undefined;
  accountId: string;
  clientId: string;
  addOIDCScope(scope: string): void;
  addResourceScope(resource: string, scope: string): void;
  rejectResourceScope(resource: string, scope: string): void;
  getResourceScopeFiltered(resource: string, filter: Iterable<string>): string;
  save(): Promise<string>;
}

export interface ProviderResourceServer {
  audience: string;
  scope: string;
  readonly scopes: Set<string>;
  accessTokenTTL?: number;
  accessTokenFormat?: 'jwt' | 'opaque';
}

/** An access token model instance (AccessToken or ClientCredentials). */
export interface ProviderToken {
  kind: string;
  gty?: string;
  accountId?: string;
  scope?: string;
  resourceServer?: ProviderResourceServer;
  claims?: unknown;
  expiration: number;
  tokenType: string;
  /** Binds the token to a DPoP key (`'jkt'`, the key's thumbprint) or a certificate (`'x5t'`). */
  setThumbprint(kind: 'jkt' | 'x5t', value: string): void;
  save(): Promise<string>;
}

export interface ProviderInteraction {
  uid: string;
  prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
  params: Record<string, string | undefined>;
  session?: { accountId?: string };
  grantId?: string;
}

type TokenConstructor = new (payload: Record<string, unknown>) => ProviderToken;

/** An oidc-provider `Provider` (a Koa application). */
export interface Provider {
  readonly issuer: string;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  use(middleware: (ctx: ProviderContext, next: () => Promise<void>) => Promise<void>): Provider;
  on(event: string, listener: (...args: any[]) => void): Provider;
  registerGrantType(name: string, handler: (ctx: ProviderContext, next: () => Promise<void>) => Promise<void>, params?: string[]): void;
  registerResponseMode(
    name: string,
    handler: (ctx: ProviderContext, redirectUri: string, payload: Record<string, unknown>) => Promise<void> | void,
  ): void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<ProviderInteraction>;
  interactionResult(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<string>;
  cookieName(type: 'session' | 'interaction' | 'resume'): string;
  readonly AccessToken: TokenConstructor;
  readonly ClientCredentials: TokenConstructor;
  readonly Grant: (new (payload: {
    accountId: string;
    clientId: string;
  }) => ProviderGrant) & {
    find(id: string): Promise<ProviderGrant | undefined>;
  };
  readonly Client: { find(id: string): Promise<ProviderClient | undefined> };
  readonly Session: { get(ctx: ProviderContext): Promise<ProviderSession> };
  /** Remembers a `jti` per issuer until `exp` (seconds); false when it was seen before. */
  readonly ReplayDetection: { unique(iss: string, jti: string, exp: number): Promise<boolean> };
  readonly ResourceServer: new (identifier: string, info: Omit<ProviderResourceServer, 'scopes'>) => ProviderResourceServer;
}

/** The oidc-provider module, as far as the tenant uses it. */
export interface OidcProviderModule {
  Provider: new (issuer: string, configuration: Record<string, unknown>) => Provider;
  errors: Record<string, new (description?: string, detail?: string) => Error & { status: number; error: string }>;
  interactionPolicy: {
    base(): Array<{ name: string; checks: { remove(reason: string): void } }> & {
      get(name: string): { name: string; checks: { remove(reason: string): void } } | undefined;
    };
  };
}

/** The package to install, and the version line this tenant is written against. */
export const OIDC_PROVIDER_PACKAGE = 'oidc-provider@9';

let loaded: { module: OidcProviderModule; memoryAdapter: ((clockTolerance?: number) => unknown) | undefined } | undefined;

function isMissing(error: unknown, name: string): boolean {
  const e = error as NodeJS.ErrnoException | undefined;
  return (e?.code === 'MODULE_NOT_FOUND' || e?.code === 'ERR_MODULE_NOT_FOUND') && String(e.message).includes(name);
}

/**
 * Loads oidc-provider, or throws an error that says which package to install.
 *
 * @example
 * ```ts
 * const { module } = loadOidcProvider();
 * ```
 */
export function loadOidcProvider(): NonNullable<typeof loaded> {
  if (loaded !== undefined) return loaded;
  // oidc-provider warns on every Node version that is not its preferred LTS line; it runs on the
  // Node versions this library supports (>= 20.19), so that one warning is only noise here.
  // biome-ignore lint/suspicious/noConsole: filters one known start-up warning of oidc-provider, passing every other on
  const warn = console.warn;
  console.warn = (...args: unknown[]): void => {
    if (typeof args[0] === 'string' && args[0].startsWith('oidc-provider WARNING: Unsupported runtime')) return;
    warn.apply(console, args);
  };
  let module: OidcProviderModule;
  try {
    module = require('oidc-provider') as OidcProviderModule;
  } catch (error) {
    if (isMissing(error, 'oidc-provider')) {
      throw new Error(
        `routing-controllers-auth0/testing: the local tenant needs the optional peer dependency oidc-provider; install it with \`npm install --save-dev ${OIDC_PROVIDER_PACKAGE}\``,
        { cause: error },
      );
    }
    throw error;
  } finally {
    console.warn = warn;
  }
  // The in-memory store oidc-provider uses by default, one per tenant (the default instance is
  // shared by the whole process and prints a production warning).
  let memoryAdapter: ((clockTolerance?: number) => unknown) | undefined;
  try {
    memoryAdapter = (require('oidc-provider/lib/adapters/memory_adapter.js') as { createMemoryAdapter?: (t?: number) => unknown })
      .createMemoryAdapter;
  } catch {
    memoryAdapter = undefined;
  }
  loaded = { module, memoryAdapter };
  return loaded;
}
