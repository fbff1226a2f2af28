import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import Module from 'node:module';
import express from 'express';
import Koa from 'koa';
import { Auth0, Auth0ConfigError } from '../../src';
import { useExpressDocs, useKoaDocs } from '../../src/openapi';
import { optionalPeer } from '../../src/openapi/optional-peer';

/** Runs `run` while the named packages cannot be resolved, as if they were not installed. */
function without<T>(names: readonly string[], run: () => T): T {
  const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const original = resolver._resolveFilename;
  resolver._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    if (names.some((name) => request === name || request.startsWith(`${name}/`))) {
      throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
    }
    return original.call(this, request, ...rest);
  };
  try {
    return run();
  } finally {
    resolver._resolveFilename = original;
  }
}

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

  it('useKoaDocs and useExpressDocs name every missing peer at once, when called, not at the first request', () => {
    const auth = new Auth0({ domain: 't.auth0.com', audience: 'https://api.example.com' });
    without(['swagger-ui-dist', 'routing-controllers-openapi'], () => {
      expect(() => useKoaDocs(new Koa(), auth))
        .to.throw(Auth0ConfigError)
        .with.property(
          'message',
          'useKoaDocs needs the optional peer dependencies swagger-ui-dist, routing-controllers-openapi: npm install swagger-ui-dist routing-controllers-openapi',
        );
      // A document given as such needs no OpenAPI package: only the page's files.
      expect(() => useExpressDocs(express(), auth, { spec: { openapi: '3.0.0', info: { title: 't', version: '1' }, paths: {} } }))
        .to.throw(Auth0ConfigError)
        .with.property('message', 'useExpressDocs needs the optional peer dependency swagger-ui-dist: npm install swagger-ui-dist');
    });
    expect(useKoaDocs(new Koa(), auth).pageUrl).to.be.a('function');
  });
});
