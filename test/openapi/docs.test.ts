import { expect } from 'chai';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express from 'express';
import Koa from 'koa';
import { useExpressServer, useKoaServer } from 'routing-controllers';
import { Auth0, expressRefusalHandler } from '../../src';
import { Auth0Docs, auth0LogoutUrl, docsCallbackUrl, useExpressDocs, useKoaDocs, type Auth0DocsOptions } from '../../src/openapi';
import { createSampleApp, createSampleAuth, sampleCallbackUrl, sampleDocsUrl, settingsFromEnv } from '../../sample/app';
import { SampleApi } from '../../sample/api';
import { listening, type Running } from '../support/server';
import { expectValid } from './validate';
import type { InitializerConfig } from '../../src/openapi/browser/swagger-ui';

const DIST = dirname(require.resolve('swagger-ui-dist/package.json'));
const SCOPES = { 'read:blabla': 'Read the BlaBla resource' };

function auth(options: { clientId?: string } = {}): Auth0 {
  return new Auth0({ domain: 'tenant.example.com', audience: 'https://api.example.com', scopes: SCOPES, ...options });
}

function koaApp(a: Auth0, options: Auth0DocsOptions = {}): Promise<Running> {
  const app = new Koa();
  const routing = {
    controllers: [SampleApi],
    development: false,
    authorizationChecker: a.authorizationChecker,
    currentUserChecker: a.currentUserChecker,
  };
  useKoaDocs(app, a, { spec: { routing }, ...options });
  useKoaServer(app, routing);
  return listening(app.listen(0, '127.0.0.1'));
}

function expressApp(a: Auth0, options: Auth0DocsOptions = {}): Promise<Running> {
  const app = express();
  const routing = {
    controllers: [SampleApi],
    development: false,
    authorizationChecker: a.authorizationChecker,
    currentUserChecker: a.currentUserChecker,
  };
  useExpressDocs(app, a, { spec: { routing }, ...options });
  useExpressServer(app, routing);
  app.use(expressRefusalHandler());
  return listening(app.listen(0, '127.0.0.1'));
}

async function fetchRaw(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string; bytes: Buffer }> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, text: bytes.toString('utf8'), bytes };
}

/** The configuration the page's initializer script reads: `{docsPath}/swagger-initializer.json`. */
async function initializerConfig(url: string): Promise<InitializerConfig> {
  const res = await fetchRaw(url);
  expect(res.status, url).to.equal(200);
  return JSON.parse(res.text);
}

/** The client id in the configuration an {@link Auth0Docs} serves to the page. */
function servedClientId(docs: Auth0Docs): string {
  const answer = docs.handle({ method: 'GET', path: '/docs/swagger-initializer.json' });
  return (JSON.parse(String(answer?.body)) as InitializerConfig).oauth.clientId;
}

/** The initializer script, as it is in the source tree. */
const INITIALIZER_SOURCE = readFileSync(join(__dirname, '../../src/openapi/browser/swagger-initializer.js'));

