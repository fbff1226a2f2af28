/**
 * A local, Auth0-shaped tenant on a loopback port, built on oidc-provider (an optional peer
 * dependency): Auth0's URLs (`/authorize`, `/oauth/token`, `/.well-known/jwks.json`,
 * `/.well-known/openid-configuration`, `/v2/logout`, `/userinfo`), Auth0-shaped access tokens,
 * Auth0's grants and error codes, a login page with Universal Login's field names, and demo users
 * and applications. For `npm start` without an Auth0 account, and for tests that want real OAuth
 * flows instead of minted tokens ({@link TestTenant} mints them without a server library), with
 * Auth0's own client SDKs too: over https (`https: true`, a local CA) they take it for a tenant at
 * `domain: 'localhost:{port}'`. Token requests with a DPoP proof get DPoP-bound tokens; the RFC 9068
 * token profile is an option; Auth0 Organizations, with members, roles and machine access, are
 * seeded. It answers only requests addressed to a loopback name.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import type { Auth0Options } from '../core/config';
import { fail, flag, numberOption, shown } from '../core/option-check';
import type { Auth0User } from '../core/user';
import { Auth0 } from '../routing-controllers/auth0';
import type { DpopKey } from './dpop-key';
import {
  defaultCaDir,
  openCertificateAuthority,
  type CertificateAuthority,
  type LocalTenantCertificateAuthority,
} from './local-tenant/certificates';
import { closeServer, listenOnLoopback, refuseForeignHosts } from './local-tenant/loopback';
import { trustingFetch } from './local-tenant/trusting-fetch';
import { loadOidcProvider } from './local-tenant/oidc-provider';
import { TenantDirectory, type AccessTokenProfile } from './local-tenant/directory';
import { createProvider } from './local-tenant/provider';
import { tenantRoutes } from './local-tenant/routes';
import {
  LOCAL_TENANT_DEFAULTS,
  seedClients,
  seedOrganizations,
  seedRoles,
  seedUsers,
  type LocalTenantClient,
  type LocalTenantOrganization,
  type LocalTenantUser,
  type SeededOrganization,
  type SeededUser,
} from './local-tenant/seed';

/** Options of {@link LocalTenant.start}. Every one has a default. */
export interface LocalTenantOptions {
  /**
   * The port. Default 0: a free one. The tenant listens on loopback only (127.0.0.1 and ::1), and
   * answers 400 to a request whose `Host` is not `localhost`, `127.0.0.1` or `[::1]` at this port
   * (a page on another site reaching it by DNS rebinding).
   */
  port?: number;
  /** The API identifier tokens are issued for. Default `https://api.example.com`. */
  audience?: string;
  /**
   * More APIs (their identifiers), with the same permissions as {@link audience}: users keep their
   * permissions and M2M applications their grants on each, and `audience` or `resource` (RFC 8707)
   * may name any of them. For an MCP server, its URL (`http://localhost:3000/mcp`). Default none.
   */
  additionalAudiences?: string[];
  /** The API's permissions (scope → description). Default `{ 'read:blabla': … }`. */
  scopes?: Record<string, string>;
  /** The namespaced claim that carries users' email. Default `https://example.com/email`. */
  emailClaim?: string;
  /** The users. Default admin@example.com / admin (read:blabla) and user@example.com / user (none). */
  users?: LocalTenantUser[];
  /**
   * The applications. Default a SPA `local-spa-client` whose callbacks are the sample's docs
   * redirect page, a regular web application `local-web-client` / `local-web-secret` allowed the
   * password grant, and an M2M `local-m2m-client` / `local-m2m-secret` granted `read:blabla`.
   */
  clients?: LocalTenantClient[];
  /**
   * Roles (Auth0 dashboard → User Management → Roles): role name → the API permissions it grants,
   * held by members of organizations. Default `{ 'blabla-reader': ['read:blabla'] }`.
   */
  roles?: Record<string, string[]>;
  /**
   * Auth0 Organizations. Default `acme` (the admin, with `blabla-reader`; the M2M application has
   * access) and `globex` (the user, without roles), with ids derived from their names. A sign-in to
   * an organization (`organization` at `/authorize`, by id or name) gets `org_id`, `org_name` and
   * the permissions of the member's roles there.
   */
  organizations?: LocalTenantOrganization[];
  /**
   * The tenant setting "Allow Organization Names in Authentication API": names are taken as
   * `organization` and tokens carry `org_name` beside `org_id`. Default true.
   */
  organizationNames?: boolean;
  /** Access token lifetime in seconds. Default 86400 (Auth0's default for an API). */
  accessTokenLifetime?: number;
  /**
   * The API's token profile, as Auth0's API setting "Token Profile": `auth0` (default: `typ: JWT`,
   * `azp`) or `rfc9068` (RFC 9068: `typ: at+jwt`, `client_id` and `jti` instead of `azp`), which an
   * `Auth0` with `strict: true` requires.
   */
  accessTokenProfile?: AccessTokenProfile;
  /**
   * HTTPS mode: `true`, or where to keep the certificate authority. The tenant then serves
   * `https://localhost:{port}/` (its issuer), so that Auth0's SDKs, which only speak
   * `https://{domain}`, work with `domain: 'localhost:{port}'`. Its certificate comes from a CA made
   * on the first start and reused ({@link LocalTenant.trustInstructions} says how to trust it),
   * made and issued with @peculiar/x509, an optional peer dependency needed for this mode only
   * (`npm install --save-dev @peculiar/x509@1`). Default `false`: plain http.
   */
  https?: boolean | LocalTenantHttpsOptions;
}

