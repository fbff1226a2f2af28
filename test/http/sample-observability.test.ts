import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import pino from 'pino';
import type { AuthEvent } from 'routing-controllers-auth0';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { createSampleApp, createSampleAuth, settingsFromEnv } from '../../sample/app';
import { createObservability } from '../../sample/observability';
import { outsideAddress, rawRequest } from '../support/raw-http';
import { get, listening, type Running } from '../support/server';

describe('the sample: refusals as JSON logs, metrics at /metrics', () => {
  let tenant: TestTenant;
  let app: Running;
  const lines: string[] = [];

  before(async () => {
    tenant = await TestTenant.start({ audience: 'https://sample.example.com' });
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const observability = createObservability(pino({ name: 'sample' }, sink));
    const settings = settingsFromEnv({ AUTH0_DOMAIN: tenant.issuer, AUTH0_API_AUDIENCE: tenant.audience });
    const koa = createSampleApp(createSampleAuth(settings, { onEvent: observability.onEvent }), observability.registry);
    app = await listening(koa.listen(0, '127.0.0.1'));
  });
  after(async () => {
    await app.close();
    await tenant.close();
  });

  it('logs each refusal as one JSON line without the token, and counts everything in Prometheus text', async () => {
    const token = await tenant.token();
    const expired = await tenant.token({ expiredSecondsAgo: 60 });
    expect((await get(`${app.url}/secure`, { token })).status).to.equal(200);
    expect((await get(`${app.url}/secure`, { token })).status).to.equal(200);
    expect((await get(`${app.url}/secure`, { token: expired })).status).to.equal(401);
    expect((await get(`${app.url}/secure/blabla`, { token })).status).to.equal(403);

    const logged = lines.map((line) => JSON.parse(line) as { msg: string; event: Record<string, unknown> });
    expect(logged.map((l) => [l.msg, l.event.status, l.event.reason, l.event.route])).to.deep.equal([
      ['request refused', 401, 'expired', '/secure'],
      ['request refused', 403, 'insufficient_scope', '/secure/blabla'],
    ]);
    for (const part of [...token.split('.'), ...expired.split('.')]) expect(lines.join('\n')).not.to.include(part);

    const metrics = await fetch(`${app.url}/metrics`);
    expect(metrics.status).to.equal(200);
    expect(metrics.headers.get('content-type')).to.match(/^text\/plain/);
    const text = await metrics.text();
    expect(text).to.include('auth_refusals_total{code="invalid_token",reason="expired"} 1');
    expect(text).to.include('auth_refusals_total{code="insufficient_scope",reason="insufficient_scope"} 1');
    expect(text).to.include('auth_key_set_fetches_total{outcome="ok"} 1');
    // A token is cached from its second verification on: the third use (the 403) is a hit.
    expect(text).to.include('auth_token_cache_total{result="miss"} 2');
    expect(text).to.include('auth_token_cache_total{result="hit"} 1');
    expect(text).to.include('auth_verification_duration_seconds_count 3');
  });
});

