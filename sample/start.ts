/**
 * Starts the sample: against the Auth0 tenant named by `AUTH0_DOMAIN`, or, when it is not set,
 * against a local Auth0-shaped tenant started in this process (no Auth0 account needed).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalTenant } from 'routing-controllers-auth0/testing';
import { createSampleApp, createSampleAuth, settingsFromEnv, type SampleSettings } from './app';

/** The sample, running. */
export interface RunningSample {
  /** The API's base URL, e.g. `http://localhost:3000`. */
  url: string;
  /** The docs page, e.g. `http://localhost:3000/docs`. */
  docsUrl: string;
  /** The docs' OAuth redirect page, to list among the application's callback URLs. */
  callbackUrl: string;
  /** The settings the sample runs with (domain and client id filled in for the local tenant). */
  settings: SampleSettings;
  /** The local tenant, when `AUTH0_DOMAIN` is not set. */
  tenant: LocalTenant | undefined;
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

function listen(server: Server, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
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
  const users = tenant.users.map((u) => {
    const permissions = u.permissions.length === 0 ? 'no permissions' : `permission ${u.permissions.join(', ')}`;
    return `${`${u.email} / ${u.password}`.padEnd(28)} (${permissions})`;
  });
  return [
    `Local Auth0 tenant on ${tenant.issuer} (AUTH0_DOMAIN is not set; set it to use your own tenant)`,
    `Sample API on ${sample.url} (issuer ${tenant.issuer}, audience ${sample.settings.audience})`,
    '',
    `  Docs:          ${sample.docsUrl}   ("Authorize" signs in at the local tenant)`,
    `  Callback URL:  ${sample.callbackUrl}`,
    `  SPA client id: ${sample.settings.clientId}`,
    `  Users:         ${users.join('\n                 ')}`,
    '',
    '  An M2M token from the tenant, then /secure with it:',
    `    TOKEN=$(curl -s ${tenant.urls.token} ${form} | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`,
    `    curl -s ${sample.url}/secure -H "Authorization: Bearer $TOKEN"`,
    '',
    'Ctrl-C stops both.',
  ].join('\n');
}

function remoteBanner(sample: Omit<RunningSample, 'banner' | 'close'>): string {
  const { url, settings } = sample;
  return [
    `Sample API on ${url} (issuer ${settings.domain}, audience ${settings.audience})`,
    `  GET ${url}/public   GET ${url}/secure   GET ${url}/secure/blabla   GET ${url}/guest`,
    `  Docs: ${sample.docsUrl}   (callback URL to allow in Auth0: ${sample.callbackUrl})`,
  ].join('\n');
}

/**
 * Starts the sample from the environment: `PORT` (default 3000), `HOST`, `AUTH0_DOMAIN`,
 * `AUTH0_API_AUDIENCE`, `AUTH0_CLIENT_ID`, `AUTH0_EMAIL_CLAIM`; without `AUTH0_DOMAIN`, a local
 * tenant on `AUTH0_LOCAL_TENANT_PORT` (default 4000).
 */
export async function startSample(env: NodeJS.ProcessEnv = process.env): Promise<RunningSample> {
  const settings = settingsFromEnv(env);
  let tenant: LocalTenant | undefined;
  if (settings.domain === '') {
    tenant = await LocalTenant.start({
      port: localTenantPort(env),
      ...(settings.audience === '' ? {} : { audience: settings.audience }),
    });
    settings.domain = tenant.issuer;
    settings.audience = tenant.audience;
    settings.clientId = tenant.spaClient.clientId;
  }
  try {
    const listener = createServer(createSampleApp(createSampleAuth(settings)).callback());
    await listen(listener, settings.port, settings.host);
    const { port } = listener.address() as AddressInfo;
    const url = `http://${settings.host ?? 'localhost'}:${port}`;
    const running = { url, docsUrl: `${url}/docs`, callbackUrl: `${url}/docs/oauth2-redirect`, settings, tenant };
    return {
      ...running,
      banner: () => (tenant === undefined ? remoteBanner(running) : localBanner(running, tenant)),
      close: async () => {
        await new Promise<void>((resolve) => {
          listener.close(() => resolve());
          listener.closeAllConnections();
        });
        await tenant?.close();
      },
    };
  } catch (error) {
    await tenant?.close();
    throw error;
  }
}
