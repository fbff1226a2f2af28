/**
 * Which routes need a token, and with which scopes: read from routing-controllers' metadata the
 * way routing-controllers itself reads it when it builds the app, so that the documentation says
 * what the running app does.
 */
import type { MetadataArgsStorage, RoutingControllersOptions } from 'routing-controllers';
import type { IRoute } from 'routing-controllers-openapi';
import { isClaimRule, type ClaimRule, type OrganizationRequirement } from '../core/rules';

// routing-controllers' entry point does not export its metadata-args types; they are taken from the
// storage it does export, so that no internal file path of the package is relied on.
type ParamMetadataArgs = MetadataArgsStorage['params'][number];
type ResponseHandlerMetadataArgs = MetadataArgsStorage['responseHandlers'][number];

/**
 * What a route asks of the caller:
 * - `required`: a valid token (`@Authorized(...)` on the method or the class, or a required
 *   `@CurrentUser()`), holding every scope in `scopes` and one scope of each `anyOf` group, and
 *   satisfying every claim rule in `rules`;
 * - `optional`: a token is used when sent (an optional `@CurrentUser()`); an invalid one is refused.
 */
export interface RouteGuard {
  kind: 'required' | 'optional';
  /** The scopes `@Authorized` lists (class-level first, as routing-controllers passes them): all are needed. */
  scopes: string[];
  /** One group per `anyOf(...)` rule: at least one scope of each group is needed. Absent when there is none. */
  anyOf?: string[][];
  /** What the other claim rules (`claimEquals`, `claimIncludes`, `claimCheck`, `inOrganization`) ask. Absent when there is none. */
  rules?: string[];
  /** What the organization rules (`inOrganization`) ask of the token's organization. Absent when there is none. */
  organizations?: OrganizationRequirement[];
}

/** A route of the app and what it asks of the caller (`undefined` for a public route). */
export interface GuardedRoute {
  route: IRoute;
  guard: RouteGuard | undefined;
}

function rolesOf(handler: ResponseHandlerMetadataArgs | undefined): unknown[] {
  if (handler === undefined) return [];
  const value: unknown = handler.value;
  return Array.isArray(value) ? value.flat(Number.POSITIVE_INFINITY as 1) : [value];
}

function scopesOf(handler: ResponseHandlerMetadataArgs | undefined): string[] {
  // The checker refuses anything but scope names and claim rules; a function or undefined documents no scope.
  return rolesOf(handler).filter((s): s is string => typeof s === 'string' && s !== '');
}

function rulesOf(handler: ResponseHandlerMetadataArgs | undefined): ClaimRule[] {
  return rolesOf(handler).filter(isClaimRule);
}

/** The claim rules of a guard: `anyOf` groups (rules that name scopes) and the others' descriptions. */
function withRules(guard: RouteGuard, rules: ClaimRule[]): RouteGuard {
  const groups = new Map<string, string[]>();
  const descriptions = new Set<string>();
  const organizations = new Map<string, OrganizationRequirement>();
  for (const rule of rules) {
    if (rule.organization !== undefined) organizations.set(JSON.stringify(rule.organization), rule.organization);
    if (rule.scopes.length > 0) {
      const group = [...new Set(rule.scopes)];
      groups.set(JSON.stringify(group), group);
    } else {
      descriptions.add(rule.description);
    }
  }
  if (groups.size > 0) guard.anyOf = [...groups.values()];
  if (descriptions.size > 0) guard.rules = [...descriptions];
  if (organizations.size > 0) guard.organizations = [...organizations.values()];
  return guard;
}

/** routing-controllers' rule for `required`: the global default applies unless the decorator says otherwise. */
function isRequired(param: ParamMetadataArgs, routing: RoutingControllersOptions): boolean {
  const byDefault = routing.defaults?.paramOptions?.required ?? false;
  return byDefault ? param.required !== false : param.required === true;
}

function guardOf(
  classHandler: ResponseHandlerMetadataArgs | undefined,
  route: IRoute,
  routing: RoutingControllersOptions,
): RouteGuard | undefined {
  const methodHandler = route.responseHandlers.find((h) => h.type === 'authorized');
  if (classHandler !== undefined || methodHandler !== undefined) {
    const scopes = [...new Set([...scopesOf(classHandler), ...scopesOf(methodHandler)])];
    return withRules({ kind: 'required', scopes }, [...rulesOf(classHandler), ...rulesOf(methodHandler)]);
  }
  const users = route.params.filter((p) => p.type === 'current-user');
  if (users.length === 0) return undefined;
  return { kind: users.some((p) => isRequired(p, routing)) ? 'required' : 'optional', scopes: [] };
}

/**
 * The routes of the given controllers (every controller in `storage` when `routing.controllers`
 * lists no classes), each with its guard. Inherited actions are included and class-level
 * `@Authorized` is applied, as routing-controllers' metadata builder does (routing-controllers-openapi's
 * `parseRoutes` misses both).
 *
 * @example
 * ```ts
 * const routes = guardedRoutes(getMetadataArgsStorage(), { controllers: [Api], routePrefix: '/api' });
 * routes.filter((r) => r.guard?.kind === 'required').map((r) => r.route.action.method);
 * ```
 */
export function guardedRoutes(storage: MetadataArgsStorage, routing: RoutingControllersOptions = {}): GuardedRoute[] {
  // biome-ignore lint/complexity/noBannedTypes: routing-controllers types controller classes as Function
  const classes = (routing.controllers ?? []).filter((c): c is Function => typeof c === 'function');
  const controllers = classes.length === 0 ? storage.controllers : storage.controllers.filter((c) => classes.includes(c.target));
  const result: GuardedRoute[] = [];
  for (const controller of controllers) {
    const classHandler = storage.responseHandlers.find((h) => h.type === 'authorized' && h.target === controller.target && !h.method);
    const seen = new Set<string>();
    // biome-ignore lint/complexity/noBannedTypes: the prototype chain of a controller class, typed as routing-controllers types it
    for (let target: Function | null = controller.target; target; target = Object.getPrototypeOf(target) as Function | null) {
      for (const action of storage.filterActionsWithTarget(target)) {
        if (seen.has(action.method)) continue;
        seen.add(action.method);
        // routing-controllers looks params and handlers up on the concrete controller class.
        const route: IRoute = {
          action: { ...action, target: controller.target },
          controller,
          options: routing,
          params: storage.filterParamsWithTargetAndMethod(controller.target, action.method).sort((a, b) => a.index - b.index),
          responseHandlers: storage.filterResponseHandlersWithTargetAndMethod(controller.target, action.method),
        };
        result.push({ route, guard: guardOf(classHandler, route, routing) });
      }
    }
  }
  return result;
}
