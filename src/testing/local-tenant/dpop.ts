/**
 * DPoP at the tenant's token endpoint (RFC 9449 §4.3, §5): a token request that carries a valid
 * `DPoP` proof gets an access token bound to the proof's key (`cnf.jkt`, `token_type: DPoP`), as
 * Auth0 issues them. oidc-provider checks proofs itself on the grants it handles (the authorization
 * code exchange); the grants the tenant handles itself (client credentials, password) check them
 * here, with the library's own proof checker (the one its resource servers use).
 */
import { DpopProofChecker } from '../../core/binding/dpop-proof';
import { MemoryReplayStore } from '../../core/binding/replay-store';
import { InvalidDpopProofError, InvalidRequestError, TemporarilyUnavailableError } from '../../core/errors';
import { normaliseHttpUrl } from '../../core/request';
import type { OidcProviderModule, ProviderContext } from './oidc-provider';

/**
 * The proof algorithms the tenant accepts: the library's defaults, and Ed25519 under its new name
 * as well (oidc-provider lists it so).
 *
 * @example
 * ```ts
 * const configuration = { enabledJWA: { dPoPSigningAlgValues: [...DPOP_SIGNING_ALGORITHMS] } };
 * ```
 */
export const DPOP_SIGNING_ALGORITHMS: readonly string[] = ['ES256', 'RS256', 'PS256', 'EdDSA', 'Ed25519'];

/** How far a proof's `iat` may be from now, either way, in seconds (oidc-provider's window). */
const IAT_WINDOW = 300;

/** Proofs remembered against replay: in all, and per proof key (a tenant for development). */
const REPLAY_BOUNDS = { maxEntries: 10_000, maxPerKey: 1000 };

/**
 * Checks the `DPoP` proof of a token request, if any: resolves with the thumbprint of its key, or
 * with `undefined` when the request carries no proof (the token stays a Bearer token).
 */
export type TokenEndpointDpop = (ctx: ProviderContext) => Promise<string | undefined>;

/** Options of {@link tokenEndpointDpop}. */
export interface TokenEndpointDpopOptions {
  /** The clock, epoch ms. Default `Date.now`. */
  now?: () => number;
}

/**
 * The DPoP check of one tenant's token endpoint, with its own replay store. The proof must name
 * the request's method and the token endpoint's URL (`htu` compared after normalisation, without
 * query and fragment), be recent (±300 s), and be new; a bad, stale or replayed proof is refused
 * with 400 `invalid_dpop_proof`, the reason in `error_description`.
 *
 * @example
 * ```ts
 * const dpop = tokenEndpointDpop(oidc);
 * // in a grant handler:
 * const jkt = await dpop(ctx);
 * if (jkt !== undefined) token.setThumbprint('jkt', jkt);
 * ```
 */
export function tokenEndpointDpop(oidc: OidcProviderModule, options: TokenEndpointDpopOptions = {}): TokenEndpointDpop {
  const now = options.now ?? Date.now;
  const checker = new DpopProofChecker({
    algorithms: DPOP_SIGNING_ALGORITHMS,
    iatOffset: IAT_WINDOW,
    iatLeeway: IAT_WINDOW,
    replayStore: new MemoryReplayStore({ ...REPLAY_BOUNDS, now }),
    nonces: undefined,
    now,
  });
  return async (ctx) => {
    const proof = ctx.get('dpop');
    if (proof === '') return;
    const endpoint = ctx.oidc.urlFor(ctx.oidc.route);
    try {
      // A token endpoint binds the new token to the proof's key: no `ath`, no `cnf.jkt` to match.
      return await checker.checkProof(proof, { method: ctx.method, url: normaliseHttpUrl(endpoint) ?? endpoint }, {});
    } catch (error) {
      if (error instanceof InvalidDpopProofError || error instanceof InvalidRequestError || error instanceof TemporarilyUnavailableError) {
        const refusal = new oidc.errors.InvalidDpopProof(error.message);
        refusal.cause = error;
        throw refusal;
      }
      throw error;
    }
  };
}
