import { expect } from 'chai';
import fc from 'fast-check';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { resolveConfig, type Auth0Options } from '../../src';
import { Auth0Error } from '../../src/core/errors';
import { AccessTokenVerifier } from '../../src/core/token/verify-token';

/**
 * Differential fuzzing of token verification: the verifier's faster way (jose's parsing and claim
 * checks around a node:crypto RSA check) against jose's `jwtVerify` alone, on tokens made hostile
 * in their header, their claims and their compact form. Both must take the same decision with the
 * same answer for every token. `npm test` runs a bounded number of cases; `npm run fuzz` many more.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 120);

type Outcome = { accepted: unknown } | { refused: { status: number; code: string; message: string } };

async function outcomeOf(verifier: AccessTokenVerifier, token: string): Promise<Outcome> {
  try {
    return { accepted: (await verifier.verifyToken(token)).claims };
  } catch (error) {
    if (!(error instanceof Auth0Error)) throw error;
    return { refused: { status: error.status, code: error.code, message: error.message } };
  }
}

/** A good value most of the time (so that about one token in ten is good throughout), else one of the hostile ones. */
function mostly<T>(good: T, ...bad: T[]): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: fc.constant(good), weight: 12 }, { arbitrary: fc.constantFrom(...bad), weight: 1 });
}

describe('differential fuzzing: node:crypto verification against jose alone', function () {
  this.timeout(Math.max(60_000, RUNS * 400));
  let tenant: TestTenant;
  before(async () => {
    tenant = await TestTenant.start();
  });
  after(() => tenant.close());

  const configs: Array<[string, Partial<Auth0Options>]> = [
    ['defaults (RS256)', {}],
    ['strict profile, RS256 and PS256', { strict: true, algorithms: ['RS256', 'PS256'] }],
    [
      'RS256/RS384/RS512, maxTokenAge 60, clockTolerance 0',
      { algorithms: ['RS256', 'RS384', 'RS512'], maxTokenAge: 60, clockTolerance: 0 },
    ],
  ];

  for (const [name, options] of configs) {
    it(`every token gets the same answer from both ways: ${name}`, async () => {
      // One fixed clock for both ways: a time claim on the edge of a second cannot fall either side.
      const now = Math.floor(Date.now() / 1000);
      const config = resolveConfig({
        domain: tenant.issuer,
        audience: tenant.audience,
        ...options,
        clock: () => now * 1000,
      } as Auth0Options);
      const fast = new AccessTokenVerifier(config);
      const reference = new AccessTokenVerifier(config, { joseOnly: true });
      const header = fc.record(
        {
          alg: mostly<unknown>('RS256', 'RS384', 'RS512', 'PS256', 'HS256', 'none', 'ES256', 'rs256', undefined, 5, ['RS256']),
          kid: mostly<unknown>(tenant.currentKid, 'unknown', '', 7, undefined, `${tenant.currentKid} `),
          typ: options.strict
            ? mostly<unknown>('at+jwt', 'JWT', 'application/at+jwt', 'AT+JWT', undefined, 3)
            : mostly<unknown>('JWT', 'at+jwt', undefined, 3),
          crit: mostly<unknown>(undefined, ['b64'], ['exp'], [], 'b64', ['b64', 'b64']),
          b64: mostly<unknown>(undefined, true, false, 'false'),
          jwk: mostly<unknown>(undefined, {}, tenant.jwks.keys[0]),
          jku: mostly<unknown>(undefined, 'http://127.0.0.1:1/jwks.json'),
          x5c: mostly<unknown>(undefined, ['MIIB']),
        },
        { requiredKeys: [] },
      );
      const claims = fc.record(
        {
          iss: mostly<unknown>(tenant.issuer, tenant.issuer.replace(/\/$/, ''), undefined, 5, [tenant.issuer]),
          aud: mostly<unknown>(tenant.audience, [tenant.audience, 'other'], 'other', [], undefined, [7]),
          sub: mostly<unknown>('auth0|fuzz', '', undefined, 7),
          exp: mostly<unknown>(now + 600, now - 600, undefined, String(now + 600), now + 600.5, null),
          nbf: mostly<unknown>(undefined, now + 600, now - 10, 'soon'),
          iat: mostly<unknown>(now, undefined, now - 3600, now + 3600, 'x'),
          jti: mostly<unknown>('jti-1', undefined, 5),
          client_id: mostly<unknown>('client-1', undefined),
          scope: mostly<unknown>('read:blabla', undefined, 3, ''),
          permissions: mostly<unknown>(undefined, ['a'], 'a', [1], []),
        },
        { requiredKeys: [] },
      );
      // Changes to the compact form after signing.
      const mutation = fc.oneof(
        { arbitrary: fc.constant((t: string) => t), weight: 6 },
        fc.nat().map((at) => (t: string) => {
          const i = at % t.length;
          const c = t[i] === 'A' ? 'B' : 'A';
          return t[i] === '.' ? t : `${t.slice(0, i)}${c}${t.slice(i + 1)}`;
        }),
        fc.constant((t: string) => `${t}=`),
        fc.constantFrom('A', 'Q', 'w', '_').map((c) => (t: string) => `${t}${c}`),
        fc.constant((t: string) => t.slice(0, -1)),
        fc.constant((t: string) => t.replace(/-/g, '+').replace(/_/g, '/')),
        fc.constant((t: string) => t.slice(0, t.lastIndexOf('.') + 1)),
        fc.constant((t: string) => `${t}.`),
        fc.constant((t: string) => t.slice(0, -2)),
        fc.constant((t: string) => {
          const [h, p, s] = t.split('.');
          return `${h}.${p}==.${s}`;
        }),
      );
      const goodHeader = { typ: options.strict ? 'at+jwt' : 'JWT' };
      const goodClaims = {
        iss: tenant.issuer,
        aud: tenant.audience,
        sub: 'auth0|fuzz',
        exp: now + 600,
        iat: now,
        jti: 'j',
        client_id: 'c',
      };
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(header, claims, mutation, async (h, c, mutate) => {
          const token = mutate(await tenant.signRaw(h, c));
          const expected = await outcomeOf(reference, token);
          const actual = await outcomeOf(fast, token);
          expect(actual, token).to.deep.equal(expected);
          if ('accepted' in actual) accepted += 1;
        }),
        // Besides the random cases: a good token, unchanged and with its signature cut.
        {
          numRuns: RUNS,
          examples: [
            [goodHeader, goodClaims, (t: string) => t],
            [goodHeader, goodClaims, (t: string) => t.slice(0, -2)],
          ],
        },
      );
      // The property means something only if both ways accepted some random tokens too, not only
      // the good example (about one random token in ten is good throughout).
      expect(accepted, 'tokens both ways accepted').to.be.greaterThan(1);
    });
  }
});
