/**
 * Starts the sample: against the Auth0 tenant named by `AUTH0_DOMAIN`, or, when it is not set,
 * against a local Auth0-shaped tenant started in this process (no Auth0 account needed).
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReplayStore } from 'routing-controllers-auth0';
import { RedisReplayStore } from 'routing-controllers-auth0/redis';
import {
  LOCAL_TENANT_DEFAULTS,
  LocalTenant,
  SAMPLE_CALLBACK_URLS,
  SAMPLE_LOGOUT_URLS,
  SAMPLE_WEB_CALLBACK_URLS,
  type LocalTenantClient,
  type LocalTenantHttpsOptions,
} from 'routing-controllers-auth0/testing';
import { createSampleApp, createSampleAuth, settingsFromEnv, type SampleSettings } from './app';
import { isLoopbackHost } from './loopback';
import { createMcpAuth, MCP_PATH } from './mcp';
import { createObservability, type Observability } from './observability';
import { organizationLines } from './organizations';

/** The sample, running. */
export interface RunningSample {
  /** The API's base URL, e.g. `http://localhost:3000`. */
  url: string;
  /** The docs page, e.g. `http://localhost:3000/docs`. */
  docsUrl: string;
  /** The docs' OAuth redirect page, to list among the application's callback URLs. */
  callbackUrl: string;
  /**
   * The MCP endpoint's API identifier, e.g. `http://localhost:3000/mcp` (`AUTH0_MCP_AUDIENCE`);
   * `undefined` against a real tenant without `AUTH0_MCP_AUDIENCE`: no MCP endpoint then.
   */
  mcpUrl: string | undefined;
  /** Where the API listens: with the local tenant and no `HOST`, the loopback interface only. */
  address: AddressInfo;
  /** The settings the sample runs with (domain and client id filled in for the local tenant). */
  settings: SampleSettings;
  /** The local tenant, when `AUTH0_DOMAIN` is not set. */
  tenant: LocalTenant | undefined;
  /** The auth event hook's logger and metrics (`/metrics`). */
  observability: Observability;
  /** What to print: where to go, who can sign in, a curl to try. */
  banner(): string;
  /** Stops the API and the local tenant. */
  close(): Promise<void>;
}

/** The local tenant's port: `AUTH0_LOCAL_TENANT_PORT`, default 4000. */
export function localTenantPort(env: NodeJS.ProcessEnv): number {
  const raw = env.AUTH0_LOCAL_TENANT_PORT;
  if (raw === undefined || raw === '') return 4000;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`AUTH0_LOCAL_TENANT_PORT must be a port number, not "${raw}"`);
  }
  return port;
}

const ON = new Set(['1', 'true', 'yes', 'on']);
const OFF = new Set(['', '0', 'false', 'no', 'off']);

/**
 * The local tenant's HTTPS mode: on with `AUTH0_LOCAL_TENANT_HTTPS=1` (or true, yes, on), its
 * certificate authority kept in `AUTH0_LOCAL_TENANT_CA_DIR` (default
 * `~/.routing-controllers-auth0/local-ca/`); `undefined` for plain http (the default).
 */
export function localTenantHttps(env: NodeJS.ProcessEnv): LocalTenantHttpsOptions | undefined {
  const raw = (env.AUTH0_LOCAL_TENANT_HTTPS ?? '').trim().toLowerCase();
  if (OFF.has(raw)) return undefined;
  if (!ON.has(raw)) throw new Error(`AUTH0_LOCAL_TENANT_HTTPS must be 1 or 0, not "${env.AUTH0_LOCAL_TENANT_HTTPS}"`);
  const caDir = env.AUTH0_LOCAL_TENANT_CA_DIR;
  return caDir === undefined || caDir === '' ? {} : { caDir };
}

/** A comma-separated list of URLs (as Auth0's dashboard takes them) from `env[name]`; each checked. */
function urlList(env: NodeJS.ProcessEnv, name: string, originsOnly: boolean): string[] {
  const entries = (env[name] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of entries) {
    const url = URL.parse(entry);
    if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new Error(`${name} takes comma-separated http(s) URLs; "${entry}" is not one`);
    }
    if (originsOnly && entry.replace(/\/$/, '') !== url.origin) {
      throw new Error(`${name} takes origins (scheme://host:port), not "${entry}"`);
    }
  }
  return entries;
}

/**
 * The local tenant's applications with the URLs of your own front end added to its SPA and its
 * regular web application (Auth0's application settings): `AUTH0_LOCAL_CALLBACKS` (Allowed
 * Callback URLs), `AUTH0_LOCAL_LOGOUT_URLS` (Allowed Logout URLs), `AUTH0_LOCAL_WEB_ORIGINS`
 * (Allowed Web Origins), each comma-separated. The sample's docs page stays allowed. `undefined`
 * when none is set: the seeded applications as they are.
 */
