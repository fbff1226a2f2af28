/**
 * Auth0 Organizations at the local tenant, as Auth0 has them (see `docs/organizations.md`):
 *
 * - `organization=<id or name>` at `/authorize` (names only while "Allow Organization Names in
 *   Authentication API" is on): an unknown organization, or one the application's organization
 *   setting refuses, is `invalid_request`; a user who is not a member is `access_denied`; both go
 *   back to the callback with no code;
 * - the access and ID tokens of that sign-in carry `org_id` (and `org_name` while names are on),
 *   and `permissions` holds what the member's roles in that organization grant;
 * - refresh tokens and silent sign-ins keep the organization of the grant they come from;
 * - `organization` for client credentials, to an application granted access to the organization.
 *
 * The organization of a sign-in is kept with its grant (each organization gets a grant of its own,
 * so that an older refresh token keeps its organization), and that of a client credentials token
 * with the token being issued.
 */
import type { OidcProviderModule, ProviderContext } from './oidc-provider';
import type { LocalTenantClient, SeededOrganization, SeededUser } from './seed';

/** What the organization checks read of the tenant's directory (`TenantDirectory` is one). */
export interface OrganizationDirectory {
  readonly organizations: TenantOrganizations;
  client(id: string | undefined): LocalTenantClient | undefined;
}

/** The organization of a token or a grant, as its claims carry it. */
export function organizationClaims(organization: SeededOrganization | undefined, names: boolean): Record<string, string> {
  if (organization === undefined) return {};
  return names ? { org_id: organization.id, org_name: organization.name } : { org_id: organization.id };
}

/** Most grants whose organization is remembered: as many payloads as the tenant's store keeps. */
const MAX_GRANTS = 10_000;

/**
 * The tenant's organizations: lookups by id and name, members and their permissions, the
 * applications granted access, and the organization of each grant and client credentials token.
 *
 * @example
 * ```ts
 * const organizations = new TenantOrganizations(seeded, roles, true);
 * const acme = organizations.find('acme');
 * ```
 */
export class TenantOrganizations {
  /** Whether names are taken at `/authorize` and put into tokens (`org_name`). */
  readonly names: boolean;
  private readonly byId: Map<string, SeededOrganization>;
  private readonly byName: Map<string, SeededOrganization>;
  private readonly roles: Record<string, string[]>;
  private readonly grants = new Map<string, string>();
  private readonly tokens = new WeakMap<object, SeededOrganization>();

  constructor(organizations: readonly SeededOrganization[], roles: Record<string, string[]>, names: boolean) {
    this.byId = new Map(organizations.map((o) => [o.id, o]));
    this.byName = new Map(organizations.map((o) => [o.name, o]));
    this.roles = roles;
    this.names = names;
  }

  /** The organization an `organization` parameter names: an id exactly, a name in any case while names are on. */
  find(value: unknown): SeededOrganization | undefined {
    if (typeof value !== 'string') return undefined;
    if (value.startsWith('org_')) return this.byId.get(value);
    return this.names ? this.byName.get(value.toLowerCase()) : undefined;
  }

