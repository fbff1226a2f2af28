import { expect } from 'chai';
import {
  InsufficientScopeError,
  InvalidDpopProofError,
  InvalidTokenError,
  KeySetUnavailableError,
  TemporarilyUnavailableError,
  UnauthorizedError,
  UseDpopNonceError,
} from '../../src';

describe('errors', () => {
  it('each error has a status, a stable code and a deliberate body', () => {
    expect([new UnauthorizedError().status, new UnauthorizedError().code]).to.deep.equal([401, 'unauthorized']);
    expect(new InvalidTokenError('Expired token').toJSON()).to.deep.equal({ error: 'invalid_token', message: 'Expired token' });
    const scope = new InsufficientScopeError('Missing "a" scope', { scope: ['a', 'b'] });
    expect([scope.status, scope.toJSON()]).to.deep.equal([
      403,
      { error: 'insufficient_scope', message: 'Missing "a" scope', scope: 'a b' },
    ]);
    expect(new KeySetUnavailableError('down', { retryAfter: 7 }).extraHeaders()).to.deep.equal({ 'Retry-After': '7' });
    expect(new TemporarilyUnavailableError('busy').extraHeaders()).to.deep.equal({ 'Retry-After': '5' });
    expect(new UseDpopNonceError('nonce', { nonce: 'n.1' }).extraHeaders()).to.deep.equal({ 'DPoP-Nonce': 'n.1' });
  });

  it('keeps the cause and never puts a stack in the body', () => {
    const cause = new Error('inner');
    const error = new InvalidTokenError('Malformed token', { cause });
    expect(error.cause).to.equal(cause);
    expect(Object.keys(error.toJSON())).to.deep.equal(['error', 'message']);
  });

  it('errors are frozen: nothing can change one after it is thrown', () => {
    const errors = [
      new UnauthorizedError(),
      new InvalidTokenError('x'),
      new InsufficientScopeError('x', { scope: ['a'] }),
      new InvalidDpopProofError('x'),
      new UseDpopNonceError('x', { nonce: 'n' }),
      new TemporarilyUnavailableError('x'),
      new KeySetUnavailableError('x'),
    ];
    for (const error of errors) {
      expect(Object.isFrozen(error), error.name).to.equal(true);
      expect(() => {
        (error as unknown as { scheme: string }).scheme = 'Bearer';
      }, error.name).to.throw(TypeError);
    }
    expect(new KeySetUnavailableError('x')).to.be.instanceOf(TemporarilyUnavailableError);
  });
});
