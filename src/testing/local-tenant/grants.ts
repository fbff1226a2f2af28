/**
 * The token endpoint's grants that the tenant handles itself, with Auth0's rules:
 *
 * - client credentials (RFC 6749 §4.4): `audience` names the API; without `scope` the token holds
 *   every permission granted to the application; a scope it was not granted is refused (403
 *   `access_denied`, as Auth0 answers);
 * - resource owner password (RFC 6749 §4.3, Auth0's `grant_type=password`): the user's email and
 *   password; requested API scopes the user was not given are dropped (RBAC).
 *
 * Both bind the access token to a DPoP key when the request carries a valid `DPoP` proof.
 */
import { dpopThumbprint } from './dpop';
import type { OidcProviderModule, Provider, ProviderContext } from './oidc-provider';
import { OIDC_SCOPES, type TenantDirectory } from './provider';

function splitScope(value: unknown): string[] {
  return typeof value === 'string' ? [...new Set(value.split(' ').filter(Boolean))] : [];
}

function oauthError(oidc: OidcProviderModule, name: string, description: string, status?: number): Error {
  const ErrorClass = oidc.errors[name];
  const error = new ErrorClass(description);
  if (status !== undefined) Object.assign(error, { status, statusCode: status });
  return error;
}

/** The `audience` (or `resource`) of a token request, checked against the tenant's API. */
function requestedAudience(ctx: ProviderContext, oidc: OidcProviderModule, directory: TenantDirectory): string | undefined {
  const audience = ctx.oidc.params.audience ?? ctx.oidc.params.resource;
  if (audience === undefined || audience === '') return undefined;
  if (audience !== directory.settings.audience) {
    throw oauthError(oidc, 'AccessDenied', `Service not found: ${audience}`, 403);
  }
  return audience;
}

function respond(ctx: ProviderContext, body: Record<string, unknown>): void {
  ctx.body = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined && v !== ''));
}

/** `grant_type=client_credentials` as Auth0 answers it. */
export function clientCredentialsGrant(provider: Provider, oidc: OidcProviderModule, directory: TenantDirectory) {
  return async (ctx: ProviderContext): Promise<void> => {
    const client = ctx.oidc.client!;
    const jkt = await dpopThumbprint(ctx, provider, oidc);
    const audience = requestedAudience(ctx, oidc, directory);
    if (audience === undefined) {
      throw oauthError(oidc, 'AccessDenied', 'No audience parameter was provided, and no default audience has been configured', 403);
    }
    const granted = directory.resourceScopesFor(client.clientId);
    const requested = splitScope(ctx.oidc.params.scope);
    const notGranted = requested.filter((s) => !granted.includes(s));
    if (notGranted.length > 0) {
      throw oauthError(oidc, 'AccessDenied', `Client has not been granted scopes: ${notGranted.join(', ')}`, 403);
    }
    const token = new provider.ClientCredentials({ client, scope: (requested.length > 0 ? requested : granted).join(' ') });
    token.resourceServer = new provider.ResourceServer(audience, directory.resourceServer(client.clientId));
    if (jkt !== undefined) token.setThumbprint('jkt', jkt);
    ctx.oidc.entity('ClientCredentials', token);
    const accessToken = await token.save();
    respond(ctx, { access_token: accessToken, scope: token.scope, expires_in: token.expiration, token_type: token.tokenType });
  };
}

/** `grant_type=password` as Auth0 answers it (the "Username-Password-Authentication" connection). */
export function passwordGrant(provider: Provider, oidc: OidcProviderModule, directory: TenantDirectory) {
  return async (ctx: ProviderContext): Promise<void> => {
    const { params } = ctx.oidc;
    const client = ctx.oidc.client!;
    if (params.username === undefined || params.password === undefined) {
      throw oauthError(oidc, 'InvalidRequest', 'missing username or password');
    }
    const jkt = await dpopThumbprint(ctx, provider, oidc);
    const user = directory.authenticate(params.username, params.password);
    if (user === undefined) {
      throw oauthError(oidc, 'InvalidGrant', 'Wrong email or password.', 403);
    }
    const audience = requestedAudience(ctx, oidc, directory);
    const requested = splitScope(params.scope);
    const { granted } = directory.grantedUserScopes(
      user,
      requested.filter((s) => OIDC_SCOPES.includes(s) || audience !== undefined),
    );
    const grant = new provider.Grant({ accountId: user.userId, clientId: client.clientId });
    const oidcScopes = granted.filter((s) => OIDC_SCOPES.includes(s));
    if (oidcScopes.length > 0) grant.addOIDCScope(oidcScopes.join(' '));
    if (audience !== undefined && granted.length > 0) grant.addResourceScope(audience, granted.join(' '));
    const grantId = await grant.save();
    const token = new provider.AccessToken({
      accountId: user.userId,
      client,
      grantId,
      gty: 'password',
      scope: (audience === undefined ? oidcScopes : granted).join(' '),
    });
    if (audience === undefined) {
      token.claims = {};
    } else {
      token.resourceServer = new provider.ResourceServer(audience, directory.resourceServer(client.clientId));
    }
    if (jkt !== undefined) token.setThumbprint('jkt', jkt);
    ctx.oidc.entity('AccessToken', token);
    const accessToken = await token.save();
    respond(ctx, { access_token: accessToken, scope: token.scope, expires_in: token.expiration, token_type: token.tokenType });
  };
}
