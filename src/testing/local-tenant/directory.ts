/**
 * What every part of the tenant shares: its settings, the OpenID scopes, and the lookups (users,
 * applications, RBAC) that the provider's configuration, the grants, the implicit response mode and
 * the tenant's own routes consult. Nothing here depends on oidc-provider.
 */
import type { JWK } from 'jose';
import { TenantOrganizations } from './organizations';
import type { LocalTenantClient, SeededOrganization, SeededUser } from './seed';

/**
 * How the tenant carries `offline_access` (a refresh token, please) through oidc-provider, which
 * drops `offline_access` from any authorization request without `prompt=consent` (OpenID Connect
 * Core §11), where Auth0 asks first-party applications no consent. Requests are renamed on the way
 * in ({@link toProviderScope}), answers and tokens on the way out ({@link toAuth0Scope}).
 *
 * @example
 * ```ts
 * const issueRefreshToken = async (_ctx, client, source) => client.grantTypeAllowed('refresh_token') && source.scopes.has(OFFLINE_SCOPE);
 * ```
 */
export const OFFLINE_SCOPE = 'local-tenant:offline_access';

/**
 * The OpenID Connect scopes (with `offline_access` under its provider-side name); every user may be
 * given them.
 *
 * @example
 * ```ts
 * const oidcScopes = requested.filter((scope) => OIDC_SCOPES.includes(scope));
 * ```
 */
export const OIDC_SCOPES: readonly string[] = ['openid', 'profile', 'email', OFFLINE_SCOPE];

function renameScope(scope: string, from: string, to: string): string {
  return scope
    .split(' ')
    .map((s) => (s === from ? to : s))
    .join(' ');
}

/**
 * A scope parameter as a client sent it → as oidc-provider gets it (`offline_access` renamed).
 *
 * @example
 * ```ts
 * toProviderScope('openid offline_access'); // 'openid local-tenant:offline_access'
 * ```
 */
export function toProviderScope(scope: string): string {
  return renameScope(scope, 'offline_access', OFFLINE_SCOPE);
}

/**
 * A scope as oidc-provider has it → as Auth0 shows it, in tokens and answers.
 *
 * @example
 * ```ts
 * toAuth0Scope('openid local-tenant:offline_access'); // 'openid offline_access'
 * ```
 */
export function toAuth0Scope(scope: string): string {
  return renameScope(scope, OFFLINE_SCOPE, 'offline_access');
}

/**
 * Auth0's password grant with a connection (`realm`): what Auth0's Node authentication SDKs send
 * when given a realm. An application allowed the password grant may use it too.
 *
 * @example
 * ```ts
 * provider.registerGrantType(PASSWORD_REALM_GRANT, handler, ['username', 'password', 'realm', 'scope', 'audience']);
 * ```
 */
export const PASSWORD_REALM_GRANT = 'http://auth0.com/oauth/grant-type/password-realm';

/**
 * Stands for "no scope" in an authorization request for an API that asks none. oidc-provider
 * refuses (`access_denied`) an authorization that grants no scope at all, where Auth0 issues a token
 * with an empty scope; with this scope requested, the grant oidc-provider checks at /authorize is
 * not empty (see the RBAC grant in grants.ts), and RBAC drops it from every token as it is nobody's
 * permission.
 *
 * @example
 * ```ts
 * query.set('scope', NO_SCOPE); // an authorization request with an audience and no scope
 * ```
 */
export const NO_SCOPE = 'local-tenant:no-scope';

/**
 * The shape of the access tokens (Auth0 dashboard → APIs → Settings → Token Profile): `auth0`
 * (`typ: JWT`, `azp`) or `rfc9068` (RFC 9068: `typ: at+jwt`, `client_id` and `jti` instead of `azp`).
 */
export type AccessTokenProfile = 'auth0' | 'rfc9068';

/** What the provider is built from (all defaults applied). */
export interface TenantSettings {
  /** The issuer, `http://localhost:{port}/`. */
  issuer: string;
  /** The API identifier. */
  audience: string;
  /**
   * Every API's identifier, {@link audience} first: the others share its permissions, the users'
   * permissions and the applications' grants (e.g. an MCP server's URL beside the API's).
   */
  audiences: string[];
  /** The API's permissions. */
  apiScopes: string[];
  /** The namespaced claim that carries users' email. */
  emailClaim: string;
  /** The database connection's name (`realm`). */
  connection: string;
  /** The users. */
  users: SeededUser[];
  /** The applications. */
  clients: LocalTenantClient[];
  /** The roles: name → the API permissions they grant. */
  roles: Record<string, string[]>;
  /** The organizations. */
  organizations: SeededOrganization[];
  /** "Allow Organization Names in Authentication API": names at `/authorize`, `org_name` in tokens. */
  organizationNames: boolean;
  /** Access token lifetime, seconds. */
  accessTokenLifetime: number;
  /** The access tokens' profile. */
  accessTokenProfile: AccessTokenProfile;
  /** The signing key set (private JWKs with `kid`). */
  jwks: { keys: JWK[] };
  /** Keys that sign the tenant's cookies. */
  cookieKeys: string[];
}

