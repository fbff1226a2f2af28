/**
 * The oidc-provider configuration that makes it look like an Auth0 tenant: Auth0's URL layout,
 * Auth0-shaped access tokens (see AUTH0.md), RBAC on user scopes, and the grants Auth0 offers
 * (authorization code + PKCE, implicit `response_type=token`, client credentials, password), with
 * DPoP-bound tokens on request and Auth0's RFC 9068 token profile as an option.
 */
import type { JWK } from 'jose';
import { DPOP_SIGNING_ALGORITHMS } from './dpop';
import { implicitTokenResponseMode, IMPLICIT_RESPONSE_MODE } from './implicit';
import { clientCredentialsGrant, passwordGrant } from './grants';
import { errorPage } from './pages';
import type { OidcProviderModule, Provider, ProviderContext, ProviderGrant, ProviderToken } from './oidc-provider';
import type { LocalTenantClient, SeededUser } from './seed';

/** The OpenID Connect scopes; every user may be given them. */
export const OIDC_SCOPES: readonly string[] = ['openid', 'profile', 'email'];

/**
 * Stands for "no scope" in an authorization request for an API that asks none. oidc-provider
 * refuses (`access_denied`) an authorization that grants no scope at all, where Auth0 issues a token
 * with an empty scope; with this scope requested, the grant oidc-provider checks at /authorize is
 * not empty (see rbacGrant), and RBAC drops it from every token as it is nobody's permission.
 */
export const NO_SCOPE = 'local-tenant:no-scope';

/**
 * The shape of the access tokens (Auth0 dashboard → APIs → Settings → Token Profile): `auth0`
 * (`typ: JWT`, `azp`) or `rfc9068` (RFC 9068: `typ: at+jwt`, `client_id` and `jti` instead of `azp`).
 */
export type AccessTokenProfile = 'auth0' | 'rfc9068';

/** What the provider is built from (all defaults applied). */
export interface TenantSettings {
  issuer: string;
  audience: string;
  /** The API's permissions. */
  apiScopes: string[];
  emailClaim: string;
  users: SeededUser[];
  clients: LocalTenantClient[];
  /** Access token lifetime, seconds. */
  accessTokenLifetime: number;
  /** The access tokens' profile. */
  accessTokenProfile: AccessTokenProfile;
  /** The signing key set (private JWKs with `kid`). */
  jwks: { keys: JWK[] };
  /** Keys that sign the tenant's cookies. */
  cookieKeys: string[];
}

/** Lookups shared by the provider's hooks, the grants and the tenant's own routes. */
export class TenantDirectory {
  readonly settings: TenantSettings;
  private readonly usersById: Map<string, SeededUser>;
  private readonly usersByEmail: Map<string, SeededUser>;
  private readonly clientsById: Map<string, LocalTenantClient>;

  constructor(settings: TenantSettings) {
    this.settings = settings;
    this.usersById = new Map(settings.users.map((u) => [u.userId, u]));
    this.usersByEmail = new Map(settings.users.map((u) => [u.email, u]));
    this.clientsById = new Map(settings.clients.map((c) => [c.clientId, c]));
  }

  userById(id: string | undefined): SeededUser | undefined {
    return id === undefined ? undefined : this.usersById.get(id);
  }

  /** The user with this email and password, or undefined. */
  authenticate(email: unknown, password: unknown): SeededUser | undefined {
    if (typeof email !== 'string' || typeof password !== 'string') return undefined;
    const user = this.usersByEmail.get(email.trim().toLowerCase());
    return user !== undefined && user.password === password ? user : undefined;
  }

  client(id: string | undefined): LocalTenantClient | undefined {
    return id === undefined ? undefined : this.clientsById.get(id);
  }

  /** The user's permissions on the API. */
  permissionsOf(user: SeededUser): string[] {
    return user.permissions.filter((p) => this.settings.apiScopes.includes(p));
  }

  /**
   * RBAC as Auth0 applies it to users: of the requested scopes, the OpenID ones and the API
   * permissions the user holds are granted; the rest are dropped.
   */
  grantedUserScopes(user: SeededUser, requested: Iterable<string>): { granted: string[]; dropped: string[] } {
    const permissions = new Set(this.permissionsOf(user));
    const granted: string[] = [];
    const dropped: string[] = [];
    for (const scope of new Set(requested)) {
      if (scope === '') continue;
      if (OIDC_SCOPES.includes(scope) || permissions.has(scope)) granted.push(scope);
      else dropped.push(scope);
    }
    return { granted, dropped };
  }

