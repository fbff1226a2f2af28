import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { oidcProviderLines } from './oidc-provider-output';

const TESTING = join(__dirname, '../../src/testing');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return sources(join(dir, entry.name));
    return entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [];
  });
}

/** Runs a tenant through its flows in a fresh process; resolves with what it printed, both streams. */
function runFlows(): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--conditions=routing-controllers-auth0-source', '-r', 'ts-node/register/transpile-only', join(__dirname, 'fixtures/run-flows.ts')],
      { timeout: 60_000, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' } },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stdout}\n${stderr}`)) : resolve({ stdout, stderr })),
    );
  });
}

describe("the local tenant uses oidc-provider's public API only", function () {
  this.timeout(60_000);

  it('loads nothing but the package itself, and patches no globals', () => {
    for (const file of sources(TESTING)) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.to.match(/require\(\s*['"]oidc-provider\/|from\s+['"]oidc-provider\//);
      expect(text, file).not.to.match(/\bconsole\.\w+\s*=[^=]/);
      expect(text, file).not.to.include('lib/adapters');
    }
  });

  it('runs every flow without oidc-provider warnings or notices (it configures what they are about)', async () => {
    const { stdout, stderr } = await runFlows();
    const seen = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(seen).to.deep.equal({
      discovery: 200,
      machine: 'string',
      dpop: 'DPoP',
      implicit: 'Bearer',
      userinfo: 200,
      revoke: 200,
      revoked: 401,
      oidcLogout: 200,
      logout: 'http://localhost:3000/',
      error: 400,
      realm: [200, 'string', 'string'],
      refresh: 200,
      jwtUserinfo: 200,
      silent: 400,
      https: [200, 'string'],
    });
    expect(oidcProviderLines(`${stdout}\n${stderr}`), `${stdout}\n${stderr}`).to.deep.equal([]);
  });
});
