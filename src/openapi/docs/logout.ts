/**
 * "Log out of Auth0" (`{docsPath}/logout`): the tenant's `/v2/logout` URL that sends the browser
 * back to the page, at the `logoutReturnTo` option or else at the page's URL on the request's origin.
 */
import { logoutUrlFor } from '../logout-url';
import type { HasAuth0Config } from '../tenant';
import type { Auth0DocsOptions } from './options';
import { docsPageUrl } from './page';

/**
 * Auth0's logout URL that returns to the page, for the client id the docs chose at set-up
 * (`undefined`: none is sent). The request's origin comes from its `Host` header: one that makes
 * no URL is left out (the tenant then shows its own page) rather than failing.
 *
 * @example
 * ```ts
 * docsLogoutUrl(auth, { clientId: 'abc' }, '/docs', 'http://localhost:3000');
 * // 'https://tenant.auth0.com/v2/logout?client_id=abc&returnTo=http%3A%2F%2Flocalhost%3A3000%2Fdocs%2F'
 * ```
 */
export function docsLogoutUrl(
  auth: HasAuth0Config,
  options: Pick<Auth0DocsOptions, 'logoutReturnTo'> & { clientId: string | undefined },
  docsPath: string,
  origin?: string,
): string {
  let returnTo = options.logoutReturnTo;
  if (returnTo === undefined && origin !== undefined) {
    try {
      returnTo = new URL(docsPageUrl(origin, docsPath)).href;
    } catch {
      returnTo = undefined;
    }
  }
  return logoutUrlFor(auth.config.issuer, options.clientId, { returnTo });
}
