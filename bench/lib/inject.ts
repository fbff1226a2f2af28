/**
 * One request through a whole app in-process: node's own request and response objects on a socket
 * that takes whatever is written, handed to the app's request listener (no network, no client).
 * Shared by bench/micro.ts and the app processes it starts (bench/lib/app-process.ts).
 */
import { IncomingMessage, type RequestListener, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

/** A flat string, as node's HTTP parser hands it over (a template literal would be a rope). */
export const flat = (text: string): string => Buffer.from(text, 'latin1').toString('latin1');

/** A socket that takes whatever the response writes, as a connection with a fast client would. */
class SinkSocket extends Socket {
  constructor() {
    super();
    Object.defineProperty(this, 'writable', { value: true });
  }

  override write(_chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') process.nextTick(done as () => void);
    return true;
  }
}

/** One GET through a whole app (its request listener), in-process; throws unless it answers 200. */
export function inject(listener: RequestListener, path: string, token?: string): Promise<void> {
  const sink = new SinkSocket();
  const req = new IncomingMessage(sink);
  req.method = 'GET';
  req.url = path;
  req.httpVersion = '1.1';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  const authorization = token === undefined ? undefined : flat(`Bearer ${token}`);
  req.headers = authorization === undefined ? { host: '127.0.0.1:3000' } : { host: '127.0.0.1:3000', authorization };
  req.rawHeaders = authorization === undefined ? ['Host', '127.0.0.1:3000'] : ['Host', '127.0.0.1:3000', 'authorization', authorization];
  req.complete = true;
  req.push(null);
  const res = new ServerResponse(req);
  res.assignSocket(sink);
  return new Promise((resolve, reject) => {
    res.on('finish', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${path}: ${res.statusCode}`))));
    listener(req, res);
  });
}

/** `count` requests made by `run`, `concurrency` in flight: CPU ns per request (every thread). */
export async function cpuPerRequest(
  count: number,
  concurrency: number,
  run: (i: number) => unknown,
): Promise<{ wallNs: number; cpuNs: number }> {
  const cpuBefore = process.cpuUsage();
  const wallBefore = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next;
        next += 1;
        await run(i);
      }
    }),
  );
  const wall = Number(process.hrtime.bigint() - wallBefore);
  const used = process.cpuUsage(cpuBefore);
  return { wallNs: wall / count, cpuNs: ((used.user + used.system) * 1000) / count };
}
