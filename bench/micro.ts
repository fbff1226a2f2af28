/**
 * The checkers outside HTTP: ns per request of `authorizationChecker` + `currentUserChecker` on
 * real Koa contexts (as routing-controllers calls them: `@Authorized`, then `@CurrentUser`), for the
 * sample's `Auth0` on a cache hit and on a miss, beside the bench's two routing-controllers peers
 * (no-op checkers, hand-written jose checker); then what a miss is made of (jose's `jwtVerify`, the
 * RSA check through WebCrypto, the same check through node:crypto on a KeyObject, the library's
 * verifier) and the
 * serialisation routing-controllers applies to the answer; then the Koa apps whole, requests
 * injected in-process (no socket, no load generator), so that the apps' own costs are compared
 * without the noise of the network and the client: first all in this process, then each alone in a
 * process of its own (bench/lib/app-process.ts), as HTTP targets run, sharing no JIT state.
 *
 * Each request is made inside the measured loop (about as many alive at once as are in flight, as
 * in a server); the cost of making it alone is measured too and taken off the checkers' figures.
 * Variants that are compared run in turns, round after round, and each keeps its best round: the
 * machine is shared and its load drifts.
 *
 * Run: node --conditions=routing-controllers-auth0-source -r ts-node/register/transpile-only bench/micro.ts
 * Environment: MICRO_REQUESTS (requests per round on a hit, default 100000), MICRO_TOKENS (fresh
 * tokens per round, default 5000), MICRO_CONCURRENCY (requests in flight, default 50), MICRO_ROUNDS
 * (default 5), BENCH_PIN (0 to leave placement to the scheduler; else pinned to CPU 1 with its
 * pool threads, as a bench target is).
 */
import 'reflect-metadata';
import { type ChildProcess, fork } from 'node:child_process';
import { createPublicKey, type JsonWebKey, verify as nodeVerify, webcrypto } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { instanceToPlain } from 'class-transformer';
import { createLocalJWKSet, importJWK, type JSONWebKeySet, jwtVerify } from 'jose';
import Koa from 'koa';
import type { Action } from 'routing-controllers';
import { Auth0User } from 'routing-controllers-auth0';
import { TestTenant } from 'routing-controllers-auth0/testing';
import { createSampleApp, createSampleAuth, settingsFromEnv } from '../sample/app';
import { type Checkers, joseCheckers, noopCheckers } from './lib/checkers';
import { type AppName, koaApp } from './lib/app-process';
import { cpuPerRequest, flat, inject } from './lib/inject';
import { NODE_FLAGS, pinSelf, ROOT } from './lib/target';
import { mintMany } from './lib/tokens';
// Internal: the verifier alone, to time a miss without the pipeline around it.
import { resolveConfig } from '../src/core/config';
import { AccessTokenVerifier } from '../src/core/token/verify-token';
import { numberEnv } from './lib/env';

process.env.NODE_ENV ??= 'production';

const REQUESTS = numberEnv('MICRO_REQUESTS', 100_000);
const TOKENS = numberEnv('MICRO_TOKENS', 5000);
const CONCURRENCY = numberEnv('MICRO_CONCURRENCY', 50, 1);
const ROUNDS = numberEnv('MICRO_ROUNDS', 5, 1);

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

const koa = new Koa();
const socket = new Socket();

/** What routing-controllers hands each checker: one action per call, on the same Koa context. */
interface Call {
  authorization: Action;
  currentUser: Action;
}

function call(token: string | undefined): Call {
  const req = new IncomingMessage(socket);
  req.method = 'GET';
  req.url = '/secure';
  const authorization = token === undefined ? '' : flat(`Bearer ${token}`);
  req.headers = { host: '127.0.0.1:3000', authorization };
  req.rawHeaders = ['Host', '127.0.0.1:3000', 'authorization', authorization];
  const context = koa.createContext(req, new ServerResponse(req));
  const action = (): Action => ({ request: context.request, response: context.response, context, next: () => Promise.resolve() });
  return { authorization: action(), currentUser: action() };
}

/** Both checkers, as routing-controllers calls them for `@Authorized(roles)` then `@CurrentUser()`. */
async function checkersOn(checkers: Checkers, token: string, roles: string[] = []): Promise<void> {
  const c = call(token);
  if ((await checkers.authorizationChecker(c.authorization, roles)) !== true) throw new Error('refused');
  if (!(await checkers.currentUserChecker(c.currentUser))) throw new Error('no user');
}

/** A variant: a name, how many requests a round makes, and one request (`i` counts from 0 each round). */
interface Variant {
  name: string;
  count: number;
  /** Called before each round, e.g. to hand out a new supply of tokens. */
  round?: (round: number) => void;
  run: (i: number) => unknown;
}

interface Figure {
  name: string;
  wallNs: number;
  cpuNs: number;
}

