/**
 * The README's "Testing your API" example, as it runs in this repository's `npm test`: an API of
 * your own, a local Auth0-shaped tenant started in-process on a free port, real tokens from it.
 */
import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import { Authorized, CurrentUser, Get, JsonController, useKoaServer } from 'routing-controllers';
import { Auth0User } from 'routing-controllers-auth0';
import { DpopKey, LocalTenant, TestTenant } from 'routing-controllers-auth0/testing';

@JsonController('/orders')
class OrdersApi {
  @Get('/')
  @Authorized('read:orders')
  list(@CurrentUser() user: Auth0User): { owner: string | undefined; orders: string[] } {
    return { owner: user.email, orders: ['#1'] };
  }
}

describe('example: testing your API with the local tenant', () => {
  let tenant: LocalTenant;
  let server: Server;
  let api: string;

  before(async () => {
    tenant = await LocalTenant.start({
      audience: 'https://orders.example.com',
      scopes: { 'read:orders': 'Read orders' },
      users: [
        { email: 'alice@example.com', password: 'alice', permissions: ['read:orders'] },
        { email: 'bob@example.com', password: 'bob' },
      ],
      clients: [
        { type: 'spa', clientId: 'orders-docs' },
        { type: 'm2m', clientId: 'orders-worker', clientSecret: 'worker-secret', grants: ['read:orders'] },
      ],
    });
    const auth = tenant.auth0(); // issuer, audience and key set of the tenant
    const app = new Koa();
    useKoaServer(app, {
      controllers: [OrdersApi],
      authorizationChecker: auth.authorizationChecker,
      currentUserChecker: auth.currentUserChecker,
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await tenant.close();
  });

  const call = (token: string): Promise<Response> => fetch(`${api}/orders`, { headers: { authorization: `Bearer ${token}` } });

  it('a user with the permission gets 200', async () => {
    const res = await call(await tenant.userToken('alice@example.com', { scope: 'read:orders' }));
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ owner: 'alice@example.com', orders: ['#1'] });
  });

  it('a user without it gets 403 (the tenant drops the scope, as Auth0 RBAC does)', async () => {
    const res = await call(await tenant.userToken('bob@example.com', { scope: 'read:orders' }));
    expect(res.status).to.equal(403);
  });

  it('a machine-to-machine application gets 200', async () => {
    const res = await call(await tenant.machineToken({ clientId: 'orders-worker', clientSecret: 'worker-secret' }));
    expect(res.status).to.equal(200);
  });

  it('a DPoP-bound machine token: 200 with a proof, 401 as a Bearer token', async () => {
    const base = api;
    const key = await DpopKey.generate(); // ES256 by default
    const token = await tenant.machineToken({ clientId: 'orders-worker', clientSecret: 'worker-secret', dpop: key }); // cnf.jkt = key.thumbprint
    const url = `${base}/orders`;
    const bound = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: await key.proof({ url, accessToken: token }) } });
    expect(bound.status).to.equal(200);
    const bearer = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(bearer.status).to.equal(401);
  });

  it('tokens no tenant would issue (expired, another tenant) come from TestTenant', async () => {
    const minter = await TestTenant.start({ audience: 'https://orders.example.com' });
    try {
      expect((await call(await minter.token({ scopes: 'read:orders', expiredSecondsAgo: 60 }))).status).to.equal(401);
    } finally {
      await minter.close();
    }
  });
});
