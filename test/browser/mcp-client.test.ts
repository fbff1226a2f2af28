/**
 * The MCP SDK's own client against `npm start`'s `/mcp`, knowing only that URL, with the person
 * signing in through the local tenant's login page in Chromium: 401, the Protected Resource
 * Metadata, the tenant's discovery, dynamic registration, authorization code with PKCE and
 * `resource`, then `tools/list`, `whoami` and `read_blabla`, as the admin and as the user.
 */
import { existsSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect } from 'chai';
import { decodeJwt } from 'jose';
import { chromium, type Browser } from 'playwright-core';
import { startSample, type RunningSample } from '../../sample/start';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium';
import { CALLBACK, MemoryOAuthProvider } from '../support/mcp-oauth';

type ToolText = { content: Array<{ type: string; text: string }>; isError?: boolean };

describe('an MCP client signs a person in through the login page in Chromium and calls the sample’s tools', function () {
  this.timeout(60_000);
  let sample: RunningSample | undefined;
  let browser: Browser | undefined;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI) throw new Error(`no Chromium at ${CHROMIUM}: CI installs it (.ci/run)`);
      console.warn(`    skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
      this.skip();
    }
    sample = await startSample({ PORT: '0', HOST: '127.0.0.1', AUTH0_LOCAL_TENANT_PORT: '0' });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await sample?.close();
  });

  /** Opens the authorization URL in Chromium, signs in on the tenant's page; resolves with the code the callback gets. */
  async function signInInChromium(url: URL, email: string, password: string): Promise<string> {
    // A browser of its own for each sign-in, as each MCP client's person has.
    const context = await (browser as Browser).newContext();
    const page = await context.newPage();
    try {
      // Nothing listens at the client's loopback callback: the test answers it and keeps the address.
      const callback = new Promise<URL>((resolve) => {
        void page.route(`${new URL(CALLBACK).origin}/**`, async (route) => {
          resolve(new URL(route.request().url()));
          await route.fulfill({ status: 200, contentType: 'text/plain', body: 'signed in' });
        });
      });
      await page.goto(url.href);
      await page.locator('#username').fill(email);
      await page.locator('#password').fill(password);
      await page.locator('button[type="submit"]').click();
      const at = await callback;
      const code = at.searchParams.get('code');
      expect(code, `a code at the callback (${at.search})`).to.be.a('string');
      return code as string;
    } finally {
      await context.close();
    }
  }

  async function connect(email: string, password: string): Promise<{ client: Client; provider: MemoryOAuthProvider }> {
    const mcpUrl = new URL((sample as RunningSample).mcpUrl as string);
    const provider = new MemoryOAuthProvider();
    const first = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
    const refused = await new Client({ name: 'chromium-test', version: '1.0.0' }).connect(first).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused, 'the first connection is refused until a sign-in').to.be.instanceOf(Error);
    expect(provider.information?.client_id, 'registered at /oidc/register').to.be.a('string');
    const authorizationUrl = provider.authorizationUrl as URL;
    expect(authorizationUrl.searchParams.get('resource')).to.equal(mcpUrl.href);
    expect(authorizationUrl.searchParams.get('code_challenge_method')).to.equal('S256');
    await first.finishAuth(await signInInChromium(authorizationUrl, email, password));
    const client = new Client({ name: 'chromium-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
    return { client, provider };
  }

  it('as the admin: tools/list, whoami answers the admin’s user id, read_blabla answers', async () => {
    const { client, provider } = await connect('admin@example.com', 'admin');
    try {
      expect(decodeJwt(provider.saved?.access_token as string).aud).to.equal((sample as RunningSample).mcpUrl);
      const tools = await client.listTools();
      expect(tools.tools.map((tool) => tool.name)).to.have.members(['whoami', 'read_blabla']);
      const admin = sample?.tenant?.users.find((user) => user.email === 'admin@example.com');
      const whoami = (await client.callTool({ name: 'whoami' })) as ToolText;
      expect(JSON.parse(whoami.content[0].text).sub).to.equal(admin?.userId);
      const blabla = (await client.callTool({ name: 'read_blabla' })) as ToolText;
      expect([blabla.isError ?? false, blabla.content[0].text]).to.deep.equal([false, 'BlaBla']);
    } finally {
      await client.close();
    }
  });

  it('as the user: whoami answers, read_blabla is a tool error naming the scope it needs', async () => {
    const { client } = await connect('user@example.com', 'user');
    try {
      const user = sample?.tenant?.users.find((entry) => entry.email === 'user@example.com');
      const whoami = (await client.callTool({ name: 'whoami' })) as ToolText;
      expect(JSON.parse(whoami.content[0].text).sub).to.equal(user?.userId);
      const blabla = (await client.callTool({ name: 'read_blabla' })) as ToolText;
      expect(blabla.isError).to.equal(true);
      expect(blabla.content[0].text).to.equal('This tool needs the read:blabla scope');
    } finally {
      await client.close();
    }
  });
});
