/**
 * The Protected Resource Metadata document (RFC 9728) as a routing-controllers controller, so that
 * it is served by Koa and Express alike, next to the routes it describes.
 */
import { Get, Header, JsonController } from 'routing-controllers';
import { Auth0ConfigError } from '../core/errors';
import type { ResourceMetadata } from '../core/resource-metadata';

/** What the document adds to the options. */
export interface ProtectedResourceOptions {
  /** `resource_documentation`: an absolute URL of the API's documentation (the docs page). */
  readonly documentation?: string;
}

/**
 * A controller serving this API's Protected Resource Metadata at
 * `/.well-known/oauth-protected-resource` followed by the resource identifier's path (RFC 9728
 * §3.1), as cacheable JSON; the document is built once. Add it to `controllers` of an app without a `routePrefix`
 * (the path is fixed by the RFC). Throws an `Auth0ConfigError` when the API has no resource
 * identifier (a `resource` option, or an audience that is an https URL).
 *
 * @example
 * ```ts
 * const auth = new Auth0({ domain, audience: 'https://api.example.com/mcp', scopes });
 * createKoaServer({ controllers: [Api, protectedResourceController(auth, { documentation: 'https://api.example.com/docs/' })],
 *   authorizationChecker: auth.authorizationChecker, currentUserChecker: auth.currentUserChecker });
 * ```
 */
export function protectedResourceController(
  auth: { readonly pipeline: { readonly resourceMetadata: ResourceMetadata | undefined } },
  options: ProtectedResourceOptions = {},
): new () => object {
  const metadata = auth.pipeline.resourceMetadata;
  if (metadata === undefined) {
    throw new Auth0ConfigError(
      'routing-controllers-auth0: protectedResourceController needs a resource identifier: set `resource` (an https URL) or an https audience',
    );
  }
  const { path } = metadata;
  const { documentation } = options;
  if (documentation !== undefined && !/^https?:\/\/[^\s]+$/i.test(documentation)) {
    throw new Auth0ConfigError('routing-controllers-auth0: `documentation` must be an absolute http(s) URL');
  }
  const body = Object.freeze(
    documentation === undefined ? metadata.document : { ...metadata.document, resource_documentation: documentation },
  );

  @JsonController()
  class ProtectedResourceMetadata {
    @Get(path)
    @Header('Cache-Control', 'public, max-age=3600')
    document(): object {
      return body;
    }
  }
  return ProtectedResourceMetadata;
}
