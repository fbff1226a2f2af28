/**
 * `npm run bench:instructions`: machine instructions per request on `/secure` with one token (a
 * cache hit), the sample beside the framework's ceiling, counted by valgrind's callgrind. A count
 * of instructions does not depend on the machine's other load, unlike req/s on a shared machine,
 * so it says whether a gap in `npm run bench` is work the sample does or time the machine takes.
 *
 * Each target runs in processes of its own under `valgrind --tool=callgrind`, counting nothing at
 * first; a fixed number of requests warms it up (the JIT settles), then counting is switched on
 * (`callgrind_control -i on`) for a fixed number of requests and the counts are dumped. Reported per
 * process: instructions per request in all, and of them those of V8's optimising compiler thread
 * (still compiling: the process has not settled). Targets take turns, process after process.
 *
 * Needs valgrind (Debian: `apt install valgrind`); slow (about 1.5 minutes per process).
 *
 * Environment: INSTR_TARGETS (files of bench/targets/, default `sample,ceiling`), INSTR_RUNS (processes per target, default
 * 3), INSTR_WARMUP (requests before counting, default 40000), INSTR_REQUESTS (requests counted,
 * default 5000), INSTR_CONNECTIONS (default 10).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { sendAll, type TokenSource } from './lib/load';
import { ROOT, Target } from './lib/target';
import { mintMany } from './lib/tokens';
import { numberEnv } from './lib/env';

function available(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

interface Counted {
  target: string;
  perRequest: number;
  compilerPerRequest: number;
}

/** valgrind's callgrind, counting nothing until told to, its counts dumped to `outFile`. */
function callgrind(outFile: string): string[] {
  return [
    'valgrind',
    '--tool=callgrind',
    '--instr-atstart=no',
    // V8 writes and rewrites machine code: valgrind must notice code changed in place.
    '--smc-check=all-non-file',
    `--callgrind-out-file=${outFile}`,
    `--log-file=${outFile}.log`,
  ];
}

/** The `summary:` (or `totals:`) instruction count of a callgrind dump. */
function totalInstructions(file: string): number {
  const match = /^(?:summary|totals):\s+(\d+)/m.exec(readFileSync(file, 'utf8'));
  if (match === null) throw new Error(`${file}: no instruction count`);
  return Number(match[1]);
}

