/**
 * The tenant's applications as oidc-provider sees them: their metadata (SPA → a public "native"
 * client, regular web application → a confidential "web" client, M2M → a confidential client
 * credentials client) and which browser origins may call the token endpoint (Auth0's "Allowed Web
 * Origins").
 */
import { PASSWORD_REALM_GRANT, type TenantDirectory } from './directory';
import { LOOPBACK_NAMES } from './loopback';
import type { LocalTenantClient } from './seed';

function isLoopbackOrigin(origin: string): boolean {
  const url = URL.parse(origin);
  return url !== null && (url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK_NAMES.includes(url.hostname);
}

/**
 * oidc-provider's client metadata of one application.
 *
 * @example
 * ```ts
 * clientMetadata({ type: 'm2m', clientId: 'm2m', clientSecret: 'secret', grants: ['read:blabla'] }).grant_types; // ['client_credentials']
 * ```
 */
export function clientMetadata(client: LocalTenantClient): Record<string, unknown> {
  if (client.type === 'regular_web') {
    return {
      client_id: client.clientId,
      client_secret: client.clientSecret,
      client_name: client.name ?? client.clientId,
      application_type: 'web',
      // Auth0's default for a regular web application ("Post"); Basic is accepted as well.
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code', 'refresh_token', 'password', PASSWORD_REALM_GRANT],
      response_types: ['code'],
      redirect_uris: client.redirectUris,
      post_logout_redirect_uris: client.logoutUrls,
    };
  }
  if (client.type === 'm2m') {
    return {
      client_id: client.clientId,
      client_secret: client.clientSecret,
      client_name: client.name ?? client.clientId,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    };
  }
  return {
    client_id: client.clientId,
    client_name: client.name ?? client.clientId,
    // "native" makes oidc-provider accept http loopback callbacks on any port (RFC 8252 §7.3),
    // which a docs page served on a chosen port needs.
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token', 'password', PASSWORD_REALM_GRANT],
    // `none` carries Swagger UI's implicit `response_type=token` (see implicit.ts).
    response_types: ['code', 'none'],
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.logoutUrls,
  };
}

/**
 * The provider configuration of the applications: `clients` and `clientBasedCORS`.
 *
 * @example
 * ```ts
 * const configuration = { ...clientsConfiguration(directory), ...tokensConfiguration(directory, oidc) };
 * ```
 */
export function clientsConfiguration(directory: TenantDirectory): Record<string, unknown> {
  return {
    clients: directory.settings.clients.map(clientMetadata),
    clientBasedCORS: (_ctx: unknown, origin: string, client: { clientId: string; redirectUris: string[] }) => {
      // Browsers call /oauth/token from the docs page, for every sign-in it offers (client
      // credentials included): Auth0's "Allowed Web Origins", where loopback origins are always
      // allowed here, the application's own web origins and its callbacks' origins.
      const webOrigins = directory.client(client.clientId)?.webOrigins ?? [];
      return (
        isLoopbackOrigin(origin) ||
        webOrigins.some((allowed) => URL.parse(allowed)?.origin === origin) ||
        client.redirectUris.some((uri) => URL.parse(uri)?.origin === origin)
      );
    },
  };
}
