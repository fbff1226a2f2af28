/**
 * Types of the docs page's browser script (`swagger-initializer.js`), for `tsconfig.browser.json`:
 * the few Swagger UI globals it uses (swagger-ui-dist's `swagger-ui-bundle.js`, loaded by the page
 * before it) and the settings it reads from `swagger-initializer.json`. Declarations only: nothing
 * here is emitted or shipped.
 */

declare global {
  /** Swagger UI, from swagger-ui-dist's `swagger-ui-bundle.js`. */
  const SwaggerUIBundle: Bundle;
}

/** What `swagger-initializer.json` holds: the settings the server derives from the docs' options. */
export interface InitializerConfig {
  /** Where the OpenAPI document is served, e.g. `/openapi.json`. */
  specUrl: string;
  /** The audience to send to `/authorize` and `/oauth/token`. */
  audience: string;
  /** The organization to send to `/authorize`; the page's `?organization=` overrides it. */
  organization?: string;
  /** The OAuth 2 redirect page, relative to the docs page, e.g. `oauth2-redirect`. */
  redirectPath: string;
  /** Whether Swagger UI keeps the token in localStorage across reloads. */
  persistAuthorization: boolean;
  /** The argument of `ui.initOAuth`. */
  oauth: OAuthConfig;
  /** More Swagger UI options, spread over the page's own. */
  swaggerUiOptions: Record<string, unknown>;
}

/** The argument of `ui.initOAuth`: what the Authorize dialog sends to the tenant. */
export interface OAuthConfig {
  clientId: string;
  scopes: string[];
  usePkceWithAuthorizationCodeGrant: boolean;
  additionalQueryStringParams: Record<string, string>;
  appName?: string;
}

/** Swagger UI's `authPopup` action: opens the tenant's `/authorize` URL in a popup. */
export type AuthPopup = (href: string, redirect: unknown) => unknown;

/** What Swagger UI's `authorizeRequest` action posts to the token endpoint. */
export interface AuthorizeRequestData {
  /** The form body, `application/x-www-form-urlencoded`. */
  body?: unknown;
  [key: string]: unknown;
}

/** Swagger UI's `authorizeRequest` action: posts a token request. */
export type AuthorizeRequest = (data: AuthorizeRequestData) => unknown;

/** Swagger UI's `isAuthorized` selector: whether the page holds a token for one of the requirements. */
export type IsAuthorized = (securities: unknown) => boolean | null;

/** A Swagger UI plugin that wraps actions and selectors of the `auth` state. */
export interface AuthPlugin {
  statePlugins: {
    auth: {
      wrapActions: {
        authPopup?: (original: AuthPopup) => AuthPopup;
        authorizeRequest?: (original: AuthorizeRequest) => AuthorizeRequest;
      };
      wrapSelectors: {
        /** The wrapped selector is called with the auth state first. */
        isAuthorized?: (original: IsAuthorized) => (state: unknown, securities: unknown) => boolean | null;
      };
    };
  };
}

/** The options of `SwaggerUIBundle(...)` the page sets (and any others from the server). */
export interface Options {
  url: string;
  dom_id: string;
  deepLinking: boolean;
  presets: unknown[];
  plugins: Array<() => AuthPlugin>;
  layout: string;
  oauth2RedirectUrl: string;
  validatorUrl: string | null;
  persistAuthorization: boolean;
  [option: string]: unknown;
}

/** The object `SwaggerUIBundle(...)` returns. */
export interface Instance {
  initOAuth(config: OAuthConfig): void;
  authActions: {
    /** Forgets the tokens of the named security schemes. */
    logout(names: string[]): void;
  };
  authSelectors: {
    /** The schemes the page holds a token for (an Immutable.js map). */
    authorized(): { toJS(): Record<string, unknown> };
  };
}

/** The global `SwaggerUIBundle`: starts Swagger UI. */
export interface Bundle {
  (options: Options): Instance;
  presets: { apis: unknown };
}
