/**
 * Certificate-bound access tokens (RFC 8705 §3): a token whose `cnf["x5t#S256"]` names a client
 * certificate is honoured only on a request made with that certificate, read from the TLS
 * connection or from a header set by a TLS-terminating proxy the operator trusts.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { InvalidTokenError } from '../errors';

/**
 * The SHA-256 thumbprint (base64url) of a DER certificate, as RFC 8705 §3.1 defines `x5t#S256`.
 *
 * @example
 * ```ts
 * certificateThumbprint(new X509Certificate(pem).raw); // the value of cnf["x5t#S256"]
 * ```
 */
export function certificateThumbprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}

/**
 * Reads a certificate forwarded by a proxy: PEM, URL-encoded PEM (nginx `$ssl_client_escaped_cert`)
 * or base64 DER. Returns the DER bytes, or `undefined` when the value is not a certificate.
 *
 * @example
 * ```ts
 * const der = certificateFromHeader(String(req.headers['x-client-cert']));
 * ```
 */
export function certificateFromHeader(value: string): Uint8Array | undefined {
  let text = value.trim();
  if (text.includes('%')) {
    try {
      text = decodeURIComponent(text);
    } catch {
      return undefined;
    }
  }
  const base64 = text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]+=*$/.test(base64)) return undefined;
  try {
    return new X509Certificate(Buffer.from(base64.replace(/-/g, '+').replace(/_/g, '/'), 'base64')).raw;
  } catch {
    return undefined;
  }
}

/**
 * Throws {@link InvalidTokenError} unless a certificate-bound token comes with its certificate
 * (and, when `required`, unless the token is certificate-bound at all).
 *
 * @example
 * ```ts
 * checkCertificateBinding(claims, socket.getPeerCertificate().raw, { required: false });
 * ```
 */
export function checkCertificateBinding(
  claims: { cnf?: unknown },
  certificate: Uint8Array | undefined,
  options: { required: boolean },
): void {
  const cnf = claims.cnf;
  const bound = typeof cnf === 'object' && cnf !== null ? (cnf as Record<string, unknown>)['x5t#S256'] : undefined;
  if (bound === undefined) {
    if (options.required) throw new InvalidTokenError('This API accepts certificate-bound tokens only (cnf x5t#S256)');
    return;
  }
  if (certificate === undefined || certificate.length === 0) {
    throw new InvalidTokenError('Certificate-bound token sent without a client certificate', { reason: 'unbound_use' });
  }
  if (typeof bound !== 'string' || certificateThumbprint(certificate) !== bound) {
    throw new InvalidTokenError('Certificate-bound token sent with another client certificate', { reason: 'unbound_use' });
  }
}
