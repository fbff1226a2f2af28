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
  /** Requests per CPU-second of the target, when the run was measured in slices: their median. */
  cpuRate?: number;
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

/** Warm-up only: the same load, thrown away; with `collect`, a full collection in the target midway. */
export async function warmUp(
  url: string,
  source: TokenSource,
  connections: number,
  seconds: number,
  settle = true,
  collect?: () => Promise<void>,
): Promise<void> {
  if (seconds <= 0) return;
  // With `collect` (a full collection in the target, Target.collectGarbage), it runs after the
  // first part, and what it makes V8 compile again is compiled in the rest: the settling seconds,
  // or without them the last second.
  const first = collect !== undefined && !settle ? Math.max(seconds - 1, seconds / 2) : seconds;
  await once(url, source, connections, { duration: first });
  if (collect !== undefined) {
    await collect();
    if (!settle) await once(url, source, connections, { duration: seconds - first });
  }
  if (!settle) return;
  // Then 1 s at a time until two seconds in a row agree within 10 % (at most 5 more): the JIT
  // optimises after so many calls, not so many seconds, and a target with more code on the route
  // needs more of them, more so while the machine is slow.
  let previous = 0;
  for (let extra = 0; extra < 5; extra += 1) {
    const served = (await once(url, source, connections, { duration: 1 })).requests.total;
    if (previous > 0 && Math.abs(served - previous) <= 0.1 * previous) return;
    previous = served;
  }
}

/**
 * The slices of one row as one result: requests, errors, wall and CPU time summed; req/s, requests
 * per CPU-second, p50 and p99 the median of the slices' own, so that a burst of other work on the
 * machine during one slice does not move the row.
 */
export function combine(slices: readonly LoadResult[]): LoadResult {
  const sum = (pick: (r: LoadResult) => number | undefined): number | undefined =>
    slices.some((r) => pick(r) === undefined) ? undefined : slices.reduce((total, r) => total + (pick(r) ?? 0), 0);
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  };
  const measured = slices.every((r) => r.targetCpu && r.wall);
  return {
    requests: sum((r) => r.requests) ?? 0,
    rps: median(slices.map((r) => (r.wall ? r.requests / r.wall : r.rps))),
    p50: median(slices.map((r) => r.p50)),
    p99: median(slices.map((r) => r.p99)),
    non2xx: sum((r) => r.non2xx) ?? 0,
    errors: sum((r) => r.errors) ?? 0,
    reused: sum((r) => r.reused) ?? 0,
    targetCpu: sum((r) => r.targetCpu),
    wall: sum((r) => r.wall),
    cpuRate: measured ? median(slices.map((r) => r.requests / (r.targetCpu as number))) : undefined,
  };
}

/** A fixed number of requests (each fresh token once), no warm-up. */
export async function sendAll(url: string, source: TokenSource, connections: number, amount: number): Promise<LoadResult> {
  const result = await once(url, source, connections, { amount });
  return summary(result, 0);
}