/** One round of a variant with CONCURRENCY requests in flight: ns per request, wall and CPU (all threads). */
async function once(variant: Variant): Promise<Figure> {
  return { name: variant.name, ...(await cpuPerRequest(variant.count, CONCURRENCY, variant.run)) };
}

const figures = new Map<string, Figure>();

/** Runs the variants in turns for ROUNDS rounds; each keeps its best round (least CPU). */
async function group(title: string, variants: Variant[], over?: string): Promise<void> {
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const variant of variants) {
      variant.round?.(round);
      const figure = await once(variant);
      const kept = figures.get(variant.name);
      if (kept === undefined || figure.cpuNs < kept.cpuNs) figures.set(variant.name, figure);
    }
  }
  console.log(`\n${title}`);
  const base = over === undefined ? undefined : figures.get(over);
  for (const { name } of variants) {
    const f = figures.get(name) as Figure;
    const extra = base === undefined || name === over ? '' : `  ${fmt(f.cpuNs - base.cpuNs).padStart(8)} ns CPU over "${over}"`;
    console.log(`  ${name.padEnd(58)} ${fmt(f.wallNs).padStart(8)} ns wall  ${fmt(f.cpuNs).padStart(8)} ns CPU${extra}`);
  }
}

const cpuOf = (name: string): number => (figures.get(name) as Figure).cpuNs;
/** `a` ÷ `b` in requests per CPU-second. */
const ratio = (a: string, b: string): string => `${(cpuOf(b) / cpuOf(a)).toFixed(2)}×`;

const fmt2 = (n: number): string => n.toFixed(2);
const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * The whole apps again, each alone in a process of its own (bench/lib/app-process.ts), taking
 * turns round after round: in one process the framework code the apps share is compiled for all of
 * them at once, which hides part of what one app costs over another; HTTP targets share nothing.
 */
async function appsApart(
  tenant: TestTenant,
  token: string,
  names: AppName[],
  count: number,
): Promise<{ paired(a: AppName, b: AppName): number }> {
  const children = new Map<AppName, ChildProcess>();
  const ask = (child: ChildProcess): Promise<{ wallNs: number; cpuNs: number }> =>
    new Promise((resolve, reject) => {
      child.once('message', (figure: { wallNs: number; cpuNs: number }) => resolve(figure));
      child.once('exit', (code) => reject(new Error(`app process exited with ${code}`)));
      child.send({ count });
    });
  const rounds = ROUNDS * 4;
  const figures = new Map<AppName, Array<{ wallNs: number; cpuNs: number }>>(names.map((name) => [name, []]));
  try {
    for (const name of names) {
      const child = fork(join(ROOT, 'bench', 'lib', 'app-process.ts'), [], {
        execArgv: NODE_FLAGS,
        env: {
          ...process.env,
          NODE_ENV: 'production',
          MICRO_APP: name,
          MICRO_TOKEN: token,
          MICRO_CONCURRENCY: String(CONCURRENCY),
          BENCH_ISSUER: tenant.issuer,
          BENCH_JWKS_URI: tenant.jwksUri,
          BENCH_AUDIENCE: tenant.audience,
        },
      });
      children.set(name, child);
      await new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`app process ${name} exited with ${code}`)));
      });
      child.removeAllListeners('exit');
    }
    for (let round = 0; round < rounds; round += 1) {
      for (let k = 0; k < names.length; k += 1) {
        const name = names[(round + k) % names.length];
        const child = children.get(name) as ChildProcess;
        const figure = await ask(child);
        child.removeAllListeners('exit');
        figures.get(name)?.push(figure);
      }
    }
  } finally {
    for (const child of children.values()) child.disconnect();
  }
  console.log(
    `\nthe whole app, each in a process of its own (sharing no JIT state), per request to /secure with one token, median of ${rounds} rounds:`,
  );
  for (const name of names) {
    const own = figures.get(name) ?? [];
    console.log(
      `  app apart: ${name.padEnd(47)} ${fmt(median(own.map((f) => f.wallNs))).padStart(8)} ns wall  ${fmt(median(own.map((f) => f.cpuNs))).padStart(8)} ns CPU`,
    );
  }
  return {
    // The median over rounds of b's CPU per request ÷ a's, both of the same round: a's speed ÷ b's.
    paired: (a, b) => {
      const mine = figures.get(a) ?? [];
      const theirs = figures.get(b) ?? [];
      return median(mine.map((f, r) => theirs[r].cpuNs / f.cpuNs));
    },
  };
}

