import 'reflect-metadata';
import Koa from 'koa';
import { useKoaServer } from 'routing-controllers';
import { Auth0 } from 'routing-controllers-auth0';
import { SampleApi } from './api';

/** The sample's settings, from the environment. */
export interface SampleSettings {
  port: number;
  host: string | undefined;
  domain: string;
  audience: string;
  clientId: string | undefined;
  emailClaim: string | undefined;
}

/** Reads `PORT`, `HOST`, `AUTH0_DOMAIN`, `AUTH0_API_AUDIENCE`, `AUTH0_CLIENT_ID`, `AUTH0_EMAIL_CLAIM`. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): SampleSettings {
  return {
    port: Number(env.PORT ?? 3000),
    host: env.HOST || undefined,
    domain: env.AUTH0_DOMAIN ?? '',
    audience: env.AUTH0_API_AUDIENCE ?? '',
    clientId: env.AUTH0_CLIENT_ID || undefined,
    emailClaim: env.AUTH0_EMAIL_CLAIM || undefined,
  };
}

/** Builds the sample Koa app around an {@link Auth0}. */
export function createSampleApp(auth: Auth0): Koa {
  const app = new Koa();
  useKoaServer(app, {
    controllers: [SampleApi],
    development: false,
    authorizationChecker: auth.authorizationChecker,
    currentUserChecker: auth.currentUserChecker,
  });
  return app;
}

/** Builds the {@link Auth0} from the settings (throws a clear error when one is missing). */
export function createSampleAuth(settings: SampleSettings): Auth0 {
  return new Auth0({
    domain: settings.domain,
    audience: settings.audience,
    clientId: settings.clientId,
    emailClaim: settings.emailClaim,
    scopes: { 'read:blabla': 'Read the BlaBla resource' },
  });
}
