/**
 * The local tenant's data: its API, users, applications, roles and organizations, and the demo
 * data it starts with.
 */
import { createHash } from 'node:crypto';
import { fail, onlyKnown, shown } from '../../core/option-check';

/** A user who can sign in at the local tenant (database connection "Username-Password-Authentication"). */
export interface LocalTenantUser {
  email: string;
  password: string;
  /** Permissions on the API (RBAC), put into `permissions`; also the scopes this user may be given. Default none. */
  permissions?: string[];
  /** `sub`. Default `auth0|` + 24 hex digits derived from the email, like an Auth0 database user. */
  userId?: string;
  /** `name` in the ID token. Default the email. */
  name?: string;
}

/**
 * An application registered at the local tenant (Auth0's application types).
 *
 * - `spa` (Single Page Application): a public client (no secret) for browsers and Swagger UI:
 *   implicit (`response_type=token`), authorization code with PKCE, and the password grant.
 * - `regular_web` (Regular Web Application): a confidential first-party client (id and secret,
 *   sent in the body or with Basic): authorization code (PKCE optional) and the password grant,
 *   `password` or Auth0's `http://auth0.com/oauth/grant-type/password-realm` (what Auth0's Node
 *   authentication SDKs use).
 * - `m2m` (Machine to Machine): a confidential client for the client credentials grant, granted
 *   `grants` on the API.
 */
export interface LocalTenantClient {
  type: 'spa' | 'regular_web' | 'm2m';
  clientId: string;
  /** Required for `regular_web` and `m2m`. */
  clientSecret?: string;
  /** The application's name, shown on the login page. */
  name?: string;
  /**
   * `spa` and `regular_web`: allowed callback URLs. For a `spa`, a loopback URL (`localhost`,
   * `127.0.0.1`, `[::1]`) also matches on any other port. Default for a `spa` the sample's docs
   * redirect pages ({@link SAMPLE_CALLBACK_URLS}), for a `regular_web` `http://localhost:3000/callback`
   * ({@link SAMPLE_WEB_CALLBACK_URLS}).
   */
  redirectUris?: string[];
  /**
   * `spa` and `regular_web`: allowed logout URLs (`returnTo` of `/v2/logout`); for a `spa` loopback
   * ones match on any port. Default the sample's pages ({@link SAMPLE_LOGOUT_URLS}).
   */
  logoutUrls?: string[];
  /**
   * Allowed Web Origins: origins whose pages may call the token endpoint from a browser (CORS), for
   * either type of application. Loopback origins (`http://localhost`, `127.0.0.1`, `[::1]`, any
   * port) are always allowed, and so are the origins of `redirectUris`. Default none besides those.
   */
  webOrigins?: string[];
  /** `m2m`: the API permissions granted to the application (its scopes). Default none. */
  grants?: string[];
  /**
   * `spa` and `regular_web`: what the application does with Auth0 Organizations (Auth0's "Type of
   * Users"): `deny` (individuals: `organization` is refused), `allow` (both) or `require` (business
   * users: a sign-in without `organization` is refused). Default `allow`.
   */
  organizationUsage?: 'deny' | 'allow' | 'require';
}

/** A member of an organization: a user of the tenant, and the roles they hold in that organization. */
export interface LocalTenantMember {
  /** The user's email. */
  email: string;
  /** The member's roles in this organization (names of `roles`). Default none. */
  roles?: string[];
}

/**
 * An organization (Auth0 Organizations): its members with their roles, and the machine-to-machine
 * applications granted access to it.
 */
export interface LocalTenantOrganization {
  /** The name: lower-case letters, digits, `_` and `-`, 1 to 50 (Auth0's rule). */
  name: string;
  /** The id. Default `org_` and 16 letters and digits derived from the name (the same on every start). */
  id?: string;
  /** The name shown to people. Default the name. */
  displayName?: string;
  /** The members. Default none. */
  members?: LocalTenantMember[];
  /** `m2m` applications (client ids) allowed the client credentials grant for this organization. Default none. */
  clients?: string[];
}

/**
 * The sample's docs redirect pages (Swagger UI's `oauth2-redirect`).
 *
 * @example
 * ```ts
 * const clients = [{ type: 'spa', clientId: 'docs', redirectUris: [...SAMPLE_CALLBACK_URLS, 'http://localhost:8080/docs/oauth2-redirect'] }];
 * ```
 */
export const SAMPLE_CALLBACK_URLS: readonly string[] = [
  'http://localhost:3000/docs/oauth2-redirect',
  'http://localhost:3000/docs/oauth2-redirect.html',
  'http://127.0.0.1:3000/docs/oauth2-redirect',
  'http://127.0.0.1:3000/docs/oauth2-redirect.html',
];

