/**
 * The whole OpenAPI 3 document of a routing-controllers app secured with Auth0, in one call:
 * routing-controllers-openapi's paths, the Auth0 security schemes, and per-operation `security`
 * and error responses derived from `@Authorized(...)` and `@CurrentUser()`.
 */
import { getMetadataArgsStorage, type MetadataArgsStorage, type RoutingControllersOptions } from 'routing-controllers';
import type { IRoute } from 'routing-controllers-openapi';
import type {
  InfoObject,
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  ReferenceObject,
  ResponsesObject,
  SchemaObject,
  ServerObject,
} from 'openapi3-ts';
import { AUTH0_COMPONENTS, auth0ErrorBodySchema, auth0ErrorResponses, insufficientScopeResponse } from './error-responses';
import { guardedRoutes, type RouteGuard } from './routes';
import { auth0SecurityRequirements, auth0SecuritySchemes, type Auth0SecuritySchemesOptions } from './security-schemes';
import type { AuthorizeWith } from '../core/config';
import type { OrganizationRequirement } from '../core/rules';
import type { HasAuth0Config } from './tenant';
import { optionalPeer } from './optional-peer';

type RoutingControllersOpenapi = typeof import('routing-controllers-openapi');
type ClassValidatorJsonschema = typeof import('class-validator-jsonschema');

/** Options of {@link auth0Spec}. */
export interface Auth0SpecOptions extends Auth0SecuritySchemesOptions {
  /** The document's `info`. Default `{ title: 'API', version: '1.0.0' }`. */
  info?: InfoObject;
  /** The document's `servers`. Default none (the docs page's own origin). */
  servers?: ServerObject[];
  /**
   * The options given to `useKoaServer`/`useExpressServer`: `controllers` (classes) limits the
   * document to them, `routePrefix` and `defaults.paramOptions` are applied as routing-controllers
   * applies them. Default `{}`: every controller in the metadata storage.
   */
  routing?: RoutingControllersOptions;
  /** Shortcut for `routing.routePrefix`. */
  routePrefix?: string;
  /** The metadata storage. Default routing-controllers' global one. */
  storage?: MetadataArgsStorage;
  /** `components.schemas`. Default: class-validator-jsonschema's schemas of every validated class. */
  schemas?: Record<string, SchemaObject | ReferenceObject>;
  /** Merged into the document last (deeply; arrays are replaced). */
  extend?: Partial<OpenAPIObject>;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepMerge(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    out[key] = isPlainObject(value) && isPlainObject(out[key]) ? deepMerge(out[key] as Record<string, unknown>, value) : value;
  }
  return out;
}

function errorResponses(guard: RouteGuard, config: HasAuth0Config['config']): ResponsesObject {
  const ref = (name: string): ReferenceObject => ({ $ref: `#/components/responses/${name}` });
  const responses: ResponsesObject = {
    '400': ref(AUTH0_COMPONENTS.badRequest),
    '401': ref(AUTH0_COMPONENTS.unauthorized),
  };
  // 403 only where it can happen: a scope or a claim rule is checked, or every user needs an email.
  const scopesAsked = guard.scopes.length > 0 || (guard.anyOf?.length ?? 0) > 0;
  // Claim rules are always checked; scopes only when enforced.
  const checked = (scopesAsked && config.enforceScopes !== false) || (guard.rules?.length ?? 0) > 0;
  if (guard.kind === 'required' && (checked || config.requireEmail === true)) {
    // A route that lists scopes shows its own in the example; the shared response serves the others.
    responses['403'] = guard.scopes.length > 0 ? insufficientScopeResponse(guard.scopes) : ref(AUTH0_COMPONENTS.forbidden);
  }
  responses['503'] = ref(AUTH0_COMPONENTS.unavailable);
  return responses;
}

const code = (scopes: readonly string[]): string => scopes.map((s) => `\`${s}\``).join(', ');

/** What the scopes and `anyOf` groups ask, e.g. "the scopes: `a`, and one of `b`, `c`". */
function describeScopes(guard: RouteGuard, claim: string, colon = ':'): string {
  const parts: string[] = [];
  if (guard.scopes.length > 0) parts.push(`the ${claim}${colon} ${code(guard.scopes)}`);
  for (const group of guard.anyOf ?? []) {
    parts.push(`${group.length === 1 ? 'the' : 'one of the'} ${claim}${colon} ${code(group)}`);
  }
  return parts.join(', and ');
}

function describeGuard(guard: RouteGuard, config: HasAuth0Config['config']): string {
  if (guard.kind === 'optional') return 'Signed-in callers are recognised; an anonymous call is allowed.';
  const anyOf = guard.anyOf ?? [];
  const rules = guard.rules ?? [];
  if (guard.scopes.length === 0 && anyOf.length === 0 && rules.length === 0) return 'Needs a valid Auth0 access token.';
  if (config.enforceScopes === false) {
    const scopes = describeScopes(guard, 'scopes', '');
    const lines = ['Needs a valid Auth0 access token.'];
    if (scopes !== '') lines.push(`${scopes.charAt(0).toUpperCase()}${scopes.slice(1)} are asked for but not checked.`);
    if (rules.length > 0) lines.push(`Requires: ${rules.join('; ')}.`);
    return lines.join(' ');
  }
  const { authorizeWith } = config;
  const claims: Record<AuthorizeWith, string> = { scope: 'scopes', permissions: 'permissions', either: 'scopes or permissions' };
  const scopes = describeScopes(guard, claims[authorizeWith ?? 'scope']);
  const lines = [scopes === '' ? 'Needs a valid Auth0 access token.' : `Needs a valid Auth0 access token with ${scopes}.`];
  // Claim rules answer 403 insufficient_scope like a missing scope.
  if (rules.length > 0) lines.push(`Requires: ${rules.join('; ')}.`);
  return lines.join(' ');
}

