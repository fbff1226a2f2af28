/**
 * routing-controllers glue: `authorizationChecker` and `currentUserChecker` for the Koa and Express
 * drivers. The request is authenticated once, whatever number of decorators ask.
 */
import type { Action } from 'routing-controllers';
import type { Auth0Options, ResolvedConfig } from '../core/config';
import { Auth0Error, type AuthScheme } from '../core/errors';
import type { ErrorAnswer } from '../core/challenge';
import { Pipeline, type Authentication, type TokenBinding } from '../core/pipeline';
import type { AuthRequest, RequestLocation } from '../core/request';
import { isClaimRule, type ClaimRule, type RouteContext } from '../core/rules';
import type { AccessTokenClaims } from '../core/claims';
import type { Auth0User } from '../core/user';
import { Auth0HttpError } from './http-error';
import { userClassFactory } from './user-class';

interface NodeRequestLike {
  headers: Record<string, string | string[] | undefined>;
  rawHeaders?: string[];
  url?: string;
  method?: string;
  /** Koa: the scheme and the host (both honour `app.proxy`); Express: the scheme (honours `trust proxy`). */
  protocol?: string;
  host?: string;
  /** The path without the query (Koa and Express). */
  path?: string;
  /** The request target as received (Koa and Express keep it when a router rewrites `url`). */
  originalUrl?: string;
  socket?: {
    remoteAddress?: string;
    getPeerCertificate?: () => { raw?: Uint8Array } | null;
    /** The Node server the connection came to: its `maxHeadersCount`. */
    server?: { maxHeadersCount?: number | null };
  };
  /** Koa: the Node request under `ctx.request`. */
  req?: NodeRequestLike;
}

interface ResponseLike {
  set?: (name: string, value: string) => unknown;
  setHeader?: (name: string, value: string) => unknown;
}

/** Where the request was sent: Koa's protocol and host (proxy-aware), Express's protocol and Host header. */
function locationOf(request: NodeRequestLike): RequestLocation {
  const isKoa = request.req !== undefined;
  const host = isKoa ? request.host : request.headers.host;
  return {
    protocol: request.protocol ?? 'http',
    host: typeof host === 'string' && host !== '' ? host : undefined,
    target: request.originalUrl ?? request.url ?? '',
  };
}

/**
 * Node's parser keeps at most `server.maxHeadersCount` header fields (1,000 when it is not set; 0:
 * no limit) and drops the rest without a word, so a second `Authorization` field placed after them
 * would go unseen. A request holding that many fields may have been cut.
 */
function mayHaveCutHeaders(request: NodeRequestLike): boolean {
  const fields = (request.rawHeaders?.length ?? 0) / 2;
  const limit = request.socket?.server?.maxHeadersCount;
  const kept = typeof limit === 'number' ? limit : 1000;
  return kept > 0 && fields >= kept;
}

/**
 * What the pipeline needs from a Koa or Express request: the fields every request reads, and the
 * rest (location, certificate, any header) read from the request only when a check asks for it.
 */
class NodeAuthRequest implements AuthRequest {
  readonly authorization: string | string[] | undefined;
  readonly authorizationCount: number;
  readonly headersCut: boolean;
  readonly queryToken: boolean;
  readonly method: string | undefined;
  readonly dpop: string | string[] | undefined;
  private readonly request: NodeRequestLike;

  constructor(request: NodeRequestLike) {
    const { headers } = request;
    const authorization = headers.authorization;
    const url = request.url ?? '';
    const query = url.indexOf('?');
    this.request = request;
    this.authorization = authorization;
    const node = request.req ?? request;
    this.authorizationCount = authorization === undefined ? 1 : authorizationFields(node.rawHeaders);
    this.headersCut = mayHaveCutHeaders(node);
    this.queryToken = query !== -1 && /[?&]access_token=/.test(url.slice(query));
    this.method = request.method;
    this.dpop = headers.dpop;
  }

  location(): RequestLocation {
    return locationOf(this.request);
  }

  remoteAddress(): string | undefined {
    return (this.request.socket ?? this.request.req?.socket)?.remoteAddress;
  }

