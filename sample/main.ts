/**
 * `npm start`: the sample API, against your Auth0 tenant (`AUTH0_DOMAIN`, `AUTH0_API_AUDIENCE`) or,
 * without `AUTH0_DOMAIN`, against a local Auth0-shaped tenant on port 4000
 * (`AUTH0_LOCAL_TENANT_PORT`). Ctrl-C stops everything.
 */
import { startSample } from './start';

async function main(): Promise<void> {
  const sample = await startSample(process.env);
  console.log(sample.banner());
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('Stopping…');
    // Whatever still holds the event loop after a clean close must not keep the process alive.
    setTimeout(() => process.exit(process.exitCode ?? 0), 5000).unref();
    sample.close().catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