/** Inclusive instructions of V8's optimising compiler jobs in a dump (0 when none ran). */
function compilerInstructions(file: string): number {
  const annotated = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const line = annotated.split('\n').find((text) => text.includes('OptimizingCompileDispatcher::CompileTask::RunInternal'));
  return line === undefined ? 0 : Number(line.trim().split(/\s+/)[0].replace(/,/g, ''));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fmt = (value: number): string => Math.round(value).toLocaleString('en-US');

async function main(): Promise<void> {
  if (!available('valgrind', ['--version']) || !available('callgrind_control', ['-h'])) {
    console.error('bench:instructions needs valgrind with callgrind_control and callgrind_annotate (Debian: apt install valgrind)');
    process.exit(2);
  }
  const targets = (process.env.INSTR_TARGETS ?? 'sample,ceiling')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of targets) {
    if (!/^[a-z0-9-]+$/.test(name) || !existsSync(join(ROOT, 'bench', 'targets', `${name}.ts`))) {
      throw new Error(`unknown target ${name}: INSTR_TARGETS names files of bench/targets/ (sample, ceiling, …)`);
    }
  }
  const runs = numberEnv('INSTR_RUNS', 3, 1);
  const connections = numberEnv('INSTR_CONNECTIONS', 10, 1);
  // autocannon refuses an amount below its connections, and reads an amount of 0 as none set: each
  // half of the warm-up, and the counted requests, are at least one request per connection.
  const warmup = numberEnv('INSTR_WARMUP', 40_000, 2 * connections);
  const requests = numberEnv('INSTR_REQUESTS', 5000, connections);
  const started = new Date();
  const version = execFileSync('valgrind', ['--version'], { encoding: 'utf8' }).trim();
  console.log(`bench:instructions ${started.toISOString()} · node ${process.version} · ${version}`);
  console.log(
    `/secure with one token · ${runs} process${runs === 1 ? '' : 'es'} per target, in turns · ${fmt(warmup)} requests of warm-up, then ${fmt(requests)} counted · ${connections} connections`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'rca-instructions-'));
  const tenant = await TestTenant.start({ audience: 'https://bench.example.com' });
  const counted: Counted[] = [];
  try {
    const [one] = await mintMany(tenant, 1, 'one');
    const source: TokenSource = { kind: 'one', token: one };
    const env = { BENCH_ISSUER: tenant.issuer, BENCH_JWKS_URI: tenant.jwksUri, BENCH_AUDIENCE: tenant.audience };
    for (let run = 0; run < runs; run += 1) {
      for (const target of targets) {
        const outFile = join(dir, `${target}-${run}.out`);
        const counting = await Target.start({ name: target, env, launcher: callgrind(outFile), startTimeout: 180_000 });
        try {
          const url = `${counting.url}/secure`;
          // Half the warm-up, a full collection (Target.collectGarbage), the other half.
          const firstHalf = await sendAll(url, source, connections, Math.ceil(warmup / 2));
          await counting.collectGarbage();
          const secondHalf = await sendAll(url, source, connections, Math.floor(warmup / 2));
          const warm = { non2xx: firstHalf.non2xx + secondHalf.non2xx, errors: firstHalf.errors + secondHalf.errors };
          const pid = String(counting.pid);
          execFileSync('callgrind_control', ['-i', 'on', pid], { stdio: 'ignore' });
          const measured = await sendAll(url, source, connections, requests);
          execFileSync('callgrind_control', ['-d', pid], { stdio: 'ignore' });
          execFileSync('callgrind_control', ['-i', 'off', pid], { stdio: 'ignore' });
          if (warm.non2xx + warm.errors + measured.non2xx + measured.errors > 0) {
            throw new Error(`${target}: ${warm.non2xx + measured.non2xx} non-2xx answers, ${warm.errors + measured.errors} errors`);
          }
          const dump = `${outFile}.1`;
          if (!existsSync(dump)) throw new Error(`${target}: callgrind wrote no dump (${dump})`);
          const result: Counted = {
            target,
            perRequest: totalInstructions(dump) / requests,
            compilerPerRequest: compilerInstructions(dump) / requests,
          };
          counted.push(result);
          console.log(
            `  ${target.padEnd(20)} process ${run + 1}: ${fmt(result.perRequest).padStart(9)} instructions per request, of which ${fmt(result.compilerPerRequest).padStart(7)} in V8's optimising compiler`,
          );
        } finally {
          await counting.stop();
        }
      }
    }
  } finally {
    await tenant.close();
    rmSync(dir, { recursive: true, force: true });
  }

  report(targets, counted);
}

/** The table of every process's counts, and the sample's ratios to the others by their medians. */
function report(targets: string[], counted: Counted[]): void {
  console.log('');
  console.log(
    '| target | instructions per request, median | each process | of which the optimising compiler | the rest (the requests themselves), median | each process |',
  );
  console.log('|:--|--:|--:|--:|--:|--:|');
  const medians = new Map<string, { all: number; rest: number }>();
  for (const target of targets) {
    const own = counted.filter((c) => c.target === target);
    const rest = own.map((c) => c.perRequest - c.compilerPerRequest);
    const all = median(own.map((c) => c.perRequest));
    medians.set(target, { all, rest: median(rest) });
    const list = (values: number[]): string => values.map(fmt).join(' / ');
    console.log(
      `| ${target} | ${fmt(all)} | ${list(own.map((c) => c.perRequest))} | ${list(own.map((c) => c.compilerPerRequest))} | ${fmt(median(rest))} | ${list(rest)} |`,
    );
  }
  const sample = medians.get('sample');
  if (sample !== undefined) {
    console.log('');
    for (const [target, value] of medians) {
      if (target === 'sample') continue;
      console.log(
        `sample ÷ ${target}, requests per instruction (medians): ${(value.all / sample.all).toFixed(2)}× in all, ${(value.rest / sample.rest).toFixed(2)}× without the optimising compiler`,
      );
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
