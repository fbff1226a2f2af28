import { expect } from 'chai';
import { answerOf, bearerChallenge, challengeOf, type ChallengeContext } from '../../src/core/challenge';
import {
  InsufficientScopeError,
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidTokenError,
  KeySetUnavailableError,
  UnauthorizedError,
  UseDpopNonceError,
} from '../../src';

const bearerOnly: ChallengeContext = { realm: 'api', offer: { bearer: true }, requestScheme: 'Bearer' };
const both: ChallengeContext = { realm: 'api', offer: { bearer: true, dpopAlgorithms: ['ES256', 'EdDSA'] }, requestScheme: 'Bearer' };
const dpopOnly: ChallengeContext = { realm: 'api', offer: { bearer: false, dpopAlgorithms: ['ES256'] }, requestScheme: 'DPoP' };

describe('challenges, built at the edge from the error and the configuration (RFC 6750 §3, RFC 9449 §7.1)', () => {
  it('Bearer only', () => {
    expect(challengeOf(new UnauthorizedError(), bearerOnly)).to.equal('Bearer realm="api"');
    expect(challengeOf(new InvalidTokenError('Expired token'), bearerOnly)).to.equal(
      'Bearer realm="api", error="invalid_token", error_description="Expired token"',
    );
    expect(challengeOf(new InsufficientScopeError('Missing "a" scope', { scope: ['a', 'b'] }), bearerOnly)).to.equal(
      `Bearer realm="api", error="insufficient_scope", error_description="Missing 'a' scope", scope="a b"`,
    );
  });

  it('a 401 offers every accepted scheme; the error goes on the scheme it is about', () => {
    expect(challengeOf(new UnauthorizedError(), both)).to.equal('Bearer realm="api", DPoP algs="ES256 EdDSA"');
    expect(challengeOf(new InvalidTokenError('x'), { ...both, requestScheme: 'DPoP' })).to.equal(
      'Bearer realm="api", DPoP algs="ES256 EdDSA", error="invalid_token", error_description="x"',
    );
    expect(challengeOf(new InvalidDpopProofError('bad'), both)).to.equal(
      'Bearer realm="api", DPoP algs="ES256 EdDSA", error="invalid_dpop_proof", error_description="bad"',
    );
    expect(challengeOf(new UseDpopNonceError('nonce', { nonce: 'n' }), both)).to.equal(
      'Bearer realm="api", DPoP algs="ES256 EdDSA", error="use_dpop_nonce", error_description="nonce"',
    );
  });

  it('other statuses name only the scheme of the error', () => {
    expect(challengeOf(new InsufficientScopeError('m', { scope: ['a'] }), { ...both, requestScheme: 'DPoP' })).to.equal(
      'DPoP algs="ES256 EdDSA", error="insufficient_scope", error_description="m", scope="a"',
    );
    expect(challengeOf(new InvalidRequestError('m'), both)).to.equal('Bearer realm="api", error="invalid_request", error_description="m"');
  });

  it('with DPoP required, everything is about DPoP', () => {
    expect(challengeOf(new UnauthorizedError(), { ...dpopOnly, requestScheme: 'Bearer' })).to.equal('DPoP algs="ES256"');
    expect(challengeOf(new InvalidTokenError('x'), { ...dpopOnly, requestScheme: 'Bearer' })).to.equal(
      'DPoP algs="ES256", error="invalid_token", error_description="x"',
    );
  });

  it('the answer carries status, challenge, Retry-After or DPoP-Nonce, and the body', () => {
    expect(answerOf(new KeySetUnavailableError('down', { retryAfter: 7 }), bearerOnly)).to.deep.equal({
      status: 503,
      headers: { 'WWW-Authenticate': 'Bearer realm="api", error="temporarily_unavailable", error_description="down"', 'Retry-After': '7' },
      body: { error: 'temporarily_unavailable', message: 'down' },
    });
    expect(answerOf(new UseDpopNonceError('n', { nonce: 'k.v' }), both).headers['DPoP-Nonce']).to.equal('k.v');
  });

  it('escapes what would break the header', () => {
    expect(bearerChallenge({ realm: 'a"b\\c\r\nd', error_description: 'ü' })).to.equal(`Bearer realm="a'b c  d", error_description=" "`);
    expect(bearerChallenge({})).to.equal('Bearer');
  });
});
