/**
 * Who may reach the sample by which name. A page on any site the developer visits can make the
 * browser send requests to the sample under a name of the page's own that it re-points at
 * 127.0.0.1 (DNS rebinding); the browser then lets that page read the answers, as same-origin.
 * Such a request comes from this machine, but its `Host` carries the page's name. So:
 * - with the local tenant, the whole sample answers only a loopback `Host` (as the local tenant
 *   itself does);
 * - `/metrics` (no authentication of its own) is served only over a loopback connection with a
 *   loopback `Host`, and never to a request that a proxy forwarded, whatever the tenant.
 *
 * Only the name is checked, not the port: the rebinding page controls the name, not the port, and a
 * container's port mapping (`-p 8080:3000`) must keep working.
 */
import type { Context, Next } from 'koa';

/** RFC 6761 §6.3 `localhost` and the loopback addresses, as the local tenant accepts them. */
const LOOPBACK_NAMES: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Headers that proxies add: a request that carries one did not start on this machine. */
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip'];

/**
 * Whether a `Host` header names this machine by a loopback name, on any port. Names are compared
 * without case; a trailing dot (`localhost.`) and a missing `Host` are not loopback.
 *
 * @example
 * ```ts
 * isLoopbackHost('localhost:3000'); // true
 * isLoopbackHost('rebound.example:3000'); // false
 * ```
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  // A name (a bracketed IPv6 address, or anything without a colon) and an optional port.
  const match = /^(\[[^\]]*\]|[^:]*)(?::\d{1,5})?$/.exec(host);
  return match !== null && LOOPBACK_NAMES.has(match[1].toLowerCase());
}

/**
 * Whether a connection's remote address is this machine: 127.0.0.0/8 (also as an IPv4-mapped IPv6
 * address, which a server listening on `::` sees) or `::1`.
 *
 * @example
 * ```ts
 * isLoopbackPeer(ctx.req.socket.remoteAddress);
 * ```
 */
export function isLoopbackPeer(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || /^(?:::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/i.test(address);
}

/**
 * Whether a request is this machine's own: a loopback connection, a loopback `Host`, and no
 * header a proxy adds (a proxy on this machine makes every connection loopback).
 *
 * @example
 * ```ts
 * if (!isOwnRequest(ctx)) ctx.status = 403;
 * ```
 */
export function isOwnRequest(ctx: Pick<Context, 'req'>): boolean {
  const { headers, socket } = ctx.req;
  return (
    isLoopbackPeer(socket.remoteAddress) && isLoopbackHost(headers.host) && FORWARDING_HEADERS.every((name) => headers[name] === undefined)
  );
}

/**
 * A Koa middleware that answers 421 Misdirected Request (RFC 9110 §15.5.20) to a request whose
 * `Host` is not a loopback name, before anything else runs. 421, not 400: the request is well
 * formed, but names a server this one does not speak for.
 *
 * @example
 * ```ts
 * app.use(loopbackHostsOnly());
 * ```
 */
export function loopbackHostsOnly() {
  return async function refuseForeignHosts(ctx: Context, next: Next): Promise<void> {
    // The raw header: a forwarded host (X-Forwarded-Host) never counts.
    if (isLoopbackHost(ctx.req.headers.host)) {
      await next();
      return;
    }
    ctx.status = 421;
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'text/plain';
    ctx.body = 'Misdirected Request: with the local tenant, the sample answers only requests addressed to localhost, 127.0.0.1 or [::1].\n';
  };
}