  /** What the API offers a client: every scope to user-facing apps, the granted ones to machines. */
  resourceScopesFor(clientId: string | undefined): string[] {
    const client = this.client(clientId);
    if (client?.type === 'm2m') return (client.grants ?? []).filter((g) => this.settings.apiScopes.includes(g));
    return [...OIDC_SCOPES, ...this.settings.apiScopes, NO_SCOPE];
  }

  /** The resource server (API) description oidc-provider needs. */
  resourceServer(clientId: string | undefined): {
    audience: string;
    scope: string;
    accessTokenFormat: 'jwt';
    accessTokenTTL: number;
    jwt: { sign: { alg: string } };
  } {
    return {
      audience: this.settings.audience,
      scope: this.resourceScopesFor(clientId).join(' '),
      accessTokenFormat: 'jwt',
      accessTokenTTL: this.settings.accessTokenLifetime,
      jwt: { sign: { alg: 'RS256' } },
    };
  }
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    const { protocol, hostname } = new URL(origin);
    return protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(hostname);
  } catch {
    return false;
  }
}

function clientMetadata(client: LocalTenantClient): Record<string, unknown> {
  if (client.type === 'm2m') {
    return {
      client_id: client.clientId,
      client_secret: client.clientSecret,
      client_name: client.name ?? client.clientId,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    };
  }
  return {
    client_id: client.clientId,
    client_name: client.name ?? client.clientId,
    // "native" makes oidc-provider accept http loopback callbacks on any port (RFC 8252 §7.3),
    // which a docs page served on a chosen port needs.
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'password'],
    // `none` carries Swagger UI's implicit `response_type=token` (see implicit.ts).
    response_types: ['code', 'none'],
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.logoutUrls,
  };
}

/**
 * What the token profile adds: Auth0's `azp`, or RFC 9068's `client_id` and `jti` (and its `typ`);
 * and the sender constraint (`cnf`, RFC 9449 §6.1) oidc-provider set from the DPoP binding.
 */
function profileClaims(
  profile: AccessTokenProfile,
  source: Record<string, unknown>,
  clientId: string,
): { claims: Record<string, unknown>; typ: string } {
  const cnf = source.cnf === undefined ? {} : { cnf: source.cnf };
  if (profile === 'rfc9068') return { claims: { client_id: clientId, jti: source.jti, ...cnf }, typ: 'at+jwt' };
  return { claims: { azp: clientId, ...cnf }, typ: 'JWT' };
}

/**
 * Shapes a JWT access token as Auth0 does: `typ: JWT`, `sub` (`{client_id}@clients` for machines),
 * `aud` (with `{issuer}userinfo` when `openid` was granted), `scope`, `permissions`, `azp`, `gty`
 * for client credentials and password, the namespaced email claim for users, `cnf.jkt` when bound
 * to a DPoP key; no `client_id`/`jti`. With the RFC 9068 profile: `typ: at+jwt`, `client_id` and
 * `jti` instead of `azp`.
 */
function auth0Shape(directory: TenantDirectory) {
  return async (
    _ctx: unknown,
    token: ProviderToken,
    jwt: { header?: Record<string, unknown>; payload: Record<string, unknown> },
  ): Promise<void> => {
    const { settings } = directory;
    const source = jwt.payload;
    const clientId = String(source.client_id);
    const scopes = typeof source.scope === 'string' ? source.scope.split(' ').filter(Boolean) : [];
    const machine = token.kind === 'ClientCredentials';
    const claims: Record<string, unknown> = {};
    const user = machine ? undefined : directory.userById(token.accountId);
    if (user !== undefined) claims[settings.emailClaim] = user.email;
    // RBAC once more, where the token is signed: a user token never carries a scope the user lacks.
    const scope = user === undefined ? scopes : directory.grantedUserScopes(user, scopes).granted;
    Object.assign(claims, {
      iss: source.iss,
      sub: machine ? `${clientId}@clients` : source.sub,
      aud: scope.includes('openid') ? [source.aud, `${settings.issuer}userinfo`] : source.aud,
      iat: source.iat,
      exp: source.exp,
      scope: scope.join(' '),
    });
    if (machine) claims.gty = 'client-credentials';
    else if (token.gty === 'password') claims.gty = 'password';
    const profile = profileClaims(settings.accessTokenProfile, source, clientId);
    Object.assign(claims, profile.claims);
    if (machine) claims.permissions = scope;
    else if (user !== undefined) claims.permissions = directory.permissionsOf(user);
    jwt.payload = claims;
    jwt.header = { ...jwt.header, typ: profile.typ };
  };
}

