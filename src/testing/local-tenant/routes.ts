/**
 * The tenant's own routes in front of oidc-provider: the login page (Auth0's Universal Login
 * stand-in), Auth0's `/v2/logout`, `/userinfo` for JWT access tokens, JSON bodies and Auth0's
 * errors at the token endpoint, the implicit-flow rewrite and Auth0's discovery additions.
 */
import { rewriteImplicitRequest } from './implicit';
import { auth0TokenAnswer, normaliseTokenRequest, readBody } from './token-endpoint';
import { jwtUserinfo } from './userinfo';
import { errorPage, loggedOutPage, loginPage } from './pages';
import type { Provider, ProviderContext } from './oidc-provider';
import { NO_SCOPE, toAuth0Scope, toProviderScope, type TenantDirectory } from './directory';

const LOGIN_PATH = /^\/u\/login\/([A-Za-z0-9_-]+)$/;
const MAX_FORM_BYTES = 16 * 1024;

function html(ctx: ProviderContext, status: number, body: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('cache-control', 'no-store');
  ctx.body = body;
}

/** GET and POST `/u/login/{uid}`: the login form of a pending authorization. */
async function login(ctx: ProviderContext, provider: Provider, directory: TenantDirectory, uid: string): Promise<void> {
  let interaction: Awaited<ReturnType<Provider['interactionDetails']>>;
  try {
    interaction = await provider.interactionDetails(ctx.req, ctx.res);
  } catch {
    html(
      ctx,
      400,
      errorPage({
        error: 'invalid_request',
        error_description: 'This login session has expired or was not started here. Start again from the application.',
      }),
    );
    return;
  }
  if (interaction.uid !== uid) {
    html(
      ctx,
      400,
      errorPage({
        error: 'invalid_request',
        error_description: 'Another login is in progress in this browser. Start again from the application.',
      }),
    );
    return;
  }
  const clientId = interaction.params.client_id;
  const client = directory.client(clientId);
  // A dynamically registered application shows the name it registered with.
  const registered = client === undefined && clientId !== undefined ? await provider.Client.find(clientId) : undefined;
  const demoUsers = directory.settings.users.map((u) => `${u.email} / ${u.password}`);
  const render = (status: number, email?: string, error?: string): void =>
    html(
      ctx,
      status,
      loginPage({
        action: `/u/login/${uid}`,
        clientName: client?.name ?? registered?.clientName ?? clientId ?? 'the application',
        email,
        error,
        demoUsers,
      }),
    );

  if (interaction.prompt.name !== 'login') {
    // Only consent can be left; first-party applications need none (the grant follows RBAC).
    const url = await provider.interactionResult(ctx.req, ctx.res, { consent: {} }, { mergeWithLastSubmission: true });
    ctx.status = 303;
    ctx.redirect(url);
    return;
  }
  if (ctx.method === 'GET') {
    render(200);
    return;
  }
  const body = await readBody(ctx.req, MAX_FORM_BYTES);
  if (body === undefined) {
    html(ctx, 413, errorPage({ error: 'request_too_large', error_description: `The form is over ${MAX_FORM_BYTES} bytes` }));
    return;
  }
  const form = new URLSearchParams(body.toString('utf8'));
  const user = directory.authenticate(form.get('username'), form.get('password'));
  if (user === undefined) {
    render(401, form.get('username') ?? undefined, 'Wrong email or password.');
    return;
  }
  const url = await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: user.userId } }, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(url);
}

/**
 * `GET /v2/logout?client_id=…&returnTo=…`: ends the tenant's session and redirects to `returnTo`,
 * which must be one of the application's allowed logout URLs (any application's when no
 * `client_id` is given), as Auth0 checks it.
 */
