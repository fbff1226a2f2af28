/**
 * A bench target in its own child process: started with the same loader as the tests and
 * `npm start` (ts-node, transpile-only, the source export condition), optionally pinned to its own
 * core, and watched through /proc for its resident set.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

// USER_HZ: 100 on every Linux build that matters here (`getconf CLK_TCK`).
const CLOCK_TICKS = 100;

/** The loader flags of `npm start` and .mocharc.json. */
export const NODE_FLAGS = ['--conditions=routing-controllers-auth0-source', '-r', 'ts-node/register/transpile-only'];

/** What a bench target gets besides: `gc()`, for {@link Target.collectGarbage}. */
const BENCH_FLAGS = ['--expose-gc'];

export interface TargetOptions {
  /** File under bench/targets/, without extension. */
  name: string;
  env: Record<string, string>;
  /** CPU list for `taskset -c`, or undefined to let the scheduler choose. */
  cpus?: string;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** A command (and its arguments) that runs node, e.g. `['valgrind', '--tool=callgrind']`. */
  launcher?: string[];
  /** How long the target may take to listen, in ms. Default 60000. */
  startTimeout?: number;
}

function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export class Target {
  readonly name: string;
  readonly port: number;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  private constructor(name: string, child: ChildProcess, port: number, exited: Promise<void>) {
    this.name = name;
    this.child = child;
    this.port = port;
    this.exited = exited;
  }

  static async start(options: TargetOptions): Promise<Target> {
    const script = join(ROOT, 'bench', 'targets', `${options.name}.ts`);
    const pin = options.cpus === undefined ? [] : ['taskset', '-c', options.cpus];
    const [command, ...argv] = [
      ...pin,
      ...(options.launcher ?? []),
      process.execPath,
      ...NODE_FLAGS,
      ...BENCH_FLAGS,
      ...(options.nodeFlags ?? []),
      script,
    ];
    const child = spawn(command, argv, {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production', ...options.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const startTimeout = options.startTimeout ?? 60_000;
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${options.name}: no port after ${startTimeout / 1000} s`)), startTimeout);
      child.once('message', (message: { port?: number }) => {
        clearTimeout(timer);
        if (typeof message?.port === 'number') resolve(message.port);
        else reject(new Error(`${options.name}: unexpected message ${JSON.stringify(message)}`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${options.name} exited with ${code} before listening`));
      });
    });
    return new Target(options.name, child, port, exited);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** CPU seconds used so far by every thread of the target (user + system), from /proc. */
  cpuSeconds(): number | undefined {
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      return undefined;
    }
  }

  /** Current resident set, in bytes. */
  rss(): number | undefined {
    return procStatus(this.pid, 'VmRSS');
  }

  /** Peak resident set since start (or since {@link resetPeak}), in bytes. */
  peakRss(): number | undefined {
    return procStatus(this.pid, 'VmHWM');
  }

  /** Resets the kernel's peak-RSS mark (Linux `clear_refs` 5); false where not allowed. */
  resetPeak(): boolean {
    const file = `/proc/${this.pid}/clear_refs`;
    if (!existsSync(file)) return false;
    try {
      writeFileSync(file, '5');
      return true;
    } catch {
      return false;
    }
  }

  /**
   * A full garbage collection in the target, now. The first full collection of a process (about a
   * hundred seconds into a run, at the old generation's first limit, or when it idles between its
   * turns) frees what start-up and earlier connections left behind, and V8 then throws away the
   * optimised code that referred to any of it (`--trace-deopt`: "marking dependent code for
   * deoptimization, reason: weak objects", 100 to 130 functions of node's http and streams, Koa and
   * routing-controllers at once): for a few seconds the process runs at a half or less while it
   * compiles them again. Which process, and when, is chance, for every target alike. Collecting
   * during the warm-up moves that into the warm-up.
   */
  async collectGarbage(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.off('message', done);
        reject(new Error(`${this.name}: no answer to gc within 30 s`));
      }, 30_000);
      const done = (message: { gc?: boolean }): void => {
        if (typeof message?.gc !== 'boolean') return;
        clearTimeout(timer);
        this.child.off('message', done);
        if (message.gc) resolve();
        else reject(new Error(`${this.name}: gc() is not exposed (node needs --expose-gc)`));
      };
      this.child.on('message', done);
      // With a callback, a closed channel (the target is gone) is reported there, not thrown.
      this.child.send('gc', (error) => {
        if (error === null) return;
        clearTimeout(timer);
        this.child.off('message', done);
        reject(error);
      });
    });
  }

  /** Asks the target to exit and waits for it (a clean exit writes a CPU profile). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.send('stop');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Pins this process (all its threads) to the given CPUs; false when taskset is missing. */
export function pinSelf(cpus: string): boolean {
  try {
    require('node:child_process').execFileSync('taskset', ['-a', '-cp', cpus, String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
