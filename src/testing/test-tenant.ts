/**
 * A loopback stand-in for an Auth0 tenant's key set, for tests: it serves
 * `/.well-known/jwks.json` and `/.well-known/openid-configuration` on a free port, mints
 * Auth0-shaped access tokens with its own keys, rotates keys, and can misbehave on demand
 * (down, slow, failing) so that outages can be tested without a network.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import type { Auth0Options } from '../core/config';
import type { Auth0User } from '../core/user';
import { Auth0 } from '../routing-controllers/auth0';

/** How the key set endpoint behaves. */
export type TenantMode = 'up' | 'down' | 'error' | 'slow';

/** What a minted token holds. Every field has an Auth0-like default. */
export interface TokenOptions {
  /** `sub`. Default `auth0|test-user` (or `{clientId}@clients` for a machine). */
  subject?: string;
  /** A machine-to-machine token: `gty: client-credentials`, `sub: {clientId}@clients`, scope = permissions. */
  machine?: boolean;
  /** The client id (`azp`). Default `test-client`. */
  clientId?: string;
  /** Granted scopes (`scope`), as a list or a space-separated string. Default none. */
  scopes?: string[] | string;
  /** The `permissions` claim. Default: absent for users, the scopes for machines. */
  permissions?: string[];
  /** The email, put under `emailClaim`. */
  email?: string;
  /** The claim name for the email. Default `https://example.com/email`. */
  emailClaim?: string;
  /** `aud`. Default the tenant's audience; `[audience, {issuer}userinfo]` when `openid` is among the scopes. */
  audience?: string | string[];
  /** `iss`. Default the tenant's issuer. */
  issuer?: string;
  /** Lifetime in seconds. Default 3600. */
  expiresIn?: number;
  /** Mint a token that expired this many seconds ago. */
  expiredSecondsAgo?: number;
  /** Sign with a key that is not in the tenant's key set (another tenant's key) and a matching random kid. */
  foreignKey?: boolean;
  /** The RFC 9068 profile: `typ: at+jwt`, `client_id` and `jti` (instead of `azp`). */
  rfc9068?: boolean;
  /** Bind the token to a DPoP key: its JWK SHA-256 thumbprint goes into `cnf.jkt` (see {@link DpopKey}). */
  dpopJkt?: string;
  /** Bind the token to a client certificate: its SHA-256 thumbprint (base64url) goes into `cnf["x5t#S256"]`. */
  certificateThumbprint?: string;
  /** More claims (override the defaults). */
  claims?: Record<string, unknown>;
  /** More protected header parameters (override the defaults, e.g. `{ kid: 'x' }`). */
  header?: Record<string, unknown>;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function newKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicJwk };
}

/** RFC 9068: `typ: at+jwt`, `client_id` and `jti` instead of `azp`. */
function rfc9068Profile(claims: Record<string, unknown>, clientId: string, header?: Record<string, unknown>): Record<string, unknown> {
  delete claims.azp;
  claims.client_id = clientId;
  claims.jti = randomUUID();
  return { typ: 'at+jwt', ...header };
}

/** The `cnf` claim binding a token to a DPoP key and/or a client certificate, if asked for. */
function confirmation(options: TokenOptions): Record<string, string> | undefined {
  const cnf: Record<string, string> = {};
  if (options.dpopJkt !== undefined) cnf.jkt = options.dpopJkt;
  if (options.certificateThumbprint !== undefined) cnf['x5t#S256'] = options.certificateThumbprint;
  return Object.keys(cnf).length > 0 ? cnf : undefined;
}

let kidCounter = 0;
function nextKid(): string {
  kidCounter += 1;
  return `test-key-${process.pid}-${Date.now().toString(36)}-${kidCounter}`;
}

/**
 * A local key set and token minter on a free loopback port.
 *
 * @example
 * ```ts
 * const tenant = await TestTenant.start({ audience: 'https://api.example.com' });
 * const auth = tenant.auth0();                       // an Auth0 pointed at it
 * const token = await tenant.token({ scopes: ['read:blabla'], email: 'a@example.com' });
 * // … call your app with `Authorization: Bearer ${token}` …
 * await tenant.close();
 * ```
 */
export class TestTenant {
  /** The issuer, `http://127.0.0.1:{port}/`. */
  readonly issuer: string;
  /** The key set URL. */
  readonly jwksUri: string;
  /** The API identifier tokens are minted for. */
  readonly audience: string;
  /** How the key set endpoint answers now. */
  mode: TenantMode = 'up';
  /** Delay of the `slow` mode, in ms. */
  slowDelay = 10_000;
  /** Number of key set requests served (in any mode). */
  jwksRequests = 0;

  private readonly server: Server;
  private keys: SigningKey[];
  private foreign: Promise<SigningKey> | undefined;