async function main(): Promise<void> {
  const pinned = numberEnv('BENCH_PIN', 1) !== 0 && cpus().length >= 2;
  console.log(
    `micro ${new Date().toISOString()} · node ${process.version} · ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} · ` +
      `${CONCURRENCY} in flight · best of ${ROUNDS} rounds, in turns${pinned ? ' · pinned to CPU 1 with its pool threads' : ''}`,
  );
  const tenant = await TestTenant.start({ audience: 'https://bench.example.com' });
  try {
    const [one] = await mintMany(tenant, 1, 'one');
    // The sample's misses need tokens it has never seen: a supply per round for its checkers and
    // one for its app; the peers (no cache) reuse the first.
    const supplies = await Promise.all(Array.from({ length: 2 * ROUNDS }, (_, r) => mintMany(tenant, TOKENS, `fresh${r}`)));
    const warm = await mintMany(tenant, 500, 'warm');
    console.log(`minted ${fmt(1 + TOKENS * 2 * ROUNDS + warm.length)} tokens`);
    // Pinned after minting (which uses every core), as the bench pins its targets.
    if (pinned) pinSelf('1');

    const settings = settingsFromEnv({ ...process.env, AUTH0_DOMAIN: tenant.issuer, AUTH0_API_AUDIENCE: tenant.audience });
    const auth = createSampleAuth(settings);
    const sample: Checkers = { authorizationChecker: auth.authorizationChecker, currentUserChecker: auth.currentUserChecker };
    const noop = noopCheckers();
    const jose = joseCheckers(tenant);
    // The sample app gets an Auth0 of its own: its cache is not the checkers'.
    const apps = {
      sample: createSampleApp(createSampleAuth(settings)).callback(),
      ceiling: koaApp(noop),
      // The ceiling with its fixed user an Auth0User: routing-controllers' serialisation of a class
      // instance, checks apart.
      ceilingClassUser: koaApp(noopCheckers(Auth0User)),
      jose: koaApp(jose),
    };
    // Warm-up: key sets fetched, the one token remembered, every path optimised.
    for (let i = 0; i < 3000; i += 1) {
      for (const checkers of [sample, noop, jose]) await checkersOn(checkers, one);
      for (const app of Object.values(apps)) await inject(app, '/secure', one);
    }
    for (const token of warm) {
      await checkersOn(sample, token);
      await checkersOn(jose, token);
      await inject(apps.sample, '/secure', token);
      await inject(apps.jose, '/secure', token);
    }

    let supply = supplies[0];
    const fresh = supplies[0];
    await group(
      'the checkers, per request (CPU counts every thread, libuv pool included):',
      [
        { name: 'harness: a Koa context and two actions, no checker', count: REQUESTS, run: () => call(one) },
        { name: 'ceiling: no-op checkers', count: REQUESTS, run: () => checkersOn(noop, one) },
        { name: 'sample, cache hit (one token)', count: REQUESTS, run: () => checkersOn(sample, one) },
        { name: 'sample, cache hit, @Authorized("read:blabla")', count: REQUESTS, run: () => checkersOn(sample, one, ['read:blabla']) },
      ],
      'harness: a Koa context and two actions, no checker',
    );
    await group(
      'the checkers on a miss (a fresh token each), per request:',
      [
        { name: 'hand-written jose checker, miss', count: TOKENS, run: (i) => checkersOn(jose, fresh[i]) },
        {
          name: 'sample, cache miss',
          count: TOKENS,
          round: (round) => {
            supply = supplies[round];
          },
          run: (i) => checkersOn(sample, supply[i]),
        },
      ],
      'hand-written jose checker, miss',
    );

    const jwks = (await (await fetch(tenant.jwksUri)).json()) as JSONWebKeySet;
    const localKeys = createLocalJWKSet(jwks);
    const jwk = jwks.keys[0];
    const cryptoKey = (await importJWK(jwk, 'RS256')) as CryptoKey;
    const keyObject = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    const options = { issuer: tenant.issuer, audience: tenant.audience, algorithms: ['RS256'], requiredClaims: ['exp', 'sub'] };
    const parts = fresh.map((token) => {
      const dot = token.lastIndexOf('.');
      return { data: Buffer.from(token.slice(0, dot)), signature: Buffer.from(token.slice(dot + 1), 'base64url') };
    });
    const verifierConfig = resolveConfig({ domain: tenant.issuer, audience: tenant.audience });
    const verifier = new AccessTokenVerifier(verifierConfig);
    await group('what a miss is made of, per token:', [
      { name: "jose jwtVerify, local key set (the floor's call)", count: TOKENS, run: (i) => jwtVerify(fresh[i], localKeys, options) },
      { name: 'jose jwtVerify, CryptoKey', count: TOKENS, run: (i) => jwtVerify(fresh[i], cryptoKey, options) },
      {
        name: 'RS256 check alone: WebCrypto subtle.verify',
        count: TOKENS,
        run: async (i) => {
          if (!(await webcrypto.subtle.verify('RSASSA-PKCS1-v1_5', cryptoKey, parts[i].signature, parts[i].data))) throw new Error('bad');
        },
      },
      {
        name: 'RS256 check alone: node:crypto verify, KeyObject (sync)',
        count: TOKENS,
        run: (i) => {
          if (!nodeVerify('sha256', parts[i].data, keyObject, parts[i].signature)) throw new Error('bad');
        },
      },
      {
        name: "the library's verifier (jose's jwtVerify and the library's checks around it)",
        count: TOKENS,
        run: (i) => verifier.verifyToken(fresh[i]),
      },
    ]);

    const user = await auth.currentUserChecker(call(one).currentUser);
    const plain = noop.currentUserChecker(call(one).currentUser);
    const instance = Object.assign(new Auth0User(), user);
    await group("routing-controllers' serialisation of the answer (instanceToPlain, as its Koa driver does):", [
      { name: "the sample's user (an Auth0User)", count: REQUESTS, run: () => instanceToPlain(user) },
      { name: "the ceiling's user (a plain object)", count: REQUESTS, run: () => instanceToPlain(plain) },
      { name: 'the same user as an Auth0User instance (what a userClass gives)', count: REQUESTS, run: () => instanceToPlain(instance) },
    ]);

    const appRequests = Math.max(1000, Math.round(REQUESTS / 4));
    await group('the whole app, requests injected in-process (no socket, no client), per request:', [
      { name: 'app: ceiling /public', count: appRequests, run: () => inject(apps.ceiling, '/public') },
      { name: 'app: sample /public', count: appRequests, run: () => inject(apps.sample, '/public') },
      { name: 'app: ceiling /secure, one token', count: appRequests, run: () => inject(apps.ceiling, '/secure', one) },
      { name: 'app: sample /secure, one token', count: appRequests, run: () => inject(apps.sample, '/secure', one) },
      {
        name: 'app: ceiling /secure, its user an Auth0User',
        count: appRequests,
        run: () => inject(apps.ceilingClassUser, '/secure', one),
      },
    ]);
    let appSupply = supplies[ROUNDS];
    await group('the whole app on a miss (a fresh token each), per request:', [
      { name: 'app: hand-written jose /secure, fresh token each', count: TOKENS, run: (i) => inject(apps.jose, '/secure', fresh[i]) },
      {
        name: 'app: sample /secure, fresh token each',
        count: TOKENS,
        round: (round) => {
          appSupply = supplies[ROUNDS + round];
        },
        run: (i) => inject(apps.sample, '/secure', appSupply[i]),
      },
    ]);

    const apart = await appsApart(tenant, one, ['sample', 'ceiling', 'ceiling-class-user'], appRequests);

    const harness = cpuOf('harness: a Koa context and two actions, no checker');
    console.log('\nsummary (CPU ns per request; ratios in requests per CPU-second):');
    console.log(
      `  checkers, hit: the sample's ${fmt(cpuOf('sample, cache hit (one token)') - harness)} ns, ` +
        `no-op checkers ${fmt(cpuOf('ceiling: no-op checkers') - harness)} ns (the harness's ${fmt(harness)} ns taken off)`,
    );
    console.log(
      `  checkers, miss: the sample ${fmt(cpuOf('sample, cache miss') - harness)} ns, the hand-written jose checker ` +
        `${fmt(cpuOf('hand-written jose checker, miss') - harness)} ns (harness taken off)`,
    );
    console.log(
      `  app in-process: sample ÷ ceiling ${ratio('app: sample /secure, one token', 'app: ceiling /secure, one token')} on /secure one token, ` +
        `${ratio('app: sample /public', 'app: ceiling /public')} on /public, ` +
        `${ratio('app: sample /secure, one token', 'app: ceiling /secure, its user an Auth0User')} against a ceiling whose user is an Auth0User; sample ÷ hand-written ` +
        `${ratio('app: sample /secure, fresh token each', 'app: hand-written jose /secure, fresh token each')} on fresh tokens`,
    );
    console.log(
      `  apps each in a process of its own: sample ÷ ceiling ${fmt2(apart.paired('sample', 'ceiling'))}× on /secure one token, ` +
        `sample ÷ ceiling whose user is an Auth0User ${fmt2(apart.paired('sample', 'ceiling-class-user'))}× (paired by round)`,
    );
    const subtle = cpuOf('RS256 check alone: WebCrypto subtle.verify');
    const node = cpuOf('RS256 check alone: node:crypto verify, KeyObject (sync)');
    console.log(
      `  RS256: WebCrypto ${fmt(subtle)} ns, node:crypto on a KeyObject ${fmt(node)} ns; the library's verifier ` +
        `${fmt(cpuOf("the library's verifier (jose's jwtVerify and the library's checks around it)"))} ns`,
    );
  } finally {
    await tenant.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