/** HTTPS mode settings of {@link LocalTenantOptions.https}. */
export interface LocalTenantHttpsOptions {
  /**
   * The folder that keeps the certificate authority (made there, mode 0700, on the first start;
   * reused after). Default `~/.routing-controllers-auth0/local-ca/`. Tests should pass a temporary
   * folder.
   */
  caDir?: string;
}

/**
 * Options of a token request: `dpop` sends a DPoP proof (RFC 9449) made with this key for the
 * tenant's token endpoint, so that the token is bound to the key (`cnf.jkt`, `token_type: DPoP`).
 */
export interface TokenRequestOptions {
  /** The key that signs the `DPoP` proof of the token request. Default none: a Bearer token. */
  dpop?: DpopKey;
}

/** A successful answer of `/oauth/token`. */
export interface TokenResponse {
  access_token: string;
  /** `Bearer`, or `DPoP` for a token bound to the request's DPoP key. */
  token_type: string;
  expires_in: number;
  scope?: string;
  id_token?: string;
}

/**
 * An OAuth error answered by the tenant's token endpoint.
 *
 * @example
 * ```ts
 * await tenant.userToken('alice@example.com', { password: 'wrong' }).catch((error: LocalTenantError) => error.error); // 'invalid_grant'
 * ```
 */
export class LocalTenantError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** The OAuth `error` code (`access_denied`, `invalid_grant`…). */
  readonly error: string;

  constructor(status: number, error: string, description: string | undefined) {
    super(`local tenant: ${error}${description ? `: ${description}` : ''} (HTTP ${status})`);
    this.name = 'LocalTenantError';
    this.status = status;
    this.error = error;
    Object.setPrototypeOf(this, LocalTenantError.prototype);
  }
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The seeded roles, with the permissions the API has (a tenant of other scopes keeps the roles, emptier). */
function defaultRoles(apiScopes: readonly string[]): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(LOCAL_TENANT_DEFAULTS.roles).map(([role, permissions]) => [role, permissions.filter((p) => apiScopes.includes(p))]),
  );
}

/**
 * The seeded organizations, with the members and applications this tenant has: a tenant of other
 * users or applications keeps `acme` and `globex`, with whom of theirs it has.
 */
function defaultOrganizations(
  users: readonly SeededUser[],
  clients: readonly LocalTenantClient[],
  roles: Record<string, string[]>,
): LocalTenantOrganization[] {
  return LOCAL_TENANT_DEFAULTS.organizations.map((organization) => ({
    ...organization,
    members: (organization.members ?? [])
      .filter((member) => users.some((user) => user.email === member.email))
      .map((member) => ({ ...member, roles: (member.roles ?? []).filter((role) => Object.hasOwn(roles, role)) })),
    clients: (organization.clients ?? []).filter((id) => clients.some((client) => client.clientId === id && client.type === 'm2m')),
  }));
}

