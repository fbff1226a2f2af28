/**
 * The initializer's configuration, served as `{docsPath}/swagger-initializer.json` and read by
 * `../browser/swagger-initializer.js` at page load: the document's URL, the redirect page, the
 * sign-in's client id, scopes and audience (`initOAuth`), the organization to sign in to, and
 * Swagger UI options. Its shape is the
 * browser script's `InitializerConfig` (`../browser/swagger-ui.d.ts`), checked here.
 */
import type { InitializerConfig } from '../browser/swagger-ui';
import type { HasAuth0Config } from '../tenant';
import type { Auth0DocsOptions } from './options';

/** The docs' organization: the option, else the API's own when it serves exactly one. */
function organizationOf(auth: HasAuth0Config, options: Auth0DocsOptions): string | undefined {
  if (options.organization !== undefined) return options.organization;
  const served = auth.config.organization;
  if (served === undefined) return undefined;
  const all = [...served.ids, ...served.names];
  return all.length === 1 ? all[0] : undefined;
}

/**
 * The configuration as JSON, for the client id the docs chose at set-up (`undefined`: none, sent as `''`).
 *
 * @example
 * ```ts
 * JSON.parse(initializerConfigJson(auth, {}, '/openapi.json', 'abc')).oauth.clientId; // 'abc'
 * ```
 */
export function initializerConfigJson(
  auth: HasAuth0Config,
  options: Auth0DocsOptions,
  specPath: string,
  clientId: string | undefined,
): string {
  const { config } = auth;
  const audience = options.audience ?? config.audience[0];
  const organization = organizationOf(auth, options);
  const settings = {
    specUrl: specPath,
    audience,
    ...(organization === undefined ? {} : { organization }),
    redirectPath: 'oauth2-redirect',
    persistAuthorization: options.persistAuthorization ?? false,
    oauth: {
      clientId: clientId ?? '',
      scopes: options.scopes ?? Object.keys(config.scopes),
      usePkceWithAuthorizationCodeGrant: true,
      additionalQueryStringParams: { audience },
      ...(options.title === undefined ? {} : { appName: options.title }),
    },
    swaggerUiOptions: options.swaggerUiOptions ?? {},
  } satisfies InitializerConfig;
  return JSON.stringify(settings);
}
