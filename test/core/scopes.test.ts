import { expect } from 'chai';
import fc from 'fast-check';
import { requireScopes } from '../../src/core/scopes';
import type { AccessTokenClaims } from '../../src/core/claims';
import { InsufficientScopeError } from '../../src/core/errors';

describe('scopes', () => {
  const modes = ['scope', 'permissions', 'either'] as const;

  it('a scope is granted when it is one of the space-separated names of scope (or a permission), for any scope text and name', () => {
    // Names and scope texts made of a few letters, spaces, tabs and colons, so that names often
    // occur inside the text in every position: alone, as a prefix, a suffix or inside another name.
    const text = fc.string({ unit: fc.constantFrom('a', 'b', ':', ' ', ' ', '\t'), maxLength: 12 });
    fc.assert(
      fc.property(
        fc.option(text, { nil: undefined }),
        fc.option(fc.array(text, { maxLength: 3 }), { nil: undefined }),
        text,
        fc.constantFrom(...modes),
        (scope, permissions, name, mode) => {
          const claims = { sub: 's', exp: 1, scope, permissions } as AccessTokenClaims;
          const named = mode === 'permissions' ? [] : (scope ?? '').split(' ').filter((n) => n !== '');
          const held = mode === 'scope' ? [] : (permissions ?? []);
          const granted = [...named, ...held].includes(name);
          const refused = (() => {
            try {
              requireScopes(claims, [name], mode);
              return false;
            } catch (error) {
              expect(error).to.be.instanceOf(InsufficientScopeError);
              return true;
            }
          })();
          expect(refused, JSON.stringify({ scope, permissions, name, mode })).to.equal(!granted);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('requireScopes names the first missing scope and lists every required one', () => {
    const claims = { sub: 's', exp: 1, scope: 'read:a  read:b', permissions: ['write:a'] } as AccessTokenClaims;
    expect(() => requireScopes(claims, ['read:a', 'read:b'], 'scope')).not.to.throw();
    expect(() => requireScopes(claims, ['read:a', 'write:a', 'read:c'], 'scope'))
      .to.throw(InsufficientScopeError, 'Missing "write:a" scope')
      .with.property('scope')
      .that.equals('read:a write:a read:c');
    expect(() => requireScopes(claims, ['read:a'], 'permissions'))
      .to.throw(InsufficientScopeError, 'Missing "read:a" permission')
      .that.includes({ status: 403, code: 'insufficient_scope' });
    expect(() => requireScopes(claims, ['read:a', 'write:a'], 'either')).not.to.throw();
    expect(() => requireScopes(claims, ['read'], 'either'))
      .to.throw(InsufficientScopeError, 'Missing "read" scope')
      .that.includes({ status: 403, code: 'insufficient_scope' });
  });
});