/** The APIs' identifiers: the main one, then the additional ones, each a non-empty string listed once. */
function apiIdentifiers(audience: string, additional: unknown): string[] {
  if (additional !== undefined && (!Array.isArray(additional) || additional.some((a) => typeof a !== 'string' || a === ''))) {
    throw new TypeError('routing-controllers-auth0/testing: additionalAudiences is a list of API identifiers');
  }
  const audiences = [audience, ...((additional as string[] | undefined) ?? [])];
  if (new Set(audiences).size !== audiences.length) {
    throw new TypeError('routing-controllers-auth0/testing: an API identifier is listed twice (audience, additionalAudiences)');
  }
  return audiences;
}

/** The CA of HTTPS mode, opened (made on the first start), or `undefined` over http. */
async function httpsCertificateAuthority(https: LocalTenantOptions['https']): Promise<CertificateAuthority | undefined> {
  if (https === undefined || https === false) return undefined;
  if (https !== true && (typeof https !== 'object' || https === null)) {
    fail(`\`https\` must be true, false or { caDir } (got ${shown(https)})`);
  }
  const caDir = https === true ? undefined : https.caDir;
  if (caDir !== undefined && (typeof caDir !== 'string' || caDir === '')) {
    fail('`https.caDir` must be a folder path');
  }
  return openCertificateAuthority(caDir ?? defaultCaDir());
}

/**
 * An Auth0-shaped tenant on a loopback port, in this process.
 *
 * Seeded data (all replaceable through {@link LocalTenantOptions}): API `https://api.example.com`
 * with permission `read:blabla`; users `admin@example.com` / `admin` (permission `read:blabla`) and
 * `user@example.com` / `user` (no permissions); SPA `local-spa-client` (callbacks
 * `http://localhost:3000/docs/oauth2-redirect`, loopback on any port); regular web application
 * `local-web-client` / `local-web-secret` (password grant); M2M `local-m2m-client` /
 * `local-m2m-secret` granted `read:blabla`; organizations `acme` (the admin, whose role there grants
 * `read:blabla`; the M2M application has access) and `globex` (the user, without roles).
 *
 * @example
 * ```ts
 * const tenant = await LocalTenant.start();             // a free port; { https: true } for https
 * const auth = tenant.auth0();                           // an Auth0 pointed at it
 * const admin = await tenant.userToken('admin@example.com', { scope: 'read:blabla' });
 * const machine = await tenant.machineToken();
 * const key = await DpopKey.generate();
 * const bound = await tenant.machineToken({ dpop: key }); // cnf.jkt = key.thumbprint
 * // … call your app with `Authorization: Bearer ${admin}`, or `DPoP ${bound}` and a proof by `key` …
 * await tenant.close();
 * ```
 */
export class LocalTenant {
  /**
   * The issuer, `http://localhost:{port}/`, or `https://localhost:{port}/` in HTTPS mode (trailing
   * slash included, as Auth0's).
   */
  readonly issuer: string;
  /**
   * `localhost:{port}`: what `AUTH0_DOMAIN` would hold. Auth0's SDKs, which build
   * `https://{domain}/…`, take it as it is in HTTPS mode; over http give them (and the library) the
   * issuer instead.
   */
  readonly domain: string;
  /** The port the tenant listens on. */
  readonly port: number;
  /** The API identifier. */
  readonly audience: string;
  /** Every API's identifier: {@link audience} first, then {@link LocalTenantOptions.additionalAudiences}. */
  readonly audiences: readonly string[];
  /** The API's permissions. */
  readonly scopes: Record<string, string>;
  /** The claim that carries users' email. */
  readonly emailClaim: string;
  /** The users, with their passwords and ids. */
  readonly users: readonly SeededUser[];
  /** The applications. */
  readonly clients: readonly LocalTenantClient[];
  /** The roles: name → the API permissions they grant. */
  readonly roles: Readonly<Record<string, readonly string[]>>;
  /** The organizations, with their ids and members. */
  readonly organizations: readonly SeededOrganization[];
  /** Whether organization names are allowed in the Authentication API (`org_name` in tokens). */
  readonly organizationNames: boolean;
  /** The access tokens' profile (`auth0` or `rfc9068`). */
  readonly accessTokenProfile: AccessTokenProfile;
  /** In HTTPS mode, the certificate authority clients must trust; `undefined` over http. */
  readonly certificateAuthority: LocalTenantCertificateAuthority | undefined;
  /**
   * A `fetch` for clients in this process: in HTTPS mode one that trusts the tenant's CA (Node's
   * `fetch` trusts it only with `NODE_EXTRA_CA_CERTS` set when the process started), else the global
   * `fetch`. {@link LocalTenant.auth0} and the token helpers use it.
   *
   * @example
   * ```ts
   * const discovery = await (await tenant.fetch(tenant.urls.discovery)).json();
   * ```
   */
  readonly fetch: typeof fetch;

