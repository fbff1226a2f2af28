/**
 * The claims of a verified access token (RFC 7519 §4.1, RFC 9068 §2.2, and Auth0's `scope`,
 * `permissions`, `gty` and `azp`). A type only: every step after the token step reads them. It names
 * no type of jose (an ECMAScript module), so that CommonJS users type-check it as it is.
 */

/** The verified claims of an access token. */
export type AccessTokenClaims = {
  /** RFC 7519 §4.1.1: the issuer, `https://{domain}/`. */
  iss?: string;
  /** RFC 7519 §4.1.2: the user (`auth0|…`) or the machine (`{client_id}@clients`). */
  sub: string;
  /** RFC 7519 §4.1.3: the API identifier(s). */
  aud?: string | string[];
  /** RFC 7519 §4.1.4: expiry, seconds since the epoch. */
  exp: number;
  /** RFC 7519 §4.1.5: not before, seconds since the epoch. */
  nbf?: number;
  /** RFC 7519 §4.1.6: issued at, seconds since the epoch. */
  iat?: number;
  /** RFC 7519 §4.1.7: the token's id. */
  jti?: string;
  /** Granted scopes, space-separated. */
  scope?: string;
  /** RBAC permissions ("Add Permissions in the Access Token"). */
  permissions?: string[];
  /** `client-credentials` for machine-to-machine tokens. */
  gty?: string;
  /** The client the token was issued to. */
  azp?: string;
  [claim: string]: unknown;
};
