import { expect } from 'chai';
import { Auth0, Auth0ConfigError, type Auth0Options } from '../../src';
import { optionsWithEnv, resolveConfig, type ResolvedConfig } from '../../src/core/config';

describe('configuration', () => {
  it('derives issuer and key set from an Auth0 domain', () => {
    const c = resolveConfig({ domain: 'your-tenant.auth0.com', audience: 'https://api' });
    expect(c.issuer).to.equal('https://your-tenant.auth0.com/');
    expect(c.jwksUri).to.equal('https://your-tenant.auth0.com/.well-known/jwks.json');
    expect(c.audience).to.deep.equal(['https://api']);
    expect(c.algorithms).to.deep.equal(['RS256']);
    expect(c.clockTolerance).to.equal(5);
    expect(c.authorizeWith).to.equal('scope');
    expect(c.realm).to.equal('https://api');
  });

  it('accepts host:port and full https URLs, keeping exactly one trailing slash', () => {
    expect(resolveConfig({ domain: 'localhost:8443', audience: 'a' }).issuer).to.equal('https://localhost:8443/');
    expect(resolveConfig({ domain: 'https://login.example.com', audience: 'a' }).issuer).to.equal('https://login.example.com/');
    expect(resolveConfig({ domain: 'https://login.example.com/', audience: 'a' }).issuer).to.equal('https://login.example.com/');
    expect(resolveConfig({ issuerBaseURL: 'https://id.example.com', audience: 'a' }).issuer).to.equal('https://id.example.com/');
  });

  it('allows plain http for a loopback tenant only', () => {
    for (const domain of ['http://localhost:4000/', 'http://127.0.0.1:4000', 'http://[::1]:4000/']) {
      expect(resolveConfig({ domain, audience: 'a' }).issuer.startsWith('http://'), domain).to.equal(true);
    }
    for (const domain of ['http://tenant.auth0.com', 'http://10.0.0.1:4000', 'http://localhost.evil.com', 'http://dev.localhost:4000']) {
      expect(() => resolveConfig({ domain, audience: 'a' }), domain).to.throw(
        Auth0ConfigError,
        /plain http is allowed only for a local tenant on a loopback host/,
      );
    }
    expect(() => resolveConfig({ domain: 'ftp://x', audience: 'a' })).to.throw(Auth0ConfigError, /must be an https URL/);
  });

  it('fails at construction with a message that says what to set', () => {
    expect(() => new Auth0({ audience: 'a' })).to.throw(Auth0ConfigError, /set `domain`/);
    expect(() => new Auth0({ domain: '  ', audience: 'a' })).to.throw(Auth0ConfigError, /set `domain`/);
    expect(() => new Auth0({ domain: 't.auth0.com' } as never)).to.throw(Auth0ConfigError, /set `audience` to your API identifier/);
    expect(() => new Auth0({ domain: 't.auth0.com', audience: [] })).to.throw(Auth0ConfigError, /set `audience`/);
    expect(() => resolveConfig(null as never)).to.throw(Auth0ConfigError, /pass options/);
  });

  it('refuses symmetric algorithms and none', () => {
    for (const alg of ['HS256', 'none', 'HS512']) {
      expect(() => resolveConfig({ domain: 't.auth0.com', audience: 'a', algorithms: [alg] })).to.throw(Auth0ConfigError, /not accepted/);
    }
    expect(resolveConfig({ domain: 't.auth0.com', audience: 'a', algorithms: ['RS256', 'PS256'] }).algorithms).to.deep.equal([
      'RS256',
      'PS256',
    ]);
  });

  it('takes overrides: key set URL, clock tolerance, realm, several audiences', () => {
    const c = resolveConfig({
      domain: 't.auth0.com',
      audience: ['https://a', 'https://b'],
      jwksUri: 'https://keys.example.com/jwks.json',
      clockTolerance: 0,
      realm: 'my-api',
    });
    expect(c.jwksUri).to.equal('https://keys.example.com/jwks.json');
    expect(c.clockTolerance).to.equal(0);
    expect(c.realm).to.equal('my-api');
    expect(c.audience).to.deep.equal(['https://a', 'https://b']);
    expect(() => resolveConfig({ domain: 't.auth0.com', audience: 'a', jwksUri: 'http://keys.example.com/' })).to.throw(
      Auth0ConfigError,
      /jwksUri/,
    );
    expect(() => resolveConfig({ domain: 't.auth0.com', audience: 'a', clockTolerance: -1 })).to.throw(Auth0ConfigError, /clockTolerance/);
    expect(() => resolveConfig({ domain: 't.auth0.com', audience: 'a', authorizeWith: 'roles' as never })).to.throw(
      Auth0ConfigError,
      /authorizeWith/,
    );
  });

  it('refuses a user class that is not an Auth0User', () => {
    class NotAUser {}
    expect(() => new Auth0({ domain: 't.auth0.com', audience: 'a', userClass: NotAUser as never })).to.throw(
      Auth0ConfigError,
      /`userClass` must be Auth0User or a subclass of it/,
    );
  });
});