  private readonly servers: Server[];

  private constructor(
    servers: Server[],
    settings: {
      port: number;
      audience: string;
      audiences: string[];
      scopes: Record<string, string>;
      emailClaim: string;
      users: SeededUser[];
      clients: LocalTenantClient[];
      roles: Record<string, string[]>;
      organizations: SeededOrganization[];
      organizationNames: boolean;
      accessTokenProfile: AccessTokenProfile;
      ca: CertificateAuthority | undefined;
    },
  ) {
    this.servers = servers;
    this.port = settings.port;
    this.domain = `localhost:${settings.port}`;
    this.issuer = `${settings.ca === undefined ? 'http' : 'https'}://localhost:${settings.port}/`;
    if (settings.ca === undefined) {
      this.certificateAuthority = undefined;
      this.fetch = (...args) => fetch(...args);
    } else {
      const { issueServerCertificate: _issue, ...authority } = settings.ca;
      this.certificateAuthority = Object.freeze(authority);
      this.fetch = trustingFetch(settings.ca.certificate);
    }
    this.audience = settings.audience;
    this.audiences = Object.freeze([...settings.audiences]);
    this.scopes = settings.scopes;
    this.emailClaim = settings.emailClaim;
    this.users = settings.users;
    this.clients = settings.clients;
    this.roles = settings.roles;
    this.organizations = settings.organizations;
    this.organizationNames = settings.organizationNames;
    this.accessTokenProfile = settings.accessTokenProfile;
  }

  /**
   * Starts a tenant. Throws when oidc-provider is not installed (it is an optional peer
   * dependency: `npm install --save-dev oidc-provider@9`), and in HTTPS mode when @peculiar/x509 is
   * not (`npm install --save-dev @peculiar/x509@1`).
   */
  static async start(options: LocalTenantOptions = {}): Promise<LocalTenant> {
    const { module } = loadOidcProvider();
    const users = seedUsers(options.users ?? LOCAL_TENANT_DEFAULTS.users);
    const clients = seedClients(options.clients ?? LOCAL_TENANT_DEFAULTS.clients);
    const audience = options.audience ?? LOCAL_TENANT_DEFAULTS.audience;
    const audiences = apiIdentifiers(audience, options.additionalAudiences);
    const scopes = { ...(options.scopes ?? LOCAL_TENANT_DEFAULTS.scopes) };
    const roles = seedRoles(options.roles ?? defaultRoles(Object.keys(scopes)), Object.keys(scopes));
    const organizations = seedOrganizations(options.organizations ?? defaultOrganizations(users, clients, roles), users, clients, roles);
    const organizationNames = flag('organizationNames', options.organizationNames, true);
    const emailClaim = options.emailClaim ?? LOCAL_TENANT_DEFAULTS.emailClaim;
    const accessTokenLifetime = numberOption('accessTokenLifetime', options.accessTokenLifetime, 86_400, {
      integer: true,
      unit: 'seconds',
      min: 0,
      above: true,
    });
    const accessTokenProfile = options.accessTokenProfile ?? 'auth0';
    if (accessTokenProfile !== 'auth0' && accessTokenProfile !== 'rfc9068') {
      fail(`\`accessTokenProfile\` must be "auth0" or "rfc9068" (got ${shown(accessTokenProfile)})`);
    }
    const ca = await httpsCertificateAuthority(options.https);
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };

