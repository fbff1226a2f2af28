/**
 * Grants, decided with Auth0's rules:
 *
 * - at /authorize, the grant behind user tokens (oidc-provider's `loadExistingGrant`): first-party
 *   applications need no consent, and RBAC drops requested API scopes the user was not given;
 * - at the token endpoint, the grant types the tenant handles itself:
 *   - client credentials (RFC 6749 §4.4): `audience` names the API; without `scope` the token holds
 *     every permission granted to the application; a scope it was not granted is refused (403
 *     `access_denied`, as Auth0 answers);
 *   - resource owner password (RFC 6749 §4.3, Auth0's `grant_type=password`, and
 *     `http://auth0.com/oauth/grant-type/password-realm` with `realm` naming the database
 *     connection): the user's email and password; requested API scopes the user was not given are
 *     dropped (RBAC); with `openid`, an ID token beside the access token; with `offline_access`,
 *     a refresh token (oidc-provider's refresh token grant rotates it).
 *
 * Both token endpoint grants bind the access token to a DPoP key when the request carries a valid
 * `DPoP` proof (see dpop.ts).
 */
import { OFFLINE_SCOPE, OIDC_SCOPES, PASSWORD_REALM_GRANT, toAuth0Scope, type TenantDirectory } from './directory';
import type { TokenEndpointDpop } from './dpop';
import type { OidcProviderModule, Provider, ProviderClient, ProviderContext, ProviderGrant } from './oidc-provider';
import { authorizationOrganization, clientCredentialsOrganization } from './organizations';
import type { SeededOrganization, SeededUser } from './seed';

function splitScope(value: unknown): string[] {
  return typeof value === 'string' ? [...new Set(value.split(' ').filter(Boolean))] : [];
}

function oauthError(oidc: OidcProviderModule, name: string, description: string, status?: number): Error {
  const ErrorClass = oidc.errors[name];
  // Some of oidc-provider's errors keep a fixed description and take the argument as a detail.
  const error = Object.assign(new ErrorClass(description), { error_description: description });
  if (status !== undefined) Object.assign(error, { status, statusCode: status });
  return error;
}

/** The authenticated client of a token request (oidc-provider authenticates it before any grant handler). */
function requestClient(ctx: ProviderContext, oidc: OidcProviderModule): ProviderClient {
  const { client } = ctx.oidc;
  if (client === undefined) throw oauthError(oidc, 'InvalidClient', 'client authentication failed');
  return client;
}

/**
 * The `audience` (or `resource`, RFC 8707) of a token request, checked against the tenant's APIs;
 * `audience` wins when both are sent (Auth0's Resource Parameter Compatibility Profile).
 */
function requestedAudience(ctx: ProviderContext, oidc: OidcProviderModule, directory: TenantDirectory): string | undefined {
  const { audience: named, resource } = ctx.oidc.params;
  const audience = named === undefined || named === '' ? resource : named;
  if (audience === undefined || audience === '') return undefined;
  if (!directory.isApi(audience)) {
    throw oauthError(oidc, 'AccessDenied', `Service not found: ${audience}`, 403);
  }
  return audience;
}

function respond(ctx: ProviderContext, body: Record<string, unknown>): void {
  ctx.body = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined && v !== ''));
}

/**
 * `grant_type=client_credentials` as Auth0 answers it.
 *
 * @example
 * ```ts
 * provider.registerGrantType('client_credentials', clientCredentialsGrant(provider, oidc, directory, tokenEndpointDpop(oidc)), ['scope', 'audience', 'resource']);
 * ```
 */
