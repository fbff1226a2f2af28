/**
 * The local tenant's HTML pages: a login form (the stand-in for Auth0's Universal Login), the
 * signed-out page and the error page. Self-contained: no fonts or scripts from the network.
 */

/**
 * Escapes text for HTML element content and double-quoted attributes.
 *
 * @example
 * ```ts
 * escapeHtml('<a href="x">'); // '&#60;a href=&#34;x&#34;&#62;'
 * ```
 */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `body{font-family:system-ui,sans-serif;background:#f3f4f6;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;padding:32px 40px;border-radius:8px;box-shadow:0 2px 8px rgba(0,0,0,.15);width:320px}
h1{font-size:1.3em;margin:0 0 4px}p{color:#555;margin:0 0 16px}label{display:block;font-size:.9em;margin:12px 0 4px}
input{width:100%;box-sizing:border-box;padding:8px;font-size:1em;border:1px solid #bbb;border-radius:4px}
button{margin-top:20px;width:100%;padding:10px;font-size:1em;border:0;border-radius:4px;background:#635dff;color:#fff;cursor:pointer}
.error{color:#b00020;background:#fde8eb;padding:8px;border-radius:4px}.hint{font-size:.8em;color:#777;margin-top:16px}`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body>
</html>`;
}

/**
 * The login form of an interaction, with New Universal Login's field names (`username`,
 * `password`) and its "Continue" button, which end-to-end scripts written against Auth0 look for.
 *
 * @example
 * ```ts
 * ctx.body = loginPage({ action: `/u/login/${uid}`, clientName: 'Docs', demoUsers: ['admin@example.com / admin'] });
 * ```
 */
export function loginPage(options: { action: string; clientName: string; email?: string; error?: string; demoUsers: string[] }): string {
  const error = options.error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(options.error)}</p>`;
  const hint =
    options.demoUsers.length === 0 ? '' : `<p class="hint">Local tenant. Demo users: ${options.demoUsers.map(escapeHtml).join(', ')}</p>`;
  return page(
    'Log in',
    `<h1>Welcome</h1><p>Log in to continue to ${escapeHtml(options.clientName)}.</p>${error}
<form method="post" action="${escapeHtml(options.action)}" autocomplete="off">
<label for="username">Email address</label><input id="username" name="username" type="text" inputmode="email" autocomplete="email" autocapitalize="none" spellcheck="false" required autofocus value="${escapeHtml(options.email ?? '')}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" name="action" value="default">Continue</button>
</form>${hint}`,
  );
}

/**
 * Shown by `/v2/logout` when there is no `returnTo`.
 *
 * @example
 * ```ts
 * ctx.body = loggedOutPage();
 * ```
 */
export function loggedOutPage(): string {
  return page('Logged out', '<h1>Logged out</h1><p>You are signed out of the local tenant.</p>');
}

/**
 * An error page (oidc-provider's `renderError` and the tenant's own routes).
 *
 * @example
 * ```ts
 * ctx.body = errorPage({ error: 'invalid_request', error_description: 'This login session has expired.' });
 * ```
 */
export function errorPage(fields: Record<string, unknown>): string {
  const rows = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(value)}</p>`)
    .join('');
  return page('Error', `<h1>Something went wrong</h1>${rows}`);
}
