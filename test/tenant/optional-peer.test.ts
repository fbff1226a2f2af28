import { execFile } from 'node:child_process';
import { expect } from 'chai';

/** Runs `script` in a fresh Node process where `require('oidc-provider')` fails as if it were not installed. */
function withoutOidcProvider(script: string): Promise<string> {
  const hide = `
    const Module = require('node:module');
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      if (request === 'oidc-provider' || request.startsWith('oidc-provider/')) {
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
    const out = await withoutOidcProvider(`
      const testing = require('routing-controllers-auth0/testing');
      require('routing-controllers-auth0');
      testing.TestTenant.start().then((t) => t.close())
        .then(() => testing.LocalTenant.start())
        .then(() => console.log('started'), (error) => console.log('ERROR ' + error.message));
    `);
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
