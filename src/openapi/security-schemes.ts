/**
 * OpenAPI 3 security schemes for an Auth0 API (OpenAPI 3.0.3 §4.7.27 Security Scheme Object).
 *
 * Every sign-in Auth0 offers a browser or a script, each with the API's scopes and their
 * descriptions. By default four, one section each in Swagger UI's Authorize dialog: authorization
 * code (used with PKCE, what Auth0 recommends), implicit (legacy: fastapi-auth0's
 * `Auth0ImplicitBearer`), client credentials, and a plain bearer token to paste. Password and
 * OpenID Connect discovery are there on request (`schemes`): Swagger UI shows one section per grant
 * the tenant's discovery document lists, which makes the dialog long.
 */
import type { OAuthFlowsObject, SecurityRequirementObject, SecuritySchemeObject } from 'openapi3-ts';
import { tenantUrls, type HasAuth0Config } from './tenant';

/**
 * The names the schemes get in `components.securitySchemes`, by kind.
 *
 * @example
 * ```ts
 * @OpenAPI({ security: [{ [AUTH0_SECURITY_SCHEMES.bearer]: [] }] })
 * ```
 */
export const AUTH0_SECURITY_SCHEMES = {
  authorizationCode: 'Auth0AuthorizationCode',
  implicit: 'Auth0Implicit',
  password: 'Auth0Password',
  clientCredentials: 'Auth0ClientCredentials',
  openIdConnect: 'Auth0OpenIdConnect',
  bearer: 'BearerToken',
} as const;

/** A kind of security scheme. */
export type Auth0SchemeKind = keyof typeof AUTH0_SECURITY_SCHEMES;

/**
 * Every kind, in the order Swagger UI's Authorize dialog lists them (the {@link DEFAULT_SCHEME_KINDS}
 * and the opt-in `password` and `openIdConnect`).
 *
 * @example
 * ```ts
 * auth0SecuritySchemes(auth, { schemes: ALL_SCHEME_KINDS.filter((kind) => kind !== 'password') });
 * ```
 */
export const ALL_SCHEME_KINDS: readonly Auth0SchemeKind[] = [
  'authorizationCode',
  'implicit',
  'password',
  'clientCredentials',
  'openIdConnect',
  'bearer',
];

/**
 * The kinds produced when `schemes` is not given: authorization code + PKCE, implicit (legacy),
 * client credentials and a pasted bearer token, one section each in the Authorize dialog.
 *
 * @example
 * ```ts
 * auth0Spec(auth, { schemes: [...DEFAULT_SCHEME_KINDS, 'password'] });
 * ```
 */
export const DEFAULT_SCHEME_KINDS: readonly Auth0SchemeKind[] = ['authorizationCode', 'implicit', 'clientCredentials', 'bearer'];

/**
 * The OpenID Connect scopes Auth0 understands, offered beside the API's own on user sign-ins
 * (unless `oidcScopes: false`).
 *
 * @example
 * ```ts
 * const offered = { ...auth.config.scopes, ...OIDC_SCOPES };
 * ```
 */
export const OIDC_SCOPES: Readonly<Record<string, string>> = {
  openid: 'OpenID Connect sign-in (adds the userinfo audience to the token)',
  profile: 'The user profile (name, nickname, picture)',
  email: 'The email address (an access token carries it only through a post-login Action claim)',
};

/** Options of {@link auth0SecuritySchemes}. */
export interface Auth0SecuritySchemesOptions {
  /**
   * Which schemes to produce. Default {@link DEFAULT_SCHEME_KINDS}: authorization code, implicit,
   * client credentials and bearer. Add `password` or `openIdConnect` to offer them too
   * ({@link ALL_SCHEME_KINDS} lists all six).
   */
  schemes?: readonly Auth0SchemeKind[];
  /** The audience asked for at `/authorize`. Default: the Auth0 object's first audience. */
  audience?: string;
  /** Offer `openid`, `profile` and `email` beside the API's scopes on user sign-ins. Default true. */
  oidcScopes?: boolean;
  /**
   * Where the docs page lives, for the redirect page the authorization code scheme's description
   * names (`{docsPath}/oauth2-redirect`). Default `/docs`; the docs set it to their own `docsPath`.
   */
  docsPath?: string;
}

function checkedKinds(kinds: readonly Auth0SchemeKind[] | undefined): Auth0SchemeKind[] {
  const list = kinds === undefined ? [...DEFAULT_SCHEME_KINDS] : [...new Set(kinds)];
  for (const kind of list) {
    if (!ALL_SCHEME_KINDS.includes(kind)) {
      throw new TypeError(`routing-controllers-auth0: unknown security scheme "${String(kind)}"; use ${ALL_SCHEME_KINDS.join(', ')}`);
    }
  }
  return list;
}

/**
 * The security schemes of an Auth0 API, for `components.securitySchemes`.
 *
 * Auth0 returns an opaque (non-JWT) token when `/authorize` is called without `audience`, so the
 * audience is part of the authorization URLs; the docs page also sends it on its own.
 *
 * @example
 * ```ts
 * const spec = routingControllersToSpec(getMetadataArgsStorage(), {}, {
 *   components: { securitySchemes: auth0SecuritySchemes(auth) },
 * });
 * ```
 */