  certificate(): Uint8Array | undefined {
    const socket = this.request.socket ?? this.request.req?.socket;
    const raw = socket?.getPeerCertificate?.()?.raw;
    return raw === undefined || raw.length === 0 ? undefined : raw;
  }

  header(name: string): string | string[] | undefined {
    return this.request.headers[name];
  }
}

/** How many `Authorization` fields the raw headers hold (Node keeps only the first); 1 when unknown. */
function authorizationFields(raw: string[] | undefined): number {
  if (raw === undefined) return 1;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === 'authorization') count += 1;
  return count;
}

/** The requirements of `@Authorized(...)`: scope names and claim rules, nested lists flattened (the core checks each). */
function requirementsOf(roles: readonly unknown[]): Array<string | ClaimRule> {
  return roles.flat(Number.POSITIVE_INFINITY as 1) as Array<string | ClaimRule>;
}

/**
 * The route's path parameters for the claim rules bound to the route: Koa's `ctx.params`, Express's
 * `req.params` (both decoded by the router), copied into an object without a prototype so that no
 * parameter name reaches an inherited property.
 */
function routeOf(action: Action): RouteContext {
  const context = action.context as { params?: unknown } | undefined;
  const source = context?.params ?? (action.request as { params?: unknown }).params;
  const params: Record<string, unknown> = Object.create(null);
  if (source !== null && typeof source === 'object') Object.assign(params, source);
  return { params: Object.freeze(params) };
}

/** The scopes a route's requirements name: its scope names and those of its rules (`anyOf`). */
function scopesOf(roles: readonly unknown[]): string[] {
  const scopes = requirementsOf(roles).flatMap((r) => (typeof r === 'string' ? [r] : isClaimRule(r) ? [...r.scopes] : []));
  return [...new Set(scopes)];
}

function setHeaders(action: Action, headers: Readonly<Record<string, string>>): void {
  const response = action.response as ResponseLike;
  for (const [name, value] of Object.entries(headers)) {
    if (typeof response.set === 'function') response.set(name, value);
    else response.setHeader?.(name, value);
  }
}

/**
 * Auth0 for routing-controllers: one object, two checkers.
 *
 * @example
 * ```ts
 * const auth = new Auth0({ domain: 'your-tenant.auth0.com', audience: 'https://api.example.com',
 *   scopes: { 'read:blabla': 'Read the BlaBla resource' } });
 * const app = createKoaServer({ controllers: [Api],
 *   authorizationChecker: auth.authorizationChecker, currentUserChecker: auth.currentUserChecker });
 * ```
 */
export class Auth0<U extends Auth0User = Auth0User> {
  /** The framework-free pipeline behind the checkers: the one way a token is accepted. */
  readonly pipeline: Pipeline<U>;
  /** Each request's outcome, shared by `@Authorized` and every `@CurrentUser` of that request. */
  private readonly outcomes = new WeakMap<object, Promise<Authentication<U>>>();

  /** Options omitted here are read from the environment (`AUTH0_DOMAIN`, `AUTH0_AUDIENCE`, …). */
  constructor(options: Auth0Options<U> = {}) {
    this.pipeline = new Pipeline(options, { userFactory: options.userClass && userClassFactory(options.userClass) });
  }

  /**
   * The checked configuration (issuer, audience, scopes…), read by this package's OpenAPI entry;
   * not part of the API.
   *
   * @internal
   */
  get config(): ResolvedConfig {
    return this.pipeline.config;
  }

  /**
   * The outcome of authenticating this request; computed once per request and shared by
   * `@Authorized` and every `@CurrentUser`.
   */
  authenticate(action: Action): Promise<Authentication<U>> {
    const request = action.request as NodeRequestLike & object;
    let outcome = this.outcomes.get(request);
    if (outcome === undefined) {
      outcome = this.outcomeOf(request);
      this.outcomes.set(request, outcome);
    }
    return outcome;
  }

  /** The pipeline's outcome; a request object that cannot be read (a bug) rejects, like any bug. */
  private async outcomeOf(request: NodeRequestLike): Promise<Authentication<U>> {
    return this.pipeline.authenticate(new NodeAuthRequest(request));
  }

