/**
 * The sample's MCP endpoint with the local tenant, driven by the MCP SDK's own client: starting from
 * the MCP URL alone it reads the 401's `resource_metadata`, fetches the Protected Resource Metadata,
 * discovers the tenant, registers itself at `/oidc/register`, runs authorization code + PKCE with
 * `resource` (the login form filled over HTTP as a demo user) and calls the tools.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect } from 'chai';
import { decodeJwt } from 'jose';
import { startSample, type RunningSample } from '../../sample/start';
import { CALLBACK, MemoryOAuthProvider } from '../support/mcp-oauth';
import { Browser } from './browser';

describe('the sample with the local tenant: the MCP endpoint and the MCP SDK client', () => {
  let sample: RunningSample;

  before(async () => {
    sample = await startSample({ PORT: '0', HOST: '127.0.0.1', AUTH0_LOCAL_TENANT_PORT: '0' });
  });
  after(() => sample.close());

  const mcpUrl = () => sample.mcpUrl as string;
  const metadataUrl = () => `${sample.url}/.well-known/oauth-protected-resource/mcp`;

  function post(authorization?: string): Promise<Response> {
    return fetch(mcpUrl(), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(authorization === undefined ? {} : { authorization }),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
  }

  /** Signs `email` in through the SDK's OAuth flow; resolves with a connected client and the provider. */
  async function signedInClient(email: string, password: string): Promise<{ client: Client; provider: MemoryOAuthProvider }> {
    const provider = new MemoryOAuthProvider();
    const first = new StreamableHTTPClientTransport(new URL(mcpUrl()), { authProvider: provider });
    const rejected = await new Client({ name: 'test', version: '1.0.0' }).connect(first).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(rejected, 'the first connection needs a sign-in').to.be.instanceOf(Error);
    if (provider.authorizationUrl === undefined) throw rejected;
    const authorizationUrl = provider.authorizationUrl;
    expect(authorizationUrl, 'the SDK asked to open the authorization URL').not.to.equal(undefined);
    const browser = new Browser();
    let page = await browser.navigate((authorizationUrl as URL).href, CALLBACK);
    if (page.status === 200) page = await browser.logIn(page, email, password, CALLBACK);
    const code = page.location === undefined ? null : new URL(page.location).searchParams.get('code');
    expect(code, `a code at the callback (${page.status} ${page.location})`).to.be.a('string');
    await first.finishAuth(code as string);
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl()), { authProvider: provider }));
    return { client, provider };
  }

  it('is a second API of the local tenant, whose identifier is the endpoint URL', () => {
    expect(mcpUrl()).to.equal(`${sample.url}/mcp`);
    expect(sample.tenant?.audiences).to.deep.equal(['https://api.example.com', mcpUrl()]);
    expect(sample.banner()).to.include(mcpUrl());
  });

  it('answers 401 without a token, naming its Protected Resource Metadata', async () => {
    const res = await post();
    expect(res.status).to.equal(401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).to.match(/^Bearer /);
    expect(challenge).to.include(`resource_metadata="${metadataUrl()}"`);
  });

  it('serves the metadata at /.well-known/oauth-protected-resource/mcp (RFC 9728 §3.1)', async () => {
    const res = await fetch(metadataUrl());
    expect(res.status).to.equal(200);
    const document = (await res.json()) as Record<string, unknown>;
    expect(document.resource).to.equal(mcpUrl());
    expect(document.authorization_servers).to.deep.equal([sample.tenant?.issuer]);
    expect(document.scopes_supported).to.include('read:blabla');
  });

  it('the SDK client registers, signs the admin in with resource = the MCP URL, and calls the tools', async () => {
    const { client, provider } = await signedInClient('admin@example.com', 'admin');
    const authorizationUrl = provider.authorizationUrl as URL;
    expect(authorizationUrl.origin + authorizationUrl.pathname).to.equal(sample.tenant?.urls.authorize);
    expect(authorizationUrl.searchParams.get('resource')).to.equal(mcpUrl());
    expect(authorizationUrl.searchParams.get('code_challenge_method')).to.equal('S256');
    expect(authorizationUrl.searchParams.get('client_id')).to.equal(provider.information?.client_id);
    const claims = decodeJwt(provider.saved?.access_token as string);
    expect(claims.aud).to.equal(mcpUrl());
    const admin = sample.tenant?.users.find((u) => u.email === 'admin@example.com');

    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).to.have.members(['whoami', 'read_blabla']);
    const whoami = await client.callTool({ name: 'whoami' });
    const me = JSON.parse((whoami.content as Array<{ text: string }>)[0].text) as { sub: string; scopes: string[]; permissions: string[] };
    expect(me.sub).to.equal(admin?.userId);
    expect(me.scopes).to.include('read:blabla');
    expect(me.permissions).to.deep.equal(['read:blabla']);
    const blabla = await client.callTool({ name: 'read_blabla' });
    expect(blabla.isError ?? false).to.equal(false);
    expect((blabla.content as Array<{ text: string }>)[0].text).to.equal('BlaBla');
    await client.close();
  });

  it('a user without read:blabla gets the tool error from read_blabla, and whoami still works', async () => {
    const { client } = await signedInClient('user@example.com', 'user');
    const blabla = await client.callTool({ name: 'read_blabla' });
    expect(blabla.isError).to.equal(true);
    const whoami = await client.callTool({ name: 'whoami' });
    expect(JSON.parse((whoami.content as Array<{ text: string }>)[0].text).permissions).to.deep.equal([]);
    await client.close();
  });

  it('refuses (401) a token for the main API', async () => {
    const token = await sample.tenant?.userToken('admin@example.com');
    expect(decodeJwt(token as string).aud).to.equal('https://api.example.com');
    const res = await post(`Bearer ${token}`);
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.include('error="invalid_token"').and.include('resource_metadata=');
  });

  it('accepts a token for its own audience from any grant (client credentials here)', async () => {
    const token = await sample.tenant?.machineToken({ audience: mcpUrl() });
    const res = await post(`Bearer ${token}`);
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { result: { tools: Array<{ name: string }> } };
    expect(body.result.tools.map((t) => t.name)).to.include('whoami');
  });
});
