export { Auth0 } from './routing-controllers/auth0';
export { Auth0HttpError } from './routing-controllers/http-error';
export { Authenticator, type Authentication } from './core/authenticator';
export {
  optionsWithEnv,
  resolveConfig,
  type Auth0Options,
  type DpopOptions,
  type MtlsOptions,
  type AuthorizeWith,
  type ResolvedConfig,
  type UserClass,
} from './core/config';
export {
  Auth0ConfigError,
  Auth0Error,
  InsufficientScopeError,
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidTokenError,
  KeySetUnavailableError,
  TemporarilyUnavailableError,
  UnauthorizedError,
  bearerChallenge,
  type Auth0ErrorBody,
  type Auth0ErrorCode,
  type AuthScheme,
  type SchemeOffer,
  schemeChallenge,
} from './core/errors';
export { requireScopes, grantedScopes } from './core/scopes';
export { anyOf, claimCheck, claimEquals, claimIncludes, isClaimRule, type ClaimRule } from './core/rules';
export { extractBearerToken, extractCredentials, type Credentials, type CredentialsSource } from './core/token/extract';
export { certificateFromHeader, certificateThumbprint, checkCertificateBinding } from './core/token/certificate';
export { DpopVerifier, type DpopRequest, type DpopSettings } from './core/token/dpop';
export { RemoteKeySet, type KeySetOptions, type KeySetStats } from './core/token/key-set';
export { TokenVerifier, type AccessTokenClaims } from './core/token/verify';
export { Auth0User, Claim, buildUser, emailOf } from './core/user';
export * from './openapi';
