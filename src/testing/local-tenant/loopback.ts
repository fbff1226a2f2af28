/**
 * Where the tenant listens, and whom it answers: loopback addresses only (127.0.0.1 and ::1, one
 * port), over http or https, and only requests whose `Host` is a loopback name at that port.
 *
 * The tenant is a development tool that a browser reaches. A page on another site can make a
 * browser send requests to it under a name of its own that resolves to 127.0.0.1 (DNS rebinding);
 * such requests carry that name in `Host`, and are answered 400 before anything else runs.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ServerCertificate } from './certificates';

/** A Node request handler. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The names the tenant answers to (RFC 6761 §6.3 `localhost`, and the loopback addresses).
 *
 * @example
 * ```ts
 * LOOPBACK_NAMES.includes(new URL(origin).hostname);
 * ```
 */
export const LOOPBACK_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Whether a `Host` header names this tenant: a loopback name with the tenant's port (the port may
 * be left out only when it is the scheme's default). Names are compared without case; a trailing
 * dot (`localhost.`) is not accepted.
 *
 * @example
 * ```ts
 * isLoopbackHost('localhost:4000', 4000, 'http'); // true
 * isLoopbackHost('evil.example:4000', 4000, 'http'); // false: DNS rebinding
 * ```
 */
export function isLoopbackHost(host: string | undefined, port: number, scheme: 'http' | 'https'): boolean {
  if (host === undefined) return false;
  // A name (a bracketed IPv6 address, or anything without a colon) and an optional port.
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(host.trim());
  if (match === null || !LOOPBACK_NAMES.includes(match[1].toLowerCase())) return false;
  if (match[2] === undefined) return port === (scheme === 'https' ? 443 : 80);
  return Number(match[2]) === port;
}

/**
 * Wraps a handler so that a request whose `Host` is not this tenant's is answered 400 (plain text)
 * and goes no further.
 *
 * @example
 * ```ts
 * const handler = refuseForeignHosts(provider.callback(), () => port, 'https');
 * ```
 */
export function refuseForeignHosts(handler: RequestHandler, port: () => number, scheme: 'http' | 'https'): RequestHandler {
  return (req, res) => {
    if (isLoopbackHost(req.headers.host, port(), scheme)) {
      handler(req, res);
      return;
    }
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
    res.end('Bad Request: the local tenant answers only requests addressed to localhost, 127.0.0.1 or [::1] at its port.\n');
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Stops a server and ends its open connections.
 *
 * @example
 * ```ts
 * await Promise.all(servers.map(closeServer));
 * ```
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function createServer(handler: RequestHandler, tls: ServerCertificate | undefined): Server {
  if (tls === undefined) return createHttpServer(handler);
  return createHttpsServer({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' }, handler) as unknown as Server;
}

/**
 * Listens on 127.0.0.1 and, when the machine has IPv6 loopback, on [::1] at the same port, so that
 * `localhost` works whichever address a client resolves it to; over https when `tls` is given.
 * Resolves with the servers; the port is the first one's.
 *
 * @example
 * ```ts
 * const servers = await listenOnLoopback(0, handler, undefined);
 * const port = (servers[0].address() as AddressInfo).port;
 * ```
 */
export async function listenOnLoopback(port: number, handler: RequestHandler, tls: ServerCertificate | undefined): Promise<Server[]> {
  for (let attempt = 0; ; attempt += 1) {
    const v4 = createServer(handler, tls);
    await listen(v4, port, '127.0.0.1');
    const chosen = (v4.address() as AddressInfo).port;
    const v6 = createServer(handler, tls);
    try {
      await listen(v6, chosen, '::1');
      return [v4, v6];
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' && port === 0 && attempt < 5) {
        await closeServer(v4);
        continue;
      }
      if (code === 'EADDRINUSE') {
        await closeServer(v4);
        throw error;
      }
      // No IPv6 loopback here: 127.0.0.1 alone serves `localhost`.
      return [v4];
    }
  }
}
