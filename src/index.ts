export { Auth0 } from './routing-controllers/auth0';
export { Auth0HttpError } from './routing-controllers/http-error';
export { Pipeline, type Authentication, type TokenBinding } from './core/pipeline';
export type { AuthRequest, RequestLocation } from './core/request';
export {
  reasonOf,
  type AuthEvent,
  type AuthenticatedEvent,
  type KeySetFetchEvent,
  type RefusedEvent,
  type ReplayStoreErrorEvent,
} from './core/events';
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
  UseDpopNonceError,
  type Auth0ErrorBody,
  type Auth0ErrorCode,
  type Auth0ErrorOptions,
  type AuthScheme,
  type RefusalReason,
} from './core/errors';
export {
  answerOf,
  bearerChallenge,
  challengeOf,
  schemeChallenge,
  type ChallengeContext,
  type ErrorAnswer,
  type SchemeOffer,
} from './core/challenge';
export { requireScopes, grantedScopes } from './core/scopes';
export { anyOf, claimCheck, claimEquals, claimIncludes, isClaimRule, type ClaimRule } from './core/rules';
export { certificateFromHeader, certificateThumbprint } from './core/binding/certificate';
export { MemoryReplayStore, type MemoryReplayStoreOptions, type ReplayStore } from './core/binding/replay-store';
export type { KeySetStats } from './core/token/key-set';
export type { AccessTokenClaims } from './core/claims';
export { Auth0User, buildUser, copyUser, emailOf, type UserFactory } from './core/user';
export { Claim, userClassFactory } from './routing-controllers/user-class';
export { expressRefusalHandler } from './routing-controllers/express-refusal-handler';
