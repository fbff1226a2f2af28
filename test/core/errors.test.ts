import { expect } from 'chai';
import { bearerChallenge, InsufficientScopeError, InvalidTokenError, KeySetUnavailableError, UnauthorizedError } from '../../src';

describe('errors and challenges (RFC 6750 §3)', () => {
  it('each error has a status, a stable code, a challenge and a body', () => {
    const unauthorized = new UnauthorizedError(undefined, { realm: 'api' });
    expect([unauthorized.status, unauthorized.code, unauthorized.challenge]).to.deep.equal([401, 'unauthorized', 'Bearer realm="api"']);
    const invalid = new InvalidTokenError('Expired token', { realm: 'api' });
    expect(invalid.challenge).to.equal('Bearer realm="api", error="invalid_token", error_description="Expired token"');
    expect(invalid.toJSON()).to.deep.equal({ error: 'invalid_token', message: 'Expired token' });
    const scope = new InsufficientScopeError('Missing "a" scope', { realm: 'api', scope: ['a', 'b'] });
    expect(scope.challenge).to.equal(`Bearer realm="api", error="insufficient_scope", error_description="Missing 'a' scope", scope="a b"`);
    expect(scope.toJSON()).to.deep.equal({ error: 'insufficient_scope', message: 'Missing "a" scope', scope: 'a b' });
    const outage = new KeySetUnavailableError('down', { retryAfter: 7 });
    expect(outage.headers).to.deep.equal({
      'WWW-Authenticate': 'Bearer error="temporarily_unavailable", error_description="down"',
      'Retry-After': '7',
    });
  });

  it('keeps the cause and never puts a stack in the body', () => {
    const cause = new Error('inner');
    const error = new InvalidTokenError('Malformed token', { cause });
    expect(error.cause).to.equal(cause);
    expect(Object.keys(error.toJSON())).to.deep.equal(['error', 'message']);
  });

  it('escapes what would break the header', () => {
    expect(bearerChallenge({ realm: 'a"b\\c\r\nd', error_description: 'ü' })).to.equal(`Bearer realm="a'b c  d", error_description=" "`);
    expect(bearerChallenge({})).to.equal('Bearer');
  });
});