    // The issuer names the port, and the provider needs the issuer: listen first, serve after.
    let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
    let port = 0;
    const servers = await listenOnLoopback(
      options.port ?? 0,
      // Requests addressed to another name (DNS rebinding) are refused before anything else runs.
      refuseForeignHosts(
        (req, res) => {
          if (handler === undefined) res.writeHead(503).end();
          else handler(req, res);
        },
        () => port,
        ca === undefined ? 'http' : 'https',
      ),
      ca === undefined ? undefined : await ca.issueServerCertificate(),
    );
    port = (servers[0].address() as AddressInfo).port;
    try {
      const directory = new TenantDirectory({
        issuer: `${ca === undefined ? 'http' : 'https'}://localhost:${port}/`,
        audience,
        audiences,
        apiScopes: Object.keys(scopes),
        emailClaim,
        connection: LOCAL_TENANT_DEFAULTS.connection,
        users,
        clients,
        roles,
        organizations,
        organizationNames,
        accessTokenLifetime,
        accessTokenProfile,
        jwks: { keys: [jwk] },
        cookieKeys: [randomBytes(32).toString('base64url')],
      });
      const provider = createProvider(module, directory);
      provider.use(tenantRoutes(provider, directory));
      handler = provider.callback();
    } catch (error) {
      await Promise.all(servers.map(closeServer));
      throw error;
    }
    return new LocalTenant(servers, {
      port,
      audience,
      audiences,
      scopes,
      emailClaim,
      users,
      clients,
      roles,
      organizations,
      organizationNames,
      accessTokenProfile,
      ca,
    });
  }

  /**
   * Opens the HTTPS mode's certificate authority without starting a tenant, making it on the first
   * call: to know the file to trust before anything starts (e.g. to start a client process with
   * `NODE_EXTRA_CA_CERTS` pointing at it). A tenant started with the same folder uses the same CA.
   * Rejects when @peculiar/x509 is not installed (an optional peer dependency, needed only for
   * HTTPS mode: `npm install --save-dev @peculiar/x509@1`).
   *
   * @example
   * ```ts
   * const ca = await LocalTenant.openCertificateAuthority({ caDir });
   * spawn(process.execPath, ['client.js'], { env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.certificatePath } });
   * ```
   */
  static async openCertificateAuthority(options: LocalTenantHttpsOptions = {}): Promise<LocalTenantCertificateAuthority> {
    const { issueServerCertificate: _issue, ...authority } = (await httpsCertificateAuthority(options)) as CertificateAuthority;
    return Object.freeze(authority);
  }

  /** The first SPA application (Swagger UI's client id). */
  get spaClient(): LocalTenantClient {
    const client = this.clients.find((c) => c.type === 'spa');
    if (client === undefined) throw new Error('routing-controllers-auth0/testing: this tenant has no spa client');
    return client;
  }

  /** The first regular web application (a confidential client allowed the password grant). */
  get webClient(): LocalTenantClient {
    const client = this.clients.find((c) => c.type === 'regular_web');
    if (client === undefined) throw new Error('routing-controllers-auth0/testing: this tenant has no regular_web client');
    return client;
  }

  /**
   * The organization with this name or id.
   *
   * @example
   * ```ts
   * const acme = tenant.organization('acme'); // { id: 'org_…', name: 'acme', members: [...], … }
   * ```
   */
  organization(nameOrId: string): SeededOrganization {
    const organization = this.organizations.find((o) => o.name === nameOrId || o.id === nameOrId);
    if (organization === undefined) throw new Error(`routing-controllers-auth0/testing: this tenant has no organization ${nameOrId}`);
    return organization;
  }

  /** The first machine-to-machine application. */
  get m2mClient(): LocalTenantClient {
    const client = this.clients.find((c) => c.type === 'm2m');
    if (client === undefined) throw new Error('routing-controllers-auth0/testing: this tenant has no m2m client');
    return client;
  }

  /** The tenant's endpoints. */
  get urls(): { authorize: string; token: string; jwks: string; discovery: string; logout: string; userinfo: string } {
    return {
      authorize: `${this.issuer}authorize`,
      token: `${this.issuer}oauth/token`,
      jwks: `${this.issuer}.well-known/jwks.json`,
      discovery: `${this.issuer}.well-known/openid-configuration`,
      logout: `${this.issuer}v2/logout`,
      userinfo: `${this.issuer}userinfo`,
    };
  }

  /** An {@link Auth0} pointed at this tenant (issuer, audience, SPA client id), with the given options on top. */
  auth0<U extends Auth0User = Auth0User>(options: Partial<Auth0Options<U>> = {}): Auth0<U> {
    const clientId = this.clients.find((c) => c.type === 'spa')?.clientId;
    return new Auth0<U>({
      domain: this.issuer,
      audience: this.audience,
      scopes: this.scopes,
      clientId,
      emailClaim: this.emailClaim,
      ...(this.certificateAuthority === undefined ? {} : { fetch: this.fetch }),
      ...options,
    } as Auth0Options<U>);
  }

  /**
   * POSTs to `/oauth/token` (with a DPoP proof when `options.dpop` is given); resolves with the
   * answer, rejects with a {@link LocalTenantError}.
   */
  async requestToken(params: Record<string, string>, options: TokenRequestOptions = {}): Promise<TokenResponse> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (options.dpop !== undefined) headers.dpop = await options.dpop.proof({ method: 'POST', url: this.urls.token });
    const response = await this.fetch(this.urls.token, {
      method: 'POST',
      headers,
      body: new URLSearchParams(params).toString(),
    });
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok || typeof body.access_token !== 'string') {
      throw new LocalTenantError(
        response.status,
        typeof body.error === 'string' ? body.error : 'server_error',
        typeof body.error_description === 'string' ? body.error_description : undefined,
      );
    }
    return body as unknown as TokenResponse;
  }

  /**
   * A machine-to-machine access token (client credentials grant). Default: the first m2m client,
   * the tenant's API, and every scope granted to the client. With `dpop`, a token bound to that key;
   * with `organization` (an id or name), a token for that organization (`org_id`), which the
   * application must be granted access to.
   */
  async machineToken(
    options: {
      clientId?: string;
      clientSecret?: string;
      scope?: string;
      audience?: string;
      organization?: string;
    } & TokenRequestOptions = {},
  ): Promise<string> {
    const client = options.clientId === undefined ? this.m2mClient : this.clients.find((c) => c.clientId === options.clientId);
    const params: Record<string, string> = {
      grant_type: 'client_credentials',
      client_id: options.clientId ?? client?.clientId ?? '',
      client_secret: options.clientSecret ?? client?.clientSecret ?? '',
      audience: options.audience ?? this.audience,
    };
    if (options.scope !== undefined) params.scope = options.scope;
    if (options.organization !== undefined) params.organization = options.organization;
    return (await this.requestToken(params, { dpop: options.dpop })).access_token;
  }

  /**
   * A user's access token (password grant). Default: the user's seeded password, the first SPA
   * client, the tenant's API, and every API scope requested (RBAC keeps those the user holds). With
   * `dpop`, a token bound to that key.
   */
  async userToken(
    email: string,
    options: { password?: string; scope?: string; audience?: string; clientId?: string } & TokenRequestOptions = {},
  ): Promise<string> {
    const password = options.password ?? this.users.find((u) => u.email === email.toLowerCase())?.password;
    if (password === undefined) throw new Error(`routing-controllers-auth0/testing: no user ${email} in this tenant; pass a password`);
    const response = await this.requestToken(
      {
        grant_type: 'password',
        client_id: options.clientId ?? this.spaClient.clientId,
        username: email,
        password,
        audience: options.audience ?? this.audience,
        scope: options.scope ?? Object.keys(this.scopes).join(' '),
      },
      { dpop: options.dpop },
    );
    return response.access_token;
  }

  /**
   * How to trust the HTTPS mode's CA: for Node clients (`NODE_EXTRA_CA_CERTS`), curl and browsers.
   * A few lines of text to print at start-up; empty over http.
   *
   * @example
   * ```ts
   * const tenant = await LocalTenant.start({ https: true });
   * console.log(tenant.trustInstructions());
   * ```
   */
  trustInstructions(): string {
    const ca = this.certificateAuthority;
    if (ca === undefined) return '';
    const path = shellQuote(ca.certificatePath);
    return [
      `The local tenant serves ${this.issuer} with a certificate from its own CA, kept in ${ca.dir}:`,
      `  ${ca.certificatePath}`,
      `  SHA-256 ${ca.fingerprint}`,
      'Trust that CA once (it can certify localhost, 127.0.0.1 and ::1 only):',
      `  Node clients   NODE_EXTRA_CA_CERTS=${path} node your-client.js   (read when Node starts)`,
      `  curl           curl --cacert ${path} ${this.urls.discovery}`,
      '  Chrome, Edge   Settings > Privacy and security > Security > Manage certificates > Authorities > Import',
      `                 (Linux: certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n ${shellQuote(ca.commonName)} -i ${path})`,
      '  Firefox        Settings > Privacy & Security > Certificates > View Certificates > Authorities > Import',
      `  macOS          security add-trusted-cert -r trustRoot -k ~/Library/Keychains/login.keychain-db ${path}`,
      `  Windows        certutil -user -addstore Root ${path}`,
    ].join('\n');
  }

  /** Stops the tenant. */
  async close(): Promise<void> {
    await Promise.all(this.servers.map(closeServer));
  }
}