for (const [driver, start] of [
  ['Koa', koaApp],
  ['Express', expressApp],
] as const) {
  describe(`Swagger UI on ${driver}: served offline from swagger-ui-dist`, () => {
    let app: Running;

    before(async () => {
      app = await start(auth({ clientId: 'docs-client' }));
    });
    after(async () => {
      await app?.close();
    });

    it('GET /docs redirects to /docs/ (the page uses relative URLs), keeping the query', async () => {
      const res = await fetchRaw(`${app.url}/docs`);
      expect(res.status).to.equal(302);
      expect(res.headers.get('location')).to.equal('docs/');
      expect(new URL(res.headers.get('location')!, `${app.url}/docs`).href).to.equal(`${app.url}/docs/`);
      const withQuery = await fetchRaw(`${app.url}/docs?x=1`);
      expect(withQuery.headers.get('location')).to.equal('docs/?x=1');
    });

    it('GET /docs/ is the page: local assets only, the logout link, and a strict CSP', async () => {
      const res = await fetchRaw(`${app.url}/docs/`);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).to.equal(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
          "connect-src 'self' https://tenant.example.com; frame-ancestors 'self'; base-uri 'self'; object-src 'none'",
      );
      expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(res.headers.get('referrer-policy')).to.equal('no-referrer');
      expect(res.text).to.include('<title>API</title>');
      expect(res.text).to.include('<a id="auth0-logout" href="./logout"');
      expect(res.text).to.include('Log out of Auth0');
      const sources = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      expect(sources).to.deep.equal([
        './swagger-ui.css',
        './index.css',
        './auth0-docs.css',
        './favicon-32x32.png',
        './favicon-16x16.png',
        './logout',
        './swagger-ui-bundle.js',
        './swagger-initializer.js',
      ]);
      expect(res.text).to.not.match(/https?:\/\//);
      for (const source of sources.filter((s) => s !== './logout')) {
        const asset = await fetchRaw(new URL(source, `${app.url}/docs/`).href);
        expect(asset.status, source).to.equal(200);
      }
    });

    it('GET /docs/index.html is the same page', async () => {
      const res = await fetchRaw(`${app.url}/docs/index.html`);
      expect(res.status).to.equal(200);
      expect(res.text).to.include('id="swagger-ui"');
    });

    it('serves swagger-ui-dist files byte for byte with their types', async () => {
      for (const [name, type] of [
        ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
        ['swagger-ui.css', 'text/css; charset=utf-8'],
        ['oauth2-redirect.js', 'text/javascript; charset=utf-8'],
        ['favicon-32x32.png', 'image/png'],
      ]) {
        const res = await fetchRaw(`${app.url}/docs/${name}`);
        expect(res.status, name).to.equal(200);
        expect(res.headers.get('content-type'), name).to.equal(type);
        expect(res.headers.get('cache-control'), name).to.equal('public, max-age=86400');
        expect(res.bytes.equals(readFileSync(join(DIST, name))), name).to.equal(true);
      }
    });

    it('serves the OAuth 2 redirect page at /docs/oauth2-redirect and .html, never cached', async () => {
      const expected = readFileSync(join(DIST, 'oauth2-redirect.html'), 'utf8');
      for (const path of ['/docs/oauth2-redirect', '/docs/oauth2-redirect.html']) {
        const res = await fetchRaw(`${app.url}${path}?code=abc&state=xyz`);
        expect(res.status, path).to.equal(200);
        expect(res.headers.get('content-type')).to.equal('text/html; charset=utf-8');
        expect(res.headers.get('cache-control')).to.equal('no-store');
        expect(res.headers.get('referrer-policy')).to.equal('no-referrer');
        expect(res.text).to.equal(expected);
        expect(res.text).to.include('<script src="oauth2-redirect.js"></script>');
      }
    });

    it('serves swagger-initializer.json: spec URL, redirect page, initOAuth with client id, audience, PKCE and scopes', async () => {
      const res = await fetchRaw(`${app.url}/docs/swagger-initializer.json`);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('application/json; charset=utf-8');
      expect(res.headers.get('cache-control')).to.equal('no-cache');
      expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(JSON.parse(res.text)).to.deep.equal({
        specUrl: '/openapi.json',
        audience: 'https://api.example.com',
        redirectPath: 'oauth2-redirect',
        persistAuthorization: false,
        oauth: {
          clientId: 'docs-client',
          scopes: ['read:blabla'],
          usePkceWithAuthorizationCodeGrant: true,
          additionalQueryStringParams: { audience: 'https://api.example.com' },
        },
        swaggerUiOptions: {},
      });
    });

    it('serves swagger-initializer.js as is: the source file byte for byte, with no configuration in it', async () => {
      const res = await fetchRaw(`${app.url}/docs/swagger-initializer.js`);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('text/javascript; charset=utf-8');
      expect(res.headers.get('cache-control')).to.equal('no-cache');
      expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(res.bytes.equals(INITIALIZER_SOURCE)).to.equal(true);
      for (const value of ['docs-client', 'api.example.com', 'tenant.example.com', '/openapi.json', 'read:blabla']) {
        expect(res.text).to.not.include(value);
      }
      expect(res.text).to.include("fetch('./swagger-initializer.json'");
      expect(res.text).to.include('ui.initOAuth(config.oauth)');
      expect(res.text).to.include('validatorUrl: null');
    });

    it('GET /openapi.json is the document, and it validates', async () => {
      const res = await fetchRaw(`${app.url}/openapi.json`);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('application/json; charset=utf-8');
      const spec = JSON.parse(res.text);
      await expectValid(spec);
      expect(Object.keys(spec.paths)).to.deep.equal(['/public', '/secure', '/secure/blabla', '/guest']);
      expect(spec.paths['/secure/blabla'].get.security[0]).to.deep.equal({ Auth0AuthorizationCode: ['read:blabla'] });
      expect(spec.paths['/public'].get.security).to.equal(undefined);
    });

    it('GET /docs/logout sends the browser to Auth0 /v2/logout, back to the page', async () => {
      const res = await fetchRaw(`${app.url}/docs/logout`);
      expect(res.status).to.equal(302);
      expect(res.headers.get('location')).to.equal(
        `https://tenant.example.com/v2/logout?client_id=docs-client&returnTo=${encodeURIComponent(`${app.url}/docs/`)}`,
      );
    });

    it('GET /docs/logout with a Host header that makes no URL still redirects (without returnTo), never a 500', async () => {
      const { port } = new URL(app.url);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1');
        let text = '';
        socket.on('data', (chunk) => {
          text += chunk.toString();
        });
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
        socket.write('GET /docs/logout HTTP/1.1\r\nHost: x:y:z\r\nConnection: close\r\n\r\n');
      });
      expect(answer.split('\r\n')[0]).to.equal('HTTP/1.1 302 Found');
      expect(answer).to.include('Location: https://tenant.example.com/v2/logout?client_id=docs-client\r\n');
    });

    it('HEAD works; other methods and other files pass through to the app', async () => {
      for (const name of ['swagger-initializer.js', 'swagger-initializer.json']) {
        const head = await fetchRaw(`${app.url}/docs/${name}`, { method: 'HEAD' });
        expect(head.status, name).to.equal(200);
        expect(head.text, name).to.equal('');
      }
      for (const path of [
        '/docs/package.json',
        '/docs/index.js',
        '/docs/swagger-ui.js',
        '/docs/swagger-ui.d.ts',
        '/docs/browser/swagger-initializer.js',
        '/docs/toString',
        '/docs/../package.json',
        '/docs/%2e%2e/package.json',
        '/docsx',
      ]) {
        const res = await fetchRaw(`${app.url}${path}`);
        expect(res.status, path).to.equal(404);
      }
      const post = await fetchRaw(`${app.url}/docs/`, { method: 'POST' });
      expect(post.status).to.equal(404);
    });

    it('the API still answers next to the docs', async () => {
      const open = await fetchRaw(`${app.url}/public`);
      expect(open.status).to.equal(200);
      expect(JSON.parse(open.text)).to.deep.equal({ message: 'Anonymous user' });
      const secure = await fetchRaw(`${app.url}/secure`);
      expect(secure.status).to.equal(401);
      expect(secure.headers.get('www-authenticate')).to.equal(
        `Bearer realm="https://api.example.com", resource_metadata="${app.url}/.well-known/oauth-protected-resource", DPoP algs="ES256 RS256 PS256 EdDSA"`,
      );
    });
  });
}

