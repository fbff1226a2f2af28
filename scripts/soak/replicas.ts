/**
 * `npm run soak -- --replicas N`: N sample processes sharing one Redis (`REDIS_URL`) for DPoP replay
 * protection, behind a loopback round-robin client. The tenant rotates its key twice, Redis is
 * stopped for a few seconds and started again on the same port, and all along DPoP proofs accepted
 * by one replica are sent again: to another replica, now and then to the same one, or raced to two
 * replicas at once. Bearer requests (valid and invalid tokens) go round-robin as in the single mode.
 *
 * One public origin for every replica: the sample pins no `dpop.origin`, so a replica checks a
 * proof's `htu` against the request's Host and target. Every proof names the first replica,
 * `http://127.0.0.1:{port}/secure`, and every DPoP request carries `Host: 127.0.0.1:{port}`,
 * whichever replica it is sent to (as a load balancer that keeps the Host would send it). Every
 * replica checks the same `htu`, so a proof sent again can only be refused as a replay, and any
 * other refusal of it fails the run.
 *
 * A Redis restarted without persistence forgets the proofs it recorded (a documented limit): a proof
 * is replayed only while the Redis that recorded it is still running.
 */
import { Agent, type OutgoingHttpHeaders, request } from 'node:http';
import { DpopKey, TestTenant } from 'routing-controllers-auth0/testing';
import { RedisServer, redisServerPath } from '../../test/support/redis-server';
import {
  AUDIENCE,
  CONNECTIONS,
  COOLDOWN_S,
  freePort,
  type InvalidKind,
  invalidTokens,
  KINDS,
  type Kind,
  mib,
  pickWeighted,
  randomOf,
  rssKiB,
  SECONDS,
  type SampleProcess,
  startSampleProcess,
  stopProcess,
} from './common';

/** How long Redis stays stopped, in seconds (at most a fifth of the run). */
const REDIS_DOWN_S = 4;
/** Share of replays sent to the replica that accepted the proof. */
const SAME_REPLICA_SHARE = 0.2;
/** Share of DPoP rounds that send one proof to two replicas at once. */
const RACE_SHARE = 0.2;
const DPOP_PATH = '/secure';

type RoundKind = Kind | 'dpop';
const ROUND_KINDS: [RoundKind, number][] = [...KINDS, ['dpop', 30]];

interface Replica {
  readonly index: number;
  readonly sample: SampleProcess;
  /** The kids of the tokens this replica has accepted (it has their key cached). */
  readonly acceptedKids: Set<string>;
  startRss: number;
  peakRss: number;
  /** Fresh DPoP proofs it accepted after Redis came back. */
  dpopOkAfterBack: number;
  /** When it first accepted one. */
  firstOkAfterBack: number | undefined;
}

/** A DPoP key and a token bound to it. */
interface Binding {
  readonly key: DpopKey;
  readonly token: string;
  readonly kid: string;
}

interface Answer {
  readonly status: number;
  readonly challenge: string;
}

/** One DPoP request, answered. */
interface Delivery {
  readonly replica: Replica;
  /** Redis when it was sent. */
  readonly sent: RedisMoment;
  readonly answer: Answer;
}

/**
 * Redis in the run: `stopping` from the stop's start until its process has exited, `down` until the
 * start begins, `starting` until it answers PING.
 */
type RedisPhase = 'up' | 'stopping' | 'down' | 'starting';

/** Redis as seen when a request was sent to a replica. */
interface RedisMoment {
  readonly phase: RedisPhase;
  /** Redis had been started again. */
  readonly back: boolean;
  /** The replica had accepted a proof since then (its client has reconnected). */
  readonly recovered: boolean;
}

function newCounts() {
  return {
    requests: 0,
    s2xx: 0,
    s4xx: 0,
    s5xx: 0,
    s503: 0,
    other5xx: 0,
    wronglyAccepted: 0,
    wronglyRefused: 0,
    clientErrors: 0,
    replaysSent: 0,
    replaysAccepted: 0,
    replaysRefused: 0,
    replaysUnavailable: 0,
    replaysRefusedOtherwise: 0,
    dpop503WhileDown: 0,
    dpopOkWhileDown: 0,
    dpopOkAfterBack: 0,
    dpop503WhileUp: 0,
  };
}

const isReplayRefusal = (answer: Answer): boolean => answer.status === 401 && answer.challenge.includes('replayed');

/** Distinct free loopback ports. */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

