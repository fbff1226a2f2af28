/**
 * A `fetch` that trusts one more certificate authority: how a client in this process reaches the
 * local tenant in HTTPS mode without `NODE_EXTRA_CA_CERTS` (which Node reads only when it starts).
 * Node's own `fetch` cannot be given a CA without the undici package; this one is built on
 * node:https, for the small requests a client makes of a tenant (discovery, key set, token).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';

/** Statuses whose response has no body (a `Response` refuses one). */
const NO_BODY = new Set([101, 103, 204, 205, 304]);

function requestBody(body: RequestInit['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof URLSearchParams) return Buffer.from(body.toString(), 'utf8');
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError('routing-controllers-auth0/testing: this fetch sends string, URLSearchParams or byte bodies only');
}

function responseHeaders(message: IncomingMessage): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < message.rawHeaders.length; i += 2) headers.append(message.rawHeaders[i], message.rawHeaders[i + 1]);
  return headers;
}

/**
 * A `fetch` for `https:` URLs that trusts the given CA certificate (PEM) besides Node's usual
 * roots; `http:` URLs are fetched as they are. Redirects are never followed: `redirect: 'error'`
 * rejects on one, otherwise the 3xx response is returned as it is. Bodies: string,
 * `URLSearchParams` or bytes. The response is a standard `Response`.
 *
 * @example
 * ```ts
 * const fetchLocal = trustingFetch(readFileSync(caPath, 'utf8'));
 * const discovery = await (await fetchLocal('https://localhost:4000/.well-known/openid-configuration')).json();
 * ```
 */
export function trustingFetch(caCertificate: string): typeof fetch {
  const agent = new Agent({ ca: [...rootCertificates, caCertificate], keepAlive: false });
  const trusting = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request?.url ?? String(input));
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`fetch: unsupported protocol ${url.protocol}`);
    const method = (init.method ?? request?.method ?? 'GET').toUpperCase();
    const headers = new Headers(request?.headers);
    new Headers(init.headers).forEach((value, name) => {
      headers.set(name, value);
    });
    const body = init.body === undefined && request !== undefined ? Buffer.from(await request.arrayBuffer()) : requestBody(init.body);
    if (body !== undefined) headers.set('content-length', String(body.length));
    const signal = init.signal ?? request?.signal ?? undefined;
    signal?.throwIfAborted();
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoingHeaders: Record<string, string> = {};
    headers.forEach((value, name) => {
      outgoingHeaders[name] = value;
    });
    return new Promise<Response>((resolve, reject) => {
      const outgoing = send(
        url,
        { method, headers: outgoingHeaders, ...(url.protocol === 'https:' ? { agent } : {}), signal },
        (message) => {
          const status = message.statusCode ?? 0;
          if (init.redirect === 'error' && status >= 300 && status < 400) {
            message.resume();
            reject(new TypeError(`fetch failed: redirect to ${message.headers.location ?? '?'} refused`));
            return;
          }
          const stream = NO_BODY.has(status) || method === 'HEAD' ? null : (Readable.toWeb(message) as ReadableStream<Uint8Array>);
          if (stream === null) message.resume();
          resolve(new Response(stream, { status, statusText: message.statusMessage, headers: responseHeaders(message) }));
        },
      );
      outgoing.once('error', (error) => reject(new TypeError('fetch failed', { cause: error })));
      outgoing.end(body);
    });
  };
  return trusting as typeof fetch;
}
