/**
 * The sample app exactly as `npm start` builds it (sample/app.ts), pointed at the bench's loopback
 * tenant through the sample's own environment variables.
 */
import { createServer } from 'node:http';
import { createSampleApp, createSampleAuth, settingsFromEnv } from '../../sample/app';
import { main, serve, tenantFromEnv } from './serve';

main(async () => {
  const tenant = tenantFromEnv();
  const settings = settingsFromEnv({ ...process.env, AUTH0_DOMAIN: tenant.issuer, AUTH0_API_AUDIENCE: tenant.audience });
  const app = createSampleApp(createSampleAuth(settings));
  await serve(createServer(app.callback()));
});