export function auth0SecuritySchemes(
  auth: HasAuth0Config,
  options: Auth0SecuritySchemesOptions = {},
): Record<string, SecuritySchemeObject> {
  const { issuer, audience: audiences, scopes } = auth.config;
  const audience = options.audience ?? audiences[0];
  const urls = tenantUrls(issuer);
  const redirectPath = `${(options.docsPath ?? '/docs').replace(/\/+$/, '')}/oauth2-redirect`;
  const authorizationUrl = `${urls.authorize}?${new URLSearchParams({ audience }).toString()}`;
  const apiScopes = { ...scopes };
  const userScopes = options.oidcScopes === false ? apiScopes : { ...apiScopes, ...OIDC_SCOPES };
  const flows: Record<Exclude<Auth0SchemeKind, 'openIdConnect' | 'bearer'>, OAuthFlowsObject> = {
    authorizationCode: { authorizationCode: { authorizationUrl, tokenUrl: urls.token, scopes: userScopes } },
    implicit: { implicit: { authorizationUrl, scopes: userScopes } },
    password: { password: { tokenUrl: urls.token, scopes: userScopes } },
    clientCredentials: { clientCredentials: { tokenUrl: urls.token, scopes: apiScopes } },
  };
  const descriptions: Record<Auth0SchemeKind, string> = {
    authorizationCode:
      `Sign in at Auth0 with Authorization Code + PKCE (recommended). Audience \`${audience}\`. ` +
      `The docs redirect page, this page's origin followed by \`${redirectPath}\`, must be among the application's Allowed Callback URLs.`,
    implicit: `Legacy: sign in at Auth0 with the implicit grant (fastapi-auth0's scheme; Auth0 no longer recommends it, use authorization code). Audience \`${audience}\`.`,
    password: 'Resource Owner Password grant: needs the Password grant on the application and a default directory on the tenant.',
    clientCredentials:
      'Machine-to-machine: the client id and secret of an application authorized for this API. Scopes are the permissions granted to it.',
    openIdConnect: `OpenID Connect discovery of the tenant ${issuer}.`,
    bearer: `Paste an access token issued by ${issuer} for audience \`${audience}\`.`,
  };
  const result: Record<string, SecuritySchemeObject> = {};
  for (const kind of checkedKinds(options.schemes)) {
    const name = AUTH0_SECURITY_SCHEMES[kind];
    const description = descriptions[kind];
    if (kind === 'openIdConnect') {
      result[name] = { type: 'openIdConnect', openIdConnectUrl: urls.discovery, description };
    } else if (kind === 'bearer') {
      result[name] = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description };
    } else {
      result[name] = { type: 'oauth2', flows: flows[kind], description };
    }
  }
  return result;
}

/** Options of {@link auth0SecurityRequirements}. */
export interface Auth0SecurityRequirementsOptions {
  /** The schemes to list. Default {@link DEFAULT_SCHEME_KINDS}. */
  schemes?: readonly Auth0SchemeKind[];
  /** Add the empty requirement, which lets an anonymous caller through. */
  optional?: boolean;
  /**
   * Groups of alternative scopes (`anyOf(...)` rules): at least one scope of each group is needed
   * besides all of `scopes`, so every combination becomes a requirement of its own.
   */
  anyOf?: readonly (readonly string[])[];
}

/** Every combination of one scope per group, each after the all-of scopes (duplicates removed). */
function alternatives(scopes: readonly string[], groups: readonly (readonly string[])[]): string[][] {
  let result: string[][] = [[...new Set(scopes)]];
  for (const group of groups) {
    if (group.length === 0) continue;
    result = result.flatMap((base) => group.map((scope) => (base.includes(scope) ? base : [...base, scope])));
  }
  return result;
}

/**
 * The `security` requirements of an operation that needs a token with `scopes`: one alternative
 * per scheme (OpenAPI 3.0: a bearer scheme lists no scopes). With `anyOf` groups, one alternative
 * per scheme and per combination of their scopes (each also holding all of `scopes`). `optional`
 * adds the empty requirement, which lets an anonymous caller through.
 *
 * @example
 * ```ts
 * operation.security = auth0SecurityRequirements(['read:blabla']);
 * // [{ Auth0AuthorizationCode: ['read:blabla'] }, { Auth0Implicit: ['read:blabla'] }, { Auth0ClientCredentials: ['read:blabla'] }, { BearerToken: [] }]
 * auth0SecurityRequirements(['read:x'], { schemes: ['authorizationCode'], anyOf: [['a', 'b']] });
 * // [{ Auth0AuthorizationCode: ['read:x', 'a'] }, { Auth0AuthorizationCode: ['read:x', 'b'] }]
 * ```
 */
export function auth0SecurityRequirements(
  scopes: readonly string[],
  options: Auth0SecurityRequirementsOptions = {},
): SecurityRequirementObject[] {
  const kinds = checkedKinds(options.schemes);
  const requirements: SecurityRequirementObject[] = [];
  const seen = new Set<string>();
  for (const alternative of alternatives(scopes, options.anyOf ?? [])) {
    for (const kind of kinds) {
      const requirement = { [AUTH0_SECURITY_SCHEMES[kind]]: kind === 'bearer' ? [] : [...alternative] };
      const key = JSON.stringify(requirement);
      if (seen.has(key)) continue;
      seen.add(key);
      requirements.push(requirement);
    }
  }
  if (options.optional) requirements.push({});
  return requirements;
}
