/** One autocannon run against a target: fixed path and token, or a new token per request. */
import autocannon from 'autocannon';

export interface LoadSettings {
  connections: number;
  /** Seconds measured. */
  duration: number;
  /** Seconds of the same load run first and thrown away. */
  warmup: number;
}

/** Where each request's token comes from. */
export type TokenSource =
  | { kind: 'none' }
  | { kind: 'one'; token: string }
  /** Round-robin over a pool (tokens repeat: cache hits once warm). */
  | { kind: 'pool'; tokens: readonly string[] }
  /** Each token once, from a cursor shared by warm-up and measurement; `exhausted` counts reuse. */
  | { kind: 'fresh'; tokens: readonly string[]; cursor: { next: number; exhausted: number } };

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** For `fresh`: requests that had to reuse a token because the supply ran out. */
  reused: number;
  /** CPU seconds the target used during the measured run (all its threads), when known. */
  targetCpu?: number;
  /** Wall seconds of the measured run. */
  wall?: number;
}

function requestsFor(source: TokenSource): autocannon.Request[] | undefined {
  switch (source.kind) {
    case 'none':
    case 'one':
      return undefined;
    case 'pool': {
      let i = 0;
      return [
        {
          setupRequest: (req) => {
            const token = source.tokens[i];
            i = (i + 1) % source.tokens.length;
            return { ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } };
          },
        },
      ];
    }
    case 'fresh':
      return [
        {
          setupRequest: (req) => {
            const cursor = source.cursor;
            if (cursor.next >= source.tokens.length) {
              cursor.exhausted += 1;
              cursor.next = 0;
            }
            const token = source.tokens[cursor.next];
            cursor.next += 1;
            return { ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } };
          },
        },
      ];
  }
}

async function once(
  url: string,
  source: TokenSource,
  connections: number,
  options: { duration?: number; amount?: number },
): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections,
    ...(options.amount === undefined ? { duration: options.duration } : { amount: options.amount }),
    headers: source.kind === 'one' ? { authorization: `Bearer ${source.token}` } : {},
    requests: requestsFor(source),
  });
}

function summary(result: autocannon.Result, reused: number): LoadResult {
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    reused,
  };
}

/** Warm-up, then the measured run; `cpu` reads the target's CPU seconds so far. */
export async function measure(
  url: string,
  source: TokenSource,
  settings: LoadSettings,
  cpu?: () => number | undefined,
): Promise<LoadResult> {
  if (settings.warmup > 0) await once(url, source, settings.connections, { duration: settings.warmup });
  const before = source.kind === 'fresh' ? source.cursor.exhausted : 0;
  const cpuBefore = cpu?.();
  const wallBefore = performance.now();
  const result = await once(url, source, settings.connections, { duration: settings.duration });
  const wall = (performance.now() - wallBefore) / 1000;
  const cpuAfter = cpu?.();
  const reused = source.kind === 'fresh' && source.cursor.exhausted > before ? result.requests.total : 0;
  const targetCpu = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
  return { ...summary(result, reused), targetCpu, wall };
}

/** A fixed number of requests (each fresh token once), no warm-up. */
export async function sendAll(url: string, source: TokenSource, connections: number, amount: number): Promise<LoadResult> {
  const result = await once(url, source, connections, { amount });
  return summary(result, 0);
}
