/**
 * Swagger UI's implicit flow (`response_type=token`, RFC 6749 §4.2), which oidc-provider refuses to
 * configure on its own (it only offers `token` next to `id_token`). The tenant carries it through
 * oidc-provider as `response_type=none` with a response mode of its own; that response mode mints
 * the access token exactly as oidc-provider's implicit handler would and returns it in the fragment
 * (RFC 6749 §4.2.2), errors included (§4.2.2.1).
 */
import type { Provider, ProviderContext } from './oidc-provider';
import { toAuth0Scope, type TenantDirectory } from './directory';

/**
 * The response mode that delivers an implicit access token.
 *
 * @example
 * ```ts
 * provider.registerResponseMode(IMPLICIT_RESPONSE_MODE, implicitTokenResponseMode(provider, directory));
 * ```
 */
export const IMPLICIT_RESPONSE_MODE = 'x_auth0_token';

/**
 * Rewrites `GET /authorize?response_type=token…` into what oidc-provider accepts. Only the exact
 * `token` value is rewritten; anything else goes through untouched.
 *
 * @example
 * ```ts
 * if (ctx.method === 'GET' && ctx.path === '/authorize') rewriteImplicitRequest(ctx);
 * ```
 */
export function rewriteImplicitRequest(ctx: ProviderContext): void {
  const query = new URLSearchParams(ctx.querystring);
  if (query.getAll('response_type').length !== 1 || query.get('response_type') !== 'token') return;
  const mode = query.get('response_mode');
  if (mode !== null && mode !== 'fragment') return;
  query.set('response_type', 'none');
  query.set('response_mode', IMPLICIT_RESPONSE_MODE);
  ctx.querystring = query.toString();
}

function fragment(redirectUri: string, values: Record<string, unknown>): string {
  const url = new URL(redirectUri);
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== null) params.set(key, String(value));
  }
  url.hash = params.toString();
  return url.href;
}

/**
 * The response mode: an access token (or the error) in the redirect URI's fragment.
 *
 * @example
 * ```ts
 * provider.registerResponseMode(IMPLICIT_RESPONSE_MODE, implicitTokenResponseMode(provider, directory));
 * ```
 */
export function implicitTokenResponseMode(provider: Provider, directory: TenantDirectory) {
  return async (ctx: ProviderContext, redirectUri: string, payload: Record<string, unknown>): Promise<void> => {
    ctx.status = 303;
    const { oidc } = ctx;
    const client = oidc.client;
    const session = oidc.session;
    if (payload.error !== undefined || client === undefined || session === undefined) {
      ctx.redirect(fragment(redirectUri, payload));
      return;
    }
    const token = new provider.AccessToken({
      accountId: session.accountId,
      client,
      grantId: session.grantIdFor(client.clientId),
      gty: 'implicit',
      sessionUid: session.uid,
      sid: session.sidFor(client.clientId),
    });
    const [resource, ...others] = Object.keys(oidc.resourceServers);
    if (others.length > 0) {
      ctx.redirect(
        fragment(redirectUri, { error: 'invalid_target', error_description: 'only one audience can be requested', state: payload.state }),
      );
      return;
    }
    if (resource === undefined) {
      // No audience: an opaque token good for /userinfo only, as Auth0 gives.
      token.claims = oidc.claims;
      token.scope = [...oidc.requestParamOIDCScopes].join(' ');
    } else {
      const resourceServer = oidc.resourceServers[resource];
      const user = directory.userById(session.accountId);
      const requested = [...oidc.requestParamScopes].filter((s) => resourceServer.scopes.has(s));
      token.resourceServer = resourceServer;
      // The grant shown at /authorize lists every requested scope (see rbacGrant in grants.ts): apply RBAC here.
      const organization = directory.organizations.ofGrant(session.grantIdFor(client.clientId));
      token.scope = user === undefined ? '' : directory.grantedUserScopes(user, requested, organization).granted.join(' ');
    }
    oidc.entity('AccessToken', token);
    const accessToken = await token.save();
    ctx.redirect(
      fragment(redirectUri, {
        access_token: accessToken,
        token_type: token.tokenType,
        expires_in: token.expiration,
        scope: toAuth0Scope(token.scope ?? ''),
        state: payload.state,
      }),
    );
  };
}