  /**
   * Verifies an access token outside a request (a WebSocket upgrade, a queue message…) through the
   * same pipeline as the checkers: resolves with its claims and user, or rejects with an
   * {@link Auth0Error}. A DPoP-bound token needs `{ dpop: { proof, method, url } }`, a
   * certificate-bound one `{ certificate }`; without them it is refused.
   */
  verify(token: string, binding?: TokenBinding): Promise<{ claims: AccessTokenClaims; user: U }> {
    return this.pipeline.verify(token, binding);
  }

  /**
   * routing-controllers' `authorizationChecker`: `@Authorized()` needs a valid token,
   * `@Authorized(['a', 'b'])` also every listed scope, and every claim rule (`anyOf`, `claimEquals`,
   * `claimIncludes`, `claimCheck`, `inOrganization`) given beside them; rules bound to the route
   * read its path parameters. Failures throw {@link Auth0HttpError}
   * (401/403/400/503) with the RFC 6750 challenge set on the response.
   */
  readonly authorizationChecker = async (action: Action, roles: unknown[] = []): Promise<boolean> => {
    const outcome = await this.authenticate(action);
    if (outcome.kind !== 'authenticated') throw this.fail(action, outcome.error, outcome.scheme, roles);
    try {
      this.pipeline.authorize(outcome.claims, requirementsOf(roles), routeOf(action));
    } catch (error) {
      if (error instanceof Auth0Error) throw this.fail(action, error, outcome.scheme, roles);
      throw error;
    }
    if (outcome.nonce !== undefined) setHeaders(action, { 'DPoP-Nonce': outcome.nonce });
    return true;
  };

  /**
   * routing-controllers' `currentUserChecker`: the user of a valid token; `undefined` when no token
   * is sent (then a required `@CurrentUser()` answers 401). A sent but invalid token is refused with
   * 401, or treated as a guest with `guestOnInvalidToken`.
   */
  readonly currentUserChecker = async (action: Action): Promise<U | undefined> => {
    const outcome = await this.authenticate(action);
    switch (outcome.kind) {
      case 'authenticated':
        if (outcome.nonce !== undefined) setHeaders(action, { 'DPoP-Nonce': outcome.nonce });
        return outcome.user;
      case 'anonymous':
        // RFC 7235 §4.1 allows the challenge on any answer: it tells an anonymous caller that
        // credentials would change it, and gives a required @CurrentUser()'s 401 its challenge.
        setHeaders(action, this.answer(action, outcome.error, outcome.scheme, []).headers);
        return undefined;
      case 'failed':
        // A malformed request (400) and an outage (503) are never turned into a guest.
        if (this.config.guestOnInvalidToken && outcome.error.status === 401) return undefined;
        throw this.fail(action, outcome.error, outcome.scheme);
    }
  };

  /**
   * Both checkers, to spread into routing-controllers' options, so that neither can be forgotten:
   * `createKoaServer({ controllers: [Api], ...auth.checkers })`.
   */
  readonly checkers = { authorizationChecker: this.authorizationChecker, currentUserChecker: this.currentUserChecker } as const;

  /**
   * Fetches the tenant's discovery document and key set once and rejects with the cause, for a
   * deploy to fail fast (`await auth.ready()` before listening). Optional: start-up needs no network.
   */
  ready(): Promise<void> {
    return this.pipeline.ready();
  }

  /** The answer to a failure on this request's route (`roles`: what the route needs). */
  private answer(action: Action, error: Auth0Error, scheme: AuthScheme, roles: unknown[]): ErrorAnswer {
    const request = action.request as NodeRequestLike;
    return this.pipeline.answer(error, scheme, {
      request: { authorization: undefined, location: () => locationOf(request) },
      scopes: scopesOf(roles),
    });
  }

  /** Sets the answer's headers on the response and returns the error as routing-controllers' HttpError. */
  private fail(action: Action, error: Auth0Error, scheme: AuthScheme, roles: unknown[] = []): Auth0HttpError {
    const request = action.request as NodeRequestLike;
    this.pipeline.refused(error, scheme, request.path ?? request.url?.split('?')[0]);
    const answer = this.answer(action, error, scheme, roles);
    setHeaders(action, answer.headers);
    return new Auth0HttpError(error, answer.headers);
  }
}
