import { Writable } from 'node:stream';
import { expect } from 'chai';
import pino from 'pino';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { createSampleApp, createSampleAuth, settingsFromEnv } from '../../sample/app';
import { createObservability } from '../../sample/observability';
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
