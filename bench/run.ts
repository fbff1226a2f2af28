/**
 * `npm run bench`: the sample app, the framework's ceiling (also with an Auth0User for its user), a
 * hand-written jose checker, two peers and a bare-jose floor, side by side in one run with identical load settings, then a memory run
 * with many distinct tokens. See bench/README.md.
 *
 * Environment overrides: BENCH_INSTANCES (processes per target, default 3), BENCH_DURATION (s
 * measured per process and row, default 3), BENCH_WARMUP (s per process and row before the rate
 * is watched, default 5; 2 at most on the fresh-token row),
 * BENCH_CONNECTIONS (default 50), BENCH_TOKENS (fresh tokens minted, default 200000),
 * BENCH_POOL (default 1000), BENCH_PIN (0 to let the scheduler place processes), BENCH_TARGETS
 * (comma list of sample,ceiling,ceiling-class-user,jose-checker,express-sdk,koa-jwt,floor), BENCH_MEMORY (0 to skip),
 * BENCH_SLICE (s, default 1: the targets of a route take turns in slices this long).
 */
import { cpus } from 'node:os';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { combine, measure, sendAll, type LoadResult, type LoadSettings, type TokenSource, warmUp } from './lib/load';
import { pinSelf, Target } from './lib/target';
import { mintMany } from './lib/tokens';
import { numberEnv } from './lib/env';

type RouteName = 'public' | 'secure-one' | 'secure-pool' | 'secure-fresh' | 'blabla';
type TargetName = 'sample' | 'ceiling' | 'ceiling-class-user' | 'jose-checker' | 'express-sdk' | 'koa-jwt' | 'floor';

const ROUTES: Record<RouteName, { label: string; path: string }> = {
  public: { label: '/public', path: '/public' },
  'secure-one': { label: '/secure, one token', path: '/secure' },
  'secure-pool': { label: '/secure, pool of N tokens', path: '/secure' },
  'secure-fresh': { label: '/secure, fresh token each', path: '/secure' },
  blabla: { label: '/secure/blabla, one token', path: '/secure/blabla' },
};

const SECURED: RouteName[] = ['secure-one', 'secure-pool', 'secure-fresh', 'blabla'];

const TARGETS: Record<TargetName, { label: string; routes: RouteName[] }> = {
  sample: { label: 'sample (this library)', routes: ['public', ...SECURED] },
  // The ceiling verifies nothing: a pool or a fresh token per request would change nothing.
  ceiling: { label: 'ceiling: routing-controllers, no-op checkers', routes: ['public', 'secure-one', 'blabla'] },
  'ceiling-class-user': { label: 'ceiling, its fixed user an Auth0User', routes: ['secure-one', 'blabla'] },
  'jose-checker': { label: 'routing-controllers + hand-written jose checker', routes: SECURED },
  'express-sdk': { label: 'Express + express-oauth2-jwt-bearer', routes: SECURED },
  'koa-jwt': { label: 'Koa + koa-jwt + jwks-rsa', routes: SECURED },
  floor: { label: 'floor: bare Koa + jose jwtVerify', routes: ['public', ...SECURED] },
};

/** The goals this run is checked against (bench/README.md). */
const GOALS = {
  /** /secure with one token, sample ÷ ceiling. */
  ceiling: 0.9,
  /** /secure with a fresh token per request, sample ÷ hand-written jose checker. */
  joseFresh: 1,
  /** /secure with one token, sample ÷ Express SDK. */
  expressSdk: 2.5,
  /** Peak − start RSS over the memory run, MiB. */
  memoryMiB: 64,
};

const MiB = 1024 * 1024;
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mib = (bytes: number | undefined): string => (bytes === undefined ? 'n/a' : `${fmt(bytes / MiB, 1)} MiB`);
/** Share of one core the target used during the measured run. */
const busy = (r: LoadResult): string => (r.targetCpu === undefined || !r.wall ? 'n/a' : `${fmt((100 * r.targetCpu) / r.wall)} %`);
/** Requests served per CPU second of the target: what the route costs, whoever was the bottleneck. */
const perCpu = (r: LoadResult | undefined): number | undefined => r?.cpuRate ?? (r?.targetCpu ? r.requests / r.targetCpu : undefined);
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || b === 0 ? '-' : `${fmt(a / b, 2)}×`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i === 0 || i === 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i <= 1 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

