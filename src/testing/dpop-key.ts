/**
 * A DPoP key for tests (RFC 9449): its thumbprint binds a token (`cnf.jkt`), and it signs proofs.
 */
import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

/** What a proof says; every field defaults to a valid proof for the request. */
export interface DpopProofOptions {
  /** The HTTP method (`htm`). Default `GET`. */
  method?: string;
  /** The request URL (`htu`). Required. */
  url: string;
  /** The access token the proof accompanies (its hash goes into `ath`). */
  accessToken?: string;
  /** `jti`. Default a fresh UUID. */
  jti?: string;
  /** `iat` in seconds. Default now. */
  iat?: number;
  /** More claims or header parameters (override the defaults). */
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
}

/**
 * A DPoP key pair for tests.
 *
 * @example
 * ```ts
 * const key = await DpopKey.generate();
 * const token = await tenant.token({ dpopJkt: key.thumbprint });
 * const proof = await key.proof({ method: 'GET', url: `${base}/secure`, accessToken: token });
 * await fetch(`${base}/secure`, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
 * ```
 */
export class DpopKey {
  private constructor(
    private readonly privateKey: CryptoKey,
    /** The public JWK put into each proof's header. */
    readonly publicJwk: JWK,
    /** The JWK SHA-256 thumbprint (RFC 7638): the token's `cnf.jkt`. */
    readonly thumbprint: string,
    /** The proof algorithm. */
    readonly alg: string,
  ) {}

  /** Generates a key (ES256 by default). */
  static async generate(alg: 'ES256' | 'RS256' | 'PS256' | 'EdDSA' = 'ES256'): Promise<DpopKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    return new DpopKey(privateKey, publicJwk, await calculateJwkThumbprint(publicJwk, 'sha256'), alg);
  }

  /** Signs a proof for one request. */
  proof(options: DpopProofOptions): Promise<string> {
    const claims: Record<string, unknown> = {
      jti: options.jti ?? randomUUID(),
      htm: options.method ?? 'GET',
      htu: options.url,
      iat: options.iat ?? Math.floor(Date.now() / 1000),
    };
    if (options.accessToken !== undefined) {
      claims.ath = createHash('sha256').update(options.accessToken, 'ascii').digest('base64url');
    }
    return new SignJWT({ ...claims, ...options.claims })
      .setProtectedHeader({ alg: this.alg, typ: 'dpop+jwt', jwk: this.publicJwk, ...options.header })
      .sign(this.privateKey);
  }
}
