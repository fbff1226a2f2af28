/**
 * What every bench target shares: listen on a free loopback port, tell the parent which one over
 * the IPC channel, and exit cleanly (so that `--cpu-prof` writes its profile) when told to stop or
 * when the parent goes away, and collect garbage when told to (`Target.collectGarbage`).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The tenant a target verifies against, passed in the environment by the runner. */
export interface BenchTenant {
  issuer: string;
  jwksUri: string;
  audience: string;
}

export function tenantFromEnv(env: NodeJS.ProcessEnv = process.env): BenchTenant {
  const issuer = env.BENCH_ISSUER;
  const jwksUri = env.BENCH_JWKS_URI;
  const audience = env.BENCH_AUDIENCE;
  if (!issuer || !jwksUri || !audience) {
    throw new Error('bench target: BENCH_ISSUER, BENCH_JWKS_URI and BENCH_AUDIENCE must be set (run `npm run bench`)');
  }
  return { issuer, jwksUri, audience };
}

/** Starts listening and reports `{ port }` to the parent; exits on `stop` or when the parent is gone. */
export async function serve(server: Server): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const stop = (): void => {
    server.closeAllConnections();
    server.close();
    // An explicit exit runs the exit hooks (the CPU profile is written there).
    process.exit(0);
  };
  process.on('message', (message) => {
    if (message === 'stop') stop();
    if (message === 'gc') {
      // A full collection on request (the runner starts targets with --expose-gc): see
      // Target.collectGarbage. The answer says whether one ran.
      const { gc } = globalThis as { gc?: () => void };
      gc?.();
      process.send?.({ gc: gc !== undefined });
    }
  });
  process.once('disconnect', stop);
  process.once('SIGTERM', stop);
  process.send?.({ port });
}

/** Runs a target's main function, reporting a start-up failure to the parent. */
export function main(start: () => Promise<void>): void {
  start().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
}