describe('Swagger UI options', () => {
  let app: Running | undefined;
  const saved = process.env.AUTH0_CLIENT_ID;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    if (saved === undefined) delete process.env.AUTH0_CLIENT_ID;
    else process.env.AUTH0_CLIENT_ID = saved;
  });

  it('paths, title, scopes, audience, logout return URL, persistence, CSP and Swagger UI options are configurable', async () => {
    app = await koaApp(auth({ clientId: 'docs-client' }), {
      docsPath: '/api/reference',
      specPath: '/api/spec.json',
      title: 'Blabla <API>',
      scopes: ['read:blabla', 'openid'],
      audience: 'https://other.example.com',
      logoutReturnTo: 'https://app.example.com/bye',
      persistAuthorization: true,
      contentSecurityPolicy: false,
      swaggerUiOptions: { docExpansion: 'none' },
    });
    const redirect = await fetchRaw(`${app.url}/api/reference`);
    expect(redirect.status).to.equal(302);
    expect(redirect.headers.get('location')).to.equal('reference/');
    const page = await fetchRaw(`${app.url}/api/reference/`);
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-security-policy')).to.equal(null);
    expect(page.text).to.include('<title>Blabla &#60;API&#62;</title>');
    const config = await initializerConfig(`${app.url}/api/reference/swagger-initializer.json`);
    expect(config.specUrl).to.equal('/api/spec.json');
    expect(config.audience).to.equal('https://other.example.com');
    expect(config.persistAuthorization).to.equal(true);
    expect(config.swaggerUiOptions).to.deep.equal({ docExpansion: 'none' });
    expect(config.oauth).to.deep.equal({
      clientId: 'docs-client',
      scopes: ['read:blabla', 'openid'],
      usePkceWithAuthorizationCodeGrant: true,
      additionalQueryStringParams: { audience: 'https://other.example.com' },
      appName: 'Blabla <API>',
    });
    const script = await fetchRaw(`${app.url}/api/reference/swagger-initializer.js`);
    expect(script.bytes.equals(INITIALIZER_SOURCE)).to.equal(true);
    for (const value of ['/api/spec.json', 'other.example.com', 'Blabla', 'docExpansion', 'app.example.com']) {
      expect(script.text).to.not.include(value);
    }
    const document = await fetchRaw(`${app.url}/api/spec.json`);
    expect(document.status).to.equal(200);
    // The redirect page the authorization code scheme names is the one under this docsPath.
    expect(JSON.parse(document.text).components.securitySchemes.Auth0AuthorizationCode.description).to.include(
      '`/api/reference/oauth2-redirect`',
    );
    expect((await fetchRaw(`${app.url}/openapi.json`)).status).to.equal(404);
    expect((await fetchRaw(`${app.url}/docs/`)).status).to.equal(404);
    expect((await fetchRaw(`${app.url}/api/reference/oauth2-redirect`)).status).to.equal(200);
    const logout = await fetchRaw(`${app.url}/api/reference/logout`);
    expect(logout.headers.get('location')).to.equal(
      'https://tenant.example.com/v2/logout?client_id=docs-client&returnTo=https%3A%2F%2Fapp.example.com%2Fbye',
    );
  });

  it('takes the client id from AUTH0_CLIENT_ID when the Auth0 object has none', async () => {
    process.env.AUTH0_CLIENT_ID = 'from-env';
    app = await koaApp(auth());
    const config = await initializerConfig(`${app.url}/docs/swagger-initializer.json`);
    expect(config.oauth.clientId).to.equal('from-env');
  });

  it('reads AUTH0_CLIENT_ID once, when the docs are set up, not at each request (Koa and Express)', async () => {
    for (const start of [koaApp, expressApp]) {
      // The Auth0 object is made without the variable, so that only the docs can read it.
      delete process.env.AUTH0_CLIENT_ID;
      const a = auth();
      process.env.AUTH0_CLIENT_ID = 'at-set-up';
      const running = await start(a);
      try {
        process.env.AUTH0_CLIENT_ID = 'changed-later';
        const config = await initializerConfig(`${running.url}/docs/swagger-initializer.json`);
        expect(config.oauth.clientId, start.name).to.equal('at-set-up');
        const logout = await fetchRaw(`${running.url}/docs/logout`);
        expect(new URL(String(logout.headers.get('location'))).searchParams.get('client_id'), start.name).to.equal('at-set-up');
      } finally {
        await running.close();
      }
    }
  });

  it('leaves the client id out when AUTH0_CLIENT_ID is set only after the docs are set up', async () => {
    delete process.env.AUTH0_CLIENT_ID;
    const docs = new Auth0Docs(auth());
    process.env.AUTH0_CLIENT_ID = 'too-late';
    expect(servedClientId(docs)).to.equal('');
    expect(docs.logoutUrl({ origin: 'http://localhost:3000' })).to.equal(
      'https://tenant.example.com/v2/logout?returnTo=http%3A%2F%2Flocalhost%3A3000%2Fdocs%2F',
    );
  });

  it('prefers the clientId option, then the Auth0 object, to AUTH0_CLIENT_ID', () => {
    process.env.AUTH0_CLIENT_ID = 'from-env';
    expect(servedClientId(new Auth0Docs(auth({ clientId: 'from-auth' }), { clientId: 'from-option' }))).to.equal('from-option');
    expect(servedClientId(new Auth0Docs(auth({ clientId: 'from-auth' })))).to.equal('from-auth');
  });

  it('serves a finished document, or one from a function, as given', async () => {
    const spec = { openapi: '3.0.3', info: { title: 'Given', version: '1' }, paths: {} };
    const docs = new Auth0Docs(auth(), { spec });
    expect(docs.spec).to.equal(spec);
    let calls = 0;
    const lazy = new Auth0Docs(auth(), { spec: () => (calls++, spec) });
    expect(calls).to.equal(0);
    const answer = lazy.handle({ method: 'GET', path: '/openapi.json' });
    lazy.handle({ method: 'GET', path: '/openapi.json' });
    expect(calls).to.equal(1);
    expect(answer?.status).to.equal(200);
    expect(JSON.parse(String(answer?.body))).to.deep.equal(spec);
  });

  it('puts the spec servers and the tenant into the CSP connect-src', () => {
    const docs = new Auth0Docs(auth(), {
      spec: { routing: { controllers: [SampleApi] }, servers: [{ url: 'https://api.example.com/v1' }, { url: '/relative' }] },
    });
    const answer = docs.handle({ method: 'GET', path: '/docs/' });
    expect(answer?.headers['Content-Security-Policy']).to.include("connect-src 'self' https://tenant.example.com https://api.example.com;");
  });

  it('refuses bad paths and return URLs at start-up', () => {
    for (const docsPath of ['docs', '/docs/', '/', '/do cs', '/docs?x']) {
      expect(() => new Auth0Docs(auth(), { docsPath }), docsPath).to.throw(TypeError, /docsPath/);
    }
    expect(() => new Auth0Docs(auth(), { specPath: 'openapi.json' })).to.throw(TypeError, /specPath/);
    expect(() => new Auth0Docs(auth(), { specPath: '/docs/openapi.json' })).to.throw(TypeError, /inside/);
    expect(() => new Auth0Docs(auth(), { logoutReturnTo: '/docs/' })).to.throw(TypeError, /absolute URL/);
  });
});

