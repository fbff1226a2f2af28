/**
 * routing-controllers-auth0: Auth0 access tokens for routing-controllers. The names users and
 * other frameworks' glue need; everything else is internal.
 */
export { Auth0 } from './routing-controllers/auth0';
export { Auth0HttpError } from './routing-controllers/http-error';
export { Claim, userClassFactory } from './routing-controllers/user-class';
export { protectedResourceController, type ProtectedResourceOptions } from './routing-controllers/resource-metadata';
export type { Auth0Options } from './core/config';
export { Pipeline, type Authentication, type TokenBinding } from './core/pipeline';
export type { AuthRequest, RequestLocation } from './core/request';
export type { ErrorAnswer } from './core/challenge';
export type { AccessTokenClaims } from './core/claims';
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
  UseDpopNonceError,
  type Auth0ErrorCode,
  type AuthScheme,
} from './core/errors';
export { anyOf, claimCheck, claimEquals, claimIncludes, type ClaimRule } from './core/rules';
export { inOrganization } from './core/organization-rule';
export { Auth0User } from './core/user';
export { MemoryReplayStore, type ReplayStore } from './core/binding/replay-store';
export type { AuthEvent } from './core/events';
export { expressRefusalHandler } from './routing-controllers/express-refusal-handler';
