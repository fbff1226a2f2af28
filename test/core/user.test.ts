import { expect } from 'chai';
import { Auth0User, type AccessTokenClaims } from '../../src';
import { instanceToPlain } from 'class-transformer';
import { buildUser, emailOf, type UserFactory } from '../../src/core/user';
import { rejectionOf } from '../support/errors';

const claims = (extra: Record<string, unknown> = {}): AccessTokenClaims =>
  ({ sub: 'auth0|u', exp: Math.floor(Date.now() / 1000) + 60, ...extra }) as AccessTokenClaims;

describe('users', () => {
  it('emailOf: the configured claim, then `email`, then the only `/email` claim', () => {
    expect(emailOf({ email: 'a@x', 'https://n/email': 'b@x' }, undefined)).to.equal('a@x');
    expect(emailOf({ 'https://n/email': 'b@x' }, undefined)).to.equal('b@x');
    expect(emailOf({ 'https://n/email': 'b@x', 'https://m/email': 'c@x' }, undefined)).to.equal(undefined);
    expect(emailOf({ email: 'a@x', 'https://n/email': 'b@x' }, 'https://n/email')).to.equal('b@x');
  });

  it('an email claim that is not a string cannot build a user', async () => {
    const error = await rejectionOf(buildUser(claims({ email: 42 }), { emailClaim: undefined, requireEmail: false, factory: undefined }));
    expect(error).to.include({ status: 401, code: 'invalid_token', message: 'Error parsing Auth0User: invalid claims (email)' });
  });

  it('requireEmail without an email is 403', async () => {
    const error = await rejectionOf(buildUser(claims(), { emailClaim: undefined, requireEmail: true, factory: undefined }));
    expect(error).to.include({ status: 403, code: 'insufficient_scope' });
  });

  it('a factory turns the base user into the user of a class; requireEmail looks at what it built', async () => {
    class WithOrg extends Auth0User {
      org!: string;
    }
    const factory: UserFactory<Auth0User> = async (c, base) => Object.assign(new WithOrg(), base, { org: String(c.org_id) });
    const user = await buildUser(claims({ org_id: 'o-1' }), { emailClaim: undefined, requireEmail: false, factory });
    expect(user).to.be.instanceOf(WithOrg).and.include({ id: 'auth0|u', org: 'o-1' });
    const noEmail: UserFactory<Auth0User> = async (_, base) => Object.assign(new WithOrg(), base, { email: undefined });
    const error = await rejectionOf(buildUser(claims({ email: 'a@x' }), { emailClaim: undefined, requireEmail: true, factory: noEmail }));
    expect(error).to.include({ status: 403, code: 'insufficient_scope' });
  });

  it('the base user is an Auth0User of its own, with lists of its own: serialised as its fields', async () => {
    class Other extends Auth0User {}
    const verified = Object.freeze(claims({ email: 'a@x', scope: 'openid read:x', permissions: Object.freeze(['p']) }));
    const settings = { emailClaim: undefined, requireEmail: false, factory: undefined };
    const user = await buildUser(verified, settings);
    const expected = { id: 'auth0|u', permissions: ['p'], email: 'a@x', scopes: ['openid', 'read:x'], isMachine: false };
    expect(user).to.be.instanceOf(Auth0User).and.not.instanceOf(Other);
    expect(user.constructor).to.equal(Auth0User);
    expect(JSON.parse(JSON.stringify(user))).to.deep.equal(expected);
    expect(instanceToPlain(user)).to.deep.equal(expected);
    // The claims are shared by every request carrying the token: a request's user changes none of them.
    user.permissions.push('q');
    expect(verified.permissions).to.deep.equal(['p']);
    expect((await buildUser(verified, settings)).permissions).to.deep.equal(['p']);
  });

  it('a user without scope or permissions claims has empty lists', async () => {
    const user = await buildUser(claims({ gty: 'client-credentials' }), { emailClaim: undefined, requireEmail: false, factory: undefined });
    expect(user).to.include({ id: 'auth0|u', isMachine: true });
    expect(user.scopes).to.deep.equal([]);
    expect(user.permissions).to.deep.equal([]);
  });
});
