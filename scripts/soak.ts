/**
 * `npm run soak`: the sample under steady load from a loopback client while its tenant rotates its
 * signing key, goes down, comes back slow, returns errors and comes back. Prints one summary line
 * and exits non-zero on a 5xx other than the documented 503, on a wrong acceptance, on a valid token
 * refused while its key was cached, or on unbounded key set fetching.
 *
 * `npm run soak -- --replicas N` (N >= 2): N sample processes sharing one Redis for DPoP replay
 * protection, behind a round-robin client, through a key rotation, a Redis restart and a steady
 * stream of replayed DPoP proofs (see `soak/replicas.ts`).
 *
 * SOAK_SECONDS (default 60) sets the length; SOAK_CONNECTIONS (default 16) the concurrency.
 */
import { TestTenant } from 'routing-controllers-auth0/testing';
import {
  AUDIENCE,
  CONNECTIONS,
  COOLDOWN_S,
  freePort,
  invalidTokens,
  KINDS,
  mib,
  pickWeighted,
  randomOf,
  rssKiB,
  SECONDS,
  startSampleProcess,
  stopProcess,
} from './soak/common';

const USAGE = 'usage: npm run soak [-- --replicas N]   (N >= 2)';

/** A wrong command line: its message is all there is to print. */
class UsageError extends Error {}

/** `--replicas N` (or `--replicas=N`) from the arguments; `undefined` without it. */
function replicasFromArgs(args: string[]): number | undefined {
  let value: string | undefined;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '--replicas') {
      i += 1;
      value = args[i] ?? '';
    } else if (arg.startsWith('--replicas=')) {
      value = arg.slice('--replicas='.length);
    } else {
      throw new UsageError(`unknown argument "${arg}"\n${USAGE}`);
    }
  }
  if (value === undefined) return undefined;
  const replicas = Number(value);
  if (value.trim() === '' || !Number.isInteger(replicas) || replicas < 2) {
    throw new UsageError(`--replicas must be a whole number of at least 2, not "${value}"\n${USAGE}`);
  }
  return replicas;
}