/**
 * The grant behind user tokens, decided as Auth0 decides: first-party applications need no consent,
 * and RBAC drops requested API scopes the user was not given.
 *
 * Two grants with one id: the stored one follows RBAC (dropped scopes recorded as rejected), and
 * tokens are issued from it (the code exchange reads it back; the implicit response applies the
 * same rule). The one oidc-provider consults at /authorize lists every requested scope, because
 * oidc-provider answers `access_denied` to an authorization that grants no scope at all, where
 * Auth0 issues a token with an empty scope (a user without the permission still signs in, and the
 * API answers 403).
 */
/** The grant already stored for this account and client, or a new one. */
async function storedGrant(ctx: ProviderContext, Grant: Provider['Grant'], accountId: string, clientId: string): Promise<ProviderGrant> {
  const { oidc } = ctx;
  const grantId = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(clientId);
  const stored = grantId === undefined ? undefined : await Grant.find(grantId);
  if (stored === undefined || stored.accountId !== accountId || stored.clientId !== clientId) return new Grant({ accountId, clientId });
  return stored;
}

function rbacGrant(provider: () => Provider, directory: TenantDirectory) {
  return async (ctx: ProviderContext): Promise<ProviderGrant | undefined> => {
    const { oidc } = ctx;
    const client = oidc.client;
    const accountId = oidc.account?.accountId;
    if (client === undefined || accountId === undefined) return undefined;
    const user = directory.userById(accountId);
    const { Grant } = provider();
    const stored = await storedGrant(ctx, Grant, accountId, client.clientId);
    const shown = new Grant({ accountId, clientId: client.clientId });
    const oidcScopes = [...oidc.requestParamOIDCScopes];
    if (oidcScopes.length > 0) {
      stored.addOIDCScope(oidcScopes.join(' '));
      shown.addOIDCScope(oidcScopes.join(' '));
    }
    for (const [indicator, resourceServer] of Object.entries(oidc.resourceServers)) {
      const requested = [...oidc.requestParamScopes].filter((s) => resourceServer.scopes.has(s));
      if (requested.length === 0) continue;
      const { granted, dropped } = user === undefined ? { granted: [], dropped: requested } : directory.grantedUserScopes(user, requested);
      if (granted.length > 0) stored.addResourceScope(indicator, granted.join(' '));
      if (dropped.length > 0) stored.rejectResourceScope(indicator, dropped.join(' '));
      shown.addResourceScope(indicator, requested.join(' '));
    }
    shown.jti = await stored.save();
    return shown;
  };
}

