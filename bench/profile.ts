/**
 * `npm run bench:profile`: the sample app under load with `node --cpu-prof`, once per scenario
 * (/public, /secure with one token, /secure with a fresh token per request), and beside it the
 * ceiling (routing-controllers with no-op checkers) on /secure and the hand-written jose checker on
 * fresh tokens; then where the time went: self time per owner (package, this library, node, GC) and
 * the busiest functions, as shares and in µs per request, so that two scenarios compare directly.
 *
 * The scenarios' targets run at once and take turns in 1 s slices, BENCH_DURATION slices each, so
 * that their profiles are taken across the same stretch of time and compare in µs per request.
 *
 * Environment: BENCH_DURATION (s, default 5), BENCH_CONNECTIONS (default 50), BENCH_TOKENS
 * (fresh tokens, default 40000), BENCH_PIN (0 to disable CPU pinning), BENCH_PROFILE_DIR (where the
 * .cpuprofile files are kept; default a temporary folder), BENCH_TOP (functions listed, default 25),
 * BENCH_SCENARIOS (comma list of scenario names; default all).
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { summarise, type CpuProfile, type FunctionRef, type Window } from './lib/cpuprofile';
import { measure, type TokenSource, warmUp } from './lib/load';
import { pinSelf, ROOT, Target } from './lib/target';
import { mintMany } from './lib/tokens';
import { numberEnv } from './lib/env';

const INCLUSIVE: FunctionRef[] = [
  { fn: 'authorizationChecker', file: '/src/routing-controllers/auth0.ts' },
  { fn: 'currentUserChecker', file: '/src/routing-controllers/auth0.ts' },
  { fn: 'authenticate', file: '/src/core/pipeline.ts' },
  { fn: 'verifyToken', file: '/src/core/token/verify-token.ts' },
  { fn: 'jwtVerify', file: 'node_modules/jose/' },
  { fn: 'buildUser', file: '/src/core/user.ts' },
  { fn: 'instanceToPlain', file: 'node_modules/class-transformer/' },
  { fn: 'plainToInstance', file: 'node_modules/class-transformer/' },
  { fn: 'validate', file: 'node_modules/class-validator/' },
  { fn: 'readCredentials', file: '/src/core/credentials.ts' },
  { fn: 'auth0Docs', file: '/src/openapi/koa.ts' },
  { fn: 'executeAction', file: 'node_modules/routing-controllers/' },
  { fn: 'handleSuccess', file: 'node_modules/routing-controllers/' },
  { fn: 'handleError', file: 'node_modules/routing-controllers/' },
  { fn: 'respond', file: 'node_modules/koa/' },
];

interface Scenario {
  name: string;
  target: string;
  path: string;
  source: TokenSource;
}

async function main(): Promise<void> {
  const duration = numberEnv('BENCH_DURATION', 5);
  const connections = numberEnv('BENCH_CONNECTIONS', 50);
  const top = numberEnv('BENCH_TOP', 25);
  const pin = numberEnv('BENCH_PIN', 1) !== 0 && cpus().length >= 2;
  const dir = process.env.BENCH_PROFILE_DIR ?? mkdtempSync(join(tmpdir(), 'rca0-profile-'));

  const tenant = await TestTenant.start({ audience: 'https://bench.example.com' });
  try {
    const [one] = await mintMany(tenant, 1, 'one');
    const fresh = await mintMany(tenant, numberEnv('BENCH_TOKENS', 40_000), 'fresh');
    if (pin) pinSelf('0');
    const env = { BENCH_ISSUER: tenant.issuer, BENCH_JWKS_URI: tenant.jwksUri, BENCH_AUDIENCE: tenant.audience };
    const fresh1 = { kind: 'fresh', tokens: fresh, cursor: { next: 0, exhausted: 0 } } as const;
    const fresh2 = { kind: 'fresh', tokens: fresh, cursor: { next: 0, exhausted: 0 } } as const;
    const all: Scenario[] = [
      { name: 'public', target: 'sample', path: '/public', source: { kind: 'none' } },
      { name: 'secure-one-token', target: 'sample', path: '/secure', source: { kind: 'one', token: one } },
      { name: 'ceiling-secure-one-token', target: 'ceiling', path: '/secure', source: { kind: 'one', token: one } },
      { name: 'secure-fresh-tokens', target: 'sample', path: '/secure', source: fresh1 },
      { name: 'jose-checker-fresh-tokens', target: 'jose-checker', path: '/secure', source: fresh2 },
    ];
    const wanted = process.env.BENCH_SCENARIOS?.split(',').map((name) => name.trim());
    const scenarios = wanted === undefined ? all : all.filter((scenario) => wanted.includes(scenario.name));
    // Every scenario's target runs at once with --cpu-prof; after a warm-up each, they take turns in
    // 1 s slices (so a drift of the machine's load falls on all alike), and each profile is read
    // over its own slices only.
    const micros = (): number => Number(process.hrtime.bigint() / 1000n);
    const runs = new Map<string, { target: Target; pid: number; dir: string; windows: Window[]; requests: number; seconds: number }>();
    try {
      for (const scenario of scenarios) {
        const profileDir = join(dir, scenario.name);
        const target = await Target.start({
          name: scenario.target,
          env,
          cpus: pin ? '1' : undefined,
          nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
        });
        runs.set(scenario.name, { target, pid: target.pid, dir: profileDir, windows: [], requests: 0, seconds: 0 });
      }
      const url = (scenario: Scenario): string => `${runs.get(scenario.name)?.target.url}${scenario.path}`;
      for (const scenario of scenarios) {
        const { target } = runs.get(scenario.name) as NonNullable<ReturnType<typeof runs.get>>;
        await warmUp(url(scenario), scenario.source, connections, 2, true, () => target.collectGarbage());
      }
      for (let round = 0; round < duration; round += 1) {
        for (let k = 0; k < scenarios.length; k += 1) {
          const scenario = scenarios[(round + k) % scenarios.length];
          const run = runs.get(scenario.name) as NonNullable<ReturnType<typeof runs.get>>;
          const from = micros();
          const result = await measure(url(scenario), scenario.source, { connections, duration: 1, warmup: 0 });
          run.windows.push({ from, to: micros() });
          run.requests += result.requests;
          run.seconds += result.wall ?? 0;
        }
      }
    } finally {
      for (const run of runs.values()) await run.target.stop();
    }

    for (const scenario of scenarios) {
      const run = runs.get(scenario.name) as NonNullable<ReturnType<typeof runs.get>>;
      // Only this run's profile: the folder may hold one from an earlier run (BENCH_PROFILE_DIR).
      const file = readdirSync(run.dir).find((f) => f.endsWith(`.${run.pid}.0.001.cpuprofile`));
      if (file === undefined) throw new Error(`no profile written by process ${run.pid} in ${run.dir}`);
      const profile = JSON.parse(readFileSync(join(run.dir, file), 'utf8')) as CpuProfile;
      // Only the samples of its measured slices: start-up (ts-node compiling) and warm-up are left out.
      const summary = summarise(profile, ROOT, INCLUSIVE, run.windows);
      const { requests } = run;
      console.log(
        `\n### ${scenario.name}: ${scenario.target} ${scenario.path} at ${Math.round(requests / run.seconds).toLocaleString('en-US')} req/s · profile ${join(run.dir, file)}`,
      );
      const busyMs = summary.totalMs - (summary.byOwner.find((s) => s.name === '(idle)')?.ms ?? 0);
      console.log(
        `${(summary.totalMs / 1000).toFixed(1)} s of samples under load (start-up and warm-up left out), ` +
          `${requests.toLocaleString('en-US')} requests: ${((1000 * busyMs) / requests).toFixed(1)} µs busy per request\n`,
      );
      const line = (s: { share: number; ms: number; name: string }): string =>
        `  ${(s.share * 100).toFixed(1).padStart(5)} %  ${s.ms.toFixed(0).padStart(6)} ms  ${((1000 * s.ms) / requests).toFixed(2).padStart(7)} µs/req  ${s.name}`;
      console.log('self time by owner:');
      for (const s of summary.byOwner.slice(0, 16)) console.log(line(s));
      console.log(`\ntop ${top} functions by self time:`);
      for (const s of summary.topSelf.slice(0, top)) console.log(line(s));
      console.log('\ninclusive time (synchronous stacks only; an await cuts the stack):');
      for (const s of summary.inclusive) console.log(line(s));
    }
  } finally {
    await tenant.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
