/**
 * The docs page and the OpenAPI document's serving, by job: `auth0-docs.ts` routes the paths,
 * `assets.ts` (static files), `page.ts` (HTML, Content-Security-Policy), `initializer-config.ts`
 * (the browser script's JSON), `logout.ts` ("Log out of Auth0"), `options.ts`, `http.ts`.
 */
export { Auth0Docs, docsCallbackUrl } from './auth0-docs';
export type { DocsRequest, DocsResponse } from './http';
export type { Auth0DocsOptions } from './options';