export function clientCredentialsGrant(provider: Provider, oidc: OidcProviderModule, directory: TenantDirectory, dpop: TokenEndpointDpop) {
  return async (ctx: ProviderContext): Promise<void> => {
    const client = requestClient(ctx, oidc);
    const jkt = await dpop(ctx);
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
    const organization = clientCredentialsOrganization(ctx, oidc, directory, client.clientId);
    const token = new provider.ClientCredentials({ client, scope: (requested.length > 0 ? requested : granted).join(' ') });
    if (organization !== undefined) directory.organizations.bindToken(token, organization);
    token.resourceServer = new provider.ResourceServer(audience, directory.resourceServer(client.clientId, audience));
    if (jkt !== undefined) token.setThumbprint('jkt', jkt);
    ctx.oidc.entity('ClientCredentials', token);
    const accessToken = await token.save();
    respond(ctx, { access_token: accessToken, scope: token.scope, expires_in: token.expiration, token_type: token.tokenType });
  };
}

/** The `realm` of a password grant: the tenant's database connection, required by password-realm. */
function checkRealm(ctx: ProviderContext, oidc: OidcProviderModule, directory: TenantDirectory): void {
  const { realm, grant_type: grantType } = ctx.oidc.params;
  if ((realm === undefined || realm === '') && grantType === PASSWORD_REALM_GRANT) {
    throw oauthError(oidc, 'InvalidRequest', 'missing realm parameter');
  }
  if (realm !== undefined && realm !== '' && realm !== directory.settings.connection) {
    throw oauthError(oidc, 'InvalidRequest', 'connection not found');
  }
}

/** The ID token of a password grant that was given `openid`: the user's claims the granted scopes allow. */
async function passwordIdToken(ctx: ProviderContext, provider: Provider, user: SeededUser, oidcScopes: string[]): Promise<string> {
  const idToken = new provider.IdToken(
    {
      sub: user.userId,
      email: user.email,
      email_verified: true,
      name: user.name,
      nickname: user.email.split('@')[0],
    },
    { ctx },
  );
  idToken.scope = oidcScopes.join(' ');
  return idToken.issue({ use: 'idtoken' });
}

/**
 * The refresh token of a password grant given `offline_access`, to an application allowed the
 * refresh token grant; made as oidc-provider makes one at the code exchange: the grant's scopes, for
 * the same API. `undefined` when the application may not have one.
 */
async function passwordRefreshToken(
  ctx: ProviderContext,
  provider: Provider,
  source: { accountId: string; grantId: string; scopes: string[]; audience: string | undefined },
): Promise<string | undefined> {
  const client = ctx.oidc.client;
  if (client === undefined || !client.grantTypeAllowed('refresh_token')) return undefined;
  const { accountId, grantId, scopes, audience } = source;
  const refresh = new provider.RefreshToken({
    accountId,
    client,
    grantId,
    gty: 'password',
    scope: scopes.join(' '),
    resource: audience,
    rotations: 0,
  });
  ctx.oidc.entity('RefreshToken', refresh);
  return refresh.save();
}

/**
 * `grant_type=password`, and Auth0's `http://auth0.com/oauth/grant-type/password-realm`, as Auth0
 * answers them (the "Username-Password-Authentication" connection): an access token, and an ID
 * token when `openid` is granted.
 *
 * @example
 * ```ts
 * provider.registerGrantType('password', passwordGrant(provider, oidc, directory, tokenEndpointDpop(oidc)), ['username', 'password', 'scope', 'audience', 'realm']);
 * ```
 */
export function passwordGrant(provider: Provider, oidc: OidcProviderModule, directory: TenantDirectory, dpop: TokenEndpointDpop) {
  return async (ctx: ProviderContext): Promise<void> => {
    const { params } = ctx.oidc;
    const client = requestClient(ctx, oidc);
    if (params.username === undefined || params.password === undefined) {
      throw oauthError(oidc, 'InvalidRequest', 'missing username or password');
    }
    checkRealm(ctx, oidc, directory);
    const jkt = await dpop(ctx);
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
      token.resourceServer = new provider.ResourceServer(audience, directory.resourceServer(client.clientId, audience));
    }
    if (jkt !== undefined) token.setThumbprint('jkt', jkt);
    ctx.oidc.entity('AccessToken', token);
    const accessToken = await token.save();
    const idToken = oidcScopes.includes('openid') ? await passwordIdToken(ctx, provider, user, oidcScopes) : undefined;
    const refreshToken = oidcScopes.includes(OFFLINE_SCOPE)
      ? await passwordRefreshToken(ctx, provider, { accountId: user.userId, grantId, scopes: granted, audience })
      : undefined;
    respond(ctx, {
      access_token: accessToken,
      refresh_token: refreshToken,
      id_token: idToken,
      scope: toAuth0Scope(token.scope ?? ''),
      expires_in: token.expiration,
      token_type: token.tokenType,
    });
  };
}

