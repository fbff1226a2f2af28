/**
 * The one way a token is accepted. Every entry point (the routing-controllers checkers,
 * `Auth0.verify`, any other framework's glue) calls {@link Pipeline.authenticate}, which reads
 * top to bottom as the order of the checks:
 *
 * 1. credentials — `Authorization` (and the DPoP proof) read from the request (`credentials.ts`);
 * 2. token — signature and claims through jose, or the verified-token cache (`token/`), then the
 *    API's organizations, when the `organization` option names them (`organization.ts`);
 * 3. binding — the DPoP proof or the client certificate the token is bound to (`binding/`);
 * 4. the `validate` option, then the user built from the claims (`user.ts`);
 * 5. per route — scopes and claim rules, which may read the route's parameters (`authorize.ts`),
 *    through {@link Pipeline.authorize}.
 *
 * No application code (`validate`, a user class, `@Claim` mappers) runs before step 3 has proven
 * that the sender may use the token. Failures are immutable {@link Auth0Error}s, turned into the
 * outcome by the one `catch`; the answer to one (challenge, headers, body) is built at the edge by
 * {@link Pipeline.answer}.
 */
import { createHmac } from 'node:crypto';
import { authorize } from './authorize';
import { DpopProofChecker } from './binding/dpop-proof';
import { DpopNonces } from './binding/nonce';
import { MemoryReplayStore, type ReplayStore } from './binding/replay-store';
import { proveBinding, type BindingSettings } from './binding/sender-binding';
import { answerOf, type ErrorAnswer, type SchemeOffer } from './challenge';
import type { AccessTokenClaims } from './claims';
import { optionsWithEnv, resolveConfig, type Auth0Options, type ResolvedConfig } from './config';
import { readCredentials, type CredentialsOptions } from './credentials';
import { Auth0ConfigError, Auth0Error, InvalidRequestError, InvalidTokenError, UnauthorizedError, type AuthScheme } from './errors';
import { claimOf, emit, reasonOf } from './events';
import { requireOrganization } from './organization';
import type { AuthRequest } from './request';
import type { ClaimRule, RouteContext } from './rules';
import { metadataUrl, protectedResourceMetadata, type ResourceMetadata } from './resource-metadata';
import { causeOf, type KeySetStats, type RemoteKeySet } from './token/key-set';
import { AccessTokenVerifier } from './token/verify-token';
import { Auth0User, buildUser, type UserFactory, type UserSettings } from './user';

/** The outcome of authenticating one request; never a rejected promise for a request defect. */
export type Authentication<U extends Auth0User> =
  | { readonly kind: 'anonymous'; readonly error: UnauthorizedError; readonly scheme: AuthScheme }
  | { readonly kind: 'failed'; readonly error: Auth0Error; readonly scheme: AuthScheme }
  | {
      readonly kind: 'authenticated';
      readonly claims: AccessTokenClaims;
      readonly user: U;
      /** The scheme the token came with. */
      readonly scheme: AuthScheme;
      /** A fresh server nonce to hand out (`DPoP-Nonce`), when nonces are on and the request used DPoP. */
      readonly nonce?: string;
    };

/** What proves the binding of a token verified outside an HTTP request. */
export interface TokenBinding {
  /** The DPoP proof that came with the token, and the request it names. */
  readonly dpop?: { readonly proof: string; readonly method: string; readonly url: string };
  /** The client certificate (DER) the token was presented with. */
  readonly certificate?: Uint8Array;
}

const NO_CREDENTIALS = new UnauthorizedError();

/** A failure of {@link Pipeline.ready} that says itself what went wrong. */
class ReadyFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Runs the `validate` option: `false` or a throw refuses the token. */
function runValidate(validate: ResolvedConfig['validate'], claims: AccessTokenClaims): void {
  if (validate === undefined) return;
  let valid = false;
  try {
    valid = validate(claims) === true;
  } catch {
    valid = false;
  }
  if (!valid) throw new InvalidTokenError('Invalid token claims (refused by the validate option)', { reason: 'validate' });
}

/** A request made of a bare token and what proves its binding. */
function requestOf(token: string, binding: TokenBinding): AuthRequest {
  const { dpop, certificate } = binding;
  if (dpop === undefined) return { authorization: `Bearer ${token}`, certificate: () => certificate };
  return {
    authorization: `DPoP ${token}`,
    dpop: dpop.proof,
    method: dpop.method,
    location: () => {
      let url: URL;
      try {
        url = new URL(dpop.url);
      } catch (cause) {
        throw new InvalidRequestError('The DPoP request URL is not an absolute URL', { cause });
      }
      return { protocol: url.protocol.slice(0, -1), host: url.host, target: url.pathname };
    },
    certificate: () => certificate,
  };
}

