/**
 * What the OpenAPI and Swagger UI helpers read from an Auth0 object. Any object with the checked
 * configuration fits (`Auth0`, `Pipeline`), so this folder depends on the core only.
 */
import type { ResolvedConfig } from '../core/config';

/** Anything that exposes the checked configuration, such as `Auth0` or `Pipeline`. */
export interface HasAuth0Config {
  readonly config: Pick<ResolvedConfig, 'issuer' | 'audience' | 'scopes' | 'clientId'> &
    Partial<Pick<ResolvedConfig, 'requireEmail' | 'authorizeWith' | 'enforceScopes' | 'organization'>>;
}

/** The Auth0 endpoints of a tenant, from its issuer (`https://{domain}/`). */
export function tenantUrls(issuer: string): {
  authorize: string;
  token: string;
  discovery: string;
  logout: string;
} {
  const base = issuer.endsWith('/') ? issuer : `${issuer}/`;
  return {
    authorize: `${base}authorize`,
    token: `${base}oauth/token`,
    discovery: `${base}.well-known/openid-configuration`,
    logout: `${base}v2/logout`,
  };
}

/**
 * The client id for the docs' sign-in: the given one, else the Auth0 object's, else
 * `AUTH0_CLIENT_ID`. Reads the environment: the docs call it once, when they are set up.
 *
 * @example
 * ```ts
 * clientIdOf(auth, options.clientId); // 'abc', or undefined when none of the three is set
 * ```
 */
export function clientIdOf(auth: HasAuth0Config, explicit?: string): string | undefined {
  return explicit || auth.config.clientId || process.env.AUTH0_CLIENT_ID || undefined;
}