export function localTenantClients(env: NodeJS.ProcessEnv): LocalTenantClient[] | undefined {
  const callbacks = urlList(env, 'AUTH0_LOCAL_CALLBACKS', false);
  const logoutUrls = urlList(env, 'AUTH0_LOCAL_LOGOUT_URLS', false);
  const webOrigins = urlList(env, 'AUTH0_LOCAL_WEB_ORIGINS', true).map((origin) => origin.replace(/\/$/, ''));
  if (callbacks.length + logoutUrls.length + webOrigins.length === 0) return undefined;
  return LOCAL_TENANT_DEFAULTS.clients.map((client) => {
    if (client.type === 'm2m') return client;
    const ownCallbacks = client.redirectUris ?? (client.type === 'spa' ? SAMPLE_CALLBACK_URLS : SAMPLE_WEB_CALLBACK_URLS);
    return {
      ...client,
      redirectUris: [...ownCallbacks, ...callbacks],
      logoutUrls: [...(client.logoutUrls ?? SAMPLE_LOGOUT_URLS), ...logoutUrls],
      webOrigins: [...(client.webOrigins ?? []), ...webOrigins],
    };
  });
}

/** A busy port as a message that names the setting to change; any other error as it is. */
function portError(error: unknown, port: number, variable: string): unknown {
  if ((error as NodeJS.ErrnoException | undefined)?.code !== 'EADDRINUSE') return error;
  return new Error(`port ${port} is in use: set ${variable} to another port`);
}

function listen(server: Server, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: unknown): void => reject(portError(error, port, 'PORT'));
    server.once('error', failed);
    server.once('listening', () => {
      server.off('error', failed);
      resolve();
    });
    server.listen(port, host);
  });
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function localBanner(sample: Omit<RunningSample, 'banner' | 'close'>, tenant: LocalTenant): string {
  const m2m = tenant.m2mClient;
  const form = [
    'grant_type=client_credentials',
    `client_id=${m2m.clientId}`,
    `client_secret=${m2m.clientSecret}`,
    `audience=${sample.settings.audience}`,
  ]
    .map((field) => `-d ${shellQuote(field)}`)
    .join(' ');
  const ca = tenant.certificateAuthority;
  const curl = ca === undefined ? 'curl -s' : `curl -s --cacert ${shellQuote(ca.certificatePath)}`;
  const users = tenant.users.map((u) => {
    const permissions = u.permissions.length === 0 ? 'no permissions' : `permission ${u.permissions.join(', ')}`;
    return `${`${u.email} / ${u.password}`.padEnd(28)} (${permissions})`;
  });
  return [
    `Local Auth0 tenant on ${tenant.issuer} (AUTH0_DOMAIN is not set; set it to use your own tenant)`,
    `Sample API on ${sample.url} (issuer ${tenant.issuer}, audience ${sample.settings.audience})`,
    '',
    `  Docs:          ${sample.docsUrl}   ("Authorize" signs in at the local tenant)`,
    ...(sample.mcpUrl === undefined
      ? []
      : [`  MCP server:    ${sample.mcpUrl}   (an API of its own; MCP clients register at ${tenant.issuer}oidc/register)`]),
    `  Callback URL:  ${sample.callbackUrl}`,
    `  SPA client id: ${sample.settings.clientId}`,
    `  Users:         ${users.join('\n                 ')}`,
    '',
    ...organizationLines(tenant, sample.url, sample.docsUrl),
    '',
    '  An M2M token from the tenant, then /secure with it:',
    `    TOKEN=$(${curl} ${tenant.urls.token} ${form} | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`,
    `    curl -s ${sample.url}/secure -H "Authorization: Bearer $TOKEN"`,
    '',
    ...(ca === undefined ? [] : [tenant.trustInstructions(), '']),
    'Ctrl-C stops both.',
  ].join('\n');
}

function remoteBanner(sample: Omit<RunningSample, 'banner' | 'close'>): string {
  const { url, settings } = sample;
  return [
    `Sample API on ${url} (issuer ${settings.domain}, audience ${settings.audience})`,
    `  GET ${url}/public   GET ${url}/secure   GET ${url}/secure/blabla   GET ${url}/guest`,
    `  GET ${url}/orgs/{organization id}/blabla   (read:blabla in that Auth0 Organization)`,
    `  Docs: ${sample.docsUrl}   (callback URL to allow in Auth0: ${sample.callbackUrl})`,
    ...(sample.mcpUrl === undefined ? [] : [`  MCP:  ${sample.mcpUrl}   (an Auth0 API whose identifier is this URL; see docs/mcp.md)`]),
  ].join('\n');
}

/**
 * The local tenant of `npm start`, the settings pointed at it; with the MCP endpoint as a second
 * API of the same permissions.
 */
async function startLocalTenant(env: NodeJS.ProcessEnv, settings: SampleSettings, mcpUrl: string | undefined): Promise<LocalTenant> {
  const https = localTenantHttps(env);
  const clients = localTenantClients(env);
  const port = localTenantPort(env);
  const tenant = await LocalTenant.start({
    port,
    ...(https === undefined ? {} : { https }),
    ...(clients === undefined ? {} : { clients }),
    ...(settings.audience === '' ? {} : { audience: settings.audience }),
    ...(mcpUrl === undefined ? {} : { additionalAudiences: [mcpUrl] }),
  }).catch((error: unknown) => {
    throw portError(error, port, 'AUTH0_LOCAL_TENANT_PORT');
  });
  settings.domain = tenant.issuer;
  settings.audience = tenant.audience;
  settings.clientId = tenant.spaClient.clientId;
  return tenant;
}

