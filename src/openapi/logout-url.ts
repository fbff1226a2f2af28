/**
 * Auth0's logout endpoint (`GET https://{domain}/v2/logout`). Swagger UI's own "Logout" only
 * forgets the token in the page; the tenant's session cookie survives it, so the next "Authorize"
 * signs the same user in again without asking. This URL ends that session.
 */
import { clientIdOf, tenantUrls, type HasAuth0Config } from './tenant';

/** Options of {@link auth0LogoutUrl}. */
export interface Auth0LogoutOptions {
  /** Where Auth0 sends the browser afterwards; must be among the application's "Allowed Logout URLs". */
  returnTo?: string;
  /** The application. Default: the Auth0 object's `clientId`, else `AUTH0_CLIENT_ID` (read at each call). */
  clientId?: string;
  /** Also sign out of the identity provider (Google, …) behind Auth0. Default false. */
  federated?: boolean;
}

/**
 * The URL that ends the Auth0 session: `{issuer}v2/logout?client_id=…&returnTo=…`.
 *
 * @example
 * ```ts
 * auth0LogoutUrl(auth, { returnTo: 'http://localhost:3000/docs/' });
 * // 'https://your-tenant.auth0.com/v2/logout?client_id=abc&returnTo=http%3A%2F%2Flocalhost%3A3000%2Fdocs%2F'
 * ```
 */
export function auth0LogoutUrl(auth: HasAuth0Config, options: Auth0LogoutOptions = {}): string {
  return logoutUrlFor(auth.config.issuer, clientIdOf(auth, options.clientId), options);
}

/**
 * {@link auth0LogoutUrl} for a client id already chosen (`undefined`: none is sent), so that the
 * docs, which choose it once at set-up, do not read the environment again at each request.
 *
 * @example
 * ```ts
 * logoutUrlFor('https://your-tenant.auth0.com/', 'abc', { federated: true });
 * // 'https://your-tenant.auth0.com/v2/logout?client_id=abc&federated='
 * ```
 */
export function logoutUrlFor(
  issuer: string,
  clientId: string | undefined,
  options: Pick<Auth0LogoutOptions, 'returnTo' | 'federated'> = {},
): string {
  const query = new URLSearchParams();
  if (clientId !== undefined) query.set('client_id', clientId);
  if (options.returnTo !== undefined) {
    let url: URL;
    try {
      url = new URL(options.returnTo);
    } catch (error) {
      throw new TypeError('routing-controllers-auth0: `returnTo` must be an absolute URL', { cause: error });
    }
    query.set('returnTo', url.href);
  }
  if (options.federated) query.set('federated', '');
  const search = query.toString();
  const { logout } = tenantUrls(issuer);
  return search === '' ? logout : `${logout}?${search}`;
}
