import { execFile } from 'node:child_process';
import { expect } from 'chai';

/** Runs `script` in a fresh Node process where requiring any of `hidden` fails as if it were not installed. */
function without(hidden: string[], script: string): Promise<string> {
  const hide = `
    const Module = require('node:module');
    const resolve = Module._resolveFilename;
    const hidden = ${JSON.stringify(hidden)};
    Module._resolveFilename = function (request, ...rest) {
      if (hidden.some((name) => request === name || request.startsWith(name + '/'))) {
        const error = new Error("Cannot find module '" + request + "'");
        error.code = 'MODULE_NOT_FOUND';
        throw error;
      }
      return resolve.call(this, request, ...rest);
    };`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--conditions=routing-controllers-auth0-source', '-r', 'ts-node/register/transpile-only', '-e', `${hide}\n${script}`],
      { timeout: 30_000, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' } },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

describe('oidc-provider is an optional peer dependency of the testing entry', function () {
  this.timeout(60_000);

  it('the testing entry loads without it, and LocalTenant.start() says which package to install', async () => {
    const out = await without(
      ['oidc-provider'],
      `
      const testing = require('routing-controllers-auth0/testing');
      require('routing-controllers-auth0');
      testing.TestTenant.start().then((t) => t.close())
        .then(() => testing.LocalTenant.start())
        .then(() => console.log('started'), (error) => console.log('ERROR ' + error.message));
    `,
    );
    expect(out.trim()).to.equal(
      'ERROR routing-controllers-auth0/testing: the local tenant needs the optional peer dependency oidc-provider; install it with `npm install --save-dev oidc-provider@9`',
    );
  });

  it('package.json lists it as an optional peer, not as a runtime dependency', () => {
    const pkg = require('../../package.json') as Record<string, Record<string, unknown> | undefined>;
    expect(pkg.dependencies).not.to.have.property('oidc-provider');
    expect(pkg.peerDependencies).to.have.property('oidc-provider');
    expect(pkg.peerDependenciesMeta).to.deep.include({ 'oidc-provider': { optional: true } });
    expect(pkg.devDependencies).to.have.property('oidc-provider');
  });
});

describe('@peculiar/x509 is an optional peer dependency of the testing entry, for HTTPS mode only', function () {
  this.timeout(60_000);

  it('the tenant starts over http without it; HTTPS mode and openCertificateAuthority say which package to install, and write nothing', async () => {
    const out = await without(
      ['@peculiar/x509'],
      `
      const { mkdtempSync, existsSync, rmSync } = require('node:fs');
      const { join } = require('node:path');
      const { tmpdir } = require('node:os');
      const testing = require('routing-controllers-auth0/testing');
      const parent = mkdtempSync(join(tmpdir(), 'rca0-no-x509-'));
      const caDir = join(parent, 'local-ca');
      const outcome = (promise) => promise.then((value) => 'ok', (error) => 'ERROR ' + error.message);
      (async () => {
        const tenant = await testing.LocalTenant.start();
        console.log(tenant.issuer.startsWith('http://') ? 'http started' : tenant.issuer);
        await tenant.close();
        console.log(await outcome(testing.LocalTenant.openCertificateAuthority({ caDir })));
        console.log(await outcome(testing.LocalTenant.start({ https: { caDir } }).then((t) => t.close())));
        console.log(existsSync(caDir) ? 'folder made' : 'no folder');
        rmSync(parent, { recursive: true, force: true });
      })();
    `,
    );
    const refusal =
      "ERROR routing-controllers-auth0/testing: the local tenant's HTTPS mode needs the optional peer dependency @peculiar/x509; install it with `npm install --save-dev @peculiar/x509@1`";
    expect(out.trim().split('\n')).to.deep.equal(['http started', refusal, refusal, 'no folder']);
  });

  it('package.json lists it as an optional peer, not as a runtime dependency', () => {
    const pkg = require('../../package.json') as Record<string, Record<string, unknown> | undefined>;
    expect(pkg.dependencies).not.to.have.property('@peculiar/x509');
    expect(pkg.peerDependencies).to.have.property('@peculiar/x509');
    expect(pkg.peerDependenciesMeta).to.deep.include({ '@peculiar/x509': { optional: true } });
    expect(pkg.devDependencies).to.have.property('@peculiar/x509');
  });
});
