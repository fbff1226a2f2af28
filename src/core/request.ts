/**
 * What the pipeline needs of an HTTP request, whatever the framework, and the URL a DPoP proof's
 * `htu` is compared with (RFC 9449 §4.3 check 9, with RFC 3986 §6.2.2–6.2.3 normalisation).
 *
 * The URL is never taken whole from the framework (Koa's `href` trusts the raw Host header): the
 * scheme and authority come from the configured public origin, or from a Host that must be a valid
 * RFC 3986 `host[:port]`; the path always comes from the request target.
 */
import { InvalidRequestError } from './errors';

/** Where a request was sent, as the framework saw it (read only when a DPoP proof is checked). */
export interface RequestLocation {
  /** `http` or `https` (the framework's own view, honouring its proxy settings). */
  readonly protocol: string;
  /** The Host (`host[:port]`), as the framework saw it; `undefined` when absent. */
  readonly host: string | undefined;
  /** The request target as received: `/path?query` (origin-form) or an absolute URL. */
  readonly target: string;
}

/**
 * One request, as the pipeline reads it. Framework glue fills it; values it cannot know are left out.
 *
 * @example
 * ```ts
 * const request: AuthRequest = { authorization: req.headers.authorization, method: req.method, dpop: req.headers.dpop };
 * ```
 */
export interface AuthRequest {
  /** The `Authorization` header (the first one, as Node keeps it). */
  readonly authorization: string | string[] | undefined;
  /** How many `Authorization` fields the request carried (from the raw headers); 1 when unknown. */
  readonly authorizationCount?: number;
  /** Whether the framework may have dropped header fields beyond its limit (a duplicate could hide there). */
  readonly headersCut?: boolean;
  /** Whether the query string carries `access_token`. */
  readonly queryToken?: boolean;
  /** The HTTP method (DPoP's `htm`). */
  readonly method?: string;
  /** The `DPoP` field(s); Node joins repeated fields with ", ". */
  readonly dpop?: string | string[];
  /** Where the request was sent (DPoP's `htu`), read on demand. */
  readonly location?: () => RequestLocation;
  /** The client certificate (DER) of the TLS connection, read on demand (RFC 8705). */
  readonly certificate?: () => Uint8Array | undefined;
  /** The connection's peer address (`socket.remoteAddress`), read on demand: is it a trusted proxy? */
  readonly remoteAddress?: () => string | undefined;
  /** Reads any request header by its lower-case name, e.g. a proxy's forwarded certificate. */
  readonly header?: (name: string) => string | string[] | undefined;
}

// RFC 3986 §3.2.2–3.2.3: host = IP-literal / IPv4address / reg-name, then [ ":" port ]. IPvFuture
// literals are not accepted. reg-name = *( unreserved / pct-encoded / sub-delims ), here non-empty.
const HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+)(?::[0-9]{0,5})?$/;

// RFC 3986 §2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~".
const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** RFC 3986 §6.2.2.1–6.2.2.2: upper-case percent-encodings, decode those of unreserved characters. */
function normalisePercentEncoding(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}

/**
 * An absolute http(s) URL in normal form, without query and fragment: scheme and host in lower case,
 * the default port dropped, percent-encodings normalised and dot segments removed. `undefined` when
 * it is not an absolute http(s) URL.
 *
 * @example
 * ```ts
 * normaliseHttpUrl('HTTPS://API.example.com:443/a/../%73ecure?x=1'); // 'https://api.example.com/secure'
 * ```
 */
export function normaliseHttpUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.username !== '' || parsed.password !== '') {
    return undefined;
  }
  // WHATWG parsing has lower-cased scheme and host, dropped the default port and removed dot
  // segments (including percent-encoded dots); percent-encodings are normalised here, then parsed
  // again so that a decoded dot segment is removed too.
  const path = normalisePercentEncoding(parsed.pathname);
  const again = new URL(`${parsed.origin}${path}`);
  return `${again.origin}${again.pathname}`;
}

// A path that normalisation would change in a way a router does not: a dot segment (also
// percent-encoded), a backslash, or a percent-encoded unreserved character.
const UNNORMAL_PATH = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)|\\|%(?:[46][1-9a-f]|[57][0-9a]|3[0-9]|2d|2e|5f|7e)/i;

// RFC 9112 §3.2.2 absolute-form: its authority is not used (the Host, or the pinned origin, is).
const ABSOLUTE_FORM = /^https?:\/\/[^/?#]*/i;

/**
 * The path of a request target (origin-form, or absolute-form whose path is taken as sent). A DPoP
 * proof names the resource the router serves, so a path that only becomes that resource after
 * normalisation is refused: otherwise a proof for `/a/secure` would be spent on `/a/x/../secure`,
 * which a router may route elsewhere.
 */
function targetPath(target: string): string {
  const absolute = ABSOLUTE_FORM.exec(target);
  const rest = absolute === null ? target : target.slice(absolute[0].length) || '/';
  if (!rest.startsWith('/')) throw new InvalidRequestError('Malformed request target');
  const end = rest.search(/[?#]/);
  const path = end === -1 ? rest : rest.slice(0, end);
  if (UNNORMAL_PATH.test(path)) throw new InvalidRequestError('Request path not in normal form (RFC 3986 §6.2.2)');
  return path;
}

/**
 * The origin a request was sent to, from its protocol and a Host that must be a valid
 * `host[:port]`, normalised; `undefined` when either is missing or malformed.
 *
 * @example
 * ```ts
 * requestOrigin({ protocol: 'http', host: 'LOCALHOST:3000', target: '/secure' }); // 'http://localhost:3000'
 * ```
 */
export function requestOrigin(location: RequestLocation | undefined): string | undefined {
  if (location === undefined) return undefined;
  const { host, protocol } = location;
  if (host === undefined || !HOST_PORT.test(host) || (protocol !== 'http' && protocol !== 'https')) return undefined;
  const url = normaliseHttpUrl(`${protocol}://${host}/`);
  return url === undefined ? undefined : new URL(url).origin;
}

/**
 * The normalised URL of this request that a DPoP proof's `htu` must name. The scheme, host and
 * port come from `origin` when it is configured, else from the request's protocol and a Host that
 * must be a valid `host[:port]`; the path always comes from the request target. Throws
 * {@link InvalidRequestError} (400) for a malformed Host or target.
 *
 * @example
 * ```ts
 * requestUrl({ protocol: 'http', host: 'localhost:3000', target: '/secure?page=2' }, undefined); // 'http://localhost:3000/secure'
 * ```
 */
export function requestUrl(location: RequestLocation | undefined, origin: string | undefined): string {
  if (location === undefined) throw new InvalidRequestError('The request URL is unknown: DPoP proofs cannot be checked');
  const path = targetPath(location.target);
  const base = origin ?? requestOrigin(location);
  if (base === undefined) throw new InvalidRequestError('Malformed Host header or unsupported request scheme');
  const url = normaliseHttpUrl(`${base}${path}`);
  if (url === undefined) throw new InvalidRequestError('Malformed Host header or request target');
  return url;
}