/**
 * The grant already stored for this account and client, or a new one. A sign-in to another
 * organization (or to none after one) gets a new grant, so that the tokens of the older one keep
 * their organization.
 */
async function storedGrant(
  ctx: ProviderContext,
  Grant: Provider['Grant'],
  { accountId, clientId }: { accountId: string; clientId: string },
  organization: { directory: TenantDirectory; of: SeededOrganization | undefined },
): Promise<ProviderGrant> {
  const { oidc } = ctx;
  const grantId = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(clientId);
  const stored = grantId === undefined ? undefined : await Grant.find(grantId);
  if (stored === undefined || stored.accountId !== accountId || stored.clientId !== clientId) return new Grant({ accountId, clientId });
  if (organization.directory.organizations.ofGrant(grantId) !== organization.of) return new Grant({ accountId, clientId });
  return stored;
}

/**
 * The grant behind user tokens (oidc-provider's `loadExistingGrant`), decided as Auth0 decides:
 * first-party applications need no consent, RBAC drops requested API scopes the user was not
 * given, and a sign-in to an organization needs a member of it, whose roles there are what RBAC
 * reads (organizations.ts).
 *
 * Two grants with one id: the stored one follows RBAC (dropped scopes recorded as rejected), and
 * tokens are issued from it (the code exchange reads it back; the implicit response applies the
 * same rule). The one oidc-provider consults at /authorize lists every requested scope, because
 * oidc-provider answers `access_denied` to an authorization that grants no scope at all, where
 * Auth0 issues a token with an empty scope (a user without the permission still signs in, and the
 * API answers 403).
 *
 * @example
 * ```ts
 * let instance: Provider | undefined;
 * const configuration = { loadExistingGrant: rbacGrant(() => instance as Provider, directory, oidc) };
 * instance = new oidc.Provider(issuer, configuration);
 * ```
 */
export function rbacGrant(provider: () => Provider, directory: TenantDirectory, oidcModule: OidcProviderModule) {
  return async (ctx: ProviderContext): Promise<ProviderGrant | undefined> => {
    const { oidc } = ctx;
    const client = oidc.client;
    const accountId = oidc.account?.accountId;
    if (client === undefined || accountId === undefined) return undefined;
    const user = directory.userById(accountId);
    // A user who is not a member of the organization asked for is refused here, before any grant.
    const organization = authorizationOrganization(ctx, oidcModule, directory, user);
    const { Grant } = provider();
    const stored = await storedGrant(ctx, Grant, { accountId, clientId: client.clientId }, { directory, of: organization });
    const shown = new Grant({ accountId, clientId: client.clientId });
    const oidcScopes = [...oidc.requestParamOIDCScopes];
    if (oidcScopes.length > 0) {
      stored.addOIDCScope(oidcScopes.join(' '));
      shown.addOIDCScope(oidcScopes.join(' '));
    }
    for (const [indicator, resourceServer] of Object.entries(oidc.resourceServers)) {
      const requested = [...oidc.requestParamScopes].filter((s) => resourceServer.scopes.has(s));
      if (requested.length === 0) continue;
      const { granted, dropped } =
        user === undefined ? { granted: [], dropped: requested } : directory.grantedUserScopes(user, requested, organization);
      if (granted.length > 0) stored.addResourceScope(indicator, granted.join(' '));
      if (dropped.length > 0) stored.rejectResourceScope(indicator, dropped.join(' '));
      shown.addResourceScope(indicator, requested.join(' '));
    }
    shown.jti = await stored.save();
    directory.organizations.bindGrant(shown.jti, organization);
    return shown;
  };
}
