import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';

/** An answer read off the wire. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Writes a request head to a port of `host` and reads the whole answer (the server closes). */
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
 * given, e.g. a Host that no URL could produce or a field sent twice) to a port of `address`
 * (default 127.0.0.1), adds `Connection: close`, and reads the whole answer.
 */
export function rawRequest(port: number, requestLine: string, headerLines: string[], address = '127.0.0.1'): Promise<RawAnswer> {
  return exchange(address, port, `${[requestLine, ...headerLines, 'Connection: close'].join('\r\n')}\r\n\r\n`);
}

/** Splits the bytes of a connection into its answers, each body read by its `Content-Length`. */
function answersOf(bytes: Buffer): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let rest = bytes;
  while (rest.length > 0) {
    const split = rest.indexOf('\r\n\r\n');
    if (split === -1) throw new Error(`an incomplete answer: ${JSON.stringify(rest.toString('utf8'))}`);
    const lines = rest.subarray(0, split).toString('utf8').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    if ('transfer-encoding' in headers) throw new Error('a chunked answer: read it with rawGet');
    const end = split + 4 + ('content-length' in headers ? Number(headers['content-length']) : 0);
    answers.push({ status: Number(lines[0]?.split(' ')[1]), headers, body: rest.subarray(split + 4, end).toString('utf8') });
    rest = rest.subarray(end);
  }
  return answers;
}

/**
 * Writes several GETs at once on one connection to a loopback port (HTTP/1.1 pipelining; the last
 * one asks for `Connection: close`) and reads every answer until the server closes. An answer
 * missing from the result is a request the server dropped.
 */
export function rawPipeline(port: number, paths: string[], headerLines: string[] = []): Promise<RawAnswer[]> {
  const heads = paths.map((path, i) =>
    [`GET ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, ...headerLines, ...(i === paths.length - 1 ? ['Connection: close'] : [])].join(
      '\r\n',
    ),
  );
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(15_000, () => socket.destroy(new Error('pipelined requests timed out')));
    socket.on('data', (chunk) => chunks.push(chunk));
    // A server that destroys the connection with requests unread resets it: what was read still counts.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET') reject(error);
    });
    socket.on('close', () => {
      try {
        resolve(answersOf(Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    });
    socket.write(Buffer.from(heads.map((head) => `${head}\r\n\r\n`).join(''), 'utf8'));
  });
}

/** The first IPv4 address of this machine that is not loopback (to connect from it), if it has one. */
export function outsideAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((info) => info !== undefined && !info.internal && info.family === 'IPv4')?.address;
}