/** Builds the provider. Routes and pages of the tenant's own are added by the caller. */
export function createProvider(
  oidc: OidcProviderModule,
  memoryAdapter: ((clockTolerance?: number) => unknown) | undefined,
  directory: TenantDirectory,
): Provider {
  const { settings } = directory;
  const { errors, interactionPolicy } = oidc;
  let instance: Provider | undefined;
  const provider = (): Provider => instance as Provider;

  const policy = interactionPolicy.base();
  // Auth0 asks no consent of first-party applications; the grant is decided by rbacGrant().
  policy.get('consent')?.checks.remove('native_client_prompt');

  const configuration: Record<string, unknown> = {
    ...(memoryAdapter === undefined ? {} : { adapter: memoryAdapter(0) }),
    jwks: settings.jwks,
    clients: settings.clients.map(clientMetadata),
    cookies: {
      keys: settings.cookieKeys,
      names: { session: 'auth0', interaction: '_interaction', resume: '_interaction_resume' },
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'nickname', 'updated_at'],
    },
    scopes: [...OIDC_SCOPES],
    responseTypes: ['code', 'id_token', 'code id_token', 'none'],
    extraParams: ['audience'],
    // Proof algorithms for DPoP-bound tokens (RFC 9449), at the code exchange and in grants.ts.
    enabledJWA: { dPoPSigningAlgValues: [...DPOP_SIGNING_ALGORITHMS] },
    features: {
      dPoP: { enabled: true },
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      userinfo: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: ProviderContext, form: string) => {
          // RP-initiated logout (`/oidc/logout`) confirms itself: the tenant is a local stand-in.
          ctx.type = 'html';
          ctx.body = `<!DOCTYPE html><html><body>${form.replace('</form>', '<input type="hidden" name="logout" value="yes"></form>')}<script>document.forms[0].submit()</script></body></html>`;
        },
        postLogoutSuccessSource: async (ctx: ProviderContext) => {
          ctx.type = 'html';
          ctx.body = errorPage({ message: 'You are signed out.' }).replace('Something went wrong', 'Logged out');
        },
      },
      resourceIndicators: {
        enabled: true,
        // Auth0's `audience` parameter names the API; oidc-provider calls it a resource indicator.
        defaultResource: async (ctx: ProviderContext, _client: unknown, oneOf?: string | string[]) => {
          if (oneOf !== undefined) return oneOf;
          const audience = ctx.oidc.params.audience ?? ctx.oidc.body?.audience;
          return typeof audience === 'string' && audience !== '' ? audience : undefined;
        },
        // The token endpoint gets no `audience`: the API asked for at /authorize applies.
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: ProviderContext, indicator: string, client: { clientId: string }) => {
          if (indicator !== settings.audience) {
            throw new errors.InvalidTarget(`Service not found: ${indicator}`);
          }
          return directory.resourceServer(client.clientId);
        },
      },
    },
    formats: { customizers: { jwt: auth0Shape(directory) } },
    loadExistingGrant: rbacGrant(provider, directory),
    findAccount: async (_ctx: unknown, sub: string) => {
      const user = directory.userById(sub);
      if (user === undefined) return;
      return {
        accountId: user.userId,
        claims: async () => ({
          sub: user.userId,
          email: user.email,
          email_verified: true,
          name: user.name,
          nickname: user.email.split('@')[0],
        }),
      };
    },
    interactions: {
      policy,
      url: async (_ctx: unknown, interaction: { uid: string }) => `/u/login/${interaction.uid}`,
    },
    routes: {
      authorization: '/authorize',
      token: '/oauth/token',
      jwks: '/.well-known/jwks.json',
      userinfo: '/userinfo',
      end_session: '/oidc/logout',
      revocation: '/oauth/revoke',
      pushed_authorization_request: '/oauth/par',
    },
    ttl: {
      AccessToken: settings.accessTokenLifetime,
      ClientCredentials: settings.accessTokenLifetime,
      AuthorizationCode: 60,
      IdToken: 36_000,
      Interaction: 3600,
      Session: 3 * 86_400,
      Grant: 3 * 86_400,
      RefreshToken: 30 * 86_400,
    },
    clientBasedCORS: (_ctx: unknown, origin: string, client: { clientId: string; redirectUris: string[] }) => {
      // Browsers call /oauth/token from the docs page, for every sign-in it offers (client
      // credentials included): Auth0's "Allowed Web Origins", where loopback origins are always
      // allowed here, the application's own web origins and its callbacks' origins.
      const webOrigins = directory.client(client.clientId)?.webOrigins ?? [];
      return (
        isLoopbackOrigin(origin) ||
        webOrigins.some((allowed) => URL.parse(allowed)?.origin === origin) ||
        client.redirectUris.some((uri) => URL.parse(uri)?.origin === origin)
      );
    },
    renderError: async (ctx: ProviderContext, out: Record<string, unknown>) => {
      ctx.type = 'html';
      ctx.body = errorPage(out);
    },
  };

  instance = new oidc.Provider(settings.issuer, configuration);
  instance.registerResponseMode(IMPLICIT_RESPONSE_MODE, implicitTokenResponseMode(instance, directory));
  instance.registerGrantType('password', passwordGrant(instance, oidc, directory), ['username', 'password', 'scope', 'audience', 'realm']);
  // Replaces oidc-provider's own handler: Auth0's takes `audience`, defaults `scope` to every
  // granted permission and refuses scopes the application was not granted.
  instance.registerGrantType('client_credentials', clientCredentialsGrant(instance, oidc, directory), ['scope', 'audience', 'resource']);
  return instance;
}