/**
 * The organization rules of an operation: the `x-auth0-organization` extension (what each rule asks,
 * as `inOrganization` was given it), and the description of the path parameter that names the
 * organization. A rule naming a parameter the path does not have could never pass: a `TypeError`.
 */
function documentOrganizations(operation: OperationObject, organizations: readonly OrganizationRequirement[], where: string): void {
  operation['x-auth0-organization'] = organizations.map((requirement) => ({ ...requirement }));
  for (const { param, names } of organizations) {
    if (param === undefined) continue;
    const parameter = (operation.parameters ?? []).find((p): p is ParameterObject => !('$ref' in p) && p.in === 'path' && p.name === param);
    if (parameter === undefined) {
      throw new TypeError(
        `routing-controllers-auth0: ${where}: inOrganization({ param: '${param}' }) names a path parameter the route does not have`,
      );
    }
    const note = `The Auth0 Organization the token must be for: its id (\`org_…\`, the token's \`org_id\`)${names ? ', or its name (`org_name`)' : ''}.`;
    parameter.description = parameter.description ? `${parameter.description}\n\n${note}` : note;
  }
}

function documentable(route: IRoute): boolean {
  return typeof route.action.route !== 'object' && typeof route.controller.route !== 'object' && METHODS.has(route.action.type);
}

/**
 * The OpenAPI 3 document of the app: paths from routing-controllers-openapi, the Auth0 security
 * schemes, and on every operation guarded by `@Authorized(...)` (method or class) or a required
 * `@CurrentUser()` its `security` requirements with the scopes, plus 400/401/403/503 responses with
 * the error body schema. An optional `@CurrentUser()` gets optional security (an empty
 * requirement beside the schemes); public operations get none.
 *
 * @example
 * ```ts
 * const spec = auth0Spec(auth, { info: { title: 'My API', version: '1.0.0' }, routing: { controllers: [Api] } });
 * ```
 */
export function auth0Spec(auth: HasAuth0Config, options: Auth0SpecOptions = {}): OpenAPIObject {
  const routing: RoutingControllersOptions = {
    ...options.routing,
    ...(options.routePrefix === undefined ? {} : { routePrefix: options.routePrefix }),
  };
  // Loaded here, not at the top: an app that never builds a document needs neither package.
  const { getFullPath, getSpec } = optionalPeer<RoutingControllersOpenapi>('routing-controllers-openapi');
  const storage = options.storage ?? getMetadataArgsStorage();
  const schemas =
    options.schemas ??
    (optionalPeer<ClassValidatorJsonschema>('class-validator-jsonschema').validationMetadatasToSchemas({
      refPointerPrefix: '#/components/schemas/',
    }) as Record<string, SchemaObject>);
  const routes = guardedRoutes(storage, routing).filter((r) => documentable(r.route));
  const spec = getSpec(
    routes.map((r) => r.route),
    schemas,
  );
  const schemes = options.schemes;
  for (const { route, guard } of routes) {
    if (guard === undefined) continue;
    const operation = spec.paths[getFullPath(route)]?.[route.action.type] as OperationObject | undefined;
    if (operation === undefined) continue;
    // An explicit @OpenAPI({ security }) or response wins over the derived one.
    operation.security ??= auth0SecurityRequirements(guard.scopes, { schemes, optional: guard.kind === 'optional', anyOf: guard.anyOf });
    operation.responses = { ...errorResponses(guard, auth.config), ...operation.responses };
    const note = describeGuard(guard, auth.config);
    operation.description = operation.description ? `${operation.description}\n\n${note}` : note;
    if (guard.organizations !== undefined) {
      documentOrganizations(operation, guard.organizations, `${route.action.type.toUpperCase()} ${getFullPath(route)}`);
    }
  }
  let document: OpenAPIObject = {
    ...spec,
    info: options.info ?? { title: 'API', version: '1.0.0' },
    ...(options.servers === undefined ? {} : { servers: options.servers }),
    components: {
      ...spec.components,
      schemas: { ...schemas, [AUTH0_COMPONENTS.errorBody]: auth0ErrorBodySchema() },
      responses: auth0ErrorResponses(),
      securitySchemes: auth0SecuritySchemes(auth, options),
    },
  };
  if (options.extend !== undefined) {
    document = deepMerge(
      document as unknown as Record<string, unknown>,
      options.extend as Record<string, unknown>,
    ) as unknown as OpenAPIObject;
  }
  return document;
}
