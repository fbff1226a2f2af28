import { connect } from 'node:net';

/** An answer read off the wire. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Writes a request head to a loopback port and reads the whole answer (the server closes). */
function exchange(host: string, port: number, head: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    const chunks: Buffer[] = [];
    socket.setTimeout(15_000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const lines = (split === -1 ? text : text.slice(0, split)).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(lines[0]?.split(' ')[1]), headers, body: split === -1 ? '' : text.slice(split + 4) });
    });
    socket.write(Buffer.from(head, 'utf8'));
  });
}

/**
 * Sends one GET with an `Authorization` header given as raw bytes (UTF-8), which fetch and
 * node:http refuse to send (non-Latin-1 text). `Connection: close`; reads the whole answer.
 */
export function rawGet(url: string, authorization: string | undefined, extraHeaders = ''): Promise<RawAnswer> {
  const { hostname, port, pathname, search } = new URL(url);
  const head =
    `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n` +
    (authorization === undefined ? '' : `Authorization: ${authorization}\r\n`) +
    extraHeaders +
    '\r\n';
  return exchange(hostname, Number(port), head);
}

/**
 * Sends a request head written out line by line (the request line, then every header field as
 * given, e.g. a Host that no URL could produce or a field sent twice) to a loopback port, adds
 * `Connection: close`, and reads the whole answer.
 */
export function rawRequest(port: number, requestLine: string, headerLines: string[]): Promise<RawAnswer> {
  return exchange('127.0.0.1', port, `${[requestLine, ...headerLines, 'Connection: close'].join('\r\n')}\r\n\r\n`);
}
