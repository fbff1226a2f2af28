/**
 * What the tenant's tokens are and look like: the signing keys, the API as a resource server
 * (Auth0's `audience`), Auth0-shaped JWT access tokens (`docs/local-tenant.md`) or RFC 9068 ones,
 * DPoP-bound tokens on request, the organization of the sign-in (`org_id`, `org_name`), the OpenID
 * claims and scopes, revocation, and every token's lifetime.
 */
import { OFFLINE_SCOPE, OIDC_SCOPES, toAuth0Scope, type AccessTokenProfile, type TenantDirectory } from './directory';
import { DPOP_SIGNING_ALGORITHMS } from './dpop';
import type { OidcProviderModule, ProviderContext, ProviderToken } from './oidc-provider';
import { organizationClaims, organizationParameter } from './organizations';
import type { SeededOrganization } from './seed';

/**
 * What the token profile adds: Auth0's `azp`, or RFC 9068's `client_id` and `jti` (and its `typ`);
 * and the sender constraint (`cnf`, RFC 9449 §6.1) oidc-provider set from the DPoP binding.
 */
function profileClaims(
  profile: AccessTokenProfile,
  source: Record<string, unknown>,
  clientId: string,
): { claims: Record<string, unknown>; typ: string } {
  const cnf = source.cnf === undefined ? {} : { cnf: source.cnf };
  if (profile === 'rfc9068') return { claims: { client_id: clientId, jti: source.jti, ...cnf }, typ: 'at+jwt' };
  return { claims: { azp: clientId, ...cnf }, typ: 'JWT' };
}

/** The organization a token is issued for: a client credentials token's own, else its grant's. */
function organizationOfToken(directory: TenantDirectory, token: ProviderToken): SeededOrganization | undefined {
  const { organizations } = directory;
  return token.kind === 'ClientCredentials' ? organizations.ofToken(token) : organizations.ofGrant(token.grantId);
}

/**
 * Shapes a JWT access token as Auth0 does: `typ: JWT`, `sub` (`{client_id}@clients` for machines),
 * `aud` (with `{issuer}userinfo` when `openid` was granted), `scope`, `permissions`, `azp`, `gty`
 * for client credentials and password, the namespaced email claim for users, `org_id` and
 * `org_name` for a sign-in to an organization, `cnf.jkt` when bound to a DPoP key; no
 * `client_id`/`jti`. With the RFC 9068 profile: `typ: at+jwt`, `client_id` and
 * `jti` instead of `azp`.
 */
function auth0Shape(directory: TenantDirectory) {
  return async (
    _ctx: unknown,
    token: ProviderToken,
    jwt: { header?: Record<string, unknown>; payload: Record<string, unknown> },
  ): Promise<void> => {
    const { settings } = directory;
    const source = jwt.payload;
    const clientId = String(source.client_id);
    const scopes = typeof source.scope === 'string' ? source.scope.split(' ').filter(Boolean) : [];
    const machine = token.kind === 'ClientCredentials';
    const claims: Record<string, unknown> = {};
    const user = machine ? undefined : directory.userById(token.accountId);
    if (user !== undefined) claims[settings.emailClaim] = user.email;
    const { organizations } = directory;
    const organization = organizationOfToken(directory, token);
    // RBAC once more, where the token is signed: a user token never carries a scope the user lacks
    // (in the organization of the sign-in, if any).
    const scope = user === undefined ? scopes : directory.grantedUserScopes(user, scopes, organization).granted;
    Object.assign(claims, {
      iss: source.iss,
      sub: machine ? `${clientId}@clients` : source.sub,
      aud: scope.includes('openid') ? [source.aud, `${settings.issuer}userinfo`] : source.aud,
      iat: source.iat,
      exp: source.exp,
      scope: toAuth0Scope(scope.join(' ')),
    });
    if (machine) claims.gty = 'client-credentials';
    else if (token.gty === 'password') claims.gty = 'password';
    const profile = profileClaims(settings.accessTokenProfile, source, clientId);
    Object.assign(claims, profile.claims);
    Object.assign(claims, organizationClaims(organization, organizations.names));
    if (machine) claims.permissions = scope;
    else if (user !== undefined) claims.permissions = directory.permissionsOf(user, organization);
    jwt.payload = claims;
    jwt.header = { ...jwt.header, typ: profile.typ };
  };
}

/**
 * Resource indicators (RFC 8707) as Auth0's `audience`: the parameter names the API, which must be
 * one of the tenant's; the token endpoint gets none and takes the one asked for at /authorize.
 * `resource` itself names the API too (Auth0's Resource Parameter Compatibility Profile); with
 * both, `audience` wins (the tenant's routes drop `resource` then, see routes.ts).
 */
