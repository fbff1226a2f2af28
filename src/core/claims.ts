/**
 * The claims of a verified access token (RFC 7519 §4, RFC 9068 §2.2, Auth0's `scope`, `permissions`,
 * `gty` and `azp`). A type only: every step after the token step reads them.
 */
import type { JWTPayload } from 'jose';

/** The verified claims of an access token. */
export type AccessTokenClaims = JWTPayload & {
  sub: string;
  exp: number;
  scope?: string;
  permissions?: string[];
  gty?: string;
  azp?: string;
  [claim: string]: unknown;
};
