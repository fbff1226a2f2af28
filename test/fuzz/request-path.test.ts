import { expect } from 'chai';
import fc from 'fast-check';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { Api } from '../support/controllers';
import { rawGet, type RawAnswer } from '../support/raw-http';
import { startKoa, type Running } from '../support/server';

/**
 * Property-based fuzzing of the whole request path over HTTP. `npm test` runs a bounded number of
 * cases; `npm run fuzz` runs many more (FUZZ_RUNS).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url');

/** Everything the process writes while the fuzzer runs, to prove no token reaches a log. */
function captureOutput(): { text: () => string; restore: () => void } {
  const chunks: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const originals = { log: console.log, error: console.error, warn: console.warn, info: console.info };
  const keep = (...args: unknown[]) => {
    chunks.push(args.map(String).join(' '));
  };
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    chunks.push(String(chunk));
    return (out as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
    chunks.push(String(chunk));
    return (err as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  console.log = keep;
  console.error = keep;
  console.warn = keep;
  console.info = keep;
  return {
    text: () => chunks.join('\n'),
    restore: () => {
      process.stdout.write = out;
      process.stderr.write = err;
      Object.assign(console, originals);
    },
  };
}

// Header text a real HTTP parser hands to an application: no control characters but TAB.
const CONTROL = new RegExp('[\\x00-\\x08\\x0a-\\x1f\\x7f]', 'g');
const headerText = (maxLength: number) => fc.string({ unit: 'grapheme', maxLength }).map((s) => s.replace(CONTROL, ''));
const b64noise = fc.stringMatching(/^[A-Za-z0-9_-]{0,120}$/);
const scheme = fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'DPoP', 'Token', 'Bearer:', 'Bearer,', '', 'Béarer');
const separator = fc.constantFrom(' ', '  ', '\t', ' \t ', '');

describe('fuzzing the request path over HTTP', function () {
  this.timeout(Math.max(60_000, RUNS * 1000));
  let tenant: TestTenant;
  let app: Running;
  let valid: string;
  let validNoScope: string;
  let output: ReturnType<typeof captureOutput>;
  const seenTokens = new Set<string>();

  before(async () => {
    tenant = await TestTenant.start();
    app = await startKoa(tenant.auth0(), [Api]);
    valid = await tenant.token({ scopes: 'read:blabla', email: 'fuzz@example.com' });
    validNoScope = await tenant.token({ scopes: 'openid' });
    seenTokens.add(valid).add(validNoScope);
    output = captureOutput();
  });
  after(async () => {
    output.restore();
    await app.close();
    await tenant.close();
  });

  /** Independent oracle: is this token signed by a tenant key, for our issuer and audience, unexpired? */
  async function genuinelyValid(token: string): Promise<boolean> {
    try {
      await jwtVerify(token, createLocalJWKSet(tenant.jwks), {
        issuer: tenant.issuer,
        audience: tenant.audience,
        algorithms: ['RS256'],
        clockTolerance: 5,
        requiredClaims: ['exp', 'sub'],
      });
      return true;
    } catch {
      return false;
    }
  }

  function expectChallenge(answer: RawAnswer, label: string): void {
    expect(answer.headers['www-authenticate'], label).to.match(/^Bearer( |$)/);
  }

  async function check(authorization: string, allowOutage = false): Promise<void> {
    const answer = await rawGet(`${app.url}/secure/blabla`, authorization);
    const label = JSON.stringify(authorization.slice(0, 200));
    const allowed = allowOutage ? [200, 400, 401, 403, 503] : [200, 400, 401, 403];
    expect(allowed, `${label} → ${answer.status}`).to.include(answer.status);
    if (answer.status === 200 || answer.status === 403) {
      const token = authorization
        .trim()
        .replace(/^bearer\s+/i, '')
        .trim();
      expect(await genuinelyValid(token), `accepted ${label}`).to.equal(true);
    } else {
      expectChallenge(answer, label);
      const body = JSON.parse(answer.body) as { error: string; message: string };
      expect(['unauthorized', 'invalid_request', 'invalid_token', 'invalid_dpop_proof', 'temporarily_unavailable']).to.include(body.error);
      const token = authorization.trim().split(/\s+/).pop() ?? '';
      if (token.length >= 24) {
        expect(answer.body, label).not.to.include(token);
        expect(answer.headers['www-authenticate'], label).not.to.include(token);
      }
    }
  }

  it('arbitrary Authorization headers: 400/401 with a challenge, never a 5xx or an acceptance', async () => {
    const header = fc.oneof(
      headerText(300),
      fc.tuple(scheme, separator, headerText(200)).map(([s, sep, v]) => `${s}${sep}${v}`),
      fc.tuple(scheme, separator, fc.array(b64noise, { maxLength: 7 })).map(([s, sep, parts]) => `${s}${sep}${parts.join('.')}`),
      fc.tuple(fc.jsonValue(), fc.jsonValue(), b64noise).map(([h, p, sig]) => `Bearer ${b64url(h)}.${b64url(p)}.${sig}`),
      // Up to 12 kB on the wire: past the 8192-character bound, within Node's 16 kB header limit.
      fc
        .tuple(fc.integer({ min: 8000, max: 12000 }), fc.constantFrom('a', 'A.', '=', 'é'))
        .map(([n, c]) => `Bearer ${c.repeat(n).slice(0, c === 'é' ? n / 2 : n)}`),
    );
    await fc.assert(
      fc.asyncProperty(header, (value) => check(value)),
      { numRuns: RUNS },
    );
  });

  it('mutated valid tokens are refused unless the mutation left a genuinely valid token', async () => {
    const mutation = fc.oneof(
      fc.tuple(fc.nat(), fc.constantFrom(...'ABCxyz0189-_.=+/'.split(''))).map(([i, c]) => (t: string) => {
        const at = i % t.length;
        return t.slice(0, at) + c + t.slice(at + 1);
      }),
      fc.tuple(fc.nat(), fc.nat({ max: 40 })).map(
        ([i, n]) =>
          (t: string) =>
            t.slice(0, i % t.length) + t.slice((i % t.length) + n),
      ),
      fc.constant((t: string) => t.split('.').reverse().join('.')),
      fc.constant((t: string) => `${t}.${t.split('.')[1]}`),
      fc.constant((t: string) => t.toUpperCase()),
      fc.constant((t: string) => `${t.split('.')[0]}.${t.split('.')[1]}`),
      fc.constant((t: string) => `${t} ${t}`),
      fc.constant((t: string) => `${t}=`),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(valid, validNoScope), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (token, steps) => {
        const mutated = steps.reduce((t, step) => step(t), token);
        await check(`Bearer ${mutated}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('well-signed tokens with mutated claims and headers: accepted exactly when genuinely valid', async () => {
    const now = () => Math.floor(Date.now() / 1000);
    const claim = <T>(good: T, ...bad: unknown[]) => fc.constantFrom<unknown>(good, ...bad, undefined);
    const claims = fc.record({
      iss: claim('ISSUER', 'https://evil.example.com/', 'ISSUER_NO_SLASH', 42, ['ISSUER'], ''),
      aud: claim('AUDIENCE', ['AUDIENCE', 'https://x/userinfo'], 'https://other', [], 7, ['https://other']),
      sub: claim('auth0|fuzz', '', 5, null, { id: 1 }, 'x@clients'),
      exp: claim('FUTURE', 'PAST', 'NEAR_PAST', '9999999999', 1e20, -1, null),
      nbf: fc.constantFrom<unknown>(undefined, 'PAST', 'FUTURE', 'x'),
      iat: fc.constantFrom<unknown>(undefined, 'PAST', 'FUTURE', 'x'),
      scope: claim('read:blabla', 'openid', '', ['read:blabla'], 3, 'read:blabla write:x', 'READ:BLABLA'),
      permissions: fc.constantFrom<unknown>(undefined, [], ['read:blabla'], 'read:blabla', [1], [null]),
      gty: fc.constantFrom<unknown>(undefined, 'client-credentials', 5),
    });
    const headers = fc.record({
      alg: fc.constantFrom<unknown>('RS256', 'none', 'HS256', 'RS512', 'PS256', 'rs256', '', 1, undefined),
      kid: fc.constantFrom<unknown>('CURRENT', 'CURRENT', 'unknown-kid', '', 0, null, undefined),
      typ: fc.constantFrom<unknown>(undefined, 'JWT', 'at+jwt', 'JOSE', 1),
      extra: fc.constantFrom<Record<string, unknown>>(
        {},
        {},
        { jku: 'http://127.0.0.1:1/' },
        { jwk: { kty: 'RSA' } },
        { x5u: 'http://x/' },
        { crit: ['exp'] },
        { crit: [] },
        { b64: false, crit: ['b64'] },
      ),
    });
    const resolve = (value: unknown): unknown => {
      switch (value) {
        case 'ISSUER':
          return tenant.issuer;
        case 'ISSUER_NO_SLASH':
          return tenant.issuer.slice(0, -1);
        case 'AUDIENCE':
          return tenant.audience;
        case 'FUTURE':
          return now() + 600;
        case 'PAST':
          return now() - 600;
        case 'NEAR_PAST':
          return now() - 2;
        case 'CURRENT':
          return tenant.currentKid;
        default:
          return Array.isArray(value) ? value.map((v) => (v === 'AUDIENCE' ? tenant.audience : v === 'ISSUER' ? tenant.issuer : v)) : value;
      }
    };
    await fc.assert(
      fc.asyncProperty(claims, headers, async (c, h) => {
        const payload = Object.fromEntries(
          Object.entries(c)
            .map(([k, v]) => [k, resolve(v)])
            .filter(([, v]) => v !== undefined),
        );
        const header = { alg: resolve(h.alg), kid: resolve(h.kid), typ: h.typ, ...h.extra };
        const token = await tenant.signRaw(header, payload);
        seenTokens.add(token);
        const answer = await rawGet(`${app.url}/secure/blabla`, `Bearer ${token}`);
        expect([200, 401, 403], JSON.stringify({ header, payload })).to.include(answer.status);
        const genuine = (await genuinelyValid(token)) && h.alg === 'RS256' && Object.keys(h.extra).length === 0;
        if (answer.status !== 401) {
          expect(genuine, `accepted ${JSON.stringify({ header, payload })}`).to.equal(true);
        } else {
          expectChallenge(answer, JSON.stringify(payload));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('during an outage with no cached key: 400/401/503 with a challenge, never a 500', async () => {
    const down = await TestTenant.start();
    down.mode = 'down';
    const outageApp = await startKoa(down.auth0({ jwksCooldown: 50 }), [Api]);
    try {
      const token = await down.token({ scopes: 'read:blabla' });
      const header = fc.oneof(
        fc.constant(`Bearer ${token}`),
        headerText(100),
        fc.tuple(fc.jsonValue(), b64noise).map(([p, sig]) => `Bearer ${b64url({ alg: 'RS256', kid: 'k' })}.${b64url(p)}.${sig}`),
      );
      await fc.assert(
        fc.asyncProperty(header, async (value) => {
          const answer = await rawGet(`${outageApp.url}/secure/blabla`, value);
          expect([400, 401, 503]).to.include(answer.status);
          expectChallenge(answer, value.slice(0, 80));
        }),
        { numRuns: Math.ceil(RUNS / 2) },
      );
      expect((await rawGet(`${outageApp.url}/public`, undefined)).status).to.equal(200);
    } finally {
      await outageApp.close();
      await down.close();
    }
  });

  it('headers beyond the HTTP limit are refused early and the process stays up', async () => {
    const answer = await rawGet(`${app.url}/secure/blabla`, `Bearer ${'a'.repeat(20_000)}`);
    expect(answer.status).to.equal(431);
    expect((await rawGet(`${app.url}/public`, undefined)).status).to.equal(200);
    expect((await rawGet(`${app.url}/secure/blabla`, `Bearer ${valid}`)).status).to.equal(200);
  });

  it('no token text reached any log line', () => {
    const text = output.text();
    for (const token of seenTokens) {
      for (const segment of token.split('.')) {
        if (segment.length >= 24) expect(text).not.to.include(segment);
      }
    }
  });
});
