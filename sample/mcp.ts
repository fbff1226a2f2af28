/**
 * The sample's MCP server (Model Context Protocol, Streamable HTTP transport) at `/mcp`, secured as
 * MCP's authorization spec asks: it is an API of its own, whose identifier is its URL
 * (`http://localhost:3000/mcp`); tokens must be issued for that audience (a token for the main API
 * is refused); every 401 names its Protected Resource Metadata (RFC 9728) at
 * `/.well-known/oauth-protected-resource/mcp`, from which an MCP client finds the tenant, registers
 * itself (RFC 7591) and signs the user in with `resource` = that URL (RFC 8707).
 *
 * Each request gets a fresh, stateless MCP server (no session id): the token is checked on every
 * request anyway.
 */
import type { IncomingMessage } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Context, Next } from 'koa';
import type { Action } from 'routing-controllers';
import { Auth0, type AccessTokenClaims, InsufficientScopeError } from 'routing-controllers-auth0';

/** Where the sample serves its MCP endpoint. */
export const MCP_PATH = '/mcp';

/** The scope the `read_blabla` tool needs. */
const READ_BLABLA = 'read:blabla';

/** What the sample's MCP endpoint needs: the tenant, and the endpoint's URL (its API identifier). */
export interface SampleMcpSettings {
  /** The Auth0 domain (or the local tenant's issuer). */
  domain: string;
  /** The MCP endpoint's URL as clients call it, e.g. `http://localhost:3000/mcp`: the API identifier. */
  url: string;
  /** The namespaced email claim, if any. */
  emailClaim?: string;
}

/**
 * The {@link Auth0} of the MCP endpoint: audience and resource identifier are the endpoint's URL.
 *
 * @example
 * ```ts
 * const mcpAuth = createMcpAuth({ domain: 'https://your-tenant.auth0.com/', url: 'https://api.example.com/mcp' });
 * ```
 */
export function createMcpAuth(settings: SampleMcpSettings, options: { fetch?: typeof fetch } = {}): Auth0 {
  return new Auth0({
    domain: settings.domain,
    audience: settings.url,
    resource: settings.url,
    scopes: { [READ_BLABLA]: 'Read the BlaBla resource' },
    ...(settings.emailClaim === undefined ? {} : { emailClaim: settings.emailClaim }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
}

function scopesOf(claims: AccessTokenClaims): string[] {
  return typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
}

/** The MCP server of one request: its tools read the caller's token. */
function mcpServer(auth: Auth0, claims: AccessTokenClaims): McpServer {
  const server = new McpServer({ name: 'routing-controllers-auth0-sample', version: '1.0.0' });
  server.registerTool('whoami', { description: "The caller's user id (sub), scopes and permissions" }, async () => {
    const me = { sub: claims.sub, scopes: scopesOf(claims), permissions: Array.isArray(claims.permissions) ? claims.permissions : [] };
    return { content: [{ type: 'text', text: JSON.stringify(me) }], structuredContent: me };
  });
  server.registerTool('read_blabla', { description: `The BlaBla resource; needs the ${READ_BLABLA} scope` }, async () => {
    try {
      auth.pipeline.authorize(claims, [READ_BLABLA]);
    } catch (error) {
      if (!(error instanceof InsufficientScopeError)) throw error;
      return { isError: true, content: [{ type: 'text', text: `This tool needs the ${READ_BLABLA} scope` }] };
    }
    return { content: [{ type: 'text', text: 'BlaBla' }] };
  });
  return server;
}

/**
 * Koa middleware serving the MCP endpoint at {@link MCP_PATH} and its Protected Resource Metadata
 * (the pipeline's `resourceMetadata`, at its path-suffixed well-known URL): a request without a valid token for
 * `auth`'s audience gets the library's answer (401 with `resource_metadata` in `WWW-Authenticate`,
 * or the error's status); an authenticated one is handed to the MCP SDK's Streamable HTTP
 * transport, with the token's details as the tools' `authInfo`.
 *
 * @example
 * ```ts
 * app.use(mcpMiddleware(createMcpAuth({ domain, url: 'http://localhost:3000/mcp' })));
 * ```
 */
export function mcpMiddleware(auth: Auth0) {
  const metadata = auth.pipeline.resourceMetadata;
  if (metadata === undefined) throw new Error('the MCP endpoint needs a resource identifier (its URL)');
  return async function sampleMcp(ctx: Context, next: Next): Promise<void> {
    if (ctx.path === metadata.path && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
      // RFC 9728 §3.1: the document of the resource `…/mcp` is at `/.well-known/oauth-protected-resource/mcp`.
      ctx.set('cache-control', 'public, max-age=3600');
      ctx.set('access-control-allow-origin', '*');
      ctx.body = metadata.document;
      return;
    }
    if (ctx.path !== MCP_PATH) {
      await next();
      return;
    }
    const outcome = await auth.authenticate({ request: ctx.request, response: ctx.response, context: ctx } as unknown as Action);
    if (outcome.kind !== 'authenticated') {
      auth.pipeline.refused(outcome.error, outcome.scheme, MCP_PATH);
      const answer = auth.pipeline.answer(outcome.error, outcome.scheme, {
        request: { authorization: undefined, location: () => ({ protocol: ctx.protocol, host: ctx.host, target: ctx.originalUrl }) },
      });
      ctx.status = answer.status;
      for (const [name, value] of Object.entries(answer.headers)) ctx.set(name, value);
      ctx.body = answer.body;
      return;
    }
    const { claims } = outcome;
    const token = String(ctx.get('authorization')).replace(/^\S+\s+/, '');
    const authInfo: AuthInfo = {
      token,
      clientId: String(claims.azp ?? claims.client_id ?? ''),
      scopes: scopesOf(claims),
      ...(typeof claims.exp === 'number' ? { expiresAt: claims.exp } : {}),
      extra: { sub: claims.sub },
    };
    const server = mcpServer(auth, claims);
    // Stateless: no session id, JSON answers rather than an event stream.
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    ctx.respond = false;
    ctx.res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(Object.assign(ctx.req as IncomingMessage, { auth: authInfo }), ctx.res);
  };
}