describe('configuration from the environment', () => {
  it('fills omitted options from AUTH0_DOMAIN, AUTH0_AUDIENCE, AUTH0_CLIENT_ID and the email settings', () => {
    const filled = optionsWithEnv(
      {},
      {
        AUTH0_DOMAIN: 'a.auth0.com, login.example.com',
        AUTH0_AUDIENCE: 'https://api',
        AUTH0_CLIENT_ID: 'cid',
        AUTH0_RULE_NAMESPACE: 'https://ns.example.com/',
      },
    );
    const config = resolveConfig(filled);
    expect(config.issuers.map((i) => i.issuer)).to.deep.equal(['https://a.auth0.com/', 'https://login.example.com/']);
    expect(config.audience).to.deep.equal(['https://api']);
    expect(config.clientId).to.equal('cid');
    expect(config.emailClaim).to.equal('https://ns.example.com/email');
  });

  it('takes ISSUER_BASE_URL, AUTH0_API_AUDIENCE or AUDIENCE, AUTH0_EMAIL_CLAIM', () => {
    const config = resolveConfig(
      optionsWithEnv({}, { ISSUER_BASE_URL: 'https://id.example.com', AUDIENCE: 'a,b', AUTH0_EMAIL_CLAIM: 'https://x/email' }),
    );
    expect(config.issuer).to.equal('https://id.example.com/');
    expect(config.audience).to.deep.equal(['a', 'b']);
    expect(config.emailClaim).to.equal('https://x/email');
    expect(resolveConfig(optionsWithEnv({}, { AUTH0_DOMAIN: 't.auth0.com', AUTH0_API_AUDIENCE: 'x' })).audience).to.deep.equal(['x']);
  });

  it('options win over the environment', () => {
    const config = resolveConfig(
      optionsWithEnv({ domain: 'mine.auth0.com', audience: 'mine' }, { AUTH0_DOMAIN: 'env.auth0.com', AUTH0_AUDIENCE: 'env' }),
    );
    expect(config.issuer).to.equal('https://mine.auth0.com/');
    expect(config.audience).to.deep.equal(['mine']);
  });

  it('with neither, the same clear errors', () => {
    expect(() => resolveConfig(optionsWithEnv({}, {}))).to.throw(
      Auth0ConfigError,
      /set `domain` .* or the AUTH0_DOMAIN environment variable/,
    );
    expect(() => resolveConfig(optionsWithEnv({}, { AUTH0_DOMAIN: 't.auth0.com' }))).to.throw(Auth0ConfigError, /AUTH0_AUDIENCE/);
  });

  it('several domains cannot share one jwksUri', () => {
    expect(() => resolveConfig({ domain: ['a.auth0.com', 'b.example.com'], audience: 'x', jwksUri: 'https://k/' })).to.throw(
      Auth0ConfigError,
      /jwksUri/,
    );
  });
});

/** The Auth0ConfigError thrown by `run`; fails when nothing or something else is thrown. */
function configError(run: () => unknown): Auth0ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(Auth0ConfigError);
    return error as Auth0ConfigError;
  }
  return expect.fail('expected an Auth0ConfigError');
}

/** Expects `run` to fail with an Auth0ConfigError whose message holds every one of `names`. */
function expectRefused(run: () => unknown, ...names: string[]): void {
  const { message } = configError(run);
  for (const name of names) expect(message, message).to.include(name);
}

const BASE = { domain: 't.auth0.com', audience: 'a' } as const;
const SIGNING_SECRET = 'a-long-api-signing-secret-of-at-least-32-chars';
const COOKIE_SECRET = 'a-session-cookie-secret-that-is-long-enough-too';
const HS_NAMES = ['`secret`', '`algorithms', 'AUTH0_SIGNING_SECRET', 'AUTH0_TOKEN_SIGNING_ALG'];

