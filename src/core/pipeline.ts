/**
 * The one way a token is accepted. Every entry point (the routing-controllers checkers,
 * `Auth0.verify`, any other framework's glue) calls {@link Pipeline.authenticate}, which runs the
 * steps in this order and nothing else:
 *
 * 1. credentials — `Authorization` (and the DPoP proof) read from the request (`credentials.ts`);
 * 2. token — signature and claims through jose, or the verified-token cache (`token/`);
 * 3. binding — the DPoP proof or the client certificate the token is bound to (`binding/`);
 * 4. user — the `validate` option, then the user built from the claims (`user.ts`);
 * 5. per route — scopes and claim rules (`authorize.ts`), through {@link Pipeline.authorize}.
 *
 * No application code (`validate`, a user class, `@Claim` mappers) runs before step 3 has proven
 * that the sender may use the token. Failures are immutable {@link Auth0Error}s; the answer to one
 * (challenge, headers, body) is built at the edge by {@link Pipeline.answer}.
 */
import { createHmac } from 'node:crypto';
import { authorize } from './authorize';
import { DpopProofChecker } from './binding/dpop-proof';
import { DpopNonces } from './binding/nonce';
import { MemoryReplayStore, type ReplayStore } from './binding/replay-store';
import { checkBinding, type PendingProof } from './binding/sender-binding';
import { answerOf, type ErrorAnswer, type SchemeOffer } from './challenge';
import { optionsWithEnv, resolveConfig, type Auth0Options, type ResolvedConfig } from './config';
import { readCredentials, type Credentials, type CredentialsOptions } from './credentials';
import { Auth0ConfigError, Auth0Error, InvalidRequestError, InvalidTokenError, UnauthorizedError, type AuthScheme } from './errors';
import { emit, reasonOf } from './events';
import type { AuthRequest } from './request';
import type { ClaimRule } from './rules';
import type { KeySetStats } from './token/key-set';
import { TokenCache, type CachedToken } from './token/token-cache';
import type { AccessTokenClaims } from './claims';
import { AccessTokenVerifier } from './token/verify-token';
import { Auth0User, buildBaseUser, buildUser, copyBaseUser, copyUser, type UserFactory } from './user';

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
  /** The checked configuration. */
  readonly config: ResolvedConfig;
  /** Where DPoP proof `jti`s are recorded. */
  readonly replayStore: ReplayStore;
  private readonly userFactory: UserFactory<U> | undefined;
  private readonly credentialsOptions: CredentialsOptions;
  private readonly offer: SchemeOffer;
  private readonly verifier: AccessTokenVerifier;
  // A remembered token keeps the user built from its claims: a hit copies it instead of building one.
  private readonly tokens: TokenCache<U>;
  private readonly remembered: (token: string) => CachedToken<U> | undefined;
  // A request's own copy of a remembered user: a handler changing it changes no other request's.
  private readonly copy: (user: U) => U;
  private readonly nonces: DpopNonces | undefined;
  private readonly dpop: DpopProofChecker;

  /**
   * @param options The options (omitted ones are read from the environment).
   * @param extensions `userFactory` builds users of a custom class (`userClassFactory(MyUser)`, which
   *   `Auth0` passes for its `userClass`).
   */
  constructor(options: Auth0Options<U> = {}, extensions: { userFactory?: UserFactory<U> } = {}) {
    this.config = resolveConfig(optionsWithEnv(options));
    const { dpop, clock } = this.config;
    const userClass = options.userClass ?? Auth0User;
    const isUserClass = (userClass as unknown) === Auth0User || userClass?.prototype instanceof Auth0User;
    if (!isUserClass) {
      throw new TypeError('routing-controllers-auth0: `userClass` must be Auth0User or a subclass of it');
    }
    if ((userClass as unknown) !== Auth0User && extensions.userFactory === undefined) {
      throw new Auth0ConfigError(
        'routing-controllers-auth0: a custom `userClass` is built by `Auth0`, or pass `{ userFactory: userClassFactory(MyUser) }` to the Pipeline',
      );
    }
    this.userFactory = extensions.userFactory;
    // Without a factory every user is a base user, whose shape is known.
    this.copy = extensions.userFactory === undefined ? copyBaseUser : copyUser;
    this.credentialsOptions = { maxTokenLength: this.config.maxTokenLength, acceptDpop: dpop.mode !== 'disabled' };
    this.offer = Object.freeze({
      bearer: dpop.mode !== 'required',
      dpopAlgorithms: dpop.mode === 'disabled' ? undefined : dpop.algorithms,
    });
    this.verifier = new AccessTokenVerifier(this.config);
    this.tokens = new TokenCache<U>({ size: this.config.tokenCacheSize, now: clock });
    this.remembered = (token) => this.tokens.lookup(token);
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
    this.dpop = new DpopProofChecker({
      ...dpop,
      replayStore: this.replayStore,
      nonces: this.nonces,
      now: clock,
      onEvent: this.config.onEvent,
    });
  }

  /**
   * Authenticates a request: credentials, token, binding, user. Resolves with the outcome; never
   * rejects for a request defect.
   */
  async authenticate(request: AuthRequest): Promise<Authentication<U>> {
    return this.authenticateNow(request);
  }

  /**
   * {@link authenticate}, settled at once when nothing needs waiting for: the usual request, a
   * remembered Bearer token whose user is built, gets its outcome without a promise. Anything that
   * must wait (a token to verify, a DPoP proof, a user class to build) gives a promise. Never
   * rejects (or throws) for a request defect.
   */
  authenticateNow(request: AuthRequest): Authentication<U> | Promise<Authentication<U>> {
    let scheme: AuthScheme = 'Bearer';
    const started = this.config.onEvent === undefined ? 0 : performance.now();
    try {
      const credentials = readCredentials(request, this.credentialsOptions, this.remembered);
      if (credentials === undefined) return { kind: 'anonymous', error: NO_CREDENTIALS, scheme };
      scheme = credentials.scheme;
      if (scheme === 'Bearer' && !this.offer.bearer) {
        throw new UnauthorizedError('Bearer tokens are not accepted here: send a DPoP-bound token with a DPoP proof', {
          reason: 'scheme_not_accepted',
        });
      }
      const { known } = credentials;
      if (known === undefined) return this.verifyThenFinish(request, credentials, started);
      const { claims } = known.verified;
      const proof = checkBinding(claims, credentials, request, this.config);
      if (proof !== undefined) return this.finish(credentials, claims, known, proof, 'hit', started);
      return this.complete(credentials.scheme, claims, known, 'hit', started);
    } catch (error) {
      return this.failure(error, scheme);
    }
  }

  /** A token not remembered: verified (jose, the key set), remembered when admitted, then finished. */
  private async verifyThenFinish(
    request: AuthRequest,
    credentials: Credentials<CachedToken<U>>,
    started: number,
  ): Promise<Authentication<U>> {
    try {
      const verified = await this.verifier.verifyToken(credentials.token);
      const entry = this.tokens.remember(credentials.token, verified);
      const proof = checkBinding(verified.claims, credentials, request, this.config);
      return await this.finish(credentials, verified.claims, entry, proof, 'miss', started);
    } catch (error) {
      return this.failure(error, credentials.scheme);
    }
  }

  /** The DPoP proof, if any (checked last of the binding), then {@link complete}. */
  private async finish(
    credentials: Credentials<CachedToken<U>>,
    claims: AccessTokenClaims,
    entry: CachedToken<U> | undefined,
    proof: PendingProof | undefined,
    cache: 'hit' | 'miss',
    started: number,
  ): Promise<Authentication<U>> {
    try {
      if (proof !== undefined) await this.dpop.checkProof(proof.proof, proof.target, proof.binding);
      return await this.complete(credentials.scheme, claims, entry, cache, started);
    } catch (error) {
      return this.failure(error, credentials.scheme);
    }
  }

  /**
   * The last steps, once the binding is proven: `validate`, then the user (the remembered one
   * copied, or one built and remembered) and the outcome. Settled at once unless a user class must
   * be built; throws what refused a request settled at once, and gives a promise that never
   * rejects for a request defect (a user class that refuses the claims is a failed outcome, on a
   * miss and on every later hit alike).
   */
  private complete(
    scheme: AuthScheme,
    claims: AccessTokenClaims,
    entry: CachedToken<U> | undefined,
    cache: 'hit' | 'miss',
    started: number,
  ): Authentication<U> | Promise<Authentication<U>> {
    runValidate(this.config.validate, claims);
    const remembered = entry?.derived;
    if (remembered !== undefined) return this.authenticated(claims, this.copy(remembered), scheme, cache, started);
    if (this.userFactory === undefined) {
      return this.authenticated(claims, this.keep(buildBaseUser(claims, this.config) as U, entry), scheme, cache, started);
    }
    return buildUser(claims, this.config, this.userFactory).then(
      (user) => this.authenticated(claims, this.keep(user, entry), scheme, cache, started),
      (error: unknown) => this.failure(error, scheme),
    );
  }

  /** The outcome of an accepted request, reported to `onEvent`. */
  private authenticated(claims: AccessTokenClaims, user: U, scheme: AuthScheme, cache: 'hit' | 'miss', started: number): Authentication<U> {
    const { onEvent } = this.config;
    if (onEvent !== undefined) {
      emit(onEvent, { type: 'authenticated', subject: claims.sub, scheme, cache, durationMs: performance.now() - started });
    }
    if (scheme === 'DPoP' && this.nonces !== undefined) {
      return { kind: 'authenticated', claims, user, scheme, nonce: this.nonces.current() };
    }
    return { kind: 'authenticated', claims, user, scheme };
  }

  /** A request defect becomes the outcome; anything else (a bug) is thrown on. */
  private failure(error: unknown, scheme: AuthScheme): Authentication<U> {
    if (error instanceof Auth0Error) return { kind: 'failed', error, scheme };
    throw error;
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

  /** Reports a refusal to the `onEvent` hook (the glue calls it for every answer it refuses). */
  refused(error: Auth0Error, scheme: AuthScheme, route?: string): void {
    const { onEvent } = this.config;
    if (onEvent === undefined) return;
    const event = { type: 'refused', status: error.status, code: error.code, reason: reasonOf(error), scheme } as const;
    emit(onEvent, route === undefined ? event : { ...event, route });
  }

  /**
   * Step 5: throws `InsufficientScopeError` unless the claims grant every listed scope and satisfy
   * every claim rule.
   */
  authorize(claims: AccessTokenClaims, requirements: ReadonlyArray<string | ClaimRule>): void {
    authorize(claims, requirements, this.config);
  }

  /** The HTTP answer to a failure of a request made with `scheme`: status, headers (challenge…) and body. */
  answer(error: Auth0Error, scheme: AuthScheme = 'Bearer'): ErrorAnswer {
    return answerOf(error, { realm: this.config.realm, offer: this.offer, requestScheme: scheme });
  }

  /** How many verified tokens are cached now. */
  get cachedTokenCount(): number {
    return this.tokens.size;
  }

  /** Counters of each issuer's key set, by issuer. */
  get keySetStats(): Record<string, KeySetStats> {
    const stats: Record<string, KeySetStats> = {};
    for (const [issuer, keys] of this.verifier.keySets) stats[issuer] = keys.stats;
    return stats;
  }

  /**
   * A user just built: a remembered token keeps it and the request gets a copy; a token not
   * remembered gets it as built, since no other request will see it.
   */
  private keep(user: U, entry: CachedToken<U> | undefined): U {
    if (entry === undefined) return user;
    entry.derived = user;
    return this.copy(user);
  }
}
