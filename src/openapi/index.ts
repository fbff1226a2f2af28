export { Auth0Docs, docsCallbackUrl, type Auth0DocsOptions, type DocsRequest, type DocsResponse } from './docs';
export { AUTH0_COMPONENTS, auth0ErrorBodySchema, auth0ErrorResponses } from './error-responses';
export { expressDocs, useExpressDocs, type ExpressDocsHandler, type ExpressDocsRequest, type ExpressDocsResponse } from './express';
export { koaDocs, useKoaDocs, type KoaDocsContext, type KoaDocsMiddleware } from './koa';
export { auth0LogoutUrl, type Auth0LogoutOptions } from './logout-url';
export { guardedRoutes, type GuardedRoute, type RouteGuard } from './routes';
export {
  ALL_SCHEME_KINDS,
  AUTH0_SECURITY_SCHEMES,
  DEFAULT_SCHEME_KINDS,
  OIDC_SCOPES,
  auth0SecurityRequirements,
  auth0SecuritySchemes,
  type Auth0SchemeKind,
  type Auth0SecurityRequirementsOptions,
  type Auth0SecuritySchemesOptions,
} from './security-schemes';
export { auth0Spec, type Auth0SpecOptions } from './spec';
export type { HasAuth0Config } from './tenant';
