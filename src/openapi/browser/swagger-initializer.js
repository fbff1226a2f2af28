// @ts-check
/**
 * The docs page's start-up script, served as is at `{docsPath}/swagger-initializer.js`: at page
 * load it reads its settings from `./swagger-initializer.json` beside the page, starts Swagger UI
 * with the Auth0 sign-in plugin and `initOAuth`, and wires the "Log out of Auth0" link. The server
 * writes nothing into this file; the types are in `swagger-ui.d.ts`.
 */
'use strict';

/** @typedef {import('./swagger-ui').InitializerConfig} InitializerConfig */
/** @typedef {import('./swagger-ui').AuthorizeRequestData} AuthorizeRequestData */
/** @typedef {import('./swagger-ui').AuthPlugin} AuthPlugin */
/** @typedef {import('./swagger-ui').Instance} SwaggerUI */

(() => {
  /**
   * The audience is in the schemes' authorization URLs (for any Swagger UI) and in the sign-in's
   * extra query parameters (so that every flow sends it): keep one of each query parameter.
   *
   * @param {string} href
   * @returns {string}
   */
  const singleParams = (href) => {
    try {
      const url = new URL(href);
      /** @type {Set<string>} */
      const seen = new Set();
      const kept = new URLSearchParams();
      for (const [name, value] of url.searchParams) {
        if (!seen.has(name)) {
          seen.add(name);
          kept.append(name, value);
        }
      }
      url.search = kept.toString();
      return url.href;
    } catch {
      return href;
    }
  };

  /**
   * The organization to sign in to: `?organization=` in the page's address, else the configured
   * one. Auth0 checks it (membership, the application's setting); the page only passes it on.
   *
   * @param {InitializerConfig} config
   * @returns {string | undefined}
   */
  const organizationOf = (config) => {
    const asked = new URLSearchParams(globalThis.location.search).get('organization')?.trim();
    return asked ? asked : config.organization;
  };

  /**
   * The authorization URL with `organization` (the authorization code and implicit sign-ins open
   * it in the popup; the token requests need none).
   *
   * @param {string} href
   * @param {string | undefined} organization
   * @returns {string}
   */
  const withOrganization = (href, organization) => {
    if (!organization) return href;
    try {
      const url = new URL(href);
      url.searchParams.set('organization', organization);
      return url.href;
    } catch {
      return href;
    }
  };

  /**
   * Auth0 reads the audience of the password and client credentials grants from the form body;
   * Swagger UI puts its extra parameters into the token URL's query only.
   *
   * @param {AuthorizeRequestData} data
   * @param {string} audience
   * @returns {AuthorizeRequestData}
   */
  const withAudience = (data, audience) => {
    const form = new URLSearchParams(typeof data.body === 'string' ? data.body : '');
    const grant = form.get('grant_type');
    if (!audience || form.has('audience') || (grant !== 'password' && grant !== 'client_credentials')) return data;
    form.set('audience', audience);
    return { ...data, body: form.toString() };
  };

  /**
   * The requirements without the empty one (`{}`, "an anonymous call is allowed"), unless that is
   * all there is. Swagger UI counts `{}` as always met, so an operation with optional security
   * showed the closed (signed-in) lock before anyone signed in.
   *
   * @param {unknown} securities an Immutable.js list of requirement maps
   * @returns {unknown}
   */
  const withoutAnonymous = (securities) => {
    /** @type {{ filter?: (keep: (requirement: { size?: number }) => boolean) => { size: number } }} */
    const list = /** @type {never} */ (securities);
    if (!list || typeof list.filter !== 'function') return securities;
    const named = list.filter((requirement) => !(requirement && requirement.size === 0));
    return named.size > 0 ? named : securities;
  };

  /**
   * The Swagger UI plugin of the Auth0 sign-in.
   *
   * @param {InitializerConfig} config
   * @returns {() => AuthPlugin}
   */
  const auth0SignIn = (config) => () => ({
    statePlugins: {
      auth: {
        wrapActions: {
          authPopup: (original) => (href, redirect) => original(withOrganization(singleParams(href), organizationOf(config)), redirect),
          authorizeRequest: (original) => (data) => original(withAudience(data, config.audience)),
        },
        wrapSelectors: {
          isAuthorized: (original) => (_state, securities) => original(withoutAnonymous(securities)),
        },
      },
    },
  });

  /**
   * Forget the token in the page too before the tenant's session is ended.
   *
   * @param {SwaggerUI} ui
   */
  const forgetTokensOnLogout = (ui) => {
    const logout = document.querySelector('#auth0-logout');
    logout?.addEventListener('click', () => {
      try {
        const names = Object.keys(ui.authSelectors.authorized().toJS());
        if (names.length > 0) ui.authActions.logout(names);
        globalThis.localStorage.removeItem('authorized');
      } catch {
        // the link works without it
      }
    });
  };

  /** @returns {Promise<InitializerConfig>} */
  const readConfig = async () => {
    const response = await fetch('./swagger-initializer.json', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`swagger-initializer.json: HTTP ${response.status}`);
    return response.json();
  };

  globalThis.addEventListener('load', async () => {
    const config = await readConfig();
    const ui = SwaggerUIBundle({
      url: config.specUrl,
      dom_id: '#swagger-ui',
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis],
      plugins: [auth0SignIn(config)],
      layout: 'BaseLayout',
      oauth2RedirectUrl: new URL(config.redirectPath, globalThis.location.href).href,
      validatorUrl: null,
      persistAuthorization: config.persistAuthorization,
      ...config.swaggerUiOptions,
    });
    ui.initOAuth(config.oauth);
    // `window.ui`, as swagger-ui-dist's own initializer has it.
    Object.assign(globalThis, { ui });
    forgetTokensOnLogout(ui);
  });
})();
