/**
 * The oidc-provider configuration that makes it look like an Auth0 tenant: Auth0's URL layout,
 * Auth0-shaped access tokens (`docs/local-tenant.md`), RBAC on user scopes, and the grants Auth0 offers
 * (authorization code + PKCE, implicit `response_type=token`, client credentials, password), with
 * DPoP-bound tokens on request and Auth0's RFC 9068 token profile as an option.
 *
 * Each concern has its module: clients.ts (applications, CORS), tokens.ts (keys, token shape,
 * lifetimes, DPoP, the API), interactions.ts (login, sessions, logout, error page), grants.ts (RBAC
 * grant, client credentials and password grants), implicit.ts (Swagger UI's implicit flow) and
 * adapter.ts (where oidc-provider keeps its state). This one puts them together.
 */
import { MemoryStore } from './adapter';
import { clientsConfiguration } from './clients';
import { PASSWORD_REALM_GRANT, type TenantDirectory } from './directory';
import { tokenEndpointDpop } from './dpop';
import { clientCredentialsGrant, passwordGrant, rbacGrant } from './grants';
import { IMPLICIT_RESPONSE_MODE, implicitTokenResponseMode } from './implicit';
import { interactionsConfiguration } from './interactions';
import type { OidcProviderModule, Provider } from './oidc-provider';
import { dynamicRegistration, REGISTRATION_PATH, registrationConfiguration } from './registration';
import { tokensConfiguration } from './tokens';

export type { AccessTokenProfile } from './directory';

/** Auth0's URL layout. */
const ROUTES = {
  authorization: '/authorize',
  token: '/oauth/token',
  jwks: '/.well-known/jwks.json',
  userinfo: '/userinfo',
  end_session: '/oidc/logout',
  revocation: '/oauth/revoke',
  pushed_authorization_request: '/oauth/par',
  registration: REGISTRATION_PATH,
};

/** Parts of the configuration, one per concern: their top-level options, and their `features` merged. */
function combine(...parts: Array<Record<string, unknown> & { features?: Record<string, unknown> }>): Record<string, unknown> {
  const configuration: Record<string, unknown> = {};
  const features: Record<string, unknown> = {};
  for (const { features: partFeatures, ...options } of parts) {
    for (const [name, value] of Object.entries(options)) {
      if (name in configuration) throw new Error(`local tenant: the provider option ${name} is set twice`);
      configuration[name] = value;
    }
    for (const [name, value] of Object.entries(partFeatures ?? {})) {
      if (name in features) throw new Error(`local tenant: the provider feature ${name} is set twice`);
      features[name] = value;
    }
  }
  return { ...configuration, features };
}

/**
 * Builds the provider. Routes and pages of the tenant's own are added by the caller.
 *
 * @example
 * ```ts
 * const { module } = loadOidcProvider();
 * const provider = createProvider(module, new TenantDirectory(settings));
 * provider.use(tenantRoutes(provider, directory));
 * ```
 */
export function createProvider(oidc: OidcProviderModule, directory: TenantDirectory): Provider {
  let instance: Provider | undefined;
  const provider = (): Provider => instance as Provider;
  // oidc-provider's state (sessions, codes, grants, replay records), one store per tenant.
  const store = new MemoryStore();

  const configuration = combine(
    {
      adapter: (model: string) => store.adapter(model),
      routes: ROUTES,
      responseTypes: ['code', 'id_token', 'code id_token', 'none'],
      loadExistingGrant: rbacGrant(provider, directory, oidc),
    },
    clientsConfiguration(directory),
    tokensConfiguration(directory, oidc),
    interactionsConfiguration(oidc, directory),
    registrationConfiguration(),
  );

  instance = new oidc.Provider(directory.settings.issuer, configuration);
  instance.use(dynamicRegistration(store));
  const dpop = tokenEndpointDpop(oidc);
  instance.registerResponseMode(IMPLICIT_RESPONSE_MODE, implicitTokenResponseMode(instance, directory));
  const password = passwordGrant(instance, oidc, directory, dpop);
  for (const grantType of ['password', PASSWORD_REALM_GRANT]) {
    instance.registerGrantType(grantType, password, ['username', 'password', 'scope', 'audience', 'resource', 'realm']);
  }
  // Replaces oidc-provider's own handler: Auth0's takes `audience`, defaults `scope` to every
  // granted permission and refuses scopes the application was not granted.
  instance.registerGrantType('client_credentials', clientCredentialsGrant(instance, oidc, directory, dpop), [
    'scope',
    'audience',
    'resource',
    'organization',
  ]);
  return instance;
}