describe('Auth0 logout and callback URLs', () => {
  it('builds {issuer}v2/logout?client_id=…&returnTo=…', () => {
    expect(auth0LogoutUrl(auth({ clientId: 'abc' }), { returnTo: 'http://localhost:3000/docs/' })).to.equal(
      'https://tenant.example.com/v2/logout?client_id=abc&returnTo=http%3A%2F%2Flocalhost%3A3000%2Fdocs%2F',
    );
    expect(auth0LogoutUrl(auth({ clientId: 'abc' }), { clientId: 'xyz', federated: true })).to.equal(
      'https://tenant.example.com/v2/logout?client_id=xyz&federated=',
    );
    const local = new Auth0({ domain: 'http://localhost:4000/', audience: 'https://api.example.com' });
    const saved = process.env.AUTH0_CLIENT_ID;
    delete process.env.AUTH0_CLIENT_ID;
    try {
      expect(auth0LogoutUrl(local)).to.equal('http://localhost:4000/v2/logout');
    } finally {
      if (saved !== undefined) process.env.AUTH0_CLIENT_ID = saved;
    }
  });

  it('names the redirect page to add to "Allowed Callback URLs"', () => {
    expect(docsCallbackUrl('http://localhost:3000')).to.equal('http://localhost:3000/docs/oauth2-redirect');
    expect(docsCallbackUrl('http://localhost:3000/', { docsPath: '/api/docs' })).to.equal('http://localhost:3000/api/docs/oauth2-redirect');
    expect(new Auth0Docs(auth()).pageUrl('https://api.example.com/')).to.equal('https://api.example.com/docs/');
    expect(() => docsCallbackUrl('http://localhost:3000', { docsPath: 'docs' })).to.throw(TypeError, /docsPath/);
    expect(sampleCallbackUrl('http://localhost:3000')).to.equal('http://localhost:3000/docs/oauth2-redirect');
    expect(sampleDocsUrl('http://localhost:3000/')).to.equal('http://localhost:3000/docs/');
  });
});

