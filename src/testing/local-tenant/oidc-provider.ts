/**
 * Loads oidc-provider, the OAuth 2.0 / OpenID Connect server the local tenant is built on. It is an
 * optional peer dependency: the library itself never needs it, only the local tenant does.
 *
 * The types below cover the small part of oidc-provider's API the tenant uses (the package ships no
 * type declarations of its own), so that nothing in this library's public types refers to it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isMissingModule } from './missing-module';

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
  request: { origin: string; req: IncomingMessage };
  /** The request's media type if it is one of `types` (`false` if not, `null` without a body). */
  is(...types: string[]): string | false | null;
  /** A request header by name; `''` when absent. */
  get(name: string): string;
  /** Sets a response header. */
  set(name: string, value: string): void;
  /** Answers with a redirect to `url` (the status set before, else 302). */
  redirect(url: string): void;
  /** The response's cookies. */
  cookies: ProviderCookies;
  /** The request as oidc-provider understood it. */
  oidc: OidcContext;
}

/** `ctx.cookies`: sets (or, with `null`, clears) a cookie of the response. */
export interface ProviderCookies {
  /** Sets cookie `name` to `value`; `null` clears it. */
  set(name: string, value: string | null, options?: Record<string, unknown>): void;
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
  /** Records a model instance this request produced (`AccessToken`, `ClientCredentials`…) for oidc-provider's events. */
  entity(name: string, value: unknown): void;
  /** The absolute URL of a route (`token`…) as this request reached it. */
  urlFor(name: string): string;
}

/** A registered client (application), as oidc-provider holds it. */
export interface ProviderClient {
  clientId: string;
  clientName?: string;
  clientAuthMethod: string;
  grantTypes: string[];
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  /** Whether the client may use this grant type. */
  grantTypeAllowed(type: string): boolean;
  /** Whether `uri` is one of the client's post-logout redirect URIs. */
  postLogoutRedirectUriAllowed(uri: string): boolean;
}

/** The end-user's session at the tenant (the `auth0` cookie). */
export interface ProviderSession {
  uid: string;
  accountId?: string;
  /** The id of the grant this session holds for the client. */
  grantIdFor(clientId: string): string | undefined;
  /** The session id (`sid`) for the client. */
  sidFor(clientId: string): string | undefined;
  /** Ends the session. */
  destroy(): Promise<void>;
}

/** What an account granted a client: OpenID scopes and claims, and scopes per resource server. */
export interface ProviderGrant {
  jti: string | undefined;
  accountId: string;
  clientId: string;
  /** Grants OpenID scopes (space-separated). */
  addOIDCScope(scope: string): void;
  /** Grants scopes (space-separated) of resource server `resource`. */
  addResourceScope(resource: string, scope: string): void;
  /** Records scopes (space-separated) of resource server `resource` as refused. */
  rejectResourceScope(resource: string, scope: string): void;
  /** The granted scopes of `resource` among `filter`, space-separated. */
  getResourceScopeFiltered(resource: string, filter: Iterable<string>): string;
  /** Stores the grant; resolves with its id. */
  save(): Promise<string>;
}

/** A resource server (an API, Auth0's `audience`) as oidc-provider describes it. */
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
  /** The grant the token was issued from (user tokens). */
  grantId?: string;
  scope?: string;
  resourceServer?: ProviderResourceServer;
  claims?: unknown;
  expiration: number;
  tokenType: string;
  /** Binds the token to a DPoP key (`'jkt'`, the key's thumbprint) or a certificate (`'x5t'`). */
  setThumbprint(kind: 'jkt' | 'x5t', value: string): void;
  /** Issues the token; resolves with its value (the JWT, or the opaque token). */
  save(): Promise<string>;
}

/** A pending interaction (the login page's `uid`), as `interactionDetails` returns it. */
export interface ProviderInteraction {
  uid: string;
  prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
  params: Record<string, string | undefined>;
  session?: { accountId?: string };
  grantId?: string;
}

type TokenConstructor = new (payload: Record<string, unknown>) => ProviderToken;

/** An ID token being made: the account's claims, masked by `scope` when issued. */
export interface ProviderIdToken {
  /** The OpenID scopes whose claims go in (space-separated). */
  scope: string;
  /** Signs the token for its use; resolves with the JWT. */
  issue(options: { use: 'idtoken' }): Promise<string>;
}

/** The Grant model: a constructor, and the lookup of a stored grant. */
export interface ProviderGrantModel {
  new (payload: { accountId: string; clientId: string }): ProviderGrant;
  /** The stored grant with this id. */
  find(id: string): Promise<ProviderGrant | undefined>;
}

