/**
 * `npm run test:consumer`: the package as a user gets it. Builds, packs the tarball, installs it in
 * a throw-away CommonJS project in a temporary folder beside the required peers only (none of the
 * optional ones: no OpenAPI packages, no oidc-provider, no @peculiar/x509), type-checks a tiny app with both
 * TypeScript resolutions a CommonJS user may have (`node16` through the `exports` map, `node10`
 * through `main`/`typesVersions`), compiles it, runs it, and expects 401/403/200 over HTTP.
 *
 * The peers are installed at the versions this repository has, with `--prefer-offline`, so npm's
 * cache serves them when it can. Set KEEP_CONSUMER=1 to keep the folder; it is kept on failure.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const PEERS = ['routing-controllers', 'class-validator', 'class-transformer', 'reflect-metadata', 'koa', '@koa/router', 'koa-bodyparser'];
const TYPES = ['@types/koa', '@types/node'];

const APP = `import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { Authorized, CurrentUser, Get, JsonController, useKoaServer } from 'routing-controllers';
import { Auth0, Auth0User, InvalidTokenError } from 'routing-controllers-auth0';
import { TestTenant } from 'routing-controllers-auth0/testing';

@JsonController('/orders')
class OrdersApi {
  @Get('/')
  @Authorized('read:orders')
  list(@CurrentUser() user: Auth0User): { owner: string } {
    return { owner: user.id };
  }
}

async function main(): Promise<void> {
  const tenant = await TestTenant.start({ audience: 'https://orders.example.com' });
  const auth: Auth0 = tenant.auth0();
  const app = new Koa();
  useKoaServer(app, { controllers: [OrdersApi], authorizationChecker: auth.authorizationChecker, currentUserChecker: auth.currentUserChecker });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((done) => server.once('listening', done));
  const url = \`http://127.0.0.1:\${(server.address() as AddressInfo).port}/orders\`;
  const call = (token?: string) => fetch(url, token === undefined ? {} : { headers: { authorization: \`Bearer \${token}\` } });
  const statuses = {
    anonymous: (await call()).status,
    withoutScope: (await call(await tenant.token())).status,
    withScope: (await call(await tenant.token({ scopes: 'read:orders' }))).status,
  };
  server.close();
  await tenant.close();
  console.log(JSON.stringify({ statuses, errorClass: typeof InvalidTokenError }));
  const ok = statuses.anonymous === 401 && statuses.withoutScope === 403 && statuses.withScope === 200;
  process.exitCode = ok ? 0 : 1;
}

void main();
`;

// The main entry alone, type-checked with skipLibCheck: false: its declarations must name no
// optional peer (none is installed here).
const MAIN_ONLY = `import { Auth0, Auth0User, InvalidTokenError, Pipeline, type Authentication } from 'routing-controllers-auth0';

export function describe(auth: Auth0, outcome: Authentication<Auth0User>): string {
  const pipeline: Pipeline = auth.pipeline;
  return outcome.kind === 'failed' && outcome.error instanceof InvalidTokenError ? pipeline.answer(outcome.error).body.message : outcome.kind;
}
`;

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

function versionOf(name: string): string {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
  return `${name}@${manifest.version}`;
}

function tsconfig(module: 'node16' | 'commonjs', noEmit: boolean, files = ['app.ts'], skipLibCheck = true): string {
  return JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module,
      lib: ['ES2022', 'DOM'],
      strict: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      esModuleInterop: true,
      skipLibCheck,
      types: ['node'],
      outDir: 'dist',
      noEmit,
    },
    files,
  });
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'routing-controllers-auth0-consumer-'));
  let keep = process.env.KEEP_CONSUMER === '1';
  try {
    run(NPM, ['run', 'build', '--silent'], ROOT);
    const packed = JSON.parse(run(NPM, ['pack', '--json', '--pack-destination', dir], ROOT)) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    const tarball = join(dir, packed[0].filename);
    const stray = packed[0].files.map((f) => f.path).filter((p) => !/^(dist\/|README\.md$|CHANGELOG\.md$|LICENSE$|package\.json$)/.test(p));
    if (stray.length > 0) throw new Error(`unexpected files in the tarball: ${stray.join(', ')}`);

    const project = join(dir, 'app');
    run('mkdir', ['-p', project], dir);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'commonjs' }));
    writeFileSync(join(project, 'app.ts'), APP);
    run(
      NPM,
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', tarball, ...[...PEERS, ...TYPES].map(versionOf)],
      project,
    );
    for (const peer of [
      'swagger-ui-dist',
      'routing-controllers-openapi',
      'class-validator-jsonschema',
      'oidc-provider',
      '@peculiar/x509',
    ]) {
      if (
        run(
          'node',
          ['-e', `try { require.resolve('${peer}'); console.log('present') } catch { console.log('absent') }`],
          project,
        ).trim() !== 'absent'
      ) {
        throw new Error(`${peer} was installed, yet it is an optional peer`);
      }
    }

    writeFileSync(join(project, 'main-only.ts'), MAIN_ONLY);
    for (const module of ['node16', 'commonjs'] as const) {
      writeFileSync(join(project, `tsconfig.strict-${module}.json`), tsconfig(module, true, ['main-only.ts'], false));
      run('node', [TSC, '-p', `tsconfig.strict-${module}.json`], project);
    }
    writeFileSync(join(project, 'tsconfig.node10.json'), tsconfig('commonjs', true));
    run('node', [TSC, '-p', 'tsconfig.node10.json'], project);
    writeFileSync(join(project, 'tsconfig.json'), tsconfig('node16', false));
    run('node', [TSC, '-p', 'tsconfig.json'], project);

    const output = run('node', ['dist/app.js'], project).trim();
    console.log(`consumer: ${output}`);
    console.log(
      `consumer: ${packed[0].filename} (${packed[0].files.length} files) installed without optional peers, type-checked (node10, node16; the main entry also with skipLibCheck: false), ran: OK`,
    );
  } catch (error) {
    keep = true;
    console.error(`consumer: FAILED (folder kept: ${dir})`);
    throw error;
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

main();