function resourceIndicators(directory: TenantDirectory, errors: OidcProviderModule['errors']): Record<string, unknown> {
  return {
    enabled: true,
    // Auth0's `audience` parameter names the API; oidc-provider calls it a resource indicator.
    defaultResource: async (ctx: ProviderContext, _client: unknown, oneOf?: string | string[]) => {
      if (oneOf !== undefined) return oneOf;
      const audience = ctx.oidc.params.audience ?? ctx.oidc.body?.audience;
      return typeof audience === 'string' && audience !== '' ? audience : undefined;
    },
    // The token endpoint gets no `audience`: the API asked for at /authorize applies.
    useGrantedResource: async () => true,
    getResourceServerInfo: async (_ctx: ProviderContext, indicator: string, client: { clientId: string }) => {
      if (!directory.isApi(indicator)) {
        // Auth0's answer to an unknown API, at /authorize (in the redirect) and at the token endpoint.
        throw Object.assign(new errors.AccessDenied(`Service not found: ${indicator}`), { status: 403, statusCode: 403 });
      }
      return directory.resourceServer(client.clientId, indicator);
    },
  };
}

/**
 * Who may revoke a token at `/oauth/revoke`: the client it was issued to (oidc-provider's own rule,
 * stated here rather than left to its default).
 */
function revocationPolicy(errors: OidcProviderModule['errors']) {
  return async (_ctx: unknown, client: { clientId: string; clientAuthMethod: string }, token: { clientId: string }): Promise<boolean> => {
    if (token.clientId === client.clientId) return true;
    // A public client's request leaves another client's token alone, with the usual 200.
    if (client.clientAuthMethod === 'none') return false;
    throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
  };
}

/** Refresh tokens as Auth0 issues them: for `offline_access` to an application allowed the grant. */
const refreshTokens = {
  issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }, source: { scopes: Set<string> }) =>
    client.grantTypeAllowed('refresh_token') && source.scopes.has(OFFLINE_SCOPE),
  // Tokens of an offline grant outlive the browser session, as `offline_access` means.
  expiresWithSession: async (_ctx: unknown, source: { scopes: Set<string> }) => !source.scopes.has(OFFLINE_SCOPE),
  // Auth0's refresh token rotation: every use answers a new refresh token; using one twice revokes
  // the whole grant (oidc-provider's reuse detection), so a stolen one dies with the family.
  rotateRefreshToken: true,
};

/**
 * The provider configuration of the tokens: signing keys, claims and scopes, the `audience`
 * parameter, DPoP, JWT access token shape, refresh tokens, revocation, and every lifetime (`ttl`).
 *
 * @example
 * ```ts
 * const { features, ...rest } = tokensConfiguration(directory, oidc);
 * ```
 */
export function tokensConfiguration(
  directory: TenantDirectory,
  oidc: OidcProviderModule,
): Record<string, unknown> & { features: Record<string, unknown> } {
  const { settings } = directory;
  return {
    jwks: settings.jwks,
    claims: {
      // The organization of a sign-in to one goes into its ID token (see findAccount in interactions.ts).
      openid: ['sub', 'org_id', 'org_name'],
      email: ['email', 'email_verified'],
      profile: ['name', 'nickname', 'updated_at'],
    },
    scopes: [...OIDC_SCOPES],
    extraParams: { audience: null, organization: organizationParameter(oidc, directory) },
    ...refreshTokens,
    // Proof algorithms for DPoP-bound tokens (RFC 9449), at the code exchange and in grants.ts.
    enabledJWA: { dPoPSigningAlgValues: [...DPOP_SIGNING_ALGORITHMS] },
    formats: { customizers: { jwt: auth0Shape(directory) } },
    features: {
      dPoP: { enabled: true },
      clientCredentials: { enabled: true },
      userinfo: { enabled: true },
      revocation: { enabled: true, allowedPolicy: revocationPolicy(oidc.errors) },
      resourceIndicators: resourceIndicators(directory, oidc.errors),
    },
    ttl: {
      AccessToken: settings.accessTokenLifetime,
      ClientCredentials: settings.accessTokenLifetime,
      AuthorizationCode: 60,
      IdToken: 36_000,
      Interaction: 3600,
      Session: 3 * 86_400,
      Grant: 3 * 86_400,
      RefreshToken: 30 * 86_400,
    },
  };
}
