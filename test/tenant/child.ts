/**
 * Runs a fixture script in a Node process of its own, as a client of the local tenant runs: with
 * `NODE_EXTRA_CA_CERTS` naming the tenant's CA (Node reads it only when it starts). The script
 * prints one JSON line last; resolves with it parsed.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** Runs `test/tenant/fixtures/<name>` with `env` added; resolves with its last line of output, parsed. */
export function runFixture(name: string, env: Record<string, string>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--conditions=routing-controllers-auth0-source', '-r', 'ts-node/register/transpile-only', join(__dirname, 'fixtures', name)],
      { timeout: 60_000, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', ...env } },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${name}: ${error.message}\n${stdout}\n${stderr}`));
          return;
        }
        const last = stdout.trim().split('\n').at(-1) ?? '';
        try {
          resolve(JSON.parse(last) as Record<string, unknown>);
        } catch {
          reject(new Error(`${name} printed no JSON line:\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}
