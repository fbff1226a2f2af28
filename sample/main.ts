import { createSampleApp, createSampleAuth, settingsFromEnv } from './app';

async function main(): Promise<void> {
  const settings = settingsFromEnv();
  const auth = createSampleAuth(settings);
  const app = createSampleApp(auth);
  const server = app.listen(settings.port, settings.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : settings.port;
  const base = `http://${settings.host ?? 'localhost'}:${port}`;
  console.log(`Sample API on ${base} (issuer ${auth.config.issuer}, audience ${auth.config.audience.join(', ')})`);
  console.log(`  GET ${base}/public   GET ${base}/secure   GET ${base}/secure/blabla   GET ${base}/guest`);
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
