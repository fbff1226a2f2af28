import { expect } from 'chai';
import express from 'express';
import { createExpressServer, Get, JsonController, useExpressServer } from 'routing-controllers';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { type Auth0, Auth0HttpError, expressRefusalHandler } from '../../src';
import { AdminApi, Api } from '../support/controllers';
import { rawPipeline, rawRequest } from '../support/raw-http';
import { get, listening, startExpress, type Running } from '../support/server';

describe('Express driver: the same checkers', () => {
  let tenant: TestTenant;
  let app: Running;

  before(async () => {
    tenant = await TestTenant.start();
    app = await startExpress(tenant.auth0(), [Api, AdminApi]);
  });
  after(async () => {
    await app.close();
    await tenant.close();
  });

  it('401 with a bare challenge without a token', async () => {
    const res = await get(`${app.url}/secure`);
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.equal(
      `Bearer realm="${tenant.audience}", resource_metadata="${app.url}/.well-known/oauth-protected-resource", DPoP algs="ES256 RS256 PS256 EdDSA"`,
    );
    expect(res.body).to.deep.equal({ error: 'unauthorized', message: 'Missing bearer token' });
  });

  it('200 with the user for a valid token', async () => {
    const res = await get(`${app.url}/secure/blabla`, { token: await tenant.token({ scopes: 'read:blabla', email: 'e@example.com' }) });
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({
      id: 'auth0|test-user',
      permissions: [],
      email: 'e@example.com',
      scopes: ['read:blabla'],
      isMachine: false,
    });
  });

  it('403 insufficient_scope with the scope', async () => {
    const res = await get(`${app.url}/secure/blabla`, { token: await tenant.token() });
    expect(res.status).to.equal(403);
    expect(res.headers.get('www-authenticate')).to.include('error="insufficient_scope"');
    expect(res.headers.get('www-authenticate')).to.include('scope="read:blabla"');
    expect(res.body).to.deep.equal({ error: 'insufficient_scope', message: 'Missing "read:blabla" scope', scope: 'read:blabla' });
  });

  it('401 invalid_token for an expired token', async () => {
    const res = await get(`${app.url}/secure`, { token: await tenant.token({ expiredSecondsAgo: 30 }) });
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.equal(
      `Bearer realm="${tenant.audience}", error="invalid_token", error_description="Expired token", resource_metadata="${app.url}/.well-known/oauth-protected-resource", DPoP algs="ES256 RS256 PS256 EdDSA"`,
    );
    expect(res.body).to.deep.equal({ error: 'invalid_token', message: 'Expired token' });
  });

  it('400 invalid_request for a token in the URL', async () => {
    const res = await get(`${app.url}/secure?access_token=abc`);
    expect(res.status).to.equal(400);
    expect(res.body.error).to.equal('invalid_request');
  });

  it('optional user and controller-level scopes', async () => {
    expect((await get(`${app.url}/guest`)).body).to.deep.equal({ message: 'guest' });
    expect((await get(`${app.url}/admin/stats`, { token: await tenant.token() })).status).to.equal(403);
    expect((await get(`${app.url}/admin/stats`, { token: await tenant.token({ scopes: 'admin:all' }) })).status).to.equal(200);
  });

  it('keeps serving on the same connection after an error answer', async () => {
    for (let i = 0; i < 3; i += 1) {
      expect((await get(`${app.url}/secure`)).status).to.equal(401);
      expect((await get(`${app.url}/public`)).status).to.equal(200);
    }
  });
});

/** A controller whose handler fails: an error that is not a refusal. */
@JsonController('/broken')
class BrokenApi {
  @Get('/')
  fail(): never {
    throw new Error('the handler failed');
  }
}

/** What `run` writes to stderr (console.error included), until the event loop has had one more turn. */
async function stderrOf(run: () => Promise<unknown>): Promise<string> {
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    written.push(String(chunk));
    const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof process.stderr.write;
  try {
    await run();
    // Express prints an error in a setImmediate after handling it.
    await new Promise((resolve) => setImmediate(resolve));
    return written.join('');
  } finally {
    process.stderr.write = write;
  }
}

/** An Express app of the given options, then expressRefusalHandler, then `after` (error middleware). */
function startApp(auth: Auth0, options: { defaultErrorHandler?: boolean }, ...after: express.ErrorRequestHandler[]): Promise<Running> {
  const app = express();
  // Express prints errors unless its env is 'test': pinned, so that the stderr assertions mean the
  // same whatever NODE_ENV the run has.
  app.set('env', 'development');
  useExpressServer(app, {
    controllers: [Api, BrokenApi],
    development: false,
    ...options,
    authorizationChecker: auth.authorizationChecker,
    currentUserChecker: auth.currentUserChecker,
  });
  app.use(expressRefusalHandler());
  for (const handler of after) app.use(handler);
  return listening(app.listen(0, '127.0.0.1'));
}