/** The resource server (API) description oidc-provider needs. */
export interface ResourceServerInfo {
  /** The API identifier. */
  audience: string;
  /** The scopes the API offers the client, space-separated. */
  scope: string;
  /** Always JWT access tokens, as Auth0 issues for an API. */
  accessTokenFormat: 'jwt';
  /** Access token lifetime, seconds. */
  accessTokenTTL: number;
  /** The access tokens' signing algorithm. */
  jwt: { sign: { alg: string } };
}

/**
 * Lookups shared by the provider's hooks, the grants and the tenant's own routes.
 *
 * @example
 * ```ts
 * const directory = new TenantDirectory(settings);
 * const user = directory.authenticate('admin@example.com', 'admin');
 * const { granted, dropped } = directory.grantedUserScopes(user!, ['openid', 'read:blabla', 'write:blabla']);
 * ```
 */
export class TenantDirectory {
  /** The settings the tenant was built from. */
  readonly settings: TenantSettings;
  /** The organizations, and the organization of each grant. */
  readonly organizations: TenantOrganizations;
  private readonly usersById: Map<string, SeededUser>;
  private readonly usersByEmail: Map<string, SeededUser>;
  private readonly clientsById: Map<string, LocalTenantClient>;

  constructor(settings: TenantSettings) {
    this.settings = settings;
    this.usersById = new Map(settings.users.map((u) => [u.userId, u]));
    this.usersByEmail = new Map(settings.users.map((u) => [u.email, u]));
    this.clientsById = new Map(settings.clients.map((c) => [c.clientId, c]));
    this.organizations = new TenantOrganizations(settings.organizations, settings.roles, settings.organizationNames);
  }

  /** The user with this id (`sub`), or undefined. */
  userById(id: string | undefined): SeededUser | undefined {
    return id === undefined ? undefined : this.usersById.get(id);
  }

  /** The user with this email and password, or undefined. */
  authenticate(email: unknown, password: unknown): SeededUser | undefined {
    if (typeof email !== 'string' || typeof password !== 'string') return undefined;
    const user = this.usersByEmail.get(email.trim().toLowerCase());
    return user !== undefined && user.password === password ? user : undefined;
  }

  /** The application with this client id, or undefined. */
  client(id: string | undefined): LocalTenantClient | undefined {
    return id === undefined ? undefined : this.clientsById.get(id);
  }

  /**
   * The user's permissions on the API: their own, or in a sign-in to an organization what their
   * roles in that organization grant (Auth0 puts only those into such a token).
   */
  permissionsOf(user: SeededUser, organization?: SeededOrganization): string[] {
    const held = organization === undefined ? user.permissions : this.organizations.permissionsOf(organization, user);
    return held.filter((p) => this.settings.apiScopes.includes(p));
  }

  /**
   * RBAC as Auth0 applies it to users: of the requested scopes, the OpenID ones and the API
   * permissions the user holds (in the organization of the sign-in, if any) are granted; the rest
   * are dropped.
   */
  grantedUserScopes(
    user: SeededUser,
    requested: Iterable<string>,
    organization?: SeededOrganization,
  ): { granted: string[]; dropped: string[] } {
    const permissions = new Set(this.permissionsOf(user, organization));
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

  /** Whether `identifier` names one of the tenant's APIs. */
  isApi(identifier: unknown): identifier is string {
    return typeof identifier === 'string' && this.settings.audiences.includes(identifier);
  }

  /** The resource server (API) description oidc-provider needs, of `audience` (default the first API). */
  resourceServer(clientId: string | undefined, audience: string = this.settings.audience): ResourceServerInfo {
    return {
      audience,
      scope: this.resourceScopesFor(clientId).join(' '),
      accessTokenFormat: 'jwt',
      accessTokenTTL: this.settings.accessTokenLifetime,
      jwt: { sign: { alg: 'RS256' } },
    };
  }
}