  private constructor(server: Server, audience: string, keys: SigningKey[], origin: string) {
    this.server = server;
    this.issuer = `${origin}/`;
    this.jwksUri = `${this.issuer}.well-known/jwks.json`;
    this.audience = audience;
    this.keys = keys;
  }

  /**
   * Starts a tenant on a free loopback port (or the given one). With `tls` it serves https as
   * `https://localhost:{port}/` (trust its certificate with `NODE_EXTRA_CA_CERTS`).
   */
  static async start(options: { audience?: string; port?: number; tls?: { key: string; cert: string } } = {}): Promise<TestTenant> {
    const keys = [await newKey(nextKid())];
    const server: Server = options.tls ? (createTlsServer(options.tls) as unknown as Server) : createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const origin = options.tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}`;
    const tenant = new TestTenant(server, options.audience ?? 'https://api.example.com', keys, origin);
    server.on('request', (req, res) => tenant.handle(req, res));
    return tenant;
  }

  /** The kid that signs new tokens. */
  get currentKid(): string {
    return this.keys[0].kid;
  }

  /** The public key set as served. */
  get jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  /**
   * Rotates the signing key as Auth0 does: a new key signs from now on; the previous one stays in
   * the key set unless `revoke` is set.
   */
  async rotate(options: { revoke?: boolean } = {}): Promise<string> {
    const fresh = await newKey(nextKid());
    this.keys = options.revoke ? [fresh] : [fresh, ...this.keys].slice(0, 3);
    return fresh.kid;
  }

  /** An {@link Auth0} pointed at this tenant (issuer, key set, audience), with the given options on top. */
  auth0<U extends Auth0User = Auth0User>(options: Partial<Auth0Options<U>> = {}): Auth0<U> {
    return new Auth0<U>({ domain: this.issuer, audience: this.audience, ...options } as Auth0Options<U>);
  }

  /** Signs any claims with the current key (or as told by `header.kid` / `foreignKey`). */
  async sign(claims: JWTPayload, header: Record<string, unknown> = {}, foreignKey = false): Promise<string> {
    let key = this.keys[0];
    if (foreignKey) {
      this.foreign ??= newKey(nextKid());
      key = await this.foreign;
    }
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header }).sign(key.privateKey);
  }

  /**
   * Signs any header and payload with the current key, without the checks of a JOSE library:
   * for tests of hostile tokens (unknown `crit`, odd header values…).
   */
  async signRaw(header: Record<string, unknown>, payload: unknown): Promise<string> {
    const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${encode({ alg: 'RS256', kid: this.currentKid, ...header })}.${encode(payload)}`;
    const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', this.keys[0].privateKey, new TextEncoder().encode(input));
    return `${input}.${Buffer.from(signature).toString('base64url')}`;
  }

  /** Mints an Auth0-shaped access token. */
  async token(options: TokenOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const clientId = options.clientId ?? 'test-client';
    const scopes = typeof options.scopes === 'string' ? options.scopes.split(' ').filter(Boolean) : (options.scopes ?? []);
    const audience = options.audience ?? (scopes.includes('openid') ? [this.audience, `${this.issuer}userinfo`] : this.audience);
    const exp = options.expiredSecondsAgo === undefined ? now + (options.expiresIn ?? 3600) : now - options.expiredSecondsAgo;
    const claims: Record<string, unknown> = {
      iss: options.issuer ?? this.issuer,
      sub: options.subject ?? (options.machine ? `${clientId}@clients` : 'auth0|test-user'),
      aud: audience,
      iat: Math.min(now, exp - 60),
      exp,
      azp: clientId,
      scope: scopes.join(' '),
    };
    if (options.machine) claims.gty = 'client-credentials';
    const header = options.rfc9068 ? rfc9068Profile(claims, clientId, options.header) : options.header;
    const cnf = confirmation(options);
    if (cnf !== undefined) claims.cnf = cnf;
    const permissions = options.permissions ?? (options.machine ? scopes : undefined);
    if (permissions !== undefined) claims.permissions = permissions;
    if (options.email !== undefined) claims[options.emailClaim ?? 'https://example.com/email'] = options.email;
    Object.assign(claims, options.claims);
    return this.sign(claims as JWTPayload, header, options.foreignKey);
  }

  /** Stops the server. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/.well-known/openid-configuration') {
      this.json(res, { issuer: this.issuer, jwks_uri: this.jwksUri });
      return;
    }
    if (path !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    this.jwksRequests += 1;
    switch (this.mode) {
      case 'down':
        req.socket.destroy();
        return;
      case 'error':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('tenant error');
        return;
      case 'slow': {
        const timer = setTimeout(() => this.json(res, this.jwks), this.slowDelay);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      default:
        this.json(res, this.jwks);
    }
  }

  private json(res: ServerResponse, body: unknown): void {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}
