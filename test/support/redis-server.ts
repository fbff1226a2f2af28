import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import { freePort } from './server';

/** The `redis-server` executable: `REDIS_SERVER_PATH`, else the first one on the PATH; undefined when there is none. */
export function redisServerPath(): string | undefined {
  const candidates = process.env.REDIS_SERVER_PATH
    ? [process.env.REDIS_SERVER_PATH]
    : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'redis-server'));
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Whether a Redis answers PING on the loopback port (one attempt). */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
    socket.on('connect', () => socket.write('PING\r\n'));
  });
}

/**
 * A `redis-server` of the test's own on a free loopback port, without persistence, that can be
 * stopped, paused (SIGSTOP: it keeps its connections but answers nothing) and started again on
 * the same port. Killed when the test process exits.
 */
export class RedisServer {
  private process: ChildProcess | undefined;
  private output = '';

  private constructor(
    private readonly executable: string,
    readonly port: number,
  ) {
    process.once('exit', () => this.process?.kill('SIGKILL'));
  }

  /** `redis://127.0.0.1:{port}`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Whether the server process is running (paused or not). */
  get running(): boolean {
    return this.process !== undefined;
  }

  /** Starts a server on a free port; resolves once it answers PING. */
  static async start(executable: string): Promise<RedisServer> {
    const server = new RedisServer(executable, await freePort());
    await server.start();
    return server;
  }

  /** Starts the server (again) on its port; resolves once it answers PING. */
  async start(): Promise<void> {
    if (this.process !== undefined) throw new Error('redis-server is already running');
    this.output = '';
    const child = spawn(
      this.executable,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.process = child;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let exited = false;
    child.once('exit', () => {
      exited = true;
      if (this.process === child) this.process = undefined;
    });
    const deadline = Date.now() + 10_000;
    while (!(await pings(this.port))) {
      if (exited || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not start on port ${this.port}:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stops the server (SIGTERM: it closes its connections) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.process;
    if (child === undefined) return;
    if (child.signalCode === null && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    this.process = undefined;
  }

  /** Freezes the server (SIGSTOP): connections stay open, commands get no answer. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  /** Lets a paused server run again (SIGCONT). */
  resume(): void {
    this.process?.kill('SIGCONT');
  }
}

/**
 * For a `before` hook: a running Redis, or, when `redis-server` is missing, the suite skipped with
 * a line in the run's output saying so. In CI (`CI` set) a missing `redis-server` fails instead.
 */
export async function redisServerOrSkip(context: Mocha.Context): Promise<RedisServer> {
  const executable = redisServerPath();
  if (executable === undefined) {
    const hint = 'apt-get install redis-server, or set REDIS_SERVER_PATH';
    if (process.env.CI) throw new Error(`redis-server not found: the Redis tests cannot run in CI (${hint})`);
    console.warn(`    redis-server not found: Redis tests skipped (${hint})`);
    context.skip();
  }
  return RedisServer.start(executable);
}
