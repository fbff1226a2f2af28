/**
 * A minimal browser for OAuth flows over real HTTP: fetch with a cookie jar, redirects followed by
 * hand (so that the final redirect to the application's callback can be read, not followed).
 */
import { createHash, randomBytes } from 'node:crypto';

interface Cookie {
  value: string;
  path: string;
}

export interface Page {
  status: number;
  url: string;
  location: string | undefined;
  headers: Headers;
  body: string;
}

export class Browser {
  /** hostname → name → cookie (cookies ignore ports, as browsers do). */
  private readonly jar = new Map<string, Map<string, Cookie>>();

  cookieNames(url: string): string[] {
    return [...(this.jar.get(new URL(url).hostname)?.keys() ?? [])];
  }

  private cookieHeader(url: URL): string | undefined {
    const cookies = this.jar.get(url.hostname);
    if (cookies === undefined) return undefined;
    const pairs = [...cookies.entries()]
      .filter(([, c]) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/')
      .map(([name, c]) => `${name}=${c.value}`);
    return pairs.length === 0 ? undefined : pairs.join('; ');
  }

  private store(url: URL, headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = url.pathname.replace(/\/[^/]*$/, '') || '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key, v = ''] = attribute.split('=');
        if (key.toLowerCase() === 'path') path = v;
        if (key.toLowerCase() === 'expires' && Date.parse(v) <= Date.now()) expired = true;
        if (key.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
      }
      let cookies = this.jar.get(url.hostname);
      if (cookies === undefined) {
        cookies = new Map();
        this.jar.set(url.hostname, cookies);
      }
      if (expired) cookies.delete(name);
      else cookies.set(name, { value, path });
    }
  }

  /** One request, no redirect followed. */
  async request(
    url: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<Page> {
    const target = new URL(url);
    const headers: Record<string, string> = { ...init.headers };
    const cookie = this.cookieHeader(target);
    if (cookie !== undefined) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(target, {
      method: init.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      redirect: 'manual',
    });
    this.store(target, response.headers);
    const location = response.headers.get('location') ?? undefined;
    return {
      status: response.status,
      url: target.href,
      location: location === undefined ? undefined : new URL(location, target).href,
      headers: response.headers,
      body: await response.text(),
    };
  }

  /**
   * Follows redirects from `url` until one leaves for `stopAt` (the application's callback, not
   * fetched) or a page answers without redirecting.
   */
  async navigate(url: string, stopAt: string, init: { form?: Record<string, string> } = {}): Promise<Page> {
    let page = await this.request(url, init);
    for (let hops = 0; hops < 10; hops += 1) {
      if (page.location === undefined || page.location.startsWith(stopAt)) return page;
      page = await this.request(page.location);
    }
    throw new Error('too many redirects');
  }

  /** Fills the login form of `page` and submits it; follows redirects like {@link navigate}. */
  async logIn(page: Page, email: string, password: string, stopAt: string): Promise<Page> {
    const action = /<form[^>]*action="([^"]+)"/.exec(page.body)?.[1];
    if (action === undefined) throw new Error(`no login form on ${page.url} (status ${page.status})`);
    return this.navigate(new URL(action.replace(/&#47;/g, '/'), page.url).href, stopAt, { form: { username: email, password } });
  }
}

/** A PKCE verifier and its S256 challenge (RFC 7636 §4.1–4.2). */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The parameters of a URL's fragment. */
export function fragmentOf(url: string): URLSearchParams {
  return new URLSearchParams(new URL(url).hash.slice(1));
}

/**
 * The authorization code flow with PKCE (S256) as far as the code: the authorize URL with `params`
 * (besides `response_type=code`, `redirect_uri` and the challenge), the admin's login when the form
 * is shown, and the code the callback gets. Throws when the callback gets no code.
 */
export async function authorizationCode(
  authorizeUrl: string,
  params: Record<string, string>,
  callback: string,
): Promise<{ code: string; verifier: string }> {
  const browser = new Browser();
  const { verifier, challenge } = pkce();
  const query = new URLSearchParams({
    response_type: 'code',
    redirect_uri: callback,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...params,
  });
  let page = await browser.navigate(`${authorizeUrl}?${query}`, callback);
  if (page.status === 200) page = await browser.logIn(page, 'admin@example.com', 'admin', callback);
  const code = page.location === undefined ? null : new URL(page.location).searchParams.get('code');
  if (code === null) throw new Error(`no code at the callback (status ${page.status}, ${page.location ?? 'no redirect'})`);
  return { code, verifier };
}
