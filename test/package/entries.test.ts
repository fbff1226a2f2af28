import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect } from 'chai';

const ROOT = resolve(__dirname, '../..');
const OPENAPI_PACKAGES = ['swagger-ui-dist', 'routing-controllers-openapi', 'class-validator-jsonschema', 'openapi3-ts'];

/**
 * What a fresh process resolves and loads when it requires `specifier`: every module request it
 * resolves (`require` and `require.resolve` alike), and the files it loads.
 */
function footprintOf(specifier: string, preload = ['reflect-metadata']): { requests: string[]; files: string[] } {
  const script = `const Module = require('node:module');
const requests = new Set();
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) { requests.add(request); return resolveFilename.call(this, request, ...rest); };
for (const name of ${JSON.stringify(preload)}) require(name);
require(${JSON.stringify(specifier)});
process.stdout.write(JSON.stringify({ requests: [...requests], files: Object.keys(require.cache) }));`;
  const output = execFileSync(
    process.execPath,
    ['--conditions=routing-controllers-auth0-source', '-r', 'ts-node/register/transpile-only', '-e', script],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return JSON.parse(output) as { requests: string[]; files: string[] };
}

const packageOf = (request: string) =>
  request
    .split('/')
    .slice(0, request.startsWith('@') ? 2 : 1)
    .join('/');

describe('package entries: each loads only what it needs', () => {
  it('the main entry resolves neither swagger-ui-dist nor any OpenAPI package, and loads no OpenAPI module', () => {
    const { requests, files } = footprintOf('routing-controllers-auth0');
    const packages = requests.map(packageOf);
    expect(packages).to.include('jose');
    for (const name of OPENAPI_PACKAGES) expect(packages, name).not.to.include(name);
    expect(files.filter((file) => file.includes('/src/openapi/'))).to.deep.equal([]);
  });

  it('the framework-free core resolves no framework and no decorator library', () => {
    const packages = footprintOf('./src/core/pipeline', []).requests.map(packageOf);
    expect(packages).to.include('jose');
    for (const name of ['koa', 'express', 'routing-controllers', 'class-transformer', 'class-validator', 'reflect-metadata']) {
      expect(packages, name).not.to.include(name);
    }
  });

  it('the openapi entry resolves none of its optional peers (swagger-ui-dist included) until the docs or a document are set up', () => {
    const packages = footprintOf('routing-controllers-auth0/openapi').requests.map(packageOf);
    for (const name of ['swagger-ui-dist', 'routing-controllers-openapi', 'class-validator-jsonschema']) {
      expect(packages, name).not.to.include(name);
    }
  });

  it('the testing entry resolves neither oidc-provider nor @peculiar/x509 until a local tenant starts (and HTTPS mode needs a CA)', () => {
    const packages = footprintOf('routing-controllers-auth0/testing').requests.map(packageOf);
    expect(packages).to.include('jose');
    for (const name of ['oidc-provider', '@peculiar/x509', '@peculiar/asn1-x509', '@peculiar/asn1-schema']) {
      expect(packages, name).not.to.include(name);
    }
  });
});
