/**
 * The memory a DPoP replay record takes in the built-in store: fills a MemoryReplayStore with
 * live proofs (`jti`s of the longest accepted length, 256 characters, made as a proof's JSON would
 * make them) over a number of keys and subjects, and prints the heap it holds per proof.
 *
 * Run: npm run bench:replay
 * Environment: REPLAY_PROOFS (default 200000), REPLAY_JTI_LENGTH (default 256).
 */
import { randomBytes } from 'node:crypto';
import { MemoryReplayStore } from '../src/core/binding/replay-store';
import { numberEnv } from './lib/env';

const PROOFS = numberEnv('REPLAY_PROOFS', 200_000, 1);
const JTI_LENGTH = numberEnv('REPLAY_JTI_LENGTH', 256, 1);

function collect(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  // The keys' thumbprints and the subjects exist anyway (in the tokens' claims); made first.
  const keys = Array.from({ length: 40 }, () => randomBytes(32).toString('base64url'));
  const subjects = Array.from({ length: 40 }, (_, i) => `auth0|${randomBytes(12).toString('hex')}${i}`);
  const before = collect();
  const store = new MemoryReplayStore({ maxEntries: PROOFS, maxPerKey: PROOFS, maxPerSubject: PROOFS });
  const until = Date.now() + 3_600_000;
  for (let i = 0; i < PROOFS; i += 1) {
    // A fresh string per proof, as JSON.parse makes it for each proof's payload.
    const jti = JSON.parse(
      JSON.stringify(
        randomBytes(Math.ceil((JTI_LENGTH * 3) / 4))
          .toString('base64url')
          .slice(0, JTI_LENGTH),
      ),
    );
    await store.remember(keys[i % keys.length], jti, until + i, subjects[i % subjects.length]);
  }
  const after = collect();
  const perProof = (after - before) / store.size;
  console.log(
    `replay store: ${store.size} live proofs (jti of ${JTI_LENGTH} characters), ${Math.round(perProof)} bytes each, ` +
      `${((after - before) / 1024 / 1024).toFixed(1)} MiB in all`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
