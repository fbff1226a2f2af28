import { expect } from 'chai';
import { Auth0, Auth0ConfigError, optionsWithEnv, resolveConfig } from '../../src';

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
    for (const domain of ['http://localhost:4000/', 'http://127.0.0.1:4000', 'http://[::1]:4000/', 'http://dev.localhost:4000']) {
      expect(resolveConfig({ domain, audience: 'a' }).issuer.startsWith('http://'), domain).to.equal(true);
    }
    for (const domain of ['http://tenant.auth0.com', 'http://10.0.0.1:4000', 'http://localhost.evil.com']) {
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
    expect(() => new Auth0({ domain: 't.auth0.com', audience: 'a', userClass: NotAUser as never })).to.throw(TypeError, /userClass/);
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
