import type { Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import Koa from 'koa';
import express from 'express';
import { useExpressServer, useKoaServer } from 'routing-controllers';
import { type Auth0, expressRefusalHandler } from '../../src';
import { TestTenant } from 'routing-controllers-auth0/testing';

/** A running app on a free loopback port. */
export interface Running {
  url: string;
  close(): Promise<void>;
}

/** Resolves when the server listens, with its loopback URL and a close that ends open connections. */
export function listening(server: Server): Promise<Running> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Starts a routing-controllers Koa app with the given controllers and Auth0 on port 0. */
export function startKoa(auth: Auth0<any>, controllers: Function[]): Promise<Running> {
  const app = new Koa();
  useKoaServer(app, {
    controllers,
    development: false,
    authorizationChecker: auth.authorizationChecker,
    currentUserChecker: auth.currentUserChecker,
  });
  return listening(app.listen(0, '127.0.0.1'));
}

/** The same on routing-controllers' Express driver. */
export function startExpress(auth: Auth0<any>, controllers: Function[]): Promise<Running> {
  const app = express();
  useExpressServer(app, {
    controllers,
    development: false,
    authorizationChecker: auth.authorizationChecker,
    currentUserChecker: auth.currentUserChecker,
  });
  app.use(expressRefusalHandler());
  return listening(app.listen(0, '127.0.0.1'));
}

/** GET with an optional bearer token; returns status, headers and parsed body. */
export async function get(
  url: string,
  options: { token?: string; authorization?: string; headers?: Record<string, string>; withoutResourceMetadata?: boolean } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  const response = await fetch(url, { headers });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  // RFC 9728 §5.1: every 401 and 403 of the library names the resource's metadata. Checked on every
  // answer the suites read, so that no refusal path goes without it.
  const challenge = response.headers.get('www-authenticate');
  if ((response.status === 401 || response.status === 403) && challenge !== null && !options.withoutResourceMetadata) {
    if (!/resource_metadata="https?:\/\/[^"]+\/\.well-known\/oauth-protected-resource[^"]*"/.test(challenge)) {
      throw new Error(`a ${response.status} without resource_metadata: ${challenge}`);
    }
  }
  return { status: response.status, headers: response.headers, body };
}

/** A free loopback port (for a child process that must be told its port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A fresh `TestTenant` for every test of the enclosing `describe`, and `start(auth)` to run a Koa
 * app of the given controllers for the test; both are closed after it.
 */
export function tenantPerTest(controllers: Function[]): { readonly tenant: TestTenant; start(auth: Auth0): Promise<string> } {
  let tenant: TestTenant | undefined;
  let app: Running | undefined;
  beforeEach(async () => {
    tenant = await TestTenant.start();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await tenant?.close();
  });
  return {
    get tenant(): TestTenant {
      if (tenant === undefined) throw new Error('tenantPerTest: the tenant exists inside a test only');
      return tenant;
    },
    async start(auth: Auth0): Promise<string> {
      app = await startKoa(auth, controllers);
      return app.url;
    },
  };
}
