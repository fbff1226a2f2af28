/**
 * Open Dynamic Client Registration (RFC 7591) at Auth0's `POST /oidc/register`, as a tenant with
 * "OIDC Dynamic Application Registration" turned on has it: no initial access token, and every
 * registered application is a third-party one (`is_first_party: false`).
 *
 * What the tenant accepts, checked before oidc-provider's own validation:
 *
 * - redirect URIs that are `https:` URLs, or `http:` URLs on a loopback name (`localhost`,
 *   `127.0.0.1`, `[::1]`); anything else (`javascript:`, `data:`, plain http elsewhere) is 400
 *   `invalid_redirect_uri`;
 * - the authorization code and refresh token grants only (a third-party application may use
 *   neither the password grant nor client credentials), `response_types` `code` only: anything
 *   else is 400 `invalid_client_metadata`.
 *
 * A `scope` member does not limit the application (the tenant does not keep it): RBAC decides what
 * a user's token holds, as for every application.
 *
 * The tenant asks third-party applications no consent (as for its own applications, the grant
 * follows RBAC); it is a development tenant, not a place to decide whom to trust.
 *
 * Registrations are bounded ({@link MAX_REGISTRATIONS}): past the bound, the oldest registered
 * application is forgotten, so that a long-running tenant that clients register at on every start
 * does not grow without end. The seeded applications are never dropped.
 */
import type { MemoryStore } from './adapter';
import { LOOPBACK_NAMES } from './loopback';
import type { ProviderContext } from './oidc-provider';
import { readBody, replaceRequestBody } from './token-endpoint';

/**
 * Auth0's registration endpoint path.
 *
 * @example
 * ```ts
 * const registrationEndpoint = new URL(REGISTRATION_PATH, tenant.issuer).href;
 * ```
 */
export const REGISTRATION_PATH = '/oidc/register';

/**
 * How many dynamically registered applications the tenant keeps; past it, the oldest is dropped.
 *
 * @example
 * ```ts
 * const middleware = dynamicRegistration(store, MAX_REGISTRATIONS);
 * ```
 */
export const MAX_REGISTRATIONS = 1000;

/** oidc-provider's own body size limit. */
const MAX_BODY_BYTES = 56 * 1024;

const ALLOWED_GRANT_TYPES = new Set(['authorization_code', 'refresh_token']);
const ALLOWED_RESPONSE_TYPES = new Set(['code']);

function answer(ctx: ProviderContext, status: number, error: string, description: string): void {
  ctx.status = status;
  ctx.set('cache-control', 'no-store');
  ctx.body = { error, error_description: description };
}

/** Why a redirect URI is refused, or `undefined` when it is accepted. */
function redirectUriProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'redirect_uris must be strings';
  const url = URL.parse(value);
  if (url === null) return `redirect_uri ${JSON.stringify(value)} is not a URL`;
  if (url.hash !== '') return `redirect_uri ${JSON.stringify(value)} must not have a fragment`;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK_NAMES.includes(url.hostname)) return undefined;
  if (url.protocol === 'http:') return `redirect_uri ${JSON.stringify(value)} must use https (plain http only on a loopback name)`;
  return `redirect_uri ${JSON.stringify(value)} must be an https URL (or http on a loopback name)`;
}

/** Why a registration request's metadata is refused (the error code and description), or `undefined`. */
export function registrationProblem(metadata: unknown): { error: string; description: string } | undefined {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    return { error: 'invalid_client_metadata', description: 'the body must be a JSON object of client metadata' };
  }
  const { redirect_uris: redirectUris, grant_types: grantTypes, response_types: responseTypes } = metadata as Record<string, unknown>;
  if (redirectUris !== undefined) {
    if (!Array.isArray(redirectUris)) return { error: 'invalid_redirect_uri', description: 'redirect_uris must be a list' };
    for (const uri of redirectUris) {
      const problem = redirectUriProblem(uri);
      if (problem !== undefined) return { error: 'invalid_redirect_uri', description: problem };
    }
  }
  for (const [name, value, allowed] of [
    ['grant_types', grantTypes, ALLOWED_GRANT_TYPES],
    ['response_types', responseTypes, ALLOWED_RESPONSE_TYPES],
  ] as const) {
    if (value === undefined) continue;
    if (!Array.isArray(value)) return { error: 'invalid_client_metadata', description: `${name} must be a list` };
    const refused = value.find((item) => typeof item !== 'string' || !allowed.has(item));
    if (refused !== undefined) {
      return {
        error: 'invalid_client_metadata',
        description: `${name} ${JSON.stringify(refused)} is not allowed for a third-party application (allowed: ${[...allowed].join(', ')})`,
      };
    }
  }
  return undefined;
}

/**
 * The provider configuration of dynamic registration: oidc-provider's `features.registration`,
 * open (no initial access token) and without registration access tokens (Auth0 issues none).
 *
 * @example
 * ```ts
 * const configuration = { routes: { registration: REGISTRATION_PATH }, ...registrationConfiguration() };
 * ```
 */
export function registrationConfiguration(): { features: Record<string, unknown> } {
  return {
    features: {
      registration: { enabled: true, initialAccessToken: false, issueRegistrationAccessToken: false },
    },
  };
}

/**
 * The middleware in front of oidc-provider's registration endpoint: checks the request as the
 * module comment says, marks the answer `is_first_party: false`, and keeps at most `limit`
 * registered applications in `store` (the oldest dropped).
 *
 * @example
 * ```ts
 * provider.use(dynamicRegistration(store));
 * ```
 */
export function dynamicRegistration(store: MemoryStore, limit: number = MAX_REGISTRATIONS) {
  const clients = store.adapter('Client');
  // Registered client ids, the oldest first.
  const registered: string[] = [];
  return async function localTenantRegistration(ctx: ProviderContext, next: () => Promise<void>): Promise<void> {
    if (ctx.path !== REGISTRATION_PATH || ctx.method !== 'POST') {
      await next();
      return;
    }
    if (ctx.is('application/json') === 'application/json') {
      const raw = await readBody(ctx.req, MAX_BODY_BYTES);
      if (raw === undefined) {
        answer(ctx, 413, 'invalid_request', 'request entity too large');
        return;
      }
      let metadata: unknown;
      try {
        metadata = JSON.parse(raw.toString('utf8'));
      } catch {
        answer(ctx, 400, 'invalid_request', 'the body must be JSON');
        return;
      }
      const problem = registrationProblem(metadata);
      if (problem !== undefined) {
        answer(ctx, 400, problem.error, problem.description);
        return;
      }
      // `scope` (RFC 7591 §2) may name the APIs' permissions, which oidc-provider's client metadata
      // check does not know (it knows the OpenID scopes only): the application is not limited by it,
      // as at Auth0, where RBAC decides what a user's token holds.
      const { scope: _scope, ...rest } = metadata as Record<string, unknown>;
      replaceRequestBody(ctx, Buffer.from(JSON.stringify(rest), 'utf8'), 'application/json');
    }
    await next();
    const body = ctx.body as Record<string, unknown> | null;
    if (ctx.status !== 201 || body === null || typeof body !== 'object' || typeof body.client_id !== 'string') return;
    ctx.body = { ...body, is_first_party: false };
    registered.push(body.client_id);
    while (registered.length > limit) await clients.destroy(registered.shift() as string);
  };
}
