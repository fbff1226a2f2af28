/**
 * Auth0 Organizations (the B2B feature): which organization a token is for, and the checks that tie
 * it to this API (the `organization` option: 401 `invalid_token` otherwise, like a wrong audience)
 * or to a route (`inOrganization`, in `organization-rule.ts`: 403 `insufficient_scope` otherwise).
 *
 * A person who signs in *to an organization* gets tokens with `org_id` (`org_` and letters and
 * digits), and `org_name` when the tenant allows organization names in the Authentication API.
 * Ids never change; a name can be changed and then given to another organization, so `org_name` is
 * compared only where the configuration says names are trusted. Names are lower-case in Auth0 and
 * compared in lower case, as Auth0's SDKs compare them; a value that starts with `org_` is an id,
 * compared exactly.
 */
import type { AccessTokenClaims } from './claims';
import { InvalidTokenError } from './errors';

/** `org_` and letters and digits: what Auth0's organization ids look like. */
const ID = /^org_[A-Za-z0-9]+$/;
/** Auth0's rule for organization names: lower-case letters, digits, `_` and `-`, 1 to 50 of them. */
const NAME = /^[a-z0-9_-]{1,50}$/;

/** The organization a token is for, as the user shows it. */
export interface TokenOrganization {
  /** `org_id`. */
  readonly id: string;
  /** `org_name`, when the tenant puts names into tokens. */
  readonly name?: string;
}

/** Organizations by id, and by name (lower-case) where names are trusted. */
export interface OrganizationSet {
  readonly ids: ReadonlySet<string>;
  readonly names: ReadonlySet<string>;
}

/**
 * The organization of verified claims: `org_id`, and `org_name` beside it; `undefined` for a token
 * of no organization. The token step has checked that both are non-empty strings when present.
 *
 * @example
 * ```ts
 * organizationOf({ sub: 'auth0|1', exp: 0, org_id: 'org_abc', org_name: 'acme' }); // { id: 'org_abc', name: 'acme' }
 * ```
 */
export function organizationOf(claims: AccessTokenClaims): TokenOrganization | undefined {
  const { org_id: id, org_name: name } = claims;
  if (typeof id !== 'string' || id === '') return undefined;
  return typeof name === 'string' && name !== '' ? { id, name } : { id };
}

/**
 * How {@link organizationSet} reads a list: whether names are trusted, how a mistake is refused,
 * and the words of that message.
 */
export interface OrganizationSetRules {
  readonly trustNames: boolean;
  /** Throws the error of the setting (a configuration error, a `TypeError`). */
  readonly refuse: (message: string) => never;
  /** The setting, in the message: "`organization`". */
  readonly what: string;
  /** How names are trusted there, in the message: "set `organizationNames: true`". */
  readonly trustHow: string;
}

/**
 * Parses organizations as configured (the `organization` option, `inOrganization`'s list): ids
 * (`org_…`, exactly as Auth0 shows them) and, where `trustNames` allows, names (turned to lower
 * case). Calls `how.refuse` with what is wrong.
 *
 * @example
 * ```ts
 * organizationSet(['org_abc', 'Acme'], { trustNames: true, refuse: fail, what: '`organization`', trustHow: 'set `organizationNames: true`' });
 * // ids {org_abc}, names {acme}
 * ```
 */
export function organizationSet(values: readonly unknown[], how: OrganizationSetRules): OrganizationSet {
  const { trustNames, what, trustHow } = how;
  // Annotated, so that the compiler knows it never returns.
  const refuse: (message: string) => never = how.refuse;
  if (values.length === 0) refuse(`${what} must name at least one organization`);
  const ids = new Set<string>();
  const names = new Set<string>();
  for (const value of values) {
    if (typeof value !== 'string' || value === '') refuse(`${what} takes organization ids (org_…) or names, as strings`);
    if (value.startsWith('org_')) {
      if (!ID.test(value)) refuse(`${what}: ${JSON.stringify(value.slice(0, 60))} is not an organization id (org_ and letters and digits)`);
      ids.add(value);
      continue;
    }
    const name = value.toLowerCase();
    if (!NAME.test(name) || name.startsWith('org_')) {
      refuse(`${what}: ${JSON.stringify(value.slice(0, 60))} is neither an organization id (org_…) nor a name (letters, digits, _ and -)`);
    }
    if (!trustNames) {
      refuse(
        `${what}: "${name}" is an organization name; names are compared only when trusted (the tenant's "Allow Organization Names in Authentication API" setting): use its id (org_…), or ${trustHow}`,
      );
    }
    names.add(name);
  }
  return { ids, names };
}

/**
 * Whether the token is for one of the organizations: its `org_id` is one of the ids, or its
 * `org_name` (lower-cased) one of the names.
 *
 * @example
 * ```ts
 * isInSet(claims, config.organization); // config.organization from organizationSet(…)
 * ```
 */
export function isInSet(claims: AccessTokenClaims, set: OrganizationSet): boolean {
  const organization = organizationOf(claims);
  if (organization === undefined) return false;
  if (set.ids.has(organization.id)) return true;
  return organization.name !== undefined && set.names.has(organization.name.toLowerCase());
}

/**
 * Whether a value taken from the request (a path parameter) names the token's organization: an id
 * (`org_…`) equal to `org_id`, or, when names are trusted, a name equal to `org_name` in lower
 * case. Anything else (no value, a list, another type) names no organization.
 *
 * @example
 * ```ts
 * namesOrganization('org_abc', { sub: 'auth0|1', exp: 0, org_id: 'org_abc' }, false); // true
 * ```
 */
export function namesOrganization(value: unknown, claims: AccessTokenClaims, trustNames: boolean): boolean {
  const organization = organizationOf(claims);
  if (organization === undefined || typeof value !== 'string' || value === '') return false;
  if (value.startsWith('org_')) return value === organization.id;
  if (!trustNames || organization.name === undefined) return false;
  const name = value.toLowerCase();
  // `ORG_abc` is no id (ids are case-sensitive), and no name either.
  return !name.startsWith('org_') && name === organization.name.toLowerCase();
}

/**
 * The API-wide check (the `organization` option), right after the token step: a token of no
 * organization, or of another, is not for this API (401 `invalid_token`, like a wrong audience).
 *
 * @example
 * ```ts
 * requireOrganization(claims, config.organization); // throws InvalidTokenError, reason 'wrong_organization'
 * ```
 */
export function requireOrganization(claims: AccessTokenClaims, set: OrganizationSet | undefined): void {
  if (set === undefined || isInSet(claims, set)) return;
  const which = organizationOf(claims) === undefined ? 'no organization' : 'wrong organization';
  throw new InvalidTokenError(`Invalid token claims (${which})`, { reason: 'wrong_organization' });
}
