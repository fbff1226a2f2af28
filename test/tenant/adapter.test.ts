import { expect } from 'chai';
import { Auth0ConfigError } from '../../src';
import { MemoryStore } from '../../src/testing/local-tenant/adapter';

describe("the local tenant's store for oidc-provider (its adapter interface)", () => {
  let clock: number;
  const now = (): number => clock;

  beforeEach(() => {
    clock = 1_700_000_000_000;
  });

  it('upsert and find, per model; unknown ids find nothing', async () => {
    const store = new MemoryStore({ now });
    const codes = store.adapter('AuthorizationCode');
    const tokens = store.adapter('AccessToken');
    await codes.upsert('a', { jti: 'a', kind: 'AuthorizationCode' }, 60);
    expect(await codes.find('a')).to.deep.equal({ jti: 'a', kind: 'AuthorizationCode' });
    expect(await tokens.find('a')).to.equal(undefined);
    expect(await codes.find('b')).to.equal(undefined);
  });

  it('honours expiresIn: found until it passes, then gone', async () => {
    const store = new MemoryStore({ now });
    const adapter = store.adapter('Interaction');
    await adapter.upsert('i', { jti: 'i' }, 10);
    clock += 9999;
    expect(await adapter.find('i')).to.deep.equal({ jti: 'i' });
    clock += 1;
    expect(await adapter.find('i')).to.equal(undefined);
    expect(store.size).to.equal(0);
  });

  it('keeps a payload without expiresIn', async () => {
    const adapter = new MemoryStore({ now }).adapter('Client');
    await adapter.upsert('c', { client_id: 'c' }, undefined);
    clock += 365 * 86_400_000;
    expect(await adapter.find('c')).to.deep.equal({ client_id: 'c' });
  });

  it('consume marks the payload consumed (epoch seconds) and keeps it', async () => {
    const adapter = new MemoryStore({ now }).adapter('AuthorizationCode');
    await adapter.upsert('a', { jti: 'a' }, 60);
    await adapter.consume('a');
    expect(await adapter.find('a')).to.deep.equal({ jti: 'a', consumed: 1_700_000_000 });
    await adapter.consume('missing');
  });

  it('destroy forgets the payload', async () => {
    const adapter = new MemoryStore({ now }).adapter('Session');
    await adapter.upsert('s', { jti: 's', uid: 'u' }, 60);
    await adapter.destroy('s');
    expect(await adapter.find('s')).to.equal(undefined);
    expect(await adapter.findByUid('u')).to.equal(undefined);
  });

  it('findByUid finds a Session by its uid, following upserts under a new id', async () => {
    const adapter = new MemoryStore({ now }).adapter('Session');
    await adapter.upsert('s1', { jti: 's1', uid: 'u' }, 60);
    expect(await adapter.findByUid('u')).to.deep.equal({ jti: 's1', uid: 'u' });
    await adapter.destroy('s1');
    await adapter.upsert('s2', { jti: 's2', uid: 'u' }, 60);
    expect(await adapter.findByUid('u')).to.deep.equal({ jti: 's2', uid: 'u' });
    expect(await adapter.findByUid('other')).to.equal(undefined);
  });

  it('findByUserCode finds a DeviceCode by its user code', async () => {
    const adapter = new MemoryStore({ now }).adapter('DeviceCode');
    await adapter.upsert('d', { jti: 'd', userCode: 'ABCD-EFGH' }, 60);
    expect(await adapter.findByUserCode('ABCD-EFGH')).to.deep.equal({ jti: 'd', userCode: 'ABCD-EFGH' });
    expect(await adapter.findByUserCode('WXYZ-WXYZ')).to.equal(undefined);
  });

  it("revokeByGrantId forgets that model's payloads of the grant, and nothing else", async () => {
    const store = new MemoryStore({ now });
    const tokens = store.adapter('AccessToken');
    const codes = store.adapter('AuthorizationCode');
    await tokens.upsert('t1', { jti: 't1', grantId: 'g' }, 60);
    await tokens.upsert('t2', { jti: 't2', grantId: 'g' }, 60);
    await tokens.upsert('t3', { jti: 't3', grantId: 'other' }, 60);
    await codes.upsert('c1', { jti: 'c1', grantId: 'g' }, 60);
    await tokens.revokeByGrantId('g');
    expect(await tokens.find('t1')).to.equal(undefined);
    expect(await tokens.find('t2')).to.equal(undefined);
    expect(await tokens.find('t3')).to.deep.equal({ jti: 't3', grantId: 'other' });
    expect(await codes.find('c1')).to.deep.equal({ jti: 'c1', grantId: 'g' });
  });

  it('stores copies: changing a payload after upsert or find changes nothing stored', async () => {
    const adapter = new MemoryStore({ now }).adapter('Grant');
    const payload: Record<string, unknown> = { jti: 'g', openid: { scope: 'openid' } };
    await adapter.upsert('g', payload, 60);
    (payload.openid as Record<string, unknown>).scope = 'changed';
    const found = await adapter.find('g');
    (found?.openid as Record<string, unknown>).scope = 'changed too';
    expect(await adapter.find('g')).to.deep.equal({ jti: 'g', openid: { scope: 'openid' } });
  });

  it('is bounded: expired payloads are swept first, then the oldest writes are dropped', async () => {
    const store = new MemoryStore({ maxEntries: 10, now });
    const adapter = store.adapter('ReplayDetection');
    for (let i = 0; i < 5; i += 1) await adapter.upsert(`short${i}`, { jti: `short${i}` }, 1);
    for (let i = 0; i < 5; i += 1) await adapter.upsert(`long${i}`, { jti: `long${i}` }, 3600);
    clock += 2000;
    await adapter.upsert('next', { jti: 'next' }, 3600);
    expect(store.size).to.equal(6);
    for (let i = 0; i < 5; i += 1) expect(await adapter.find(`long${i}`)).not.to.equal(undefined);

    for (let i = 0; i < 4; i += 1) await adapter.upsert(`more${i}`, { jti: `more${i}` }, 3600);
    expect(store.size).to.equal(10);
    await adapter.upsert('last', { jti: 'last' }, 3600);
    expect(store.size).to.be.at.most(10);
    expect(await adapter.find('long0')).to.equal(undefined);
    expect(await adapter.find('last')).to.deep.equal({ jti: 'last' });
  });

  it('refuses a bound that is not a positive whole number', () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN]) {
      expect(() => new MemoryStore({ maxEntries }), String(maxEntries)).to.throw(Auth0ConfigError, '`maxEntries` must be an integer >= 1');
    }
  });
});
