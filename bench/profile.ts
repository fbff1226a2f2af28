/**
 * `npm run bench:profile`: the sample app under load with `node --cpu-prof`, once per scenario
 * (/public, /secure with one token, /secure with a fresh token per request), then where the time
 * went: self time per owner (package, this library, node, GC) and the busiest functions.
 *
 * Environment: BENCH_DURATION (s, default 5), BENCH_CONNECTIONS (default 50), BENCH_TOKENS
 * (fresh tokens, default 40000), BENCH_PIN (0 to disable CPU pinning), BENCH_PROFILE_DIR (where the
 * .cpuprofile files are kept; default a temporary folder), BENCH_TOP (functions listed, default 25).
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { summarise, type CpuProfile, type FunctionRef } from './lib/cpuprofile';
import { measure, type TokenSource } from './lib/load';
import { pinSelf, ROOT, Target } from './lib/target';
import { mintMany } from './lib/tokens';

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? fallback : Number(raw);
}

const INCLUSIVE: FunctionRef[] = [
  { fn: 'authorizationChecker', file: '/src/routing-controllers/auth0.ts' },
  { fn: 'currentUserChecker', file: '/src/routing-controllers/auth0.ts' },
  { fn: 'authenticate', file: '/src/core/pipeline.ts' },
  { fn: 'verifyToken', file: '/src/core/token/verify-token.ts' },
  { fn: 'jwtVerify', file: 'node_modules/jose/' },
  { fn: 'buildUser', file: '/src/core/user.ts' },
  { fn: 'plainToInstance', file: 'node_modules/class-transformer/' },
  { fn: 'validate', file: 'node_modules/class-validator/' },
  { fn: 'readCredentials', file: '/src/core/credentials.ts' },
  { fn: 'executeAction', file: 'node_modules/routing-controllers/' },
  { fn: 'handleSuccess', file: 'node_modules/routing-controllers/' },
  { fn: 'handleError', file: 'node_modules/routing-controllers/' },
  { fn: 'respond', file: 'node_modules/koa/' },
];

async function main(): Promise<void> {
  const duration = intEnv('BENCH_DURATION', 5);
  const connections = intEnv('BENCH_CONNECTIONS', 50);
  const top = intEnv('BENCH_TOP', 25);
  const pin = intEnv('BENCH_PIN', 1) !== 0 && cpus().length >= 2;
  const dir = process.env.BENCH_PROFILE_DIR ?? mkdtempSync(join(tmpdir(), 'rca0-profile-'));

  const tenant = await TestTenant.start({ audience: 'https://bench.example.com' });
  try {
    const [one] = await mintMany(tenant, 1, 'one');
    const fresh = await mintMany(tenant, intEnv('BENCH_TOKENS', 40_000), 'fresh');
    if (pin) pinSelf('0');
    const env = { BENCH_ISSUER: tenant.issuer, BENCH_JWKS_URI: tenant.jwksUri, BENCH_AUDIENCE: tenant.audience };
    const scenarios: { name: string; path: string; source: TokenSource }[] = [
      { name: 'public', path: '/public', source: { kind: 'none' } },
      { name: 'secure-one-token', path: '/secure', source: { kind: 'one', token: one } },
      { name: 'secure-fresh-tokens', path: '/secure', source: { kind: 'fresh', tokens: fresh, cursor: { next: 0, exhausted: 0 } } },
    ];
    for (const scenario of scenarios) {
      const profileDir = join(dir, scenario.name);
      const target = await Target.start({
        name: 'sample',
        env,
        cpus: pin ? '1' : undefined,
        nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
      });
      let rps = 0;
      const window = { from: 0, to: 0 };
      const micros = (): number => Number(process.hrtime.bigint() / 1000n);
      try {
        const url = `${target.url}${scenario.path}`;
        await measure(url, scenario.source, { connections, duration: 1, warmup: 0 });
        window.from = micros();
        rps = (await measure(url, scenario.source, { connections, duration, warmup: 0 })).rps;
        window.to = micros();
      } finally {
        await target.stop();
      }
      const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (file === undefined) throw new Error(`no profile written in ${profileDir}`);
      const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
      // Only the samples of the measured run: start-up (ts-node compiling) and warm-up are left out.
      const summary = summarise(profile, ROOT, INCLUSIVE, window);
      console.log(
        `\n### ${scenario.name}: ${scenario.path} at ${Math.round(rps).toLocaleString('en-US')} req/s · profile ${join(profileDir, file)}`,
      );
      console.log(`${(summary.totalMs / 1000).toFixed(1)} s of samples under load (start-up and warm-up left out)\n`);
      console.log('self time by owner:');
      for (const s of summary.byOwner.slice(0, 16))
        console.log(`  ${(s.share * 100).toFixed(1).padStart(5)} %  ${s.ms.toFixed(0).padStart(6)} ms  ${s.name}`);
      console.log(`\ntop ${top} functions by self time:`);
      for (const s of summary.topSelf.slice(0, top))
        console.log(`  ${(s.share * 100).toFixed(1).padStart(5)} %  ${s.ms.toFixed(0).padStart(6)} ms  ${s.name}`);
      console.log('\ninclusive time (synchronous stacks only; an await cuts the stack):');
      for (const s of summary.inclusive)
        console.log(`  ${(s.share * 100).toFixed(1).padStart(5)} %  ${s.ms.toFixed(0).padStart(6)} ms  ${s.name}`);
    }
  } finally {
    await tenant.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