/** `{ dpop: { nonce: { lifetime: value } } }` for the path `dpop.nonce.lifetime`. */
function nested(path: string, value: unknown): Record<string, unknown> {
  return path
    .split('.')
    .reverse()
    .reduce<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

function resolveWith(path: string, value: unknown): ResolvedConfig {
  return resolveConfig({ ...BASE, ...nested(path, value) } as Auth0Options);
}

function valueAt(config: ResolvedConfig, path: string): unknown {
  return path.split('.').reduce<unknown>((object, key) => (object as Record<string, unknown>)[key], config);
}

describe('configuration: HS256 only when asked for explicitly', () => {
  it('AUTH0_SECRET (a session-cookie secret) in the environment is never read: RS256 with the key set stays', () => {
    const filled = optionsWithEnv({ ...BASE }, { AUTH0_SECRET: COOKIE_SECRET });
    expect(filled).not.to.have.property('secret');
    const config = resolveConfig(filled);
    expect(config.algorithms).to.deep.equal(['RS256']);
    expect(config.secret).to.equal(undefined);
    // Not even together with an HS algorithm: the cookie secret never becomes a signing key.
    expectRefused(
      () => resolveConfig(optionsWithEnv({ ...BASE }, { AUTH0_SECRET: COOKIE_SECRET, AUTH0_TOKEN_SIGNING_ALG: 'HS256' })),
      ...HS_NAMES,
    );
  });

  it('AUTH0_SECRET in process.env leaves new Auth0() on RS256', () => {
    const before = process.env.AUTH0_SECRET;
    process.env.AUTH0_SECRET = COOKIE_SECRET;
    try {
      const auth = new Auth0({ ...BASE });
      expect(auth.config.algorithms).to.deep.equal(['RS256']);
      expect(auth.config.secret).to.equal(undefined);
    } finally {
      if (before === undefined) delete process.env.AUTH0_SECRET;
      else process.env.AUTH0_SECRET = before;
    }
  });

  it('AUTH0_SIGNING_SECRET with AUTH0_TOKEN_SIGNING_ALG=HS256 gives HS256 with that secret', () => {
    const config = resolveConfig(
      optionsWithEnv({ ...BASE }, { AUTH0_SIGNING_SECRET: SIGNING_SECRET, AUTH0_TOKEN_SIGNING_ALG: 'HS256', AUTH0_SECRET: COOKIE_SECRET }),
    );
    expect(config.algorithms).to.deep.equal(['HS256']);
    expect(config.secret).to.deep.equal(new TextEncoder().encode(SIGNING_SECRET));
  });

  it('AUTH0_SIGNING_SECRET alone fails, naming both options and both environment variables', () => {
    expectRefused(() => resolveConfig(optionsWithEnv({ ...BASE }, { AUTH0_SIGNING_SECRET: SIGNING_SECRET })), ...HS_NAMES);
  });

  it('AUTH0_TOKEN_SIGNING_ALG=HS256 alone fails, naming both options and both environment variables', () => {
    expectRefused(() => resolveConfig(optionsWithEnv({ ...BASE }, { AUTH0_TOKEN_SIGNING_ALG: 'HS256' })), ...HS_NAMES);
  });

  it('AUTH0_TOKEN_SIGNING_ALG alone fills algorithms when the option is omitted; the option wins', () => {
    expect(resolveConfig(optionsWithEnv({ ...BASE }, { AUTH0_TOKEN_SIGNING_ALG: 'PS256' })).algorithms).to.deep.equal(['PS256']);
    expect(resolveConfig(optionsWithEnv({ ...BASE }, { AUTH0_TOKEN_SIGNING_ALG: 'RS256' })).algorithms).to.deep.equal(['RS256']);
    const explicit = optionsWithEnv({ ...BASE, algorithms: ['RS256'] }, { AUTH0_TOKEN_SIGNING_ALG: 'PS256' });
    expect(resolveConfig(explicit).algorithms).to.deep.equal(['RS256']);
  });

  it('the secret option without algorithms fails, naming both options and both environment variables', () => {
    expectRefused(() => resolveConfig({ ...BASE, secret: SIGNING_SECRET }), ...HS_NAMES);
    expectRefused(() => new Auth0({ ...BASE, secret: SIGNING_SECRET }), ...HS_NAMES);
  });

  it('HS256 (or HS384, HS512) without a secret fails, naming both options and both environment variables', () => {
    for (const alg of ['HS256', 'HS384', 'HS512']) {
      expectRefused(() => resolveConfig({ ...BASE, algorithms: [alg] }), alg, ...HS_NAMES);
      expectRefused(() => resolveConfig({ ...BASE, algorithms: ['RS256', alg] }), alg, ...HS_NAMES);
    }
  });

  it('secret with an explicit HS algorithm is accepted; mixed with an asymmetric one it is not', () => {
    for (const alg of ['HS256', 'HS384', 'HS512']) {
      const config = resolveConfig({ ...BASE, secret: SIGNING_SECRET, algorithms: [alg] });
      expect(config.algorithms).to.deep.equal([alg]);
      expect(config.secret).to.deep.equal(new TextEncoder().encode(SIGNING_SECRET));
    }
    expectRefused(() => resolveConfig({ ...BASE, secret: SIGNING_SECRET, algorithms: ['HS256', 'RS256'] }), '"RS256"', ...HS_NAMES);
    expectRefused(() => resolveConfig({ ...BASE, secret: 'short', algorithms: ['HS256'] }), '`secret`', 'at least 32 characters');
  });

  it('jwksUri together with secret is a conflict', () => {
    expectRefused(
      () => resolveConfig({ ...BASE, secret: SIGNING_SECRET, algorithms: ['HS256'], jwksUri: 'https://keys.example.com/jwks.json' }),
      '`jwksUri`',
      '`secret`',
    );
  });
});

describe('configuration: numeric options fail at construction, naming the option', () => {
  const rules: Array<{ name: string; invalid: unknown[]; valid: number[] }> = [
    { name: 'jwksTimeout', invalid: [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5000', 1.5, 2_147_483_648], valid: [1, 2_147_483_647] },
    { name: 'jwksMaxKeys', invalid: [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '20', 1.5], valid: [1, 20] },
    { name: 'maxTokenLength', invalid: [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '8192', 1.5], valid: [1, 8192] },
    { name: 'dpop.jtiCacheSize', invalid: [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5', 2.5], valid: [1, 100_000] },
    { name: 'dpop.jtiPerKey', invalid: [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5', 2.5], valid: [1, 1000] },
    { name: 'dpop.jtiPerSubject', invalid: [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5', 2.5], valid: [1, 10_000] },
    { name: 'dpop.iatOffset', invalid: [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '300'], valid: [0.5, 300] },
    { name: 'dpop.iatLeeway', invalid: [-1, Number.NaN, Number.POSITIVE_INFINITY, '30'], valid: [0, 30] },
    { name: 'dpop.nonce.lifetime', invalid: [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '300'], valid: [0.5, 60] },
    { name: 'tokenCacheSize', invalid: [-1, Number.NaN, Number.POSITIVE_INFINITY, '0', 0.5], valid: [0, 1000] },
    { name: 'tokenCacheMaxAge', invalid: [-1, Number.NaN, Number.POSITIVE_INFINITY, '0'], valid: [0, 60_000] },
    { name: 'jwksCooldown', invalid: [-1, Number.NaN, Number.POSITIVE_INFINITY, '0'], valid: [0, 5000] },
    { name: 'jwksMaxAge', invalid: [-1, Number.NaN, Number.POSITIVE_INFINITY, '0'], valid: [0, 600_000] },
    { name: 'clockTolerance', invalid: [-1, Number.NaN, Number.POSITIVE_INFINITY, '5'], valid: [0, 5] },
    { name: 'maxTokenAge', invalid: [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '60'], valid: [0.5, 60] },
  ];
  for (const { name, invalid, valid } of rules) {
    it(`${name}: refuses ${invalid.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v))).join(', ')}`, () => {
      for (const value of invalid) {
        const { message } = configError(() => resolveWith(name, value));
        expect(message, `${name}: ${String(value)}`).to.include(`\`${name}\` must be`);
      }
      for (const value of valid) expect(valueAt(resolveWith(name, value), name), `${name}: ${value}`).to.equal(value);
    });
  }

  it('the message says what is expected and what was given', () => {
    expect(configError(() => resolveWith('jwksTimeout', 0)).message).to.include(
      '`jwksTimeout` must be a whole number of milliseconds > 0 and <= 2147483647 (got 0)',
    );
    expect(configError(() => resolveWith('tokenCacheSize', '5')).message).to.include('`tokenCacheSize` must be an integer >= 0');
    expect(configError(() => resolveWith('tokenCacheSize', '5')).message).to.include('(got "5")');
  });

  it('dpop.jtiPerKey may not exceed dpop.jtiCacheSize; by default it is 5000, or jtiCacheSize when smaller; the window (iatOffset) is 60 s', () => {
    expectRefused(() => resolveWith('dpop', { jtiCacheSize: 10, jtiPerKey: 11 }), '`dpop.jtiPerKey`', '`dpop.jtiCacheSize`');
    expectRefused(() => resolveWith('dpop', { jtiPerKey: 100_001 }), '`dpop.jtiPerKey`', '`dpop.jtiCacheSize`');
    expect(resolveWith('dpop', { jtiCacheSize: 10, jtiPerKey: 10 }).dpop.jtiPerKey).to.equal(10);
    expect(resolveWith('dpop', { jtiCacheSize: 5 }).dpop.jtiPerKey).to.equal(5);
    const defaults = resolveConfig({ ...BASE }).dpop;
    expect(defaults.jtiCacheSize).to.equal(100_000);
    expect(defaults.jtiPerKey).to.equal(5000);
    expect([defaults.iatOffset, defaults.iatLeeway]).to.deep.equal([60, 30]);
  });

  it('dpop.jtiPerSubject may not exceed dpop.jtiCacheSize; by default it is a tenth of it, and no less than jtiPerKey', () => {
    expectRefused(() => resolveWith('dpop', { jtiCacheSize: 10, jtiPerSubject: 11 }), '`dpop.jtiPerSubject`', '`dpop.jtiCacheSize`');
    expect(resolveWith('dpop', { jtiCacheSize: 10, jtiPerSubject: 10 }).dpop.jtiPerSubject).to.equal(10);
    expect(resolveWith('dpop', { jtiCacheSize: 80_000 }).dpop.jtiPerSubject).to.equal(8000);
    expect(resolveWith('dpop', { jtiCacheSize: 20_000 }).dpop.jtiPerSubject, 'no less than jtiPerKey').to.equal(5000);
    // A tenth of 5 is 0, of 50 is 5: the key's own quota is the floor.
    expect(resolveWith('dpop', { jtiCacheSize: 5 }).dpop.jtiPerSubject).to.equal(5);
    expect(resolveWith('dpop', { jtiCacheSize: 50, jtiPerKey: 10 }).dpop.jtiPerSubject).to.equal(10);
    expect(resolveConfig({ ...BASE }).dpop.jtiPerSubject).to.equal(10_000);
  });
});

describe('configuration: booleans, functions and strings are what they say', () => {
  for (const name of ['strict', 'enforceScopes', 'requireEmail', 'guestOnInvalidToken', 'mtls.required']) {
    it(`${name} must be true or false`, () => {
      for (const value of ['true', 1, 0, null]) expectRefused(() => resolveWith(name, value), `\`${name}\` must be true or false`);
      for (const value of [true, false]) expect(valueAt(resolveWith(name, value), name)).to.equal(value);
    });
  }

  for (const name of ['validate', 'fetch', 'clock']) {
    it(`${name} must be a function`, () => {
      for (const value of ['x', {}, true, null]) expectRefused(() => resolveWith(name, value), `\`${name}\` must be a function`);
      const fn = (): number => 1;
      expect(valueAt(resolveWith(name, fn), name)).to.equal(fn);
    });
  }

  const strings: Array<{ name: string; value: string; resolved?: string }> = [
    { name: 'realm', value: 'my-api' },
    { name: 'clientId', value: 'cid' },
    { name: 'emailClaim', value: 'https://x/email' },
    { name: 'jwksUri', value: 'https://keys.example.com/jwks.json' },
  ];
  for (const { name, value, resolved } of strings) {
    it(`${name} must be a non-empty string when given`, () => {
      for (const bad of ['', '  ', 42, null, ['x']]) expectRefused(() => resolveWith(name, bad), `\`${name}\` must be a non-empty string`);
      expect(valueAt(resolveWith(name, value), name)).to.equal(resolved ?? value);
    });
  }

  it('realm goes into a header: ", \\ and control characters are refused', () => {
    for (const realm of ['a"b', 'a\\b', 'a\r\nb', 'a\u0000b', 'tab\there', 'caf\u00e9']) {
      expectRefused(() => resolveWith('realm', realm), '`realm`', 'WWW-Authenticate');
    }
    expect(resolveWith('realm', "my api (v2) 'prod'").realm).to.equal("my api (v2) 'prod'");
  });

  it('mtls.certificateHeader must be a header name', () => {
    expectRefused(() => resolveWith('mtls.certificateHeader', 'x client cert'), '`mtls.certificateHeader`');
    expectRefused(() => resolveWith('mtls.certificateHeader', 'x-cert:'), '`mtls.certificateHeader`');
    for (const bad of ['', '  ', 42, null, ['x']]) {
      expectRefused(
        () => resolveWith('mtls', { certificateHeader: bad, trustedProxies: 'loopback' }),
        '`mtls.certificateHeader` must be a non-empty string',
      );
    }
    expect(resolveWith('mtls', { certificateHeader: 'X-Client-Cert', trustedProxies: 'loopback' }).mtls.certificateHeader).to.equal(
      'x-client-cert',
    );
  });

  it('mtls.certificateHeader needs mtls.trustedProxies, and trustedProxies needs the header', () => {
    expectRefused(
      () => resolveWith('mtls', { certificateHeader: 'x-client-cert' }),
      '`mtls.certificateHeader` needs `mtls.trustedProxies`',
    );
    expectRefused(
      () => resolveWith('mtls', { trustedProxies: 'loopback' }),
      '`mtls.trustedProxies` has no effect without `mtls.certificateHeader`',
    );
  });

  it('mtls.trustedProxies: addresses, CIDR ranges and the names loopback, linklocal, uniquelocal, compared with the peer address', () => {
    const trusted = (proxies: unknown) =>
      resolveWith('mtls', { certificateHeader: 'x-client-cert', trustedProxies: proxies }).mtls.trustedProxy;
    const loopback = trusted('loopback');
    expect(['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1'].map(loopback)).to.deep.equal([true, true, true, true]);
    expect(['10.0.0.1', '::2', 'localhost', '', 'not an address'].map(loopback)).to.deep.equal([false, false, false, false, false]);
    const listed = trusted('10.0.0.0/8, 192.168.1.7,fd00::/8');
    expect(['10.200.1.1', '::ffff:10.0.0.1', '192.168.1.7', 'fd12::1'].map(listed)).to.deep.equal([true, true, true, true]);
    expect(['11.0.0.1', '192.168.1.8', 'fe80::1', '127.0.0.1'].map(listed)).to.deep.equal([false, false, false, false]);
    expect(['169.254.1.1', 'fe80::1'].map(trusted(['linklocal']))).to.deep.equal([true, true]);
    expect(['172.16.0.1', '192.168.0.1', 'fc00::1', '172.32.0.1'].map(trusted('uniquelocal'))).to.deep.equal([true, true, true, false]);
    expect(resolveWith('mtls', {}).mtls.trustedProxy('127.0.0.1'), 'no header: no proxy is trusted').to.equal(false);
    for (const bad of [[], '', 'loopbacks', '10.0.0.0/33', '::/129', '10.0.0.0/8/8', '10.0.0.0/x', '10.0.0.0/-1', 'example.com', 42]) {
      expectRefused(() => trusted(bad), '`mtls.trustedProxies`');
    }
  });

  it('dpop, mtls and scopes must be objects; audience and domain strings', () => {
    for (const value of [true, false, 'on', null, []]) {
      expectRefused(() => resolveWith('mtls', value), '`mtls` must be an object');
      expectRefused(() => resolveWith('dpop', value), '`dpop` must be an object');
    }
    expectRefused(() => resolveWith('scopes', ['read:blabla']), '`scopes`');
    expectRefused(() => resolveWith('scopes', { 'read:blabla': 1 }), '`scopes`', 'read:blabla');
    expectRefused(() => resolveConfig({ domain: 't.auth0.com', audience: 42 as never }), '`audience`');
    expectRefused(() => resolveConfig({ domain: 't.auth0.com', audience: ['a', 1] as never }), '`audience`');
    expectRefused(() => resolveConfig({ domain: ['t.auth0.com', 7] as never, audience: 'a' }), '`domain`');
    expectRefused(() => resolveWith('dpop.algorithms', []), '`dpop.algorithms`');
  });
});

describe('configuration: no option silently overrides another', () => {
  it('issuerBaseURL together with domain is an error naming both', () => {
    expectRefused(() => resolveConfig({ ...BASE, issuerBaseURL: 'https://id.example.com' }), '`domain`', '`issuerBaseURL`');
    expectRefused(() => new Auth0({ ...BASE, issuerBaseURL: 'https://t.auth0.com/' }), '`domain`', '`issuerBaseURL`');
    // An empty domain names nothing, so nothing is overridden.
    expect(resolveConfig({ domain: '', audience: 'a', issuerBaseURL: 'https://id.example.com' }).issuer).to.equal(
      'https://id.example.com/',
    );
  });

  it('ISSUER_BASE_URL from the environment is not read when domain is given (nor AUTH0_DOMAIN with issuerBaseURL)', () => {
    const env = { ISSUER_BASE_URL: 'https://env.example.com', AUTH0_DOMAIN: 'env.auth0.com' };
    const withDomain = optionsWithEnv({ domain: 'mine.auth0.com', audience: 'a' }, env);
    expect(withDomain).not.to.have.property('issuerBaseURL');
    expect(resolveConfig(withDomain).issuer).to.equal('https://mine.auth0.com/');
    const withIssuer = optionsWithEnv({ issuerBaseURL: 'https://mine.example.com', audience: 'a' }, env);
    expect(resolveConfig(withIssuer).issuers.map((i) => i.issuer)).to.deep.equal(['https://mine.example.com/']);
  });

  it('dpop.nonce and dpop.replayStore are refused with dpop.mode "disabled"', () => {
    expectRefused(() => resolveWith('dpop', { mode: 'disabled', nonce: true }), '`dpop.nonce`', 'disabled');
    expectRefused(() => resolveWith('dpop', { mode: 'disabled', replayStore: { remember: () => true } }), '`dpop.replayStore`', 'disabled');
    expect(resolveWith('dpop', { mode: 'disabled', nonce: false }).dpop.nonce).to.equal(undefined);
  });
});

describe('configuration: unknown option names', () => {
  it('a top-level typo is refused, with the nearest option', () => {
    expectRefused(() => resolveConfig({ ...BASE, audiance: 'b' } as never), 'unknown option `audiance`', 'did you mean `audience`');
    expectRefused(() => new Auth0({ domain: 't.auth0.com', audiance: 'a' } as never), 'unknown option `audiance`');
    expectRefused(
      () => resolveConfig({ ...BASE, issuerBaseUrl: 'https://x/' } as never),
      'unknown option `issuerBaseUrl`',
      '`issuerBaseURL`',
    );
    const { message } = configError(() => resolveConfig({ ...BASE, somethingElse: 1 } as never));
    expect(message).to.include('unknown option `somethingElse`');
    expect(message).not.to.include('did you mean');
  });

  it('an unknown key inside dpop, mtls or dpop.nonce is refused with its path', () => {
    expectRefused(() => resolveWith('dpop', { jtiCacheSise: 5 }), 'unknown option `dpop.jtiCacheSise`', '`dpop.jtiCacheSize`');
    expectRefused(() => resolveWith('mtls', { require: true }), 'unknown option `mtls.require`', '`mtls.required`');
    expectRefused(() => resolveWith('dpop.nonce', { secrets: SIGNING_SECRET }), 'unknown option `dpop.nonce.secrets`');
  });

  it('every documented option is accepted (an undefined value is an omitted option)', () => {
    const config = resolveConfig({
      domain: 't.auth0.com',
      issuerBaseURL: undefined,
      audience: ['a'],
      scopes: { 'read:blabla': 'Read' },
      jwksUri: 'https://keys.example.com/jwks.json',
      algorithms: ['RS256'],
      secret: undefined,
      maxTokenAge: 60,
      fetch,
      validate: () => true,
      clockTolerance: 1,
      authorizeWith: 'either',
      emailClaim: 'email',
      enforceScopes: false,
      requireEmail: true,
      userClass: undefined,
      guestOnInvalidToken: true,
      realm: 'api',
      jwksCooldown: 1,
      jwksTimeout: 1,
      jwksMaxAge: 1,
      jwksMaxKeys: 1,
      tokenCacheSize: 1,
      tokenCacheMaxAge: 1,
      maxTokenLength: 1,
      clientId: 'cid',
      strict: true,
      dpop: {
        mode: 'required',
        algorithms: ['ES256'],
        iatOffset: 1,
        iatLeeway: 1,
        jtiCacheSize: 2,
        jtiPerKey: 1,
        jtiPerSubject: 1,
        origin: 'https://api.example.com',
        nonce: { secret: SIGNING_SECRET, lifetime: 1 },
        replayStore: { remember: async () => true },
      },
      mtls: { required: true, certificateHeader: 'x-client-cert', trustedProxies: 'loopback' },
      clock: () => 0,
    });
    expect(config.clock()).to.equal(0);
    expect(config.dpop.mode).to.equal('required');
  });
});

describe('configuration: DPoP nonces, replay store, origin and the clock', () => {
  it('nonce: off by default and with false; true is a random 32-byte secret per process and 300 s', () => {
    expect(resolveConfig({ ...BASE }).dpop.nonce).to.equal(undefined);
    expect(resolveWith('dpop.nonce', false).dpop.nonce).to.equal(undefined);
    const a = resolveWith('dpop.nonce', true).dpop.nonce;
    const b = resolveWith('dpop.nonce', true).dpop.nonce;
    expect(a?.secret).to.be.instanceOf(Uint8Array);
    expect(a?.secret.length).to.equal(32);
    expect(a?.lifetime).to.equal(300);
    expect(Buffer.from(a?.secret ?? []).equals(Buffer.from(b?.secret ?? []))).to.equal(false);
  });

  it('nonce: a shared secret (32+ characters) and a lifetime', () => {
    const shared = resolveWith('dpop.nonce', { secret: SIGNING_SECRET, lifetime: 60 }).dpop.nonce;
    expect(shared?.secret).to.deep.equal(new TextEncoder().encode(SIGNING_SECRET));
    expect(shared?.lifetime).to.equal(60);
    const random = resolveWith('dpop.nonce', { lifetime: 60 }).dpop.nonce;
    expect(random?.secret.length).to.equal(32);
    expect(random?.lifetime).to.equal(60);
    for (const secret of ['short', '', 42])
      expectRefused(() => resolveWith('dpop.nonce', { secret }), '`dpop.nonce.secret`', '32 characters');
    for (const nonce of ['yes', 1, null, []]) expectRefused(() => resolveWith('dpop.nonce', nonce), '`dpop.nonce` must be true, false or');
  });

  it('nonce: AUTH0_DPOP_NONCE_SECRET fills the secret only when nonces are on and no secret is given', () => {
    const env = { AUTH0_DPOP_NONCE_SECRET: COOKIE_SECRET };
    const encoded = new TextEncoder().encode(COOKIE_SECRET);
    const on = { ...BASE, dpop: { nonce: true } };
    expect(resolveConfig(optionsWithEnv(on, env)).dpop.nonce?.secret).to.deep.equal(encoded);
    expect(on.dpop.nonce).to.equal(true);
    const withLifetime = resolveConfig(optionsWithEnv({ ...BASE, dpop: { nonce: { lifetime: 60 } } }, env)).dpop.nonce;
    expect(withLifetime).to.deep.equal({ secret: encoded, lifetime: 60 });
    const own = resolveConfig(optionsWithEnv({ ...BASE, dpop: { nonce: { secret: SIGNING_SECRET } } }, env)).dpop.nonce;
    expect(own?.secret).to.deep.equal(new TextEncoder().encode(SIGNING_SECRET));
    expect(resolveConfig(optionsWithEnv({ ...BASE }, env)).dpop.nonce).to.equal(undefined);
    expect(resolveConfig(optionsWithEnv({ ...BASE, dpop: { nonce: false } }, env)).dpop.nonce).to.equal(undefined);
  });

  it('replayStore: an object with a remember function, else refused; undefined means the built-in store', () => {
    const store = { remember: (): boolean => true };
    expect(resolveWith('dpop.replayStore', store).dpop.replayStore).to.equal(store);
    expect(resolveConfig({ ...BASE }).dpop.replayStore).to.equal(undefined);
    for (const value of [{}, null, 'redis', { remember: 1 }, () => true]) {
      expectRefused(() => resolveWith('dpop.replayStore', value), '`dpop.replayStore`', 'remember');
    }
  });

  it('origin: normalised to scheme, lower-case host and port; a path, query or fragment is refused', () => {
    expect(resolveWith('dpop.origin', 'https://API.Example.com:443/').dpop.origin).to.equal('https://api.example.com');
    expect(resolveWith('dpop.origin', 'https://api.example.com:8443').dpop.origin).to.equal('https://api.example.com:8443');
    expect(resolveWith('dpop.origin', 'api.example.com').dpop.origin).to.equal('https://api.example.com');
    expect(resolveWith('dpop.origin', 'http://localhost:80').dpop.origin).to.equal('http://localhost');
    for (const origin of ['https://api.example.com/v1', 'https://api.example.com//']) {
      expectRefused(() => resolveWith('dpop.origin', origin), '`dpop.origin`', 'without a path');
    }
    for (const origin of [
      'https://api.example.com/?x=1',
      'https://api.example.com/#f',
      'https://api.example.com/?',
      'https://api.example.com#',
    ]) {
      expectRefused(() => resolveWith('dpop.origin', origin), '`dpop.origin`', 'query');
    }
  });

  it('clock: Date.now by default, else the function given', () => {
    expect(resolveConfig({ ...BASE }).clock).to.equal(Date.now);
    const clock = (): number => 42;
    expect(resolveWith('clock', clock).clock).to.equal(clock);
  });
});