describe('Express: expressRefusalHandler ends the chain for answered refusals only', () => {
  let tenant: TestTenant;
  let app: Running | undefined;

  before(async () => {
    tenant = await TestTenant.start();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  after(async () => {
    await tenant.close();
  });

  it('a 401 prints nothing, and the request pipelined after it is answered', async () => {
    app = await startApp(tenant.auth0(), {});
    const port = Number(new URL(app.url).port);
    let answers: Awaited<ReturnType<typeof rawPipeline>> = [];
    const printed = await stderrOf(async () => {
      answers = await rawPipeline(port, ['/secure', '/public']);
    });
    expect({ stderr: printed, statuses: answers.map((answer) => answer.status) }).to.deep.equal({ stderr: '', statuses: [401, 200] });
    expect(answers[0].headers['www-authenticate']).to.equal(
      `Bearer realm="${tenant.audience}", resource_metadata="${app.url}/.well-known/oauth-protected-resource", DPoP algs="ES256 RS256 PS256 EdDSA"`,
    );
    expect(JSON.parse(answers[0].body)).to.deep.equal({ error: 'unauthorized', message: 'Missing bearer token' });
    expect(JSON.parse(answers[1].body)).to.deep.equal({ message: 'Anonymous user' });
  });

  it("a required @CurrentUser() without a token (routing-controllers' own 401) prints nothing either", async () => {
    app = await startApp(tenant.auth0(), {});
    const port = Number(new URL(app.url).port);
    let answers: Awaited<ReturnType<typeof rawPipeline>> = [];
    const printed = await stderrOf(async () => {
      answers = await rawPipeline(port, ['/me', '/public']);
    });
    expect({ stderr: printed, statuses: answers.map((answer) => answer.status) }).to.deep.equal({ stderr: '', statuses: [401, 200] });
  });

  it('the same on an app made by createExpressServer', async () => {
    const auth = tenant.auth0();
    const made: express.Express = createExpressServer({
      controllers: [Api],
      development: false,
      authorizationChecker: auth.authorizationChecker,
      currentUserChecker: auth.currentUserChecker,
    });
    made.set('env', 'development');
    made.use(expressRefusalHandler());
    app = await listening(made.listen(0, '127.0.0.1'));
    let answers: Awaited<ReturnType<typeof rawPipeline>> = [];
    const printed = await stderrOf(async () => {
      answers = await rawPipeline(Number(new URL(app?.url ?? '').port), ['/secure', '/public']);
    });
    expect({ stderr: printed, statuses: answers.map((answer) => answer.status) }).to.deep.equal({ stderr: '', statuses: [401, 200] });
  });

  it('a 403 and a 401 for an expired token print nothing either, each followed by an answered request', async () => {
    app = await startApp(tenant.auth0(), {});
    const port = Number(new URL(app.url).port);
    const refusals: [string, number][] = [
      [await tenant.token(), 403],
      [await tenant.token({ expiredSecondsAgo: 30 }), 401],
    ];
    for (const [token, status] of refusals) {
      let answers: Awaited<ReturnType<typeof rawPipeline>> = [];
      const printed = await stderrOf(async () => {
        answers = await rawPipeline(port, ['/secure/blabla', '/public'], [`Authorization: Bearer ${token}`]);
      });
      expect({ stderr: printed, statuses: answers.map((answer) => answer.status) }).to.deep.equal({ stderr: '', statuses: [status, 200] });
    }
  });

  it("a handler's own error still goes on to Express: answered 500, then Express's final handler prints it", async () => {
    app = await startApp(tenant.auth0(), {});
    const port = Number(new URL(app.url).port);
    let answer: Awaited<ReturnType<typeof rawRequest>> | undefined;
    const printed = await stderrOf(async () => {
      answer = await rawRequest(port, 'GET /broken HTTP/1.1', [`Host: 127.0.0.1:${port}`]);
    });
    expect(answer?.status).to.equal(500);
    expect(JSON.parse(answer?.body ?? '')).to.deep.equal({ name: 'Error', message: 'the handler failed' });
    expect(printed).to.include('Error: the handler failed');
  });

  it('passes on an error after the answer to the next error middleware, and a refusal before it', async () => {
    const seen: unknown[] = [];
    const record: express.ErrorRequestHandler = (error, _req, res, next) => {
      seen.push(error);
      if (res.headersSent) return;
      // With defaultErrorHandler: false the app answers the refusal itself.
      if (error instanceof Auth0HttpError) {
        res
          .status(error.httpCode)
          .set(error.headers)
          .json({ handledBy: 'app', ...error.toJSON() });
        return;
      }
      next(error);
    };
    app = await startApp(tenant.auth0(), {}, record);
    expect((await get(`${app.url}/broken`)).status).to.equal(500);
    expect((await get(`${app.url}/secure`)).status).to.equal(401);
    expect(seen.map((error) => (error as Error).message)).to.deep.equal(['the handler failed']);
    await app.close();

    seen.length = 0;
    app = await startApp(tenant.auth0(), { defaultErrorHandler: false }, record);
    const refused = await get(`${app.url}/secure`);
    expect(refused.status).to.equal(401);
    expect(refused.headers.get('www-authenticate')).to.equal(
      `Bearer realm="${tenant.audience}", resource_metadata="${app.url}/.well-known/oauth-protected-resource", DPoP algs="ES256 RS256 PS256 EdDSA"`,
    );
    expect(refused.body).to.deep.equal({ handledBy: 'app', error: 'unauthorized', message: 'Missing bearer token' });
    expect(seen).to.have.length(1);
    expect(seen[0]).to.be.instanceOf(Auth0HttpError);
  });
});