/**
 * The sample's pages a logout may return to.
 *
 * @example
 * ```ts
 * const clients = [{ type: 'spa', clientId: 'docs', logoutUrls: [...SAMPLE_LOGOUT_URLS, 'http://localhost:8080/'] }];
 * ```
 */
export const SAMPLE_LOGOUT_URLS: readonly string[] = [
  'http://localhost:3000/docs/',
  'http://localhost:3000/docs',
  'http://localhost:3000/',
  'http://127.0.0.1:3000/docs/',
  'http://127.0.0.1:3000/',
];

/**
 * A regular web application's callback unless told otherwise.
 *
 * @example
 * ```ts
 * const clients = [{ type: 'regular_web', clientId: 'web', clientSecret: 's', redirectUris: [...SAMPLE_WEB_CALLBACK_URLS, 'http://localhost:8080/callback'] }];
 * ```
 */
export const SAMPLE_WEB_CALLBACK_URLS: readonly string[] = ['http://localhost:3000/callback'];

/**
 * The data a local tenant starts with unless told otherwise.
 *
 * @example
 * ```ts
 * const tenant = await LocalTenant.start({ scopes: { ...LOCAL_TENANT_DEFAULTS.scopes, 'write:blabla': 'Write it' } });
 * ```
 */
export const LOCAL_TENANT_DEFAULTS = {
  /** The API identifier (Auth0 dashboard → APIs → Identifier). */
  audience: 'https://api.example.com',
  /** The API's permissions (scopes). */
  scopes: { 'read:blabla': 'Read the BlaBla resource' } as Record<string, string>,
  /**
   * The namespaced claim a post-login Action would add (see
   * [Email in the access token](../../../docs/auth0-tenant.md#email-in-the-access-token)).
   */
  emailClaim: 'https://example.com/email',
  /** The database connection users sign in with: the `realm` of the password-realm grant. */
  connection: 'Username-Password-Authentication',
  users: [
    { email: 'admin@example.com', password: 'admin', permissions: ['read:blabla'], name: 'Admin' },
    { email: 'user@example.com', password: 'user', permissions: [], name: 'User' },
  ] as LocalTenantUser[],
  /** Roles (Auth0 dashboard → User Management → Roles): name → the API permissions they grant. */
  roles: { 'blabla-reader': ['read:blabla'] } as Record<string, string[]>,
  /**
   * The organizations: `acme`, where the admin holds `blabla-reader` and the M2M application has
   * access; `globex`, where the user is a member without roles.
   */
  organizations: [
    {
      name: 'acme',
      displayName: 'Acme',
      members: [{ email: 'admin@example.com', roles: ['blabla-reader'] }],
      clients: ['local-m2m-client'],
    },
    { name: 'globex', displayName: 'Globex', members: [{ email: 'user@example.com' }] },
  ] as LocalTenantOrganization[],
  clients: [
    { type: 'spa', clientId: 'local-spa-client', name: 'Sample docs (SPA)' },
    {
      type: 'regular_web',
      clientId: 'local-web-client',
      clientSecret: 'local-web-secret',
      name: 'Sample web app (Regular Web Application)',
    },
    {
      type: 'm2m',
      clientId: 'local-m2m-client',
      clientSecret: 'local-m2m-secret',
      name: 'Sample machine (M2M)',
      grants: ['read:blabla'],
    },
  ] as LocalTenantClient[],
} as const;

/** A user with every default applied. */
export interface SeededUser extends Required<LocalTenantUser> {}

/**
 * Auth0 database users have ids like `auth0|5fe72b8eb2ac50006f725451`; derive one from the email.
 *
 * @example
 * ```ts
 * defaultUserId('Admin@example.com') === defaultUserId('admin@example.com'); // true: `auth0|` and 24 hex digits
 * ```
 */
export function defaultUserId(email: string): string {
  return `auth0|${createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 24)}`;
}

/**
 * Applies the defaults and checks the users.
 *
 * @example
 * ```ts
 * const [admin] = seedUsers([{ email: 'Admin@Example.com', password: 'admin', permissions: ['read:blabla'] }]);
 * admin.email; // 'admin@example.com'
 * ```
 */
export function seedUsers(users: readonly LocalTenantUser[]): SeededUser[] {
  const seen = new Set<string>();
  return users.map((user) => {
    if (typeof user.email !== 'string' || user.email === '' || typeof user.password !== 'string') {
      fail('`users`: every user needs an email and a password, as strings');
    }
    const email = user.email.toLowerCase();
    if (seen.has(email)) fail(`\`users\`: ${shown(email)} is listed twice`);
    seen.add(email);
    return {
      email,
      password: user.password,
      permissions: [...(user.permissions ?? [])],
      userId: user.userId ?? defaultUserId(email),
      name: user.name ?? email,
    };
  });
}

