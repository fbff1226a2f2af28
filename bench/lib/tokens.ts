/** Token supply for the bench, minted by the loopback tenant before any load starts. */
import type { TestTenant } from 'routing-controllers-auth0/testing';

/** The claims every bench token carries (so the same tokens pass /secure and /secure/blabla). */
export const BENCH_SCOPES = ['openid', 'read:blabla'];

/**
 * Mints `count` distinct tokens (distinct `sub`). jose signs with WebCrypto, which runs on libuv's
 * thread pool, so keeping a few hundred signatures in flight uses every core.
 */
export async function mintMany(tenant: TestTenant, count: number, prefix: string, onProgress?: (done: number) => void): Promise<string[]> {
  const tokens: string[] = new Array(count);
  const batch = 512;
  for (let start = 0; start < count; start += batch) {
    const end = Math.min(count, start + batch);
    const minted = await Promise.all(
      Array.from({ length: end - start }, (_, k) =>
        tenant.token({
          subject: `auth0|${prefix}-${start + k}`,
          scopes: BENCH_SCOPES,
          email: `${prefix}-${start + k}@example.com`,
          expiresIn: 6 * 3600,
        }),
      ),
    );
    for (let k = 0; k < minted.length; k += 1) tokens[start + k] = minted[k];
    onProgress?.(end);
  }
  return tokens;
}