class ReplicaSoak {
  private readonly counts = newCounts();
  private readonly redisState = { phase: 'up' as RedisPhase, generation: 0, backAt: undefined as number | undefined };
  private readonly tokens = new Map<string, string[]>();
  private readonly bindings = new Map<string, Binding[]>();
  /** The latest proofs sent, to look for in the replicas' output. */
  private readonly proofs: string[] = [];
  private readonly phases: string[] = [];
  private readonly agent = new Agent({ keepAlive: true });
  private readonly publicHost: string;
  private readonly htu: string;
  private readonly run: { stopping: boolean; next: number; started: number } = { stopping: false, next: 0, started: 0 };
  private readonly fetchBound: number;

  constructor(
    private readonly tenant: TestTenant,
    private readonly redis: RedisServer,
    private readonly replicas: Replica[],
    private readonly invalid: Record<InvalidKind, string[]>,
  ) {
    this.publicHost = `127.0.0.1:${replicas[0].sample.port}`;
    this.htu = `http://${this.publicHost}${DPOP_PATH}`;
    this.fetchBound = replicas.length * (Math.ceil(SECONDS / COOLDOWN_S) + 2 * this.script().length + 2);
  }

  async soak(): Promise<boolean> {
    await this.mint(40);
    await this.mintDpop(8);
    for (const replica of this.replicas) {
      replica.startRss = rssKiB(replica.sample.child.pid, 'VmRSS');
      replica.peakRss = replica.startRss;
    }
    this.run.started = Date.now();
    const director = this.director();
    const sampler = setInterval(() => this.sampleRss('VmRSS'), 200);
    const workers = Array.from({ length: CONNECTIONS }, () => this.worker());
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    this.run.stopping = true;
    await Promise.all(workers);
    await director;
    clearInterval(sampler);
    this.sampleRss('VmHWM');
    this.agent.destroy();
    const exitedEarly = this.replicas.filter((r) => r.sample.child.exitCode !== null || r.sample.child.signalCode !== null);
    const leak = this.secretsInOutput();
    console.log(this.summary());
    return this.verdict(
      exitedEarly.map((r) => r.index),
      leak,
    );
  }

  private published(): Set<string> {
    return new Set(this.tenant.jwks.keys.map((k) => k.kid as string));
  }

  /** Valid Bearer tokens of the current kid: fresh ones all along keep the verification path running. */
  private async mint(count: number): Promise<void> {
    const kid = this.tenant.currentKid;
    const list = this.tokens.get(kid) ?? [];
    for (let i = 0; i < count; i += 1)
      list.push(await this.tenant.token({ subject: `auth0|soak-${kid.slice(-4)}-${list.length}`, scopes: 'read:blabla' }));
    this.tokens.set(kid, list.slice(-200));
  }

  /** DPoP keys, each with a token of the current kid bound to it. */
  private async mintDpop(count: number): Promise<void> {
    const kid = this.tenant.currentKid;
    const list = this.bindings.get(kid) ?? [];
    for (let i = 0; i < count; i += 1) {
      const key = await DpopKey.generate();
      const token = await this.tenant.token({ subject: `auth0|dpop-${kid.slice(-4)}-${list.length}`, dpopJkt: key.thumbprint });
      list.push({ key, token, kid });
    }
    this.bindings.set(kid, list.slice(-50));
  }

  private nextReplica(): Replica {
    const replica = this.replicas[this.run.next % this.replicas.length];
    this.run.next += 1;
    return replica;
  }

  private moment(replica: Replica): RedisMoment {
    const { phase, backAt } = this.redisState;
    return { phase, back: backAt !== undefined, recovered: replica.firstOkAfterBack !== undefined };
  }

  private sampleRss(field: 'VmRSS' | 'VmHWM'): void {
    for (const replica of this.replicas) replica.peakRss = Math.max(replica.peakRss, rssKiB(replica.sample.child.pid, field));
  }

