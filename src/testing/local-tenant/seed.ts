/**
 * The local tenant's data: its API, users and applications, and the demo data it starts with.
 */
import { createHash } from 'node:crypto';

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
      throw new TypeError('routing-controllers-auth0/testing: every local tenant user needs an email and a password');
    }
    const email = user.email.toLowerCase();
    if (seen.has(email)) throw new TypeError(`routing-controllers-auth0/testing: user ${email} is listed twice`);
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
      throw new TypeError('routing-controllers-auth0/testing: a local tenant client has type "spa", "regular_web" or "m2m"');
    }
    if (typeof client.clientId !== 'string' || client.clientId === '') {
      throw new TypeError('routing-controllers-auth0/testing: every local tenant client needs a clientId');
    }
    if (seen.has(client.clientId)) throw new TypeError(`routing-controllers-auth0/testing: client ${client.clientId} is listed twice`);
    seen.add(client.clientId);
    if (client.type !== 'spa' && !client.clientSecret) {
      throw new TypeError(`routing-controllers-auth0/testing: the ${client.type} client ${client.clientId} needs a clientSecret`);
    }
    if (client.type === 'm2m') return { ...client, grants: [...(client.grants ?? [])] };
    return {
      ...client,
      redirectUris: [...(client.redirectUris ?? (client.type === 'spa' ? SAMPLE_CALLBACK_URLS : SAMPLE_WEB_CALLBACK_URLS))],
      logoutUrls: [...(client.logoutUrls ?? SAMPLE_LOGOUT_URLS)],
    };
  });
}
