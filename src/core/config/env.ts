/**
 * Options from the environment: environment variables only fill options that were omitted.
 */
import type { Auth0User } from '../user';
import type { Auth0Options, DpopOptions } from './options';

/**
 * Splits a comma-separated value (or takes a list), trimmed, without empty items.
 *
 * @example
 * ```ts
 * list('a.auth0.com, b.example.com'); // ['a.auth0.com', 'b.example.com']
 * ```
 */
export function list(value: unknown): string[] {
  let items: unknown[] = [];
  if (Array.isArray(value)) items = value;
  else if (typeof value === 'string') items = value.split(',');
  return items
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function empty(value: unknown): boolean {
  return value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

/** The email claim from `AUTH0_EMAIL_CLAIM`, or fastapi-auth0's `AUTH0_RULE_NAMESPACE` + `/email`. */
function emailClaimOf(env: NodeJS.ProcessEnv): string | undefined {
  if (env.AUTH0_EMAIL_CLAIM) return env.AUTH0_EMAIL_CLAIM;
  return env.AUTH0_RULE_NAMESPACE ? `${env.AUTH0_RULE_NAMESPACE.replace(/\/$/, '')}/email` : undefined;
}

/**
 * `organization` from `AUTH0_API_ORGANIZATION` when omitted. The API's own variable: front ends'
 * `AUTH0_ORGANIZATION` (the organization to sign in to) is not read, as it would refuse every
 * other organization's token.
 */
function organizationFromEnv(organization: string | string[] | undefined, env: NodeJS.ProcessEnv): string | string[] | undefined {
  return empty(organization) && env.AUTH0_API_ORGANIZATION ? list(env.AUTH0_API_ORGANIZATION) : organization;
}

/** `dpop` with the nonce secret from `AUTH0_DPOP_NONCE_SECRET` when nonces are on and no secret is given. */
function dpopWithEnv(dpop: DpopOptions | undefined, secret: string | undefined): DpopOptions | undefined {
  if (!secret || dpop === null || typeof dpop !== 'object') return dpop;
  const { nonce } = dpop;
  if (nonce === true) return { ...dpop, nonce: { secret } };
  if (nonce !== null && typeof nonce === 'object' && empty(nonce.secret)) return { ...dpop, nonce: { ...nonce, secret } };
  return dpop;
}

/**
 * Fills omitted options from the environment, as Auth0's SDKs do: `AUTH0_DOMAIN` (or
 * `ISSUER_BASE_URL`, read only when neither `domain` nor `issuerBaseURL` is given), `AUTH0_AUDIENCE`
 * (or `AUTH0_API_AUDIENCE`, `AUDIENCE`), `AUTH0_CLIENT_ID`, `AUTH0_EMAIL_CLAIM` (or fastapi-auth0's
 * `AUTH0_RULE_NAMESPACE` + `/email`), `AUTH0_API_ORGANIZATION` (→ `organization`, comma-separated),
 * `AUTH0_TOKEN_SIGNING_ALG` (→ `algorithms`),
 * `AUTH0_SIGNING_SECRET` (→ `secret`; HS256 needs both: `AUTH0_TOKEN_SIGNING_ALG=HS256`) and
 * `AUTH0_DPOP_NONCE_SECRET` (→ `dpop.nonce.secret`, when nonces are on). `AUTH0_SECRET`, the
 * session-cookie secret of Auth0's web SDKs, is never read. The options passed are not changed.
 *
 * @example
 * ```ts
 * const options = optionsWithEnv({ scopes: { 'read:blabla': 'Read' } }); // domain and audience from AUTH0_DOMAIN, AUTH0_AUDIENCE
 * ```
 */
export function optionsWithEnv<O extends Auth0Options<Auth0User>>(options: O, env: NodeJS.ProcessEnv = process.env): O {
  const filled: Auth0Options<Auth0User> = { ...options };
  if (empty(filled.domain) && empty(filled.issuerBaseURL)) {
    if (env.AUTH0_DOMAIN) filled.domain = list(env.AUTH0_DOMAIN);
    else if (env.ISSUER_BASE_URL) filled.issuerBaseURL = env.ISSUER_BASE_URL;
  }
  if (empty(filled.audience)) {
    const audience = env.AUTH0_AUDIENCE || env.AUTH0_API_AUDIENCE || env.AUDIENCE;
    if (audience) filled.audience = list(audience);
  }
  if (empty(filled.clientId) && env.AUTH0_CLIENT_ID) filled.clientId = env.AUTH0_CLIENT_ID;
  filled.organization = organizationFromEnv(filled.organization, env);
  if (empty(filled.algorithms) && env.AUTH0_TOKEN_SIGNING_ALG) filled.algorithms = list(env.AUTH0_TOKEN_SIGNING_ALG);
  if (empty(filled.secret) && env.AUTH0_SIGNING_SECRET) filled.secret = env.AUTH0_SIGNING_SECRET;
  const emailClaim = emailClaimOf(env);
  if (empty(filled.emailClaim) && emailClaim !== undefined) filled.emailClaim = emailClaim;
  if (filled.dpop !== undefined) filled.dpop = dpopWithEnv(filled.dpop, env.AUTH0_DPOP_NONCE_SECRET);
  return filled as O;
}
