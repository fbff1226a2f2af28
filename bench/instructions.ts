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
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { sendAll, type TokenSource } from './lib/load';
import { NODE_FLAGS, ROOT } from './lib/target';
import { mintMany } from './lib/tokens';

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

function available(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

interface Counted {
  target: string;
  perRequest: number;
  compilerPerRequest: number;
}

/** Starts `name` under callgrind (counting off) and resolves with the process and its port. */
async function startCounted(name: string, env: Record<string, string>, outFile: string): Promise<{ child: ChildProcess; port: number }> {
  const script = join(ROOT, 'bench', 'targets', `${name}.ts`);
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      // V8 writes and rewrites machine code: valgrind must notice code changed in place.
      '--smc-check=all-non-file',
      `--callgrind-out-file=${outFile}`,
      `--log-file=${outFile}.log`,
      process.execPath,
      ...NODE_FLAGS,
      script,
    ],
    { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production', ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: no port after 180 s under valgrind`)), 180_000);
    child.once('message', (message: { port?: number }) => {
      clearTimeout(timer);
      if (typeof message?.port === 'number') resolve(message.port);
      else reject(new Error(`${name}: unexpected message ${JSON.stringify(message)}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening (see ${outFile}.log)`));
    });
  });
  return { child, port };
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
  const runs = intEnv('INSTR_RUNS', 3);
  const warmup = intEnv('INSTR_WARMUP', 40_000);
  const requests = intEnv('INSTR_REQUESTS', 5000);
  const connections = intEnv('INSTR_CONNECTIONS', 10);
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
        const { child, port } = await startCounted(target, env, outFile);
        try {
          const url = `http://127.0.0.1:${port}/secure`;
          const warm = await sendAll(url, source, connections, warmup);
          const pid = String(child.pid);
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
          child.send?.('stop');
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              child.kill('SIGKILL');
              resolve();
            }, 60_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
          });
        }
      }
    }
  } finally {
    await tenant.close();
    rmSync(dir, { recursive: true, force: true });
  }

  console.log('');
  console.log(
    '| target | instructions per request, median | each process | of which the optimising compiler | the rest (the requests themselves), median | each process |',
  );
  console.log('|:--|--:|--:|--:|--:|--:|');
  const medians = new Map<string, { all: number; rest: number }>();
  for (const target of targets) {
    const own = counted.filter((c) => c.target === target);
    const rest = own.map((c) => c.perRequest - c.compilerPerRequest);
    medians.set(target, { all: median(own.map((c) => c.perRequest)), rest: median(rest) });
    const list = (values: number[]): string => values.map(fmt).join(' / ');
    console.log(
      `| ${target} | ${fmt(median(own.map((c) => c.perRequest)))} | ${list(own.map((c) => c.perRequest))} | ${list(own.map((c) => c.compilerPerRequest))} | ${fmt(median(rest))} | ${list(rest)} |`,
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
