/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728): the document that tells a client which
 * authorization servers issue tokens for this API and how to present them, and the URL every
 * challenge names it by (`resource_metadata`, §5.1). The document is built once from the options;
 * the URL's origin is the configured `publicOrigin`, else the request's own (validated Host).
 */
import type { ResolvedConfig } from './config';
import { requestOrigin, type RequestLocation } from './request';

/**
 * The metadata document (RFC 9728 §2) and the path it is served at (§3.1).
 *
 * @inline
 */
export interface ResourceMetadata {
  /** `/.well-known/oauth-protected-resource` followed by the resource identifier's path. */
  readonly path: string;
  /** The document's members. */
  readonly document: Readonly<Record<string, unknown>>;
}

/**
 * The metadata of this API, or `undefined` without a resource identifier.
 *
 * @example
 * ```ts
 * protectedResourceMetadata(resolveConfig({ domain: 't.auth0.com', audience: 'https://api.example.com/mcp' }))?.path;
 * // '/.well-known/oauth-protected-resource/mcp'
 * ```
 */
export function protectedResourceMetadata(config: ResolvedConfig): ResourceMetadata | undefined {
  const { resource, dpop, mtls } = config;
  if (resource === undefined) return undefined;
  const document: Record<string, unknown> = {
    resource: resource.identifier,
    authorization_servers: config.issuers.map(({ issuer }) => issuer),
    // offline_access is asked of the authorization server, never granted for a resource.
    scopes_supported: Object.keys(config.scopes).filter((name) => name !== 'offline_access'),
    bearer_methods_supported: ['header'],
    resource_name: config.realm,
  };
  if (dpop.mode !== 'disabled') {
    document.dpop_signing_alg_values_supported = [...dpop.algorithms];
    document.dpop_bound_access_tokens_required = dpop.mode === 'required';
  }
  if (mtls.required) document.tls_client_certificate_bound_access_tokens = true;
  return Object.freeze({ path: resource.metadataPath, document: Object.freeze(document) });
}

/**
 * The absolute URL of the metadata document for a request: on the configured origin, else on the
 * request's own; `undefined` when there is no metadata or the request's origin is unknown.
 *
 * @example
 * ```ts
 * metadataUrl(metadata, undefined, { protocol: 'http', host: 'localhost:3000', target: '/mcp' });
 * // 'http://localhost:3000/.well-known/oauth-protected-resource/mcp'
 * ```
 */
export function metadataUrl(
  metadata: ResourceMetadata | undefined,
  publicOrigin: string | undefined,
  location: RequestLocation | undefined,
): string | undefined {
  if (metadata === undefined) return undefined;
  const origin = publicOrigin ?? requestOrigin(location);
  return origin === undefined ? undefined : `${origin}${metadata.path}`;
}