  /** One GET to a replica; `undefined` (a client error) when it gets no answer. */
  private send(replica: Replica, path: string, headers: OutgoingHttpHeaders): Promise<Answer | undefined> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (answer: Answer | undefined): void => {
        if (settled) return;
        settled = true;
        if (answer === undefined) this.counts.clientErrors += 1;
        else this.count(answer);
        resolve(answer);
      };
      const req = request({ host: '127.0.0.1', port: replica.sample.port, path, headers, agent: this.agent, timeout: 30_000 }, (res) => {
        res.once('error', () => settle(undefined));
        res.once('end', () => settle({ status: res.statusCode ?? 0, challenge: String(res.headers['www-authenticate'] ?? '') }));
        res.resume();
      });
      req.once('timeout', () => req.destroy(new Error('no answer within 30 s')));
      req.once('error', () => settle(undefined));
      req.end();
    });
  }

  private count({ status }: Answer): void {
    const c = this.counts;
    c.requests += 1;
    if (status < 300) c.s2xx += 1;
    else if (status < 500) c.s4xx += 1;
    else c.s5xx += 1;
    if (status === 503) c.s503 += 1;
    else if (status >= 500) c.other5xx += 1;
  }

  private async worker(): Promise<void> {
    while (!this.run.stopping) {
      const kind = pickWeighted(ROUND_KINDS);
      if (kind === 'dpop') await this.dpopRound();
      else await this.bearerRound(kind);
    }
  }

  /** The single mode's request mix, round-robin. */
  private async bearerRound(kind: Kind): Promise<void> {
    let token: string | undefined;
    let kid: string | undefined;
    if (kind === 'valid') {
      kid = randomOf([...this.published()].filter((k) => this.tokens.has(k)));
      token = randomOf((kid === undefined ? undefined : this.tokens.get(kid)) ?? []);
    } else if (kind !== 'none' && kind !== 'public') {
      token = randomOf(this.invalid[kind]);
    }
    const replica = this.nextReplica();
    const path = kind === 'public' ? '/public' : '/secure/blabla';
    const answer = await this.send(replica, path, token === undefined ? {} : { authorization: `Bearer ${token}` });
    if (answer === undefined || kind === 'public') return;
    if (kind !== 'valid') {
      if (answer.status < 400) this.counts.wronglyAccepted += 1;
    } else if (kid !== undefined) {
      if (answer.status === 200) replica.acceptedKids.add(kid);
      else if (replica.acceptedKids.has(kid) && this.published().has(kid)) this.counts.wronglyRefused += 1;
    }
  }

  /** A fresh DPoP proof, then the same proof again (to another replica, the same one, or raced). */
  private async dpopRound(): Promise<void> {
    const binding = randomOf([...this.published()].flatMap((kid) => this.bindings.get(kid) ?? []));
    if (binding === undefined) return;
    const proof = await binding.key.proof({ method: 'GET', url: this.htu, accessToken: binding.token });
    this.proofs.push(proof);
    if (this.proofs.length > 200) this.proofs.shift();
    const headers = { host: this.publicHost, authorization: `DPoP ${binding.token}`, dpop: proof };
    const knowing = this.replicas.filter((r) => r.acceptedKids.has(binding.kid));
    if (knowing.length >= 2 && Math.random() < RACE_SHARE) await this.race(binding.kid, headers, knowing);
    else await this.firstThenReplay(binding.kid, headers);
  }

  private async firstThenReplay(kid: string, headers: OutgoingHttpHeaders): Promise<void> {
    const generation = this.redisState.generation;
    const first = this.nextReplica();
    const sent = this.moment(first);
    const answer = await this.send(first, DPOP_PATH, headers);
    if (answer === undefined) return;
    this.noteRedis({ replica: first, sent, answer });
    this.noteFresh({ replica: first, sent, answer }, kid, false);
    // Only a proof accepted (recorded) is replayed, and only to the Redis that recorded it.
    if (answer.status !== 200 || generation !== this.redisState.generation || this.run.stopping) return;
    const others = this.replicas.filter((r) => r !== first && r.acceptedKids.has(kid));
    const target = Math.random() < SAME_REPLICA_SHARE ? first : (randomOf(others) ?? first);
    const replaySent = this.moment(target);
    const replay = await this.send(target, DPOP_PATH, headers);
    if (replay === undefined) return;
    this.noteRedis({ replica: target, sent: replaySent, answer: replay });
    this.counts.replaysSent += 1;
    if (replay.status === 200) this.counts.replaysAccepted += 1;
    else if (isReplayRefusal(replay)) this.counts.replaysRefused += 1;
    else if (replay.status === 503) this.counts.replaysUnavailable += 1;
    else this.counts.replaysRefusedOtherwise += 1;
  }

  /** One proof to two replicas (both with the token's key cached) at once: at most one may accept it. */
  private async race(kid: string, headers: OutgoingHttpHeaders, knowing: Replica[]): Promise<void> {
    const a = randomOf(knowing) as Replica;
    const b = randomOf(knowing.filter((r) => r !== a)) as Replica;
    const sentA = this.moment(a);
    const sentB = this.moment(b);
    const answers = await Promise.all([this.send(a, DPOP_PATH, headers), this.send(b, DPOP_PATH, headers)]);
    const [first, second] = answers;
    if (first === undefined || second === undefined) return;
    for (const delivery of [
      { replica: a, sent: sentA, answer: first },
      { replica: b, sent: sentB, answer: second },
    ]) {
      this.noteRedis(delivery);
      this.noteFresh(delivery, kid, true);
    }
    const oks = answers.filter((x) => x?.status === 200).length;
    const replayRefusals = answers.filter((x) => x !== undefined && isReplayRefusal(x)).length;
    this.counts.replaysSent += 1;
    if (oks === 2) this.counts.replaysAccepted += 1;
    else if (replayRefusals > 0) this.counts.replaysRefused += 1;
    else if (first.status === 503 || second.status === 503) this.counts.replaysUnavailable += 1;
    else this.counts.replaysRefusedOtherwise += 1;
    // Both refused as replays: the proof was new, so one of them should have accepted it.
    if (replayRefusals === 2) this.counts.wronglyRefused += 1;
  }

  /** What a DPoP answer says about the replay store: refused while Redis was down, or not. */
  private noteRedis({ sent, answer }: Delivery): void {
    const c = this.counts;
    const now = this.redisState.phase;
    if (sent.phase === 'down' && now === 'down') {
      if (answer.status === 503) c.dpop503WhileDown += 1;
      else if (answer.status === 200) c.dpopOkWhileDown += 1;
    } else if (sent.phase === 'up' && now === 'up' && answer.status === 503 && (!sent.back || sent.recovered)) {
      // After a restart, 503s until the replica's client has reconnected are the outage's tail; any
      // other is a SET that took longer than the store's timeout.
      c.dpop503WhileUp += 1;
    }
  }

  /**
   * What the answer to a fresh proof says: accepted (the replica has the token's key; after Redis
   * came back, the replica's store works again), or refused, which is wrong when the replica had
   * the key cached, or when it calls a new proof a replay (unless `replayExpected`: a raced copy).
   */
  private noteFresh({ replica, sent, answer }: Delivery, kid: string, replayExpected: boolean): void {
    const { status } = answer;
    if (status === 200) {
      replica.acceptedKids.add(kid);
      if (sent.back && sent.phase === 'up') this.recovered(replica);
      return;
    }
    if (status < 400 || status >= 500) return;
    const replay = isReplayRefusal(answer);
    if (replay ? !replayExpected : replica.acceptedKids.has(kid) && this.published().has(kid)) this.counts.wronglyRefused += 1;
  }

  private recovered(replica: Replica): void {
    this.counts.dpopOkAfterBack += 1;
    replica.dpopOkAfterBack += 1;
    replica.firstOkAfterBack ??= Date.now();
  }

  /** The run's events, at seconds from the start. */
  private script(): [number, string, () => Promise<void>][] {
    const rotate = async (): Promise<void> => {
      await this.tenant.rotate();
      await this.mint(40);
      await this.mintDpop(8);
    };
    const downAt = SECONDS * 0.4;
    return [
      [SECONDS * 0.15, 'rotate', rotate],
      [
        downAt,
        'redis down',
        async () => {
          this.redisState.generation += 1;
          this.redisState.phase = 'stopping';
          await this.redis.stop();
          this.redisState.phase = 'down';
        },
      ],
      [
        downAt + Math.min(REDIS_DOWN_S, SECONDS * 0.2),
        'redis up',
        async () => {
          this.redisState.phase = 'starting';
          await this.redis.start();
          this.redisState.phase = 'up';
          this.redisState.backAt = Date.now();
        },
      ],
      [SECONDS * 0.75, 'rotate', rotate],
    ];
  }

  private async director(): Promise<void> {
    const script = this.script();
    let step = 0;
    while (!this.run.stopping) {
      const elapsed = (Date.now() - this.run.started) / 1000;
      while (step < script.length && elapsed >= script[step][0]) {
        this.phases.push(script[step][1]);
        await script[step][2]();
        step += 1;
      }
      await this.mint(5);
      await this.mintDpop(1);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Whether a token's or a proof's signature reached a replica's output. */
  private secretsInOutput(): boolean {
    const signatures = [...[...this.tokens.values()].flat(), ...[...this.bindings.values()].flat().map((b) => b.token), ...this.proofs].map(
      (jwt) => jwt.split('.')[2],
    );
    return this.replicas.some((r) => signatures.some((s) => r.sample.log.includes(s)));
  }

  private recoveryMs(): string {
    const { backAt } = this.redisState;
    if (backAt === undefined) return 'n/a';
    const firsts = this.replicas.map((r) => r.firstOkAfterBack);
    if (firsts.some((t) => t === undefined)) return 'never';
    return String(Math.max(...firsts.map((t) => (t ?? backAt) - backAt)));
  }

  private summary(): string {
    const c = this.counts;
    const rss = (pick: (r: Replica) => number): string => this.replicas.map((r) => mib(pick(r))).join(',');
    return (
      `soak: seconds=${SECONDS} requests=${c.requests} 2xx=${c.s2xx} 4xx=${c.s4xx} 5xx=${c.s5xx} ` +
      `(503=${c.s503}) wrongly_accepted=${c.wronglyAccepted} wrongly_refused=${c.wronglyRefused} ` +
      `jwks_fetches=${this.tenant.jwksRequests} (bound ${this.fetchBound}) rss_start_mib=${rss((r) => r.startRss)} ` +
      `peak_rss_mib=${rss((r) => r.peakRss)} client_errors=${c.clientErrors} ` +
      `replicas=${this.replicas.length} replays_sent=${c.replaysSent} replays_accepted=${c.replaysAccepted} ` +
      `dpop_503_while_redis_down=${c.dpop503WhileDown} dpop_ok_after_redis_back=${c.dpopOkAfterBack} ` +
      `replays_refused=${c.replaysRefused} replays_503=${c.replaysUnavailable} dpop_ok_while_redis_down=${c.dpopOkWhileDown} ` +
      `dpop_503_while_redis_up=${c.dpop503WhileUp} redis_recovery_ms=${this.recoveryMs()} phases=${this.phases.join('>')}`
    );
  }

  private verdict(exitedEarly: number[], leak: boolean): boolean {
    const c = this.counts;
    const failures: string[] = [];
    if (c.other5xx > 0) failures.push(`${c.other5xx} 5xx answers other than 503`);
    if (c.wronglyAccepted > 0) failures.push(`${c.wronglyAccepted} invalid tokens accepted`);
    if (c.wronglyRefused > 0) failures.push(`${c.wronglyRefused} valid tokens or fresh proofs refused while their key was cached`);
    if (this.tenant.jwksRequests > this.fetchBound)
      failures.push(`key set fetched ${this.tenant.jwksRequests} times (bound ${this.fetchBound})`);
    if (leak) failures.push('a token or a proof reached the sample output');
    if (c.requests === 0) failures.push('no requests were answered');
    if (exitedEarly.length > 0) failures.push(`replica ${exitedEarly.join(', ')} exited during the run`);
    if (c.replaysAccepted > 0) failures.push(`${c.replaysAccepted} replayed DPoP proofs accepted`);
    if (c.replaysRefusedOtherwise > 0)
      failures.push(`${c.replaysRefusedOtherwise} replayed proofs refused for another reason than the replay`);
    if (c.replaysRefused === 0) failures.push('no replayed proof was refused as a replay');
    if (c.dpopOkWhileDown > 0) failures.push(`${c.dpopOkWhileDown} DPoP proofs accepted while Redis was down`);
    if (!this.phases.includes('redis up')) failures.push('the run ended before Redis was started again (raise SOAK_SECONDS)');
    else if (c.dpop503WhileDown === 0) failures.push('no DPoP request met the Redis outage');
    const stuck = this.replicas.filter((r) => r.dpopOkAfterBack === 0).map((r) => r.index);
    if (this.phases.includes('redis up') && stuck.length > 0)
      failures.push(`DPoP did not work again after Redis came back on replica ${stuck.join(', ')}`);
    if (failures.length > 0) console.error(`soak FAILED: ${failures.join('; ')}`);
    return failures.length === 0;
  }
}

/** Runs the soak against `count` replicas sharing one Redis; sets a non-zero exit code when it fails. */
export async function soakReplicas(count: number): Promise<void> {
  const executable = redisServerPath();
  if (executable === undefined) throw new Error('redis-server not found: apt-get install redis-server, or set REDIS_SERVER_PATH');
  const redis = await RedisServer.start(executable);
  const tenant = await TestTenant.start({ audience: AUDIENCE });
  const samples: SampleProcess[] = [];
  const killAll = (): void => {
    for (const sample of samples) sample.child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  try {
    const started = await Promise.allSettled(
      (await freePorts(count)).map((port) => startSampleProcess(tenant, port, { REDIS_URL: redis.url })),
    );
    for (const result of started) if (result.status === 'fulfilled') samples.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const replicas = samples.map((sample, index) => ({
      index,
      sample,
      acceptedKids: new Set<string>(),
      startRss: 0,
      peakRss: 0,
      dpopOkAfterBack: 0,
      firstOkAfterBack: undefined,
    }));
    const ok = await new ReplicaSoak(tenant, redis, replicas, await invalidTokens(tenant)).soak();
    if (!ok) process.exitCode = 1;
  } finally {
    await Promise.all(samples.map(stopProcess));
    process.off('exit', killAll);
    await redis.stop();
    await tenant.close();
  }
}