describe('the sample: /metrics to this machine only, even with a real tenant on every interface', () => {
  let tenant: TestTenant;
  let server: Server;
  let port: number;

  before(async () => {
    tenant = await TestTenant.start({ audience: 'https://sample.example.com' });
    const observability = createObservability(pino({ level: 'silent' }));
    const settings = settingsFromEnv({ AUTH0_DOMAIN: tenant.issuer, AUTH0_API_AUDIENCE: tenant.audience });
    server = createServer(
      createSampleApp(createSampleAuth(settings, { onEvent: observability.onEvent }), observability.registry).callback(),
    );
    // As `npm start` listens with a real tenant and no HOST: every interface, IPv4 peers seen as ::ffff:a.b.c.d.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '::', resolve);
    });
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
    await tenant.close();
  });

  const FORBIDDEN =
    'Forbidden: /metrics is served only to this machine (a loopback connection addressed to localhost, 127.0.0.1 or [::1]).\n';

  it('serves a loopback connection addressed to a loopback name (IPv4, IPv4-mapped and IPv6 peers)', async () => {
    for (const [address, host] of [
      ['127.0.0.1', `127.0.0.1:${port}`],
      ['127.0.0.1', `localhost:${port}`],
      ['127.0.0.1', `LocalHost:${port}`],
      ['::1', `[::1]:${port}`],
    ]) {
      const res = await rawRequest(port, 'GET /metrics HTTP/1.1', [`Host: ${host}`], address);
      expect([address, host, res.status, res.headers['content-type']]).to.deep.equal([
        address,
        host,
        200,
        'text/plain; version=0.0.4; charset=utf-8',
      ]);
      expect(res.body).to.include('# TYPE auth_refusals_total counter');
    }
  });

  it('refuses a Host that is not a loopback name (DNS rebinding), which the API of a real tenant answers', async () => {
    for (const host of [`rebound.example:${port}`, 'rebound.example', `localhost.:${port}`, `localhost.rebound.example:${port}`]) {
      const metrics = await rawRequest(port, 'GET /metrics HTTP/1.1', [`Host: ${host}`]);
      expect([host, metrics.status, metrics.headers['content-type'], metrics.body]).to.deep.equal([
        host,
        403,
        'text/plain; charset=utf-8',
        FORBIDDEN,
      ]);
      expect(metrics.headers['cache-control']).to.equal('no-store');
      expect((await rawRequest(port, 'GET /public HTTP/1.1', [`Host: ${host}`])).status).to.equal(200);
    }
  });

  it('refuses a request that a proxy on this machine forwarded', async () => {
    for (const header of [
      'X-Forwarded-For: 203.0.113.7',
      'Forwarded: for=203.0.113.7',
      'X-Real-IP: 203.0.113.7',
      'X-Forwarded-Host: localhost',
    ]) {
      const res = await rawRequest(port, 'GET /metrics HTTP/1.1', [`Host: localhost:${port}`, header]);
      expect([header, res.status, res.body]).to.deep.equal([header, 403, FORBIDDEN]);
    }
  });

  it('refuses a connection from another address, even addressed to a loopback name', async function () {
    const address = outsideAddress();
    if (address === undefined) this.skip();
    const metrics = await rawRequest(port, 'GET /metrics HTTP/1.1', [`Host: localhost:${port}`], address);
    expect([metrics.status, metrics.body]).to.deep.equal([403, FORBIDDEN]);
    // The same connection path reaches the API: the refusal is the peer's address.
    expect((await rawRequest(port, 'GET /public HTTP/1.1', [`Host: localhost:${port}`], address)).status).to.equal(200);
  });
});

describe('the sample: a key set outage is logged once, with its cause, and its end once', () => {
  it('warns at the first failed fetch, stays quiet until a fetch works, then says "key set reachable again"', () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const { onEvent } = createObservability(pino({ name: 'sample' }, sink));
    const issuer = 'https://tenant.example.com/';
    const refused = { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:443' };
    const fetched = (outcome: 'ok' | 'error' | 'timeout', cause?: { code: string; message: string }): AuthEvent => ({
      type: 'keySetFetch',
      issuer,
      outcome,
      durationMs: 3,
      keys: outcome === 'ok' ? 2 : 0,
      ...(cause === undefined ? {} : { cause }),
    });
    onEvent(fetched('ok'));
    onEvent(fetched('error', refused));
    onEvent(fetched('error', refused));
    onEvent(fetched('timeout', { code: 'timeout', message: 'no answer in 5000 ms' }));
    onEvent(fetched('ok'));
    onEvent(fetched('ok'));
    onEvent(fetched('error', { code: 'http_503', message: 'HTTP 503' }));
    expect(lines.map((l) => [l.level, l.msg, l.issuer, l.cause])).to.deep.equal([
      [40, 'key set fetch failed', issuer, refused],
      [30, 'key set reachable again', issuer, undefined],
      [40, 'key set fetch failed', issuer, { code: 'http_503', message: 'HTTP 503' }],
    ]);
  });
});
