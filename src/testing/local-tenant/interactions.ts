/**
 * The browser side of the tenant: the login interaction (the tenant's own login page, see
 * routes.ts), no consent for first-party applications, the accounts behind sessions, the session
 * cookies, silent authentication (`response_mode=web_message`), RP-initiated logout and the error
 * page.
 */
import type { TenantDirectory } from './directory';
import type { OidcProviderModule, ProviderContext } from './oidc-provider';
import { organizationClaims } from './organizations';
import { errorPage } from './pages';

/** The path of the login page of interaction `uid` (served by routes.ts). */
function loginUrl(uid: string): string {
  return `/u/login/${uid}`;
}

/**
 * The account oidc-provider loads for a session or a token (`sub` → the seeded user's claims), with
 * the organization of the grant behind it: the token's (a code, a refresh token), else the grant
 * of the authorization being answered.
 */
function findAccount(directory: TenantDirectory) {
  return async (ctx: Pick<ProviderContext, 'oidc'> | undefined, sub: string, token?: { grantId?: string }) => {
    const user = directory.userById(sub);
    if (user === undefined) return;
    return {
      accountId: user.userId,
      claims: async () => {
        const { organizations } = directory;
        const organization = organizations.ofGrant(token?.grantId ?? ctx?.oidc?.grant?.jti);
        return {
          sub: user.userId,
          email: user.email,
          email_verified: true,
          name: user.name,
          nickname: user.email.split('@')[0],
          ...organizationClaims(organization, organizations.names),
        };
      },
    };
  };
}

/** RP-initiated logout (`/oidc/logout`), which confirms itself: the tenant is a local stand-in. */
const rpInitiatedLogout = {
  enabled: true,
  logoutSource: async (ctx: ProviderContext, form: string) => {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html><body>${form.replace('</form>', '<input type="hidden" name="logout" value="yes"></form>')}<script>document.forms[0].submit()</script></body></html>`;
  },
  postLogoutSuccessSource: async (ctx: ProviderContext) => {
    ctx.type = 'html';
    ctx.body = errorPage({ message: 'You are signed out.' }).replace('Something went wrong', 'Logged out');
  },
};

/**
 * The provider configuration of the browser side: `interactions`, `findAccount`, `cookies`,
 * `renderError`, and the features `devInteractions` (off: the tenant has its own login page) and
 * `rpInitiatedLogout`.
 *
 * @example
 * ```ts
 * const { features, ...rest } = interactionsConfiguration(oidc, directory);
 * ```
 */
export function interactionsConfiguration(
  oidc: OidcProviderModule,
  directory: TenantDirectory,
): Record<string, unknown> & { features: Record<string, unknown> } {
  const policy = oidc.interactionPolicy.base();
  // Auth0 asks no consent of first-party applications; the grant is decided by rbacGrant() (grants.ts).
  policy.get('consent')?.checks.remove('native_client_prompt');
  return {
    interactions: {
      policy,
      url: async (_ctx: unknown, interaction: { uid: string }) => loginUrl(interaction.uid),
    },
    findAccount: findAccount(directory),
    cookies: {
      keys: directory.settings.cookieKeys,
      names: { session: 'auth0', interaction: '_interaction', resume: '_interaction_resume' },
    },
    renderError: async (ctx: ProviderContext, out: Record<string, unknown>) => {
      ctx.type = 'html';
      ctx.body = errorPage(out);
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout,
      // Silent authentication as auth0-spa-js does it: `prompt=none&response_mode=web_message` in a
      // hidden iframe, answered by a page that posts { type: 'authorization_response', response }
      // to the parent (oidc-provider's implementation of the draft it acknowledges here).
      webMessageResponseMode: { enabled: true, ack: 'individual-draft-01' },
    },
  };
}