/** The Client model: the lookup of a client by id. */
export interface ProviderClientModel {
  /** The client with this id. */
  find(id: string): Promise<ProviderClient | undefined>;
}

/** The Session model: the session of a request. */
export interface ProviderSessionModel {
  /** The request's session (a new, empty one when it has none). */
  get(ctx: ProviderContext): Promise<ProviderSession>;
}

/** An oidc-provider `Provider` (a Koa application). */
export interface Provider {
  readonly issuer: string;
  /** The Node request handler. */
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  /** Adds a middleware in front of oidc-provider's router. */
  use(middleware: (ctx: ProviderContext, next: () => Promise<void>) => Promise<void>): Provider;
  /** Listens to one of oidc-provider's events. */
  on(event: string, listener: (...args: unknown[]) => void): Provider;
  /** Adds (or replaces) the handler of a grant type at the token endpoint, with the parameters it reads. */
  registerGrantType(name: string, handler: (ctx: ProviderContext, next: () => Promise<void>) => Promise<void>, params?: string[]): void;
  /** Adds a response mode: how an authorization response reaches the redirect URI. */
  registerResponseMode(
    name: string,
    handler: (ctx: ProviderContext, redirectUri: string, payload: Record<string, unknown>) => Promise<void> | void,
  ): void;
  /** The interaction the request's cookie names; rejects when there is none. */
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<ProviderInteraction>;
  /** Records the interaction's result (login, consent); resolves with the URL to resume the authorization at. */
  interactionResult(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<string>;
  /** The configured name of a cookie. */
  cookieName(type: 'session' | 'interaction' | 'resume'): string;
  readonly AccessToken: TokenConstructor;
  /** The refresh token model: made with the grant, the account, the client, its scope and resource. */
  readonly RefreshToken: new (
    payload: Record<string, unknown>,
  ) => { save(): Promise<string> };
  readonly ClientCredentials: TokenConstructor;
  readonly IdToken: new (claims: Record<string, unknown>, options: { ctx: ProviderContext }) => ProviderIdToken;
  readonly Grant: ProviderGrantModel;
  readonly Client: ProviderClientModel;
  readonly Session: ProviderSessionModel;
  readonly ResourceServer: new (identifier: string, info: Omit<ProviderResourceServer, 'scopes'>) => ProviderResourceServer;
}

/** The checks of one prompt of an interaction policy. */
export interface PolicyChecks {
  /** Removes the check with this reason (e.g. `native_client_prompt`). */
  remove(reason: string): void;
}

/** One prompt (`login`, `consent`) of an interaction policy. */
export interface PolicyPrompt {
  name: string;
  checks: PolicyChecks;
}

/** oidc-provider's interaction policy: its prompts, in order. */
export interface InteractionPolicy extends Array<PolicyPrompt> {
  /** The prompt with this name. */
  get(name: string): PolicyPrompt | undefined;
}

/** The oidc-provider module, as far as the tenant uses it. */
export interface OidcProviderModule {
  Provider: new (issuer: string, configuration: Record<string, unknown>) => Provider;
  errors: Record<string, new (description?: string, detail?: string) => Error & { status: number; error: string }>;
  interactionPolicy: {
    /** A copy of oidc-provider's default policy (prompts `login` and `consent`). */
    base(): InteractionPolicy;
  };
}

/**
 * The package to install, and the version line this tenant is written against.
 *
 * @example
 * ```ts
 * throw new Error(`install it with npm install --save-dev ${OIDC_PROVIDER_PACKAGE}`);
 * ```
 */
export const OIDC_PROVIDER_PACKAGE = 'oidc-provider@9';

let loaded: { module: OidcProviderModule } | undefined;

/**
 * Loads oidc-provider (its public entry point only), or throws an error that says which package to
 * install.
 *
 * @example
 * ```ts
 * const { module } = loadOidcProvider();
 * ```
 */
export function loadOidcProvider(): NonNullable<typeof loaded> {
  if (loaded !== undefined) return loaded;
  let module: OidcProviderModule;
  try {
    module = require('oidc-provider') as OidcProviderModule;
  } catch (error) {
    if (isMissingModule(error, 'oidc-provider')) {
      throw new Error(
        `routing-controllers-auth0/testing: the local tenant needs the optional peer dependency oidc-provider; install it with \`npm install --save-dev ${OIDC_PROVIDER_PACKAGE}\``,
        { cause: error },
      );
    }
    throw error;
  }
  loaded = { module };
  return loaded;
}
