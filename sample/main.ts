/**
 * `npm start`: the sample API, against your Auth0 tenant (`AUTH0_DOMAIN`, `AUTH0_API_AUDIENCE`) or,
 * without `AUTH0_DOMAIN`, against a local Auth0-shaped tenant on port 4000
 * (`AUTH0_LOCAL_TENANT_PORT`), over https with `AUTH0_LOCAL_TENANT_HTTPS=1`. Ctrl-C stops everything.
 */
import { spawn } from 'node:child_process';
import { LocalTenant } from 'routing-controllers-auth0/testing';
import { localTenantHttps, startSample } from './start';

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
  // `on`, not `once`: a signal may arrive twice (from the terminal and from a relaunching parent).
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/**
 * The local tenant over https: the sample's own key set fetch, in this process, must trust the
 * tenant's CA, and Node reads `NODE_EXTRA_CA_CERTS` only when it starts. Unless it already names the
 * CA, run this script again in a child process that has it (the CA is made here on a first start),
 * and pass signals on. Resolves with whether it did.
 */
async function relaunchTrustingLocalCa(): Promise<boolean> {
  if (process.env.AUTH0_DOMAIN) return false;
  const https = localTenantHttps(process.env);
  if (https === undefined) return false;
  const ca = await LocalTenant.openCertificateAuthority(https);
  if (process.env.NODE_EXTRA_CA_CERTS === ca.certificatePath) return false;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.certificatePath },
  });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  process.exitCode = code ?? 1;
  process.off('SIGINT', forward);
  process.off('SIGTERM', forward);
  return true;
}

relaunchTrustingLocalCa()
  .then((relaunched) => (relaunched ? undefined : main()))
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