/**
 * Authenticates requests against one Auth0 API.
 *
 * @example
 * ```ts
 * const pipeline = new Pipeline({ domain: 'your-tenant.auth0.com', audience: 'https://api' });
 * const outcome = await pipeline.authenticate({ authorization: req.headers.authorization });
 * if (outcome.kind === 'authenticated') console.log(outcome.user.id);
 * else res.writeHead(outcome.error.status, pipeline.answer(outcome.error, outcome.scheme).headers).end();
 * ```
 */
export class Pipeline<U extends Auth0User = Auth0User> {
  /**
   * The checked configuration, read by this package's OpenAPI entry; not part of the API.
   *
   * @internal
   */
  readonly config: ResolvedConfig;
  /** Where DPoP proof `jti`s are recorded. */
  readonly replayStore: ReplayStore;
  /** The Protected Resource Metadata (RFC 9728), built once; `undefined` without a resource identifier. */
  readonly resourceMetadata: ResourceMetadata | undefined;
  private readonly credentials: CredentialsOptions;
  private readonly tokens: AccessTokenVerifier;
  private readonly binding: BindingSettings;
  private readonly users: UserSettings;
  private readonly offer: SchemeOffer;
  private readonly nonces: DpopNonces | undefined;

  /**
   * @param options The options (omitted ones are read from the environment).
   * @param extensions `userFactory` builds users of a custom class (`userClassFactory(MyUser)`, which
   *   `Auth0` passes for its `userClass`).
   */
  constructor(options: Auth0Options<U> = {}, extensions: { userFactory?: UserFactory<U> } = {}) {
    this.config = resolveConfig(optionsWithEnv(options));
    const { dpop, mtls, clock, onEvent } = this.config;
    if (options.userClass !== undefined && (options.userClass as unknown) !== Auth0User && extensions.userFactory === undefined) {
      throw new Auth0ConfigError(
        'routing-controllers-auth0: a custom `userClass` is built by `Auth0`, or pass `{ userFactory: userClassFactory(MyUser) }` to the Pipeline',
      );
    }
    this.credentials = {
      maxTokenLength: this.config.maxTokenLength,
      acceptDpop: dpop.mode !== 'disabled',
      acceptBearer: dpop.mode !== 'required',
    };
    this.tokens = new AccessTokenVerifier(this.config);
    this.replayStore =
      dpop.replayStore ??
      new MemoryReplayStore({ maxEntries: dpop.jtiCacheSize, maxPerKey: dpop.jtiPerKey, maxPerSubject: dpop.jtiPerSubject, now: clock });
    // Nonces are made with a key of this API's own (its audiences), so that two APIs sharing a
    // nonce secret do not accept each other's nonces.
    this.nonces =
      dpop.nonce === undefined
        ? undefined
        : new DpopNonces({
            secret: createHmac('sha256', dpop.nonce.secret)
              .update(`dpop-nonce\0${this.config.audience.join(' ')}`)
              .digest(),
            lifetime: dpop.nonce.lifetime,
            now: clock,
          });
    const proofs = new DpopProofChecker({ ...dpop, replayStore: this.replayStore, nonces: this.nonces, now: clock, onEvent });
    this.binding = { proofs, origin: dpop.origin, mtls };
    this.users = {
      emailClaim: this.config.emailClaim,
      requireEmail: this.config.requireEmail,
      factory: extensions.userFactory as UserFactory<Auth0User> | undefined,
    };
    this.resourceMetadata = protectedResourceMetadata(this.config);
    this.offer = Object.freeze({
      bearer: dpop.mode !== 'required',
      dpopAlgorithms: dpop.mode === 'disabled' ? undefined : dpop.algorithms,
    });
  }

  /**
   * Authenticates a request: credentials, token, binding, `validate`, user. Resolves with the
   * outcome; never rejects for a request defect (a rejection is a bug).
   */
  async authenticate(request: AuthRequest): Promise<Authentication<U>> {
    const started = performance.now();
    let scheme: AuthScheme = 'Bearer';
    try {
      const credentials = readCredentials(request, this.credentials);
      if (credentials === undefined) return { kind: 'anonymous', error: NO_CREDENTIALS, scheme };
      scheme = credentials.scheme;
      const { claims, cache } = await this.tokens.verified(credentials.token);
      requireOrganization(claims, this.config.organization);
      await proveBinding(claims, credentials, request, this.binding);
      runValidate(this.config.validate, claims);
      const user = (await buildUser(claims, this.users)) as U;
      emit(this.config.onEvent, { type: 'authenticated', subject: claims.sub, scheme, cache, durationMs: performance.now() - started });
      const nonce = scheme === 'DPoP' ? this.nonces?.current() : undefined;
      return nonce === undefined ? { kind: 'authenticated', claims, user, scheme } : { kind: 'authenticated', claims, user, scheme, nonce };
    } catch (error) {
      if (error instanceof Auth0Error) return { kind: 'failed', error, scheme };
      throw error;
    }
  }

