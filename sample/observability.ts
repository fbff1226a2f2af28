/**
 * The sample's recipe for watching authentication: the library's `onEvent` hook feeds structured
 * logs (pino) and Prometheus metrics (prom-client) served at `/metrics`. No event carries a token,
 * so nothing here can log one.
 *
 * Metrics:
 * - `auth_refusals_total{code,reason}`: refused requests;
 * - `auth_key_set_fetches_total{outcome}`: key set fetches (`ok`, `error`, `timeout`);
 * - `auth_token_cache_total{result}`: verifications served from the cache (`hit`) or not (`miss`);
 *   the hit ratio is `rate(…{result="hit"}[5m]) / rate(auth_token_cache_total[5m])`;
 * - `auth_verification_duration_seconds`: time from credentials to user, per authenticated request;
 * - `auth_replay_store_errors_total`: DPoP requests refused because the replay store failed.
 *
 * Logs: a refused request (warn); a key set that cannot be fetched, once per outage with its issuer
 * and the cause (warn), then "key set reachable again" (info) at the next fetch that works.
 *
 * `/metrics` is served to this machine only (see {@link metricsMiddleware}).
 */
import pino, { type Logger } from 'pino';
import { Counter, Histogram, Registry } from 'prom-client';
import type { AuthEvent } from 'routing-controllers-auth0';
import type { Context, Next } from 'koa';
import { isOwnRequest } from './loopback';

/** The hook and what it feeds. */
export interface Observability {
  /** Pass it as the `onEvent` option of `Auth0`. */
  onEvent(event: AuthEvent): void;
  /** The metrics, in Prometheus' text format at `/metrics`. */
  readonly registry: Registry;
  /** The structured log. */
  readonly logger: Logger;
}

/** Builds the hook, its logger and its metrics (a registry of its own, so that several apps can run in one process). */
export function createObservability(logger: Logger = pino({ name: 'routing-controllers-auth0-sample' })): Observability {
  const registry = new Registry();
  const refusals = new Counter({
    name: 'auth_refusals_total',
    help: 'Refused requests',
    labelNames: ['code', 'reason'],
    registers: [registry],
  });
  const fetches = new Counter({
    name: 'auth_key_set_fetches_total',
    help: 'Key set fetches',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const cache = new Counter({
    name: 'auth_token_cache_total',
    help: 'Verified-token cache lookups',
    labelNames: ['result'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'auth_verification_duration_seconds',
    help: 'Time from the credentials to the user of an authenticated request',
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5],
    registers: [registry],
  });
  const storeErrors = new Counter({ name: 'auth_replay_store_errors_total', help: 'DPoP replay store failures', registers: [registry] });
  // The issuers whose key set could not be fetched last time: one warning per outage, not per fetch.
  const unreachable = new Set<string>();
  return {
    registry,
    logger,
    onEvent(event) {
      switch (event.type) {
        case 'authenticated':
          cache.inc({ result: event.cache });
          duration.observe(event.durationMs / 1000);
          break;
        case 'refused':
          refusals.inc({ code: event.code, reason: event.reason });
          logger.warn({ event }, 'request refused');
          break;
        case 'keySetFetch':
          fetches.inc({ outcome: event.outcome });
          if (event.outcome === 'ok') {
            if (unreachable.delete(event.issuer)) logger.info({ issuer: event.issuer }, 'key set reachable again');
          } else if (!unreachable.has(event.issuer)) {
            unreachable.add(event.issuer);
            logger.warn({ issuer: event.issuer, cause: event.cause, keys: event.keys }, 'key set fetch failed');
          }
          break;
        case 'replayStoreError':
          storeErrors.inc();
          logger.error({ event }, 'DPoP replay store failed');
          break;
      }
    },
  };
}

/**
 * A Koa middleware answering `GET /metrics` from the registry, to this machine only: a loopback
 * connection with a loopback `Host` and no proxy's forwarding header (see `isOwnRequest`); 403
 * otherwise. The metrics have no authentication of their own, and with a real tenant the sample
 * listens on every interface and answers any `Host`: without this, any host on the network, and
 * any page the developer visits (DNS rebinding), could read them. A proxy on this machine that
 * forwards `/metrics` without adding a forwarding header and with a loopback `Host` would
 * still expose them: do not forward it.
 */
export function metricsMiddleware(registry: Registry) {
  return async function metrics(ctx: Context, next: Next) {
    if (ctx.method !== 'GET' || ctx.path !== '/metrics') return next();
    ctx.set('Cache-Control', 'no-store');
    if (!isOwnRequest(ctx)) {
      ctx.status = 403;
      ctx.type = 'text/plain';
      ctx.body = 'Forbidden: /metrics is served only to this machine (a loopback connection addressed to localhost, 127.0.0.1 or [::1]).\n';
      return;
    }
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  };
}