  /** The organization with this id. */
  byIdentifier(id: string | undefined): SeededOrganization | undefined {
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** Whether the user is a member of the organization. */
  isMember(organization: SeededOrganization, user: SeededUser): boolean {
    return organization.members.some((member) => member.userId === user.userId);
  }

  /** What the member's roles in the organization grant (none for a non-member). */
  permissionsOf(organization: SeededOrganization, user: SeededUser): string[] {
    const member = organization.members.find((m) => m.userId === user.userId);
    return [...new Set((member?.roles ?? []).flatMap((role) => this.roles[role] ?? []))];
  }

  /** Remembers the organization of a grant (`undefined`: a sign-in to no organization). */
  bindGrant(grantId: string, organization: SeededOrganization | undefined): void {
    this.grants.delete(grantId);
    if (organization === undefined) return;
    if (this.grants.size >= MAX_GRANTS) this.grants.delete(this.grants.keys().next().value as string);
    this.grants.set(grantId, organization.id);
  }

  /** The organization of a grant. */
  ofGrant(grantId: string | undefined): SeededOrganization | undefined {
    return grantId === undefined ? undefined : this.byIdentifier(this.grants.get(grantId));
  }

  /** Remembers the organization of a client credentials token being issued. */
  bindToken(token: object, organization: SeededOrganization): void {
    this.tokens.set(token, organization);
  }

  /** The organization of a client credentials token being issued. */
  ofToken(token: object): SeededOrganization | undefined {
    return this.tokens.get(token);
  }
}

function oauthError(oidc: OidcProviderModule, name: string, description: string, status?: number): Error {
  // Some of oidc-provider's errors keep a fixed description and take the argument as a detail.
  const error = Object.assign(new oidc.errors[name](description), { error_description: description });
  if (status !== undefined) Object.assign(error, { status, statusCode: status });
  return error;
}

/**
 * The `organization` parameter of `/authorize` (an oidc-provider `extraParams` validator, which
 * runs on every authorization request, after the redirect URI is checked, so that its errors go
 * back to the callback): a known organization, and one the application's organization setting
 * allows; or none, unless the application requires one.
 *
 * @example
 * ```ts
 * const configuration = { extraParams: { audience: null, organization: organizationParameter(oidc, directory) } };
 * ```
 */
export function organizationParameter(oidc: OidcProviderModule, directory: OrganizationDirectory) {
  return async (_ctx: ProviderContext, value: string | undefined, client: { clientId: string } | undefined): Promise<void> => {
    const usage = directory.client(client?.clientId)?.organizationUsage ?? 'allow';
    if (value === undefined || value === '') {
      if (usage === 'require') throw oauthError(oidc, 'InvalidRequest', 'parameter organization is required for this client');
      return;
    }
    if (usage === 'deny') throw oauthError(oidc, 'InvalidRequest', 'parameter organization is not allowed for this client');
    if (directory.organizations.find(value) === undefined) throw oauthError(oidc, 'InvalidRequest', 'parameter organization is invalid');
  };
}

/**
 * The organization of an authorization for a signed-in user: the one `organization` names, when
 * the user is a member; `undefined` when none is asked for. A user who is not a member is refused
 * with `access_denied` and Auth0's description, which goes back to the callback with no code.
 *
 * @example
 * ```ts
 * const organization = authorizationOrganization(ctx, oidc, directory, user);
 * ```
 */
export function authorizationOrganization(
  ctx: ProviderContext,
  oidc: OidcProviderModule,
  directory: OrganizationDirectory,
  user: SeededUser | undefined,
): SeededOrganization | undefined {
  const value = ctx.oidc.params.organization;
  if (value === undefined || value === '') return undefined;
  // The parameter was checked when the request came in (organizationParameter).
  const organization = directory.organizations.find(value);
  if (organization === undefined) throw oauthError(oidc, 'InvalidRequest', 'parameter organization is invalid');
  if (user === undefined || !directory.organizations.isMember(organization, user)) {
    throw oauthError(
      oidc,
      'AccessDenied',
      `user ${user?.userId ?? ctx.oidc.account?.accountId} is not part of the ${organization.id} organization`,
    );
  }
  return organization;
}

/**
 * The organization of a client credentials request (`organization`): a known one the application
 * is granted access to; `undefined` when none is asked for. An unknown one is 400
 * `invalid_request`, one the application may not use 403 `access_denied`.
 *
 * @example
 * ```ts
 * const organization = clientCredentialsOrganization(ctx, oidc, directory, client.clientId);
 * ```
 */
export function clientCredentialsOrganization(
  ctx: ProviderContext,
  oidc: OidcProviderModule,
  directory: OrganizationDirectory,
  clientId: string,
): SeededOrganization | undefined {
  const value = ctx.oidc.params.organization;
  if (value === undefined || value === '') return undefined;
  const organization = directory.organizations.find(value);
  if (organization === undefined) throw oauthError(oidc, 'InvalidRequest', 'parameter organization is invalid', 400);
  if (!organization.clients.includes(clientId)) {
    throw oauthError(oidc, 'AccessDenied', `client ${clientId} is not authorized to access the ${organization.id} organization`, 403);
  }
  return organization;
}
