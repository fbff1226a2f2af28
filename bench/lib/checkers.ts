/**
 * The routing-controllers checkers of the bench's two routing-controllers peers, shared by their
 * HTTP targets (bench/targets/ceiling.ts, bench/targets/jose-checker.ts) and by bench/micro.ts.
 */
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import type { Action } from 'routing-controllers';

/** What routing-controllers takes as checkers. */
export interface Checkers {
  authorizationChecker: (action: Action, roles: string[]) => boolean | Promise<boolean>;
  currentUserChecker: (action: Action) => unknown;
}

/**
 * The ceiling: nothing verified. The user has the fields and values the sample answers with for the
 * bench's one token: a plain object, or an instance of `userClass` (routing-controllers serialises
 * a class instance through class-transformer's slower class path).
 */
export function noopCheckers(userClass?: new () => object): Checkers {
  const fields = { id: 'auth0|one-0', permissions: [], email: 'one-0@example.com', scopes: ['openid', 'read:blabla'], isMachine: false };
  const user = userClass === undefined ? fields : Object.assign(new userClass(), fields);
  return { authorizationChecker: () => true, currentUserChecker: () => user };
}

/**
 * A hand-written checker on jose: the remote key set, `jwtVerify` with issuer, audience and RS256,
 * no cache; the claims kept on the Koa context, the scopes of `@Authorized(...)` checked against
 * `scope`, the user built from the claims.
 */
export function joseCheckers(tenant: { issuer: string; jwksUri: string; audience: string }): Checkers {
  const keys = createRemoteJWKSet(new URL(tenant.jwksUri));
  const options = { issuer: tenant.issuer, audience: tenant.audience, algorithms: ['RS256'] };
  const state = (action: Action): { claims?: JWTPayload } => action.context.state;
  return {
    authorizationChecker: async (action, roles) => {
      const header: string = action.request.headers.authorization ?? '';
      if (!header.startsWith('Bearer ')) return false;
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(header.slice(7), keys, options));
      } catch {
        return false;
      }
      state(action).claims = payload;
      const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
      return roles.every((role) => scopes.includes(role));
    },
    currentUserChecker: (action) => {
      const { claims } = state(action);
      if (claims === undefined) return;
      return {
        id: claims.sub,
        permissions: Array.isArray(claims.permissions) ? claims.permissions : [],
        // The bench tenant puts the email in a namespaced claim, as an Auth0 Action would.
        email: claims.email ?? claims['https://example.com/email'],
        scopes: typeof claims.scope === 'string' ? claims.scope.split(' ') : [],
        isMachine: claims.gty === 'client-credentials',
      };
    },
  };
}
