import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Auth0ConfigError } from '../../src';
import { optionalPeer } from '../../src/openapi/optional-peer';

describe('optional peer dependencies of the OpenAPI helpers', () => {
  it('loads an installed package', () => {
    expect(optionalPeer<typeof import('routing-controllers-openapi')>('routing-controllers-openapi').getSpec).to.be.a('function');
  });

  it('names the package to install when it is missing', () => {
    expect(() => optionalPeer('routing-controllers-auth0-absent-peer'))
      .to.throw(Auth0ConfigError)
      .with.property(
        'message',
        'auth0Spec needs the optional peer dependency routing-controllers-auth0-absent-peer: npm install routing-controllers-auth0-absent-peer',
      );
  });

  it('passes on the error of an installed package that fails to load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optional-peer-'));
    try {
      const broken = join(dir, 'broken.js');
      writeFileSync(broken, "require('./missing-inside');");
      expect(() => optionalPeer(broken))
        .to.throw(Error, 'missing-inside')
        .and.not.to.be.instanceOf(Auth0ConfigError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