async function main(): Promise<void> {
  const tenant = await TestTenant.start({ audience: AUDIENCE });
  tenant.slowDelay = 1500; // "comes back slow": answers, but late (under the 5 s fetch timeout)
  const port = await freePort();
  const sample = await startSampleProcess(tenant, port);
  const { base, child } = sample;
  const startRss = rssKiB(child.pid, 'VmRSS');

  // Valid tokens per kid; fresh ones are minted all along so the verification path keeps running.
  const tokens = new Map<string, string[]>();
  const mint = async (count: number): Promise<void> => {
    const kid = tenant.currentKid;
    const list = tokens.get(kid) ?? [];
    for (let i = 0; i < count; i += 1)
      list.push(await tenant.token({ subject: `auth0|soak-${kid.slice(-4)}-${list.length}`, scopes: 'read:blabla' }));
    tokens.set(kid, list.slice(-200));
  };
  await mint(40);
  const invalid = await invalidTokens(tenant);

  const counts = { requests: 0, s2xx: 0, s4xx: 0, s5xx: 0, s503: 0, wronglyAccepted: 0, wronglyRefused: 0, other5xx: 0, clientErrors: 0 };
  const acceptedKids = new Set<string>();
  const published = (): Set<string> => new Set(tenant.jwks.keys.map((k) => k.kid as string));
  const phases: string[] = [];
  const started = Date.now();
  const elapsed = (): number => (Date.now() - started) / 1000 / SECONDS;
  let stopping = false;

  const worker = async (): Promise<void> => {
    while (!stopping) {
      const kind = pickWeighted(KINDS);
      let token: string | undefined;
      let kid: string | undefined;
      if (kind === 'valid') {
        // No token of a published key yet (right after a rotation that revoked the others): skip.
        kid = randomOf([...published()].filter((k) => tokens.has(k)));
        token = kid === undefined ? undefined : randomOf(tokens.get(kid) ?? []);
        if (token === undefined) {
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
      } else if (kind !== 'none' && kind !== 'public') {
        token = randomOf(invalid[kind]);
      }
      const path = kind === 'public' ? '/public' : '/secure/blabla';
      let status: number;
      try {
        const res = await fetch(`${base}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
        status = res.status;
        await res.arrayBuffer();
      } catch {
        counts.clientErrors += 1;
        continue;
      }
      counts.requests += 1;
      if (status < 300) counts.s2xx += 1;
      else if (status < 500) counts.s4xx += 1;
      else counts.s5xx += 1;
      if (status === 503) counts.s503 += 1;
      else if (status >= 500) counts.other5xx += 1;
      if (kind === 'public') continue;
      if (kind === 'valid') {
        if (status === 200) acceptedKids.add(kid!);
        else if (acceptedKids.has(kid!) && published().has(kid!)) counts.wronglyRefused += 1;
      } else if (status < 400) {
        counts.wronglyAccepted += 1;
      }
    }
  };

  // The tenant's script: fractions of the run.
  const script: [number, string, () => Promise<void> | void][] = [
    [
      0.12,
      'rotate',
      async () => {
        await tenant.rotate();
        await mint(40);
      },
    ],
    [
      0.25,
      'down',
      () => {
        tenant.mode = 'down';
      },
    ],
    [
      0.3,
      'rotate while down',
      async () => {
        await tenant.rotate();
        await mint(40);
      },
    ],
    [
      0.4,
      'slow',
      () => {
        tenant.mode = 'slow';
      },
    ],
    [
      0.55,
      'errors',
      () => {
        tenant.mode = 'error';
      },
    ],
    [
      0.7,
      'up',
      () => {
        tenant.mode = 'up';
      },
    ],
    [
      0.85,
      'rotate',
      async () => {
        await tenant.rotate();
        await mint(40);
      },
    ],
  ];
  const director = (async () => {
    let step = 0;
    while (!stopping) {
      while (step < script.length && elapsed() >= script[step][0]) {
        phases.push(script[step][1]);
        await script[step][2]();
        step += 1;
      }
      await mint(5);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();

  let peakRss = startRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssKiB(child.pid, 'VmRSS'));
  }, 200);
  const workers = Array.from({ length: CONNECTIONS }, () => worker());
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  stopping = true;
  await Promise.all(workers);
  await director;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, rssKiB(child.pid, 'VmHWM'));

  const fetchBound = Math.ceil(SECONDS / COOLDOWN_S) + 2 * script.length + 2;
  const tokenLeak = [...tokens.values()].flat().some((t) => sample.log.includes(t.split('.')[2]));
  await stopProcess(sample);
  await tenant.close();

  console.log(
    `soak: seconds=${SECONDS} requests=${counts.requests} 2xx=${counts.s2xx} 4xx=${counts.s4xx} 5xx=${counts.s5xx} ` +
      `(503=${counts.s503}) wrongly_accepted=${counts.wronglyAccepted} wrongly_refused=${counts.wronglyRefused} ` +
      `jwks_fetches=${tenant.jwksRequests} (bound ${fetchBound}) rss_start_mib=${mib(startRss)} peak_rss_mib=${mib(peakRss)} ` +
      `client_errors=${counts.clientErrors} phases=${phases.join('>')}`,
  );
  const failures: string[] = [];
  if (counts.other5xx > 0) failures.push(`${counts.other5xx} 5xx answers other than 503`);
  if (counts.wronglyAccepted > 0) failures.push(`${counts.wronglyAccepted} invalid tokens accepted`);
  if (counts.wronglyRefused > 0) failures.push(`${counts.wronglyRefused} valid tokens refused while their key was cached`);
  if (tenant.jwksRequests > fetchBound) failures.push(`key set fetched ${tenant.jwksRequests} times (bound ${fetchBound})`);
  if (tokenLeak) failures.push('a token reached the sample output');
  if (counts.requests === 0) failures.push('no requests were answered');
  if (failures.length > 0) {
    console.error(`soak FAILED: ${failures.join('; ')}`);
    process.exitCode = 1;
  }
}

async function run(): Promise<void> {
  const replicas = replicasFromArgs(process.argv.slice(2));
  if (replicas === undefined) return main();
  const { soakReplicas } = await import('./soak/replicas');
  return soakReplicas(replicas);
}

run().catch((error: unknown) => {
  console.error(error instanceof UsageError ? error.message : error);
  process.exitCode = 1;
});
