/**
 * DPoP at the tenant's token endpoint (RFC 9449 §4.3, §5): a token request that carries a valid
 * `DPoP` proof gets an access token bound to the proof's key (`cnf.jkt`, `token_type: DPoP`), as
 * Auth0 issues them. oidc-provider checks proofs itself on the grants it handles (the authorization
 * code exchange); the grants the tenant handles itself (client credentials, password) check them here.
 */
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify, type JWK } from 'jose';
import type { OidcProviderModule, Provider, ProviderContext } from './oidc-provider';

/** The proof algorithms the tenant accepts (the library's defaults, and Ed25519 by its new name). */
export const DPOP_SIGNING_ALGORITHMS: readonly string[] = ['ES256', 'RS256', 'PS256', 'EdDSA', 'Ed25519'];

/** How far a proof's `iat` may be from now, in seconds (oidc-provider's window). */
const IAT_WINDOW = 300;

function invalidProof(oidc: OidcProviderModule, description: string, cause?: unknown): Error {
  const error = new oidc.errors.InvalidDpopProof(description);
  if (cause !== undefined) error.cause = cause;
  return error;
}

/**
 * Checks the request's `DPoP` proof, if any, and resolves with the thumbprint of its key; resolves
 * with `undefined` when the request carries no proof (the token stays a Bearer token). A bad or
 * replayed proof is refused with 400 `invalid_dpop_proof`.
 */
export async function dpopThumbprint(ctx: ProviderContext, provider: Provider, oidc: OidcProviderModule): Promise<string | undefined> {
  const proof = ctx.get('dpop');
  if (proof === '') return undefined;
  let payload: Record<string, unknown>;
  let jwk: JWK;
  try {
    const result = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [...DPOP_SIGNING_ALGORITHMS] });
    payload = result.payload as Record<string, unknown>;
    jwk = result.protectedHeader.jwk as JWK;
  } catch (cause) {
    throw invalidProof(oidc, 'invalid DPoP key binding', cause);
  }
  const { iat, jti, htm, htu } = payload;
  if (typeof iat !== 'number') throw invalidProof(oidc, 'DPoP proof must have a iat number property');
  if (typeof jti !== 'string' || jti === '') throw invalidProof(oidc, 'DPoP proof must have a jti string property');
  const now = Math.floor(Date.now() / 1000);
  if (Math.abs(now - iat) > IAT_WINDOW) throw invalidProof(oidc, 'DPoP proof iat is not recent enough');
  if (htm !== ctx.method) throw invalidProof(oidc, 'DPoP proof htm mismatch');
  const actual = typeof htu === 'string' ? URL.parse(htu) : null;
  if (actual !== null) {
    actual.search = '';
    actual.hash = '';
  }
  if (actual === null || actual.href !== new URL(ctx.oidc.urlFor(ctx.oidc.route)).href) {
    throw invalidProof(oidc, 'DPoP proof htu mismatch');
  }
  const clientId = ctx.oidc.client?.clientId ?? '';
  if (!(await provider.ReplayDetection.unique(clientId, jti, now + IAT_WINDOW))) {
    throw invalidProof(oidc, 'DPoP proof JWT Replay detected');
  }
  return calculateJwkThumbprint(jwk, 'sha256');
}