/** An application's organization setting: `deny`, `allow` or `require`, for applications people sign in to. */
function checkOrganizationUsage(client: LocalTenantClient): void {
  const usage: unknown = client.organizationUsage;
  if (usage === undefined) return;
  if (client.type === 'm2m' || (usage !== 'deny' && usage !== 'allow' && usage !== 'require')) {
    fail(`\`clients\`: organizationUsage of ${client.clientId} is "deny", "allow" or "require", for a spa or regular_web application`);
  }
}

/**
 * Checks the applications and applies their defaults.
 *
 * @example
 * ```ts
 * const [spa] = seedClients([{ type: 'spa', clientId: 'docs' }]);
 * spa.redirectUris; // the sample's docs redirect pages
 * ```
 */
export function seedClients(clients: readonly LocalTenantClient[]): LocalTenantClient[] {
  const seen = new Set<string>();
  return clients.map((client) => {
    if (client.type !== 'spa' && client.type !== 'regular_web' && client.type !== 'm2m') {
      fail(`\`clients\`: type must be "spa", "regular_web" or "m2m" (got ${shown(client.type)})`);
    }
    if (typeof client.clientId !== 'string' || client.clientId === '') {
      fail('`clients`: every application needs a clientId');
    }
    if (seen.has(client.clientId)) fail(`\`clients\`: ${shown(client.clientId)} is listed twice`);
    seen.add(client.clientId);
    if (client.type !== 'spa' && !client.clientSecret) {
      fail(`\`clients\`: the ${client.type} application ${shown(client.clientId)} needs a clientSecret`);
    }
    checkOrganizationUsage(client);
    if (client.type === 'm2m') return { ...client, grants: [...(client.grants ?? [])] };
    return {
      ...client,
      redirectUris: [...(client.redirectUris ?? (client.type === 'spa' ? SAMPLE_CALLBACK_URLS : SAMPLE_WEB_CALLBACK_URLS))],
      logoutUrls: [...(client.logoutUrls ?? SAMPLE_LOGOUT_URLS)],
    };
  });
}

/** An organization with every default applied, its members by user id. */
export interface SeededOrganization {
  id: string;
  name: string;
  displayName: string;
  /** The members: the user's id and email, and their roles. */
  members: Array<{ userId: string; email: string; roles: string[] }>;
  /** The `m2m` applications granted access. */
  clients: string[];
}

const ORGANIZATION_NAME = /^[a-z0-9_-]{1,50}$/;
const ORGANIZATION_ID = /^org_[A-Za-z0-9]{1,60}$/;
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Auth0 organization ids look like `org_6cQbJvZ8mKp2Lw4R`: derive one from the name, the same on
 * every start, so that guides and bookmarks can name it.
 *
 * @example
 * ```ts
 * defaultOrganizationId('acme'); // 'org_' and 16 letters and digits
 * ```
 */
export function defaultOrganizationId(name: string): string {
  const digest = createHash('sha256').update(`organization\0${name}`).digest();
  return `org_${[...digest.subarray(0, 16)].map((byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join('')}`;
}

const ORGANIZATION_NAMES: Record<keyof LocalTenantOrganization, true> = {
  name: true,
  id: true,
  displayName: true,
  members: true,
  clients: true,
};
const MEMBER_NAMES: Record<keyof LocalTenantMember, true> = { email: true, roles: true };

function stringList(name: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
    fail(`\`${name}\` must be a list of strings (got ${shown(value)})`);
  return [...value];
}

/**
 * Checks the roles (name → API permissions) against the API's permissions.
 *
 * @example
 * ```ts
 * seedRoles({ 'blabla-reader': ['read:blabla'] }, ['read:blabla']);
 * ```
 */
export function seedRoles(roles: unknown, apiScopes: readonly string[]): Record<string, string[]> {
  if (roles === null || typeof roles !== 'object' || Array.isArray(roles))
    fail(`\`roles\` must be an object of role name → permissions (got ${shown(roles)})`);
  const seeded: Record<string, string[]> = Object.create(null);
  for (const [role, permissions] of Object.entries(roles)) {
    const list = stringList(`roles.${role}`, permissions);
    const unknown = list.find((permission) => !apiScopes.includes(permission));
    if (unknown !== undefined) fail(`\`roles.${role}\`: "${unknown}" is not one of the API's permissions (\`scopes\`)`);
    seeded[role] = list;
  }
  return seeded;
}