  /**
   * Verifies a token outside an HTTP request, through the same steps. A bound token is refused
   * unless its proof or certificate is passed in. Rejects with an {@link Auth0Error}.
   */
  async verify(token: string, binding: TokenBinding = {}): Promise<{ claims: AccessTokenClaims; user: U }> {
    const outcome = await this.authenticate(requestOf(token, binding));
    if (outcome.kind !== 'authenticated') {
      this.refused(outcome.error, outcome.scheme);
      throw outcome.error;
    }
    return { claims: outcome.claims, user: outcome.user };
  }

  /**
   * Step 5: throws `InsufficientScopeError` unless the claims grant every listed scope and satisfy
   * every claim rule. `route` holds the route's path parameters, which rules bound to the route
   * (`inOrganization({ param })`) read; the routing-controllers checkers pass them.
   */
  authorize(claims: AccessTokenClaims, requirements: ReadonlyArray<string | ClaimRule>, route?: RouteContext): void {
    authorize(claims, requirements, this.config, route);
  }

  /**
   * The HTTP answer to a failure of a request made with `scheme`: status, headers (challenge…) and
   * body. `route.request` gives the origin of the `resource_metadata` URL (unless `publicOrigin`
   * is set), `route.scopes` the scopes the route needs (named on a 401).
   */
  answer(
    error: Auth0Error,
    scheme: AuthScheme = 'Bearer',
    route: { readonly request?: AuthRequest; readonly scopes?: readonly string[] } = {},
  ): ErrorAnswer {
    return answerOf(error, {
      realm: this.config.realm,
      offer: this.offer,
      requestScheme: scheme,
      resourceMetadata: metadataUrl(this.resourceMetadata, this.config.publicOrigin, route.request?.location?.()),
      routeScopes: route.scopes,
    });
  }

  /** Reports a refusal to the `onEvent` hook (the glue calls it for every answer it refuses). */
  refused(error: Auth0Error, scheme: AuthScheme, route?: string): void {
    const { onEvent, issuers, audience } = this.config;
    if (onEvent === undefined) return;
    const claim = claimOf(error, { iss: issuers.map(({ issuer }) => issuer), aud: audience });
    emit(onEvent, {
      type: 'refused',
      status: error.status,
      code: error.code,
      reason: reasonOf(error),
      scheme,
      ...(route === undefined ? {} : { route }),
      ...(claim === undefined ? {} : { claim }),
    });
  }

  /**
   * Fetches each tenant's discovery document and key set once, for a deploy to fail fast: resolves
   * when every issuer answers with its own `issuer` and usable keys; rejects with an `Error` naming
   * the tenant and the cause (its `cause.code`: `ECONNREFUSED`, `ENOTFOUND`, a TLS code,
   * `http_404`, `wrong_issuer`…). Optional: requests never wait for it, and the key set is
   * still fetched on first use without it.
   */
  async ready(): Promise<void> {
    if (this.config.secret !== undefined) return;
    const { fetch: fetcher = fetch, jwksTimeout } = this.config;
    await Promise.all(
      this.config.issuers.map(async ({ issuer }) => {
        try {
          const response = await fetcher(`${issuer}.well-known/openid-configuration`, {
            headers: { accept: 'application/json' },
            redirect: 'error',
            signal: AbortSignal.timeout(jwksTimeout),
          });
          if (response.status !== 200) throw new ReadyFailure(`http_${response.status}`, `discovery answered HTTP ${response.status}`);
          const discovered = (await response.json()) as { issuer?: unknown };
          if (discovered.issuer !== issuer) {
            throw new ReadyFailure('wrong_issuer', `discovery names another issuer (${String(discovered.issuer).slice(0, 100)})`);
          }
          await (this.tokens.keySets.get(issuer) as RemoteKeySet).refresh();
        } catch (error) {
          const cause = error instanceof ReadyFailure ? { code: error.code, message: error.message } : causeOf(error);
          throw new Error(`routing-controllers-auth0: the tenant ${issuer} is not ready: ${cause.code} (${cause.message})`, { cause });
        }
      }),
    );
  }

  /** How many verified tokens are cached now. */
  get cachedTokenCount(): number {
    return this.tokens.cache.size;
  }

  /** Counters of each issuer's key set, by issuer. */
  get keySetStats(): Record<string, KeySetStats> {
    const stats: Record<string, KeySetStats> = {};
    for (const [issuer, keys] of this.tokens.keySets) stats[issuer] = keys.stats;
    return stats;
  }
}
