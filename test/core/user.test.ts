import { expect } from 'chai';
import { Auth0User, buildUser, emailOf, type AccessTokenClaims } from '../../src';
import { instanceToPlain } from 'class-transformer';
import { copyBaseUser, copyUser } from '../../src/core/user';
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
    const error = await rejectionOf(buildUser(claims({ email: 42 }), { emailClaim: undefined, requireEmail: false }));
    expect(error).to.include({ status: 401, code: 'invalid_token', message: 'Error parsing Auth0User: invalid claims (email)' });
  });

  it('requireEmail without an email is 403', async () => {
    const error = await rejectionOf(buildUser(claims(), { emailClaim: undefined, requireEmail: true }));
    expect(error).to.include({ status: 403, code: 'insufficient_scope' });
  });

  it('a factory turns the base user into the user of a class; requireEmail looks at what it built', async () => {
    class WithOrg extends Auth0User {
      org!: string;
    }
    const factory = (c: AccessTokenClaims, base: Auth0User) => Object.assign(new WithOrg(), base, { org: String(c.org_id) });
    const user = await buildUser(claims({ org_id: 'o-1' }), { emailClaim: undefined, requireEmail: false }, factory);
    expect(user).to.be.instanceOf(WithOrg).and.include({ id: 'auth0|u', org: 'o-1' });
    const noEmail = (c: AccessTokenClaims, base: Auth0User) => Object.assign(new WithOrg(), base, { email: undefined });
    const error = await rejectionOf(buildUser(claims({ email: 'a@x' }), { emailClaim: undefined, requireEmail: true }, noEmail));
    expect(error).to.include({ status: 403, code: 'insufficient_scope' });
  });

  it('a copy for one request shares no array or plain object with another', () => {
    const user = Object.assign(new Auth0User(), { id: 'u', permissions: ['a'], org: { role: 'user', tags: ['x'] } });
    const copy = copyUser(user) as typeof user;
    copy.org.role = 'admin';
    copy.org.tags.push('y');
    copy.permissions.push('b');
    expect(user.org).to.deep.equal({ role: 'user', tags: ['x'] });
    expect(user.permissions).to.deep.equal(['a']);
    expect(copy).to.be.instanceOf(Auth0User);
  });

  it('a copy keeps a "__proto__" key of a claim as data: it never becomes the copy\'s prototype', () => {
    // As jose's JSON.parse leaves it: an own property named "__proto__".
    const meta = JSON.parse('{"__proto__":{"role":"admin"},"team":"a"}') as Record<string, unknown>;
    const user = Object.assign(new Auth0User(), { id: 'u', permissions: [], meta });
    for (const copy of [copyUser(user) as typeof user, copyUser(copyUser(user)) as typeof user]) {
      expect(Object.keys(copy.meta)).to.deep.equal(['__proto__', 'team']);
      expect(Object.getPrototypeOf(copy.meta)).to.equal(Object.prototype);
      expect((copy.meta as { role?: unknown }).role).to.equal(undefined);
      expect(JSON.stringify(copy.meta)).to.equal('{"__proto__":{"role":"admin"},"team":"a"}');
    }
  });

  it('the base user is plain data of the Auth0User shape: instanceof Auth0User, constructor Object, serialised as is', async () => {
    class Other extends Auth0User {}
    const user = await buildUser(claims({ email: 'a@x', scope: 'openid read:x', permissions: ['p'] }), {
      emailClaim: undefined,
      requireEmail: false,
    });
    const expected = { id: 'auth0|u', permissions: ['p'], email: 'a@x', scopes: ['openid', 'read:x'], isMachine: false };
    for (const candidate of [user, copyBaseUser(user)]) {
      expect(candidate).to.be.instanceOf(Auth0User);
      expect(candidate).not.to.be.instanceOf(Other);
      expect(candidate.constructor).to.equal(Object);
      expect(Object.keys(candidate)).to.deep.equal(Object.keys(expected));
      expect(JSON.parse(JSON.stringify(candidate))).to.deep.equal(expected);
      expect(instanceToPlain(candidate)).to.deep.equal(expected);
    }
    // Subclass instances and plain look-alikes keep the usual answers.
    expect(new Other()).to.be.instanceOf(Auth0User).and.instanceOf(Other);
    expect({ ...expected }).not.to.be.instanceOf(Auth0User);
    expect(Object.create(null)).not.to.be.instanceOf(Auth0User);
    expect(null).not.to.be.instanceOf(Auth0User);
  });

  it('a user without scope or permissions claims has empty lists', async () => {
    const user = await buildUser(claims({ gty: 'client-credentials' }), { emailClaim: undefined, requireEmail: false });
    expect(user).to.include({ id: 'auth0|u', isMachine: true });
    expect(user.scopes).to.deep.equal([]);
    expect(user.permissions).to.deep.equal([]);
  });
});