function seedMember(
  where: string,
  member: unknown,
  users: readonly SeededUser[],
  roles: Record<string, string[]>,
): SeededOrganization['members'][number] {
  if (member === null || typeof member !== 'object' || Array.isArray(member))
    fail(`\`${where}\` must be { email, roles } (got ${shown(member)})`);
  onlyKnown(`${where}.`, member, MEMBER_NAMES);
  const { email, roles: held } = member as LocalTenantMember;
  const user = typeof email === 'string' ? users.find((u) => u.email === email.toLowerCase()) : undefined;
  if (user === undefined) fail(`\`${where}.email\` must be the email of one of the tenant's users (got ${shown(email)})`);
  const memberRoles = stringList(`${where}.roles`, held);
  const unknown = memberRoles.find((role) => !Object.hasOwn(roles, role));
  if (unknown !== undefined) fail(`\`${where}.roles\`: "${unknown}" is not one of the tenant's \`roles\``);
  return { userId: user.userId, email: user.email, roles: memberRoles };
}

/** An organization's name (Auth0's rule) and id (given, or derived from the name). */
function organizationIdentity(where: string, name: unknown, id: unknown): { id: string; name: string } {
  if (typeof name !== 'string' || !ORGANIZATION_NAME.test(name) || name.startsWith('org_')) {
    fail(`\`${where}.name\` must be lower-case letters, digits, _ and - (1 to 50, not starting with org_) (got ${shown(name)})`);
  }
  const orgId = id ?? defaultOrganizationId(name);
  if (typeof orgId !== 'string' || !ORGANIZATION_ID.test(orgId))
    fail(`\`${where}.id\` must be org_ and letters and digits (got ${shown(orgId)})`);
  return { id: orgId, name };
}

/** An organization's members: users of the tenant, each once, with roles of the tenant. */
function seedMembers(
  where: string,
  members: unknown,
  users: readonly SeededUser[],
  roles: Record<string, string[]>,
): SeededOrganization['members'] {
  if (members !== undefined && !Array.isArray(members)) fail(`\`${where}.members\` must be a list (got ${shown(members)})`);
  const seeded = ((members as unknown[] | undefined) ?? []).map((member, m) => seedMember(`${where}.members[${m}]`, member, users, roles));
  if (new Set(seeded.map((member) => member.userId)).size !== seeded.length) fail(`\`${where}.members\` lists a user twice`);
  return seeded;
}

/** The machine-to-machine applications granted access to an organization: m2m clients of the tenant. */
function grantedClients(where: string, granted: unknown, clients: readonly LocalTenantClient[]): string[] {
  const clientIds = stringList(`${where}.clients`, granted);
  const notMachine = clientIds.find((clientId) => clients.find((c) => c.clientId === clientId)?.type !== 'm2m');
  if (notMachine !== undefined) fail(`\`${where}.clients\`: "${notMachine}" is not one of the tenant's m2m applications`);
  return clientIds;
}

/**
 * Checks the organizations against the users, applications and roles, and applies their defaults.
 * Every mistake is an `Auth0ConfigError` that names the option.
 *
 * @example
 * ```ts
 * const [acme] = seedOrganizations([{ name: 'acme', members: [{ email: 'admin@example.com' }] }], users, clients, {});
 * acme.id; // 'org_…'
 * ```
 */
export function seedOrganizations(
  organizations: unknown,
  users: readonly SeededUser[],
  clients: readonly LocalTenantClient[],
  roles: Record<string, string[]>,
): SeededOrganization[] {
  if (!Array.isArray(organizations)) fail(`\`organizations\` must be a list (got ${shown(organizations)})`);
  const seen = new Set<string>();
  return organizations.map((organization: unknown, index) => {
    const where = `organizations[${index}]`;
    if (organization === null || typeof organization !== 'object' || Array.isArray(organization))
      fail(`\`${where}\` must be an object (got ${shown(organization)})`);
    onlyKnown(`${where}.`, organization, ORGANIZATION_NAMES);
    const { name, id, displayName, members, clients: granted } = organization as LocalTenantOrganization;
    const identity = organizationIdentity(where, name, id);
    for (const key of [identity.name, identity.id]) {
      if (seen.has(key)) fail(`\`${where}\`: the organization ${key} is listed twice`);
      seen.add(key);
    }
    if (displayName !== undefined && typeof displayName !== 'string') fail(`\`${where}.displayName\` must be a string`);
    return {
      ...identity,
      displayName: displayName ?? identity.name,
      members: seedMembers(where, members, users, roles),
      clients: grantedClients(where, granted, clients),
    };
  });
}
