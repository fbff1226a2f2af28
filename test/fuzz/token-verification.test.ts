import { expect } from 'chai';
import fc from 'fast-check';
import { createLocalJWKSet, jwtVerify, type JWTVerifyOptions } from 'jose';
import { TestTenant } from 'routing-controllers-auth0/testing';
import type { Auth0Options } from '../../src';
import { resolveConfig } from '../../src/core/config';
import { Auth0Error } from '../../src/core/errors';
import { AccessTokenVerifier } from '../../src/core/token/verify-token';

/**
 * Fuzzing of token verification against an oracle: jose's `jwtVerify` called directly, with the
 * tenant's keys and the options the API's configuration means, on tokens made hostile in their
 * header, their claims and their compact form. The verifier never accepts a token the oracle
 * refuses, and accepts with the oracle's claims; where it refuses a token the oracle accepts, it is
 * for one of its own stricter rules (RFC 8725 §3.10 key headers, a `kid`, claim types). `npm test`
 * runs a bounded number of cases with a fixed seed, so that CI cannot fail by chance; `npm run
 * fuzz` runs many more with a random one (or `FUZZ_SEED`).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
const SEED = process.env.FUZZ_SEED === undefined ? (process.env.FUZZ_RUNS === undefined ? 1 : undefined) : Number(process.env.FUZZ_SEED);

/** The verifier's own refusals beyond jose's checks. */
const STRICTER = [
  /^Token header names its own key/,
  /^Invalid kid header \(missing\)$/,
  /^Invalid token claims \((sub|scope|permissions)\)$/,
];

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

describe('fuzzing: token verification never accepts what jose refuses', function () {
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
    it(`every token gets jose's decision or a stricter refusal: ${name}`, async () => {
      // One fixed clock for both: a time claim on the edge of a second cannot fall either side.
      const now = Math.floor(Date.now() / 1000);
      const config = resolveConfig({
        domain: tenant.issuer,
        audience: tenant.audience,
        ...options,
        clock: () => now * 1000,
      } as Auth0Options);
      const verifier = new AccessTokenVerifier(config);
      const keys = createLocalJWKSet(tenant.jwks);
      const oracleOptions: JWTVerifyOptions = {
        issuer: tenant.issuer,
        audience: tenant.audience,
        algorithms: config.algorithms,
        clockTolerance: config.clockTolerance,
        maxTokenAge: config.maxTokenAge,
        requiredClaims: config.strict ? ['exp', 'sub', 'iat', 'jti', 'client_id'] : ['exp', 'sub'],
        typ: config.strict ? 'at+jwt' : undefined,
        currentDate: new Date(now * 1000),
      };
      const oracle = async (token: string): Promise<unknown> => {
        try {
          return (await jwtVerify(token, keys, oracleOptions)).payload;
        } catch {
          return undefined;
        }
      };
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
          const expected = await oracle(token);
          const actual = await outcomeOf(verifier, token);
          if ('accepted' in actual) {
            expect(actual.accepted, 'accepted with the claims jose verified').to.deep.equal(expected);
            accepted += 1;
          } else {
            expect([actual.refused.status, actual.refused.code], token).to.deep.equal([401, 'invalid_token']);
            // Where jose accepts the token, the refusal is one of the verifier's stricter rules.
            if (expected !== undefined) {
              expect(
                STRICTER.some((rule) => rule.test(actual.refused.message)),
                actual.refused.message,
              ).to.equal(true);
            }
          }
        }),
        // Besides the random cases: a good token, unchanged and with its signature cut.
        {
          numRuns: RUNS,
          seed: SEED,
          examples: [
            [goodHeader, goodClaims, (t: string) => t],
            [goodHeader, goodClaims, (t: string) => t.slice(0, -2)],
          ],
        },
      );
      // The property means something only if some random tokens were accepted too, not only the
      // good example (about one random token in ten is good throughout).
      expect(accepted, 'tokens accepted').to.be.greaterThan(1);
    });
  }
});
