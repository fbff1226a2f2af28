/**
 * `/userinfo` for the access tokens Auth0 issues to a sign-in with `openid` and an API audience: a
 * JWT whose `aud` holds `{issuer}userinfo` beside the API. oidc-provider's own userinfo endpoint
 * accepts only its opaque tokens (it does not store JWT access tokens, and refuses any token with
 * an audience); those still go to it. OpenID Connect Core §5.3: the claims the token's scopes allow,
 * as JSON; failures as RFC 6750 §3 challenges.
 */
import { importJWK, jwtVerify, type CryptoKey, type JWK } from 'jose';
import type { TenantDirectory } from './directory';
import type { ProviderContext } from './oidc-provider';

function challenge(ctx: ProviderContext, status: number, error: string, description: string): void {
  ctx.status = status;
  ctx.set('cache-control', 'no-store');
  // The descriptions are the fixed texts below: nothing to escape.
  ctx.set('www-authenticate', `Bearer error="${error}", error_description="${description}"`);
  ctx.body = { error, error_description: description };
}

/** The public half of the tenant's signing key (the settings hold the private JWK). */
function publicJwk(jwk: JWK): JWK {
  const { kty, n, e, crv, x, y, kid, alg } = jwk;
  return Object.fromEntries(Object.entries({ kty, n, e, crv, x, y, kid, alg }).filter(([, v]) => v !== undefined)) as JWK;
}

/** The claims of a user that the scopes allow (the `openid`, `profile` and `email` scopes). */
function userClaims(directory: TenantDirectory, sub: string, scopes: string[]): Record<string, unknown> | undefined {
  const user = directory.userById(sub);
  if (user === undefined) return undefined;
  const claims: Record<string, unknown> = { sub: user.userId };
  if (scopes.includes('profile')) Object.assign(claims, { name: user.name, nickname: user.email.split('@')[0] });
  if (scopes.includes('email')) Object.assign(claims, { email: user.email, email_verified: true });
  return claims;
}

/**
 * The `/userinfo` handler for JWT access tokens: resolves with `true` when it answered, `false` when
 * the request is for oidc-provider (no JWT bearer token).
 *
 * @example
 * ```ts
 * const userinfo = jwtUserinfo(directory);
 * if (ctx.path === '/userinfo' && (await userinfo(ctx))) return;
 * ```
 */
export function jwtUserinfo(directory: TenantDirectory): (ctx: ProviderContext) => Promise<boolean> {
  const { settings } = directory;
  let key: Promise<CryptoKey | Uint8Array> | undefined;
  return async (ctx) => {
    if (ctx.method !== 'GET' && ctx.method !== 'POST') return false;
    const match = /^(Bearer|DPoP) +([\w-]+\.[\w-]+\.[\w-]+)$/i.exec(ctx.get('authorization'));
    if (match === null) return false;
    if (match[1].toLowerCase() === 'dpop') {
      challenge(ctx, 400, 'invalid_request', 'the local tenant does not take DPoP-bound tokens at /userinfo');
      return true;
    }
    key ??= importJWK(publicJwk(settings.jwks.keys[0]), 'RS256');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(match[2], await key, {
        issuer: settings.issuer,
        audience: `${settings.issuer}userinfo`,
        algorithms: ['RS256'],
        requiredClaims: ['sub', 'exp'],
      }));
    } catch {
      challenge(ctx, 401, 'invalid_token', 'invalid token provided');
      return true;
    }
    if (payload.cnf !== undefined) {
      challenge(ctx, 401, 'invalid_token', 'the token is bound to a DPoP key');
      return true;
    }
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    if (!scopes.includes('openid')) {
      challenge(ctx, 403, 'insufficient_scope', 'access token missing openid scope');
      return true;
    }
    const claims = userClaims(directory, String(payload.sub), scopes);
    if (claims === undefined) {
      challenge(ctx, 401, 'invalid_token', 'invalid token provided');
      return true;
    }
    ctx.status = 200;
    ctx.set('cache-control', 'no-store');
    ctx.body = claims;
    return true;
  };
}
