/**
 * What both soak modes share: the settings, the request mix, the invalid tokens, and starting the
 * sample as a child process on a loopback port.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { TestTenant } from 'routing-controllers-auth0/testing';

export const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
export const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 16);
export const COOLDOWN_S = 5; // the library's default jwksCooldown
export const AUDIENCE = 'https://soak.example.com';

export type Kind = 'valid' | 'expired' | 'wrong-audience' | 'junk-kid' | 'foreign-key' | 'garbage' | 'none' | 'public';
export type InvalidKind = Exclude<Kind, 'valid' | 'none' | 'public'>;
export const KINDS: [Kind, number][] = [
  ['valid', 55],
  ['expired', 6],
  ['wrong-audience', 6],
  ['junk-kid', 6],
  ['foreign-key', 6],
  ['garbage', 6],
  ['none', 5],
  ['public', 10],
];

/** One entry of a weighted table, at random (the first entry when the table's weights are all spent). */
export function pickWeighted<T>(table: [T, number][]): T {
  const total = table.reduce((sum, [, w]) => sum + w, 0);
  let roll = Math.random() * total;
  for (const [value, weight] of table) {
    roll -= weight;
    if (roll < 0) return value;
  }
  return table[0][0];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function rssKiB(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number {
  if (pid === undefined) return 0;
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${field}:`));
    return line === undefined ? 0 : Number(line.split(/\s+/)[1]);
  } catch {
    return 0;
  }
}

export const mib = (kib: number): string => (kib / 1024).toFixed(1);

/** Tokens the sample must refuse, 20 of each kind (5 garbage strings). */
export async function invalidTokens(tenant: TestTenant): Promise<Record<InvalidKind, string[]>> {
  return {
    expired: await Promise.all(Array.from({ length: 20 }, (_, i) => tenant.token({ subject: `auth0|e${i}`, expiredSecondsAgo: 120 }))),
    'wrong-audience': await Promise.all(
      Array.from({ length: 20 }, (_, i) => tenant.token({ subject: `auth0|a${i}`, audience: 'https://other.example.com' })),
    ),
    'junk-kid': await Promise.all(
      Array.from({ length: 20 }, (_, i) => tenant.token({ subject: `auth0|k${i}`, header: { kid: `junk-${i}-${Math.random()}` } })),
    ),
    'foreign-key': await Promise.all(Array.from({ length: 20 }, (_, i) => tenant.token({ subject: `auth0|f${i}`, foreignKey: true }))),
    garbage: ['abc', 'a.b.c', 'eyJhbGciOiJub25lIn0.e30.', 'x'.repeat(9000), 'a.b.c.d.e'],
  };
}

/** The sample, running in a child process. */
export interface SampleProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly port: number;
  /** `http://127.0.0.1:{port}`. */
  readonly base: string;
  /** Everything it has written to stdout and stderr. */
  log: string;
}

/**
 * Starts `sample/main.ts` in production mode on `127.0.0.1:{port}` against the tenant, with `env`
 * added to this process's environment; resolves once `/public` answers 200 (rejects after 60 s, or
 * when the process exits first).
 */
export async function startSampleProcess(tenant: TestTenant, port: number, env: NodeJS.ProcessEnv = {}): Promise<SampleProcess> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=routing-controllers-auth0-source',
      '-r',
      'ts-node/register/transpile-only',
      join(__dirname, '..', '..', 'sample', 'main.ts'),
    ],
    {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        AUTH0_DOMAIN: tenant.issuer,
        AUTH0_API_AUDIENCE: AUDIENCE,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const sample: SampleProcess = { child, port, base: `http://127.0.0.1:${port}`, log: '' };
  child.stdout.on('data', (c: Buffer) => {
    sample.log += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    sample.log += c.toString();
  });
  const up = Date.now() + 60_000;
  while (Date.now() <= up && child.exitCode === null) {
    try {
      if ((await fetch(`${sample.base}/public`)).ok) return sample;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the sample did not start:\n${sample.log}`);
}

/** A random element of the list, or `undefined` for an empty list. */
export function randomOf<T>(list: readonly T[]): T | undefined {
  return list.length === 0 ? undefined : list[Math.floor(Math.random() * list.length)];
}

/** Stops a sample process: SIGINT, then SIGKILL if it has not exited after 10 s. */
export async function stopProcess(sample: SampleProcess): Promise<void> {
  const { child } = sample;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