function sourceOf(
  route: RouteName,
  tokens: { one: string; pool: readonly string[]; fresh: readonly string[]; cursor: { next: number; exhausted: number } },
): TokenSource {
  switch (route) {
    case 'public':
      return { kind: 'none' };
    case 'secure-pool':
      return { kind: 'pool', tokens: tokens.pool };
    case 'secure-fresh':
      return { kind: 'fresh', tokens: tokens.fresh, cursor: tokens.cursor };
    default:
      return { kind: 'one', token: tokens.one };
  }
}

async function sanityCheck(target: Target, route: RouteName, token: string): Promise<void> {
  const response = await fetch(`${target.url}${ROUTES[route].path}`, {
    headers: route === 'public' ? {} : { authorization: `Bearer ${token}` },
  });
  if (response.status !== 200) {
    throw new Error(
      `${target.name} ${ROUTES[route].path}: expected 200 before loading it, got ${response.status} ${await response.text()}`,
    );
  }
}

async function main(): Promise<void> {
  const settings: LoadSettings = {
    connections: numberEnv('BENCH_CONNECTIONS', 50),
    duration: numberEnv('BENCH_DURATION', 3),
    warmup: numberEnv('BENCH_WARMUP', 5),
  };
  // Several processes per target: two starts of the same target differ by up to ±10 % here (where
  // the JIT, the heap and the sockets land), more than most differences between targets.
  const instances = numberEnv('BENCH_INSTANCES', 3, 1);
  const freshCount = numberEnv('BENCH_TOKENS', 200_000);
  const poolSize = numberEnv('BENCH_POOL', 1000, 1);
  const memory = numberEnv('BENCH_MEMORY', 1) !== 0;
  const sliceSeconds = numberEnv('BENCH_SLICE', 1, 1);
  const cores = cpus().length;
  const pin = numberEnv('BENCH_PIN', 1) !== 0 && cores >= 2;
  const selected = (process.env.BENCH_TARGETS ?? Object.keys(TARGETS).join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean) as TargetName[];
  for (const name of selected) if (!(name in TARGETS)) throw new Error(`unknown target ${name}`);

  const started = new Date();
  console.log(`bench ${started.toISOString()} · node ${process.version} · ${cores} × ${cpus()[0]?.model ?? 'cpu'}`);
  console.log(
    `${instances} process${instances === 1 ? '' : 'es'} per target · ${settings.connections} connections · ` +
      `${settings.warmup} s warm-up + ${settings.duration} s per process and row, in ${sliceSeconds} s slices, all processes of a row in turn · ` +
      `pool ${poolSize} · ${fmt(freshCount)} fresh tokens · ` +
      (pin ? 'load generator + tenant pinned to CPU 0, each target to CPU 1' : 'no CPU pinning'),
  );

  const tenant = await TestTenant.start({ audience: 'https://bench.example.com' });
  try {
    const mintStart = performance.now();
    const [one] = await mintMany(tenant, 1, 'one');
    const pool = await mintMany(tenant, poolSize, 'pool');
    const fresh = await mintMany(tenant, freshCount, 'fresh', (done) => {
      if (process.stdout.isTTY) process.stdout.write(`\rminting ${fmt(done)} / ${fmt(freshCount)}`);
    });
    if (process.stdout.isTTY) process.stdout.write('\r');
    console.log(
      `minted ${fmt(1 + poolSize + freshCount)} RS256 tokens in ${fmt((performance.now() - mintStart) / 1000, 1)} s (before any load)`,
    );
    if (pin) pinSelf('0');

    const env = { BENCH_ISSUER: tenant.issuer, BENCH_JWKS_URI: tenant.jwksUri, BENCH_AUDIENCE: tenant.audience };
    const results = new Map<string, LoadResult>();
    // Every slice of every target, process by process and each in round order: slice r of process k
    // of two targets ran in the same round, seconds apart, so their ratio is the least touched by
    // the machine's drift.
    const slicesByKey = new Map<string, LoadResult[]>();
    // Each process's median req/s per row, to show how far starts of one target differ.
    const perProcess = new Map<string, number[]>();
    const peaks = new Map<TargetName, number | undefined>();
    const key = (t: TargetName, r: RouteName): string => `${t}:${r}`;

    // Every process of every target runs at once (idle until its turn). Route by route, each warms
    // up, then all processes of the route take turns in slices of BENCH_SLICE seconds, the order
    // rotated each time, until each has had BENCH_DURATION seconds: a drift of the machine's load
    // falls on all of them alike, and each target's figures are medians over its processes' slices.
    const targets = new Map<TargetName, Target[]>();
    const processes = (name: TargetName): Target[] => targets.get(name) ?? [];
    try {
      for (const name of selected) {
        targets.set(name, []);
        for (let k = 0; k < instances; k += 1) processes(name).push(await Target.start({ name, env, cpus: pin ? '1' : undefined }));
      }
      for (const name of selected) {
        for (const target of processes(name)) for (const route of TARGETS[name].routes) await sanityCheck(target, route, one);
      }
      const cursors = new Map(selected.map((name) => [name, { next: 0, exhausted: 0 }]));
      const source = (name: TargetName, route: RouteName): TokenSource =>
        sourceOf(route, { one, pool, fresh, cursor: cursors.get(name) as { next: number; exhausted: number } });
      const url = (target: Target, route: RouteName): string => `${target.url}${ROUTES[route].path}`;
      const slices = Math.max(1, Math.round(settings.duration / sliceSeconds));
      for (const route of Object.keys(ROUTES) as RouteName[]) {
        const turn = selected
          .filter((name) => TARGETS[name].routes.includes(route))
          .flatMap((name) => processes(name).map((target, k) => ({ name, k, target })));
        // A miss path is warm after fewer seconds, and each of them spends fresh tokens: 2 s at most,
        // not extended, so that the supply lasts.
        const fresh = route === 'secure-fresh';
        const warmup = fresh ? Math.min(settings.warmup, 2) : settings.warmup;
        for (const { name, target } of turn) {
          await warmUp(url(target, route), source(name, route), settings.connections, warmup, !fresh, () => target.collectGarbage());
        }
        const parts = new Map<string, LoadResult[]>(turn.map(({ name, k }) => [`${name}#${k}`, []]));
        for (let round = 0; round < slices; round += 1) {
          for (let j = 0; j < turn.length; j += 1) {
            const { name, k, target } = turn[(round + j) % turn.length];
            const part = await measure(
              url(target, route),
              source(name, route),
              { connections: settings.connections, duration: settings.duration / slices, warmup: 0 },
              () => target.cpuSeconds(),
            );
            parts.get(`${name}#${k}`)?.push(part);
          }
        }
        for (const name of selected.filter((n) => TARGETS[n].routes.includes(route))) {
          const own = processes(name).map((_, k) => parts.get(`${name}#${k}`) ?? []);
          slicesByKey.set(key(name, route), own.flat());
          const each = own.map((p) => combine(p).rps);
          perProcess.set(key(name, route), each);
          const result = combine(own.flat());
          results.set(key(name, route), result);
          console.log(
            `  ${TARGETS[name].label.padEnd(48)} ${ROUTES[route].label.padEnd(28)} ${fmt(result.rps).padStart(7)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms  target CPU ${busy(result)}` +
              `  (processes: ${each.map((rps) => fmt(rps)).join(' / ')} req/s)` +
              (result.non2xx + result.errors > 0 ? `  (${result.non2xx} non-2xx, ${result.errors} errors)` : '') +
              (result.reused > 0 ? '  (fresh tokens ran out: raise BENCH_TOKENS)' : ''),
          );
        }
      }
      for (const name of selected) {
        const rss = processes(name)
          .map((target) => target.peakRss())
          .filter((value): value is number => value !== undefined);
        peaks.set(name, rss.length === 0 ? undefined : Math.max(...rss));
      }
    } finally {
      for (const list of targets.values()) for (const target of list) await target.stop();
    }

    // The memory run sends 100,000 distinct tokens (all of them when fewer were minted).
    const memoryTokens = fresh.slice(0, 100_000);
    let memoryRun: { start?: number; peak?: number; end?: number; result: LoadResult; sampledPeak: number; cache: string } | undefined;
    if (memory && selected.includes('sample')) {
      const target = await Target.start({ name: 'sample', env, cpus: pin ? '1' : undefined });
      try {
        await measure(`${target.url}/secure`, { kind: 'one', token: one }, { ...settings, warmup: 0, duration: 1 });
        const start = target.rss();
        const resetWorked = target.resetPeak();
        let sampledPeak = start ?? 0;
        const timer = setInterval(() => {
          sampledPeak = Math.max(sampledPeak, target.rss() ?? 0);
        }, 25);
        const result = await sendAll(
          `${target.url}/secure`,
          { kind: 'fresh', tokens: memoryTokens, cursor: { next: 0, exhausted: 0 } },
          settings.connections,
          memoryTokens.length,
        );
        clearInterval(timer);
        const end = target.rss();
        sampledPeak = Math.max(sampledPeak, end ?? 0);
        const peak = resetWorked ? Math.max(target.peakRss() ?? 0, sampledPeak) : sampledPeak;
        memoryRun = {
          start,
          peak,
          end,
          result,
          sampledPeak,
          cache: resetWorked ? 'kernel peak (VmHWM, reset after warm-up) and 25 ms samples' : '25 ms samples of VmRSS',
        };
      } finally {
        await target.stop();
      }
    }

    // The tables.
    console.log('');
    console.log(`## Results (${started.toISOString().slice(0, 10)}, node ${process.version}, ${cores} × ${cpus()[0]?.model ?? 'cpu'})`);
    console.log('');
    // One table row per measured (target, route), in the order the targets were selected.
    const rowsOf = <T>(figures: Map<string, T>, cells: (value: T) => string[]): string[][] =>
      selected.flatMap((name) =>
        TARGETS[name].routes.flatMap((route) => {
          const value = figures.get(key(name, route));
          return value === undefined ? [] : [[TARGETS[name].label, ROUTES[route].label.replace('N', String(poolSize)), ...cells(value)]];
        }),
      );
    const rows = rowsOf(results, (r) => [
      fmt(r.rps),
      String(r.p50),
      String(r.p99),
      busy(r),
      perCpu(r) === undefined ? 'n/a' : fmt(perCpu(r) as number),
      String(r.non2xx + r.errors),
    ]);
    console.log(table(['target', 'route', 'req/s', 'p50 ms', 'p99 ms', 'target CPU', 'req per CPU-s', 'non-2xx+err'], rows));
    if (instances > 1) {
      // How far the processes of one target differ: the reason the figures are medians over several.
      console.log('');
      const spreadRows = rowsOf(perProcess, (each) => [
        each.map((value) => fmt(value)).join(' / '),
        `${fmt(Math.max(...each) / Math.min(...each), 2)}×`,
      ]);
      console.log(table(['target', 'route', 'req/s of each process', 'fastest ÷ slowest'], spreadRows));
    }

    if (selected.includes('sample')) {
      console.log('');
      const rps = (t: TargetName, r: RouteName): number | undefined => results.get(key(t, r))?.rps;
      const cps = (t: TargetName, r: RouteName): number | undefined => perCpu(results.get(key(t, r)));
      const peers: TargetName[] = ['ceiling', 'ceiling-class-user', 'jose-checker', 'express-sdk', 'koa-jwt', 'floor'];
      // The median over rounds of the ratio of the two targets' slices of the same round.
      const slicedRps = (r: LoadResult): number => (r.wall ? r.requests / r.wall : r.rps);
      const slicedCps = (r: LoadResult): number | undefined => (r.targetCpu ? r.requests / r.targetCpu : undefined);
      const paired = (peer: TargetName, route: RouteName, by: 'req/s' | 'req per CPU-s'): number | undefined => {
        const mine = slicesByKey.get(key('sample', route));
        const theirs = slicesByKey.get(key(peer, route));
        if (mine === undefined || theirs === undefined || mine.length !== theirs.length || mine.length === 0) return undefined;
        const pick = by === 'req/s' ? slicedRps : slicedCps;
        const ratios: number[] = [];
        for (let r = 0; r < mine.length; r += 1) {
          const a = pick(mine[r]);
          const b = pick(theirs[r]);
          if (a === undefined || b === undefined || b === 0) return undefined;
          ratios.push(a / b);
        }
        ratios.sort((x, y) => x - y);
        const middle = ratios.length >> 1;
        return ratios.length % 2 === 1 ? ratios[middle] : (ratios[middle - 1] + ratios[middle]) / 2;
      };
      const pairedRatio = (peer: TargetName, route: RouteName, by: 'req/s' | 'req per CPU-s'): string => {
        const value = paired(peer, route, by);
        return value === undefined ? '-' : `${fmt(value, 2)}×`;
      };
      const ratioRows = SECURED.flatMap((route) =>
        (['req/s', 'req per CPU-s'] as const).flatMap((by) => {
          const of = by === 'req/s' ? rps : cps;
          const label = ROUTES[route].label.replace('N', String(poolSize));
          return [
            [by, label, ...peers.map((peer) => ratio(of('sample', route), of(peer, route)))],
            [`${by}, paired by round`, label, ...peers.map((peer) => pairedRatio(peer, route, by))],
          ];
        }),
      );
      console.log(
        table(
          ['sample ÷ …, by', 'route', 'ceiling', 'ceiling, Auth0User', 'hand-written jose', 'Express SDK', 'koa-jwt', 'floor'],
          ratioRows,
        ),
      );
      console.log('');
      console.log(`peak RSS of the sample process over its rows: ${mib(peaks.get('sample'))}`);
      if (memoryRun !== undefined) {
        const { start, peak, end, result } = memoryRun;
        console.log(
          `memory run: ${fmt(result.requests)} requests with ${fmt(memoryTokens.length)} distinct tokens through /secure at ${fmt(result.rps)} req/s ` +
            `(${result.non2xx + result.errors} non-2xx+err): start RSS ${mib(start)}, peak ${mib(peak)} (+${mib((peak ?? 0) - (start ?? 0))}), end ${mib(end)} [${memoryRun.cache}]`,
        );
      }

      console.log('');
      console.log('Targets:');
      const check = (label: string, value: number | undefined, goal: number, higherIsBetter = true): void => {
        if (value === undefined) {
          console.log(`  -    ${label}: not measured`);
          return;
        }
        const ok = higherIsBetter ? value >= goal : value <= goal;
        console.log(`  ${ok ? 'met ' : 'MISS'} ${label}: ${fmt(value, 2)} (goal ${higherIsBetter ? '>=' : '<='} ${fmt(goal, 2)})`);
      };
      const div = (a: number | undefined, b: number | undefined): number | undefined =>
        a === undefined || b === undefined || b === 0 ? undefined : a / b;
      for (const by of ['req/s', 'req per CPU-s'] as const) {
        check(`/secure one token, sample ÷ ceiling, ${by}, paired by round`, paired('ceiling', 'secure-one', by), GOALS.ceiling);
        check(
          `/secure fresh token, sample ÷ hand-written jose, ${by}, paired by round`,
          paired('jose-checker', 'secure-fresh', by),
          GOALS.joseFresh,
        );
      }
      for (const [by, of] of [
        ['req/s', rps],
        ['req per CPU-s', cps],
      ] as const) {
        check(`/secure one token, sample ÷ ceiling, ${by}`, div(of('sample', 'secure-one'), of('ceiling', 'secure-one')), GOALS.ceiling);
        check(
          `/secure fresh token, sample ÷ hand-written jose, ${by}`,
          div(of('sample', 'secure-fresh'), of('jose-checker', 'secure-fresh')),
          GOALS.joseFresh,
        );
        check(
          `/secure one token, sample ÷ Express SDK, ${by}`,
          div(of('sample', 'secure-one'), of('express-sdk', 'secure-one')),
          GOALS.expressSdk,
        );
      }
      if (memoryRun !== undefined) {
        check('memory run peak − start RSS, MiB', ((memoryRun.peak ?? 0) - (memoryRun.start ?? 0)) / MiB, GOALS.memoryMiB, false);
      }
      const p99s = selected
        .flatMap((name) =>
          (['secure-one', 'secure-fresh'] as RouteName[]).map((route) => [name, route, results.get(key(name, route))] as const),
        )
        .filter(([, , r]) => r !== undefined)
        .map(([name, route, r]) => `${name} ${route === 'secure-one' ? 'one token' : 'fresh'} ${r?.p99} ms`);
      console.log(`  p99 at ${settings.connections} connections, /secure: ${p99s.join(' · ')}`);
    }
  } finally {
    await tenant.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