async function logout(ctx: ProviderContext, provider: Provider, directory: TenantDirectory): Promise<void> {
  const query = new URLSearchParams(ctx.querystring);
  const returnTo = query.get('returnTo') ?? undefined;
  const clientId = query.get('client_id') ?? undefined;
  if (returnTo !== undefined) {
    const candidates = clientId === undefined ? directory.settings.clients.map((c) => c.clientId) : [clientId];
    let allowed = false;
    for (const id of candidates) {
      const client = await provider.Client.find(id);
      if (client?.postLogoutRedirectUriAllowed(returnTo)) allowed = true;
    }
    if (!allowed) {
      html(
        ctx,
        400,
        errorPage({
          error: 'invalid_request',
          error_description: `The "returnTo" querystring parameter "${returnTo}" is not defined as a valid URL in "Allowed Logout URLs".`,
        }),
      );
      return;
    }
  }
  const session = await provider.Session.get(ctx);
  if (session.accountId !== undefined) await session.destroy();
  for (const name of [provider.cookieName('session'), `${provider.cookieName('session')}.sig`]) {
    ctx.cookies.set(name, null, { path: '/', httpOnly: true, sameSite: 'lax', signed: false });
  }
  if (returnTo === undefined) {
    html(ctx, 200, loggedOutPage());
    return;
  }
  ctx.status = 302;
  ctx.redirect(returnTo);
}

/**
 * `resource` (RFC 8707) names the API as `audience` does; with both, `audience` wins and `resource`
 * is dropped (Auth0's Resource Parameter Compatibility Profile).
 */
function audienceOverResource(ctx: ProviderContext): void {
  const query = new URLSearchParams(ctx.querystring);
  if ((query.get('audience') ?? '') === '' || !query.has('resource')) return;
  query.delete('resource');
  ctx.querystring = query.toString();
}

/** An authorization request for an API with no scope asks for {@link NO_SCOPE} instead. */
function askNoScope(ctx: ProviderContext): void {
  const query = new URLSearchParams(ctx.querystring);
  const api = query.get('audience') || query.get('resource') || '';
  if (api === '' || (query.get('scope') ?? '').trim() !== '') return;
  query.set('scope', NO_SCOPE);
  ctx.querystring = query.toString();
}

/**
 * Discovery as Auth0's: Swagger UI's implicit flow works (see implicit.ts), and `offline_access` is
 * a scope by its own name.
 */
function auth0Discovery(ctx: ProviderContext): void {
  if (ctx.path !== '/.well-known/openid-configuration' || ctx.status !== 200 || ctx.body === null || typeof ctx.body !== 'object') return;
  const body = ctx.body as Record<string, unknown>;
  const types = Array.isArray(body.response_types_supported) ? body.response_types_supported : [];
  const scopes = Array.isArray(body.scopes_supported) ? (body.scopes_supported as string[]) : [];
  ctx.body = {
    ...body,
    response_types_supported: types.includes('token') ? types : [...types, 'token'],
    scopes_supported: scopes.map((scope) => toAuth0Scope(scope)),
  };
}

/** `offline_access` in an authorization request takes its provider-side name (see `OFFLINE_SCOPE`). */
function askOfflineAccess(ctx: ProviderContext): void {
  const query = new URLSearchParams(ctx.querystring);
  const scope = query.get('scope');
  if (scope === null || !scope.split(' ').includes('offline_access')) return;
  query.set('scope', toProviderScope(scope));
  ctx.querystring = query.toString();
}

/**
 * The middleware oidc-provider runs before its own router: the tenant's own pages and `/v2/logout`,
 * `/userinfo` for JWT access tokens, JSON bodies at the token endpoint, the implicit-flow rewrite;
 * after oidc-provider, Auth0's token endpoint errors and discovery additions.
 *
 * @example
 * ```ts
 * provider.use(tenantRoutes(provider, directory));
 * ```
 */
export function tenantRoutes(provider: Provider, directory: TenantDirectory) {
  const userinfo = jwtUserinfo(directory);
  return async function localTenantRoutes(ctx: ProviderContext, next: () => Promise<void>): Promise<void> {
    const loginMatch = LOGIN_PATH.exec(ctx.path);
    if (loginMatch !== null && (ctx.method === 'GET' || ctx.method === 'POST')) {
      await login(ctx, provider, directory, loginMatch[1]);
      return;
    }
    if (ctx.path === '/v2/logout' && ctx.method === 'GET') {
      await logout(ctx, provider, directory);
      return;
    }
    if (ctx.path === '/userinfo' && (await userinfo(ctx))) return;
    if (!(await normaliseTokenRequest(ctx))) return;
    if (ctx.method === 'GET' && ctx.path === '/authorize') {
      rewriteImplicitRequest(ctx);
      audienceOverResource(ctx);
      askNoScope(ctx);
      askOfflineAccess(ctx);
    }
    await next();
    auth0TokenAnswer(ctx);
    auth0Discovery(ctx);
  };
}
