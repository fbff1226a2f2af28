/**
 * The error answers of a guarded route, as OpenAPI components: the JSON body of every
 * `Auth0Error` (`{ error, message, scope? }`) and the RFC 6750 §3 `WWW-Authenticate` challenge.
 */
import type { ResponseObject, SchemaObject } from 'openapi3-ts';

/**
 * Names of the components this module produces.
 *
 * @example
 * ```ts
 * const unauthorized = { $ref: `#/components/responses/${AUTH0_COMPONENTS.unauthorized}` };
 * ```
 */
export const AUTH0_COMPONENTS = {
  errorBody: 'Auth0ErrorBody',
  badRequest: 'Auth0InvalidRequest',
  unauthorized: 'Auth0Unauthorized',
  forbidden: 'Auth0InsufficientScope',
  unavailable: 'Auth0Unavailable',
} as const;

const challenge = {
  description:
    'The RFC 6750 challenge, e.g. `Bearer realm="…", error="invalid_token", error_description="…"` (no `error` when no token was sent).',
  schema: { type: 'string' },
} as const;

/**
 * The schema of the error body (`Auth0ErrorBody`).
 *
 * @example
 * ```ts
 * const schemas = { [AUTH0_COMPONENTS.errorBody]: auth0ErrorBodySchema() };
 * ```
 */
export function auth0ErrorBodySchema(): SchemaObject {
  return {
    type: 'object',
    description: 'The body of every authentication or authorization failure.',
    required: ['error', 'message'],
    properties: {
      error: {
        type: 'string',
        enum: [
          'unauthorized',
          'invalid_request',
          'invalid_token',
          'insufficient_scope',
          'invalid_dpop_proof',
          'use_dpop_nonce',
          'temporarily_unavailable',
        ],
        description:
          'Stable code (RFC 6750 §3.1 and RFC 9449 §7.1/§8, plus `unauthorized` when no token was sent and `temporarily_unavailable` when the token cannot be checked now).',
      },
      message: { type: 'string', description: 'What went wrong, for humans; never contains the token.' },
      scope: { type: 'string', description: 'On `insufficient_scope`: the scopes the route needs, space-separated.' },
    },
  };
}

function json(description: string, example: Record<string, string>): ResponseObject {
  return {
    description,
    headers: { 'WWW-Authenticate': challenge },
    content: {
      'application/json': { schema: { $ref: `#/components/schemas/${AUTH0_COMPONENTS.errorBody}` }, example },
    },
  };
}

const forbidden = (example: Record<string, string>): ResponseObject =>
  json('A valid token without what the route needs (`insufficient_scope`).', example);

/**
 * The 403 of a route that lists scopes, with that route's own example: the first scope missing, and
 * every scope the route needs in `scope`, as the answer gives them.
 *
 * @example
 * ```ts
 * insufficientScopeResponse(['read:blabla']); // example: { error: 'insufficient_scope', message: 'Missing "read:blabla" scope', scope: 'read:blabla' }
 * ```
 */
export function insufficientScopeResponse(scopes: readonly string[]): ResponseObject {
  return forbidden({ error: 'insufficient_scope', message: `Missing "${scopes[0]}" scope`, scope: scopes.join(' ') });
}

/**
 * The shared error responses, for `components.responses` (400, 401, 403 and 503 of every guarded
 * operation point to them).
 *
 * @example
 * ```ts
 * const components = { schemas: { [AUTH0_COMPONENTS.errorBody]: auth0ErrorBodySchema() }, responses: auth0ErrorResponses() };
 * ```
 */
export function auth0ErrorResponses(): Record<string, ResponseObject> {
  const unavailable = json("The tenant's key set cannot be reached and no usable key is cached; retry later.", {
    error: 'temporarily_unavailable',
    message: 'The token cannot be checked now: the tenant key set is unreachable',
  });
  unavailable.headers = {
    ...unavailable.headers,
    'Retry-After': { description: 'Seconds after which a retry may succeed.', schema: { type: 'integer' } },
  };
  return {
    [AUTH0_COMPONENTS.badRequest]: json('Malformed request, e.g. the token sent twice (`invalid_request`).', {
      error: 'invalid_request',
      message: 'Send exactly one Authorization header',
    }),
    [AUTH0_COMPONENTS.unauthorized]: json(
      'No token (`unauthorized`); an invalid, expired or foreign one (`invalid_token`); a missing or bad DPoP proof (`invalid_dpop_proof`), or one without the server nonce (`use_dpop_nonce`, with a `DPoP-Nonce` header).',
      {
        error: 'unauthorized',
        message: 'Missing bearer token',
      },
    ),
    [AUTH0_COMPONENTS.forbidden]: forbidden({
      error: 'insufficient_scope',
      message: 'Claim "org_id" does not have the required value',
    }),
    [AUTH0_COMPONENTS.unavailable]: unavailable,
  };
}
