import { expect } from 'chai';
import { claimEquals, claimIncludes, InsufficientScopeError, type AccessTokenClaims } from '../../src';
import { authorize } from '../../src/core/authorize';

const claims = (extra: Record<string, unknown> = {}): AccessTokenClaims =>
  ({ sub: 'auth0|u', exp: Math.floor(Date.now() / 1000) + 60, ...extra }) as AccessTokenClaims;

describe('claim rules and per-route authorisation', () => {
  it('claimEquals compares arrays and objects by value', () => {
    expect(() => claimEquals('org', { id: 1 }).check(claims({ org: { id: 1 } }), 'scope')).not.to.throw();
    expect(() => claimEquals('org', { id: 1 }).check(claims({ org: { id: 2 } }), 'scope')).to.throw(InsufficientScopeError);
    expect(() => claimEquals('org', null).check(claims({ org: null }), 'scope')).not.to.throw();
  });

  it('claimIncludes on a claim that is neither a list nor a string', () => {
    expect(() => claimIncludes('roles', 'admin').check(claims({ roles: 7 }), 'scope')).to.throw(InsufficientScopeError);
    expect(() => claimIncludes('roles', 'admin').check(claims(), 'scope')).to.throw(InsufficientScopeError);
  });

  it('every scope and rule is required; enforceScopes: false skips scopes but not claim rules', () => {
    const config = { enforceScopes: true, authorizeWith: 'scope' as const };
    expect(() => authorize(claims({ scope: 'a b' }), ['a', 'b'], config)).not.to.throw();
    expect(() => authorize(claims({ scope: 'a' }), ['a', 'b'], config)).to.throw(InsufficientScopeError);
    const lax = { ...config, enforceScopes: false };
    expect(() => authorize(claims({ scope: '' }), ['a'], lax)).not.to.throw();
    expect(() => authorize(claims({ org: 'x' }), [claimEquals('org', 'y')], lax)).to.throw(InsufficientScopeError);
  });

  it('a requirement that is neither a scope name nor a claim rule is a TypeError, never skipped (also with enforceScopes: false)', () => {
    for (const config of [
      { enforceScopes: true, authorizeWith: 'scope' as const },
      { enforceScopes: false, authorizeWith: 'scope' as const },
    ]) {
      for (const bad of [{}, { check: () => undefined, scopes: [], description: 'look-alike' }, 7, null]) {
        expect(() => authorize(claims({ scope: 'a' }), ['a', bad as never], config), String(bad)).to.throw(
          TypeError,
          /scope name or a claim rule/,
        );
      }
    }
  });

  it('a bug in a rule is not turned into a 403', () => {
    const rule = {
      [Symbol.for('routing-controllers-auth0.rule')]: true,
      description: 'x',
      scopes: [],
      check: () => {
        throw new RangeError('bug');
      },
    };
    expect(() => authorize(claims(), [rule as never], { enforceScopes: true, authorizeWith: 'scope' })).to.throw(RangeError);
  });
});