describe('the sample serves its docs', () => {
  let app: Running;
  before(async () => {
    const settings = settingsFromEnv({
      AUTH0_DOMAIN: 'tenant.example.com',
      AUTH0_API_AUDIENCE: 'https://api.example.com',
      AUTH0_CLIENT_ID: 'sample-client',
    });
    app = await listening(createSampleApp(createSampleAuth(settings)).listen(0, '127.0.0.1'));
  });
  after(async () => {
    await app?.close();
  });

  it('/docs/, its assets, the redirect page and /openapi.json, with no network', async () => {
    expect((await fetchRaw(`${app.url}/docs`)).headers.get('location')).to.equal('docs/');
    for (const path of [
      '/docs/',
      '/docs/swagger-ui-bundle.js',
      '/docs/swagger-ui.css',
      '/docs/oauth2-redirect',
      '/docs/oauth2-redirect.html',
      '/docs/oauth2-redirect.js',
    ]) {
      expect((await fetchRaw(`${app.url}${path}`)).status, path).to.equal(200);
    }
    const spec = JSON.parse((await fetchRaw(`${app.url}/openapi.json`)).text);
    await expectValid(spec);
    expect(spec.info.title).to.equal('routing-controllers-auth0 sample');
    expect(Object.keys(spec.components.securitySchemes)).to.deep.equal([
      'Auth0AuthorizationCode',
      'Auth0Implicit',
      'Auth0ClientCredentials',
      'BearerToken',
    ]);
    expect(spec.components.securitySchemes.Auth0AuthorizationCode.description).to.include('`/docs/oauth2-redirect`');
    // No lock on a public route: no document-wide requirement, none on the operation.
    expect(spec).to.not.have.property('security');
    expect(spec.paths['/public'].get).to.not.have.property('security');
    const config = await initializerConfig(`${app.url}/docs/swagger-initializer.json`);
    expect(config.oauth.clientId).to.equal('sample-client');
    expect(config.oauth.scopes).to.deep.equal(['read:blabla']);
  });
});