/** The {@link Auth0} of the MCP endpoint at `mcpUrl` (trusting the local tenant's CA in HTTPS mode). */
function sampleMcpAuth(settings: SampleSettings, mcpUrl: string, tenant: LocalTenant | undefined) {
  return createMcpAuth(
    { domain: settings.domain, url: mcpUrl, ...(settings.emailClaim === undefined ? {} : { emailClaim: settings.emailClaim }) },
    tenant?.certificateAuthority === undefined ? {} : { fetch: tenant.fetch },
  );
}

/**
 * Starts the sample from the environment: `PORT` (default 3000), `HOST`, `AUTH0_DOMAIN`,
 * `AUTH0_API_AUDIENCE`, `AUTH0_MCP_AUDIENCE` (the MCP endpoint's API identifier, its URL; default
 * `http://localhost:{port}/mcp` with the local tenant, none otherwise), `AUTH0_CLIENT_ID`,
 * `AUTH0_EMAIL_CLAIM`, `AUTH0_ORGANIZATION` (the
 * organization the docs page signs in to), `REDIS_URL` (a DPoP replay store shared by replicas);
 * without `AUTH0_DOMAIN`, a local tenant on `AUTH0_LOCAL_TENANT_PORT` (default
 * 4000), over https with `AUTH0_LOCAL_TENANT_HTTPS=1` (its CA in `AUTH0_LOCAL_TENANT_CA_DIR`; this
 * process must trust it: `NODE_EXTRA_CA_CERTS`, as main.ts arranges), with your front end's URLs
 * allowed through `AUTH0_LOCAL_CALLBACKS`, `AUTH0_LOCAL_LOGOUT_URLS` and `AUTH0_LOCAL_WEB_ORIGINS`
 * (see {@link localTenantClients}). With the local tenant it answers only a loopback `Host` (421
 * otherwise). Refusals are logged as JSON lines; Prometheus metrics are served at `/metrics`, to
 * this machine only.
 */
export async function startSample(env: NodeJS.ProcessEnv = process.env): Promise<RunningSample> {
  const settings = settingsFromEnv(env);
  // With the local tenant (demo users, known passwords) the sample answers only a loopback Host,
  // whatever HOST says: a page the developer visits cannot reach it under a name of its own.
  const local = settings.domain === '';
  // The MCP endpoint's identifier is its own URL, which names the port: listen first, serve after.
  let handle: RequestListener | undefined;
  const listener = createServer((req, res) => {
    if (handle === undefined) res.writeHead(503).end();
    else handle(req, res);
  });
  // With the local tenant the API is for this machine only unless HOST says otherwise; with a
  // real tenant it listens where HOST says, all interfaces by default.
  await listen(listener, settings.port, settings.host ?? (local ? '127.0.0.1' : undefined));
  const address = listener.address() as AddressInfo;
  // With the local tenant, a HOST that is not a loopback name (0.0.0.0) is not a name it answers.
  const name = settings.host === undefined || (local && !isLoopbackHost(settings.host)) ? 'localhost' : settings.host;
  const url = `http://${name}:${address.port}`;
  // Against a real tenant, only when AUTH0_MCP_AUDIENCE names the API (the URL clients call).
  const mcpUrl = env.AUTH0_MCP_AUDIENCE || (local ? `${url}${MCP_PATH}` : undefined);
  const closeListener = () =>
    new Promise<void>((resolve) => {
      listener.close(() => resolve());
      listener.closeAllConnections();
    });
  let tenant: LocalTenant | undefined;
  let store: (ReplayStore & { close(): Promise<void> }) | undefined;
  try {
    if (local) tenant = await startLocalTenant(env, settings, mcpUrl);
    const observability = createObservability();
    if (settings.redisUrl !== undefined) {
      store = await RedisReplayStore.connect({ url: settings.redisUrl, namespace: settings.audience });
    }
    const auth = createSampleAuth(settings, { onEvent: observability.onEvent, replayStore: store });
    const mcp = mcpUrl === undefined ? undefined : sampleMcpAuth(settings, mcpUrl, tenant);
    const app = createSampleApp(auth, observability.registry, settings.corsOrigins, {
      loopbackHostsOnly: local,
      organization: settings.organization,
      ...(mcp === undefined ? {} : { mcp }),
    });
    handle = app.callback();
    const running = {
      url,
      docsUrl: `${url}/docs`,
      callbackUrl: `${url}/docs/oauth2-redirect`,
      mcpUrl,
      address,
      settings,
      tenant,
      observability,
    };
    return {
      ...running,
      banner: () => (tenant === undefined ? remoteBanner(running) : localBanner(running, tenant)),
      close: async () => {
        await closeListener();
        await store?.close();
        await tenant?.close();
      },
    };
  } catch (error) {
    await closeListener();
    await store?.close();
    await tenant?.close();
    throw error;
  }
}
