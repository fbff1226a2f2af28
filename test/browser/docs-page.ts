/**
 * Drives the Swagger UI docs page the way a person does: Authorize in the dialog, sign in at the
 * tenant's login page in the popup, "Try it out" and "Execute", "Log out of Auth0".
 */
import { expect } from 'chai';
import type { Locator, Page, Response } from 'playwright-core';

/** A user's credentials at the tenant's login page. */
export interface Credentials {
  email: string;
  password: string;
}

/** What "Execute" produced: what the page shows, and what went over the wire. */
export interface Execution {
  /** The status the page shows. */
  status: number;
  /** The response body the page shows, parsed. */
  body: unknown;
  /** The `Authorization` header the page sent (undefined when none). */
  authorization: string | undefined;
  /** The real response. */
  response: Response;
}

export class DocsPage {
  constructor(
    readonly page: Page,
    readonly docsUrl: string,
  ) {}

  /** Loads the page afresh (Swagger UI keeps tokens in memory only), with `search` in its address, and waits for the operations. */
  async open(search = ''): Promise<void> {
    await this.page.goto(`${this.docsUrl}${search}`);
    await this.page.locator('.opblock-summary-path').first().waitFor();
  }

  private get dialog(): Locator {
    return this.page.locator('.dialog-ux .modal-ux');
  }

  /** The dialog's section of one security scheme (its heading starts with the scheme's name). */
  private scheme(name: string): Locator {
    return this.dialog.locator('.auth-container').filter({ has: this.page.locator('h4', { hasText: new RegExp(`^${name} `) }) });
  }

  /**
   * Clicks Authorize for `scheme` and handles the popup: signs in with `credentials` when the tenant
   * asks for a login. Resolves with whether the login page was shown, once the page holds the token.
   */
  async authorize(scheme: string, credentials: Credentials): Promise<{ loginAsked: boolean }> {
    await this.page.locator('.auth-wrapper button.authorize').click();
    const section = this.scheme(scheme);
    await section.waitFor();
    const popupOpened = this.page.waitForEvent('popup');
    await section.locator('button.authorize').click();
    const popup = await popupOpened;
    // A silent sign-in (the tenant still has a session) can close the popup before we look.
    const closed = popup.isClosed()
      ? Promise.resolve('closed' as const)
      : popup.waitForEvent('close', { timeout: 30_000 }).then(() => 'closed' as const);
    const login = popup
      .locator('#username')
      .waitFor({ timeout: 30_000 })
      .then(() => 'login' as const);
    // Whichever loses the race rejects when the popup goes away: that is expected.
    closed.catch(() => undefined);
    login.catch(() => undefined);
    const first = await Promise.race([closed, login]);
    if (first === 'login') {
      await popup.locator('#username').fill(credentials.email);
      await popup.locator('#password').fill(credentials.password);
      await popup.locator('button[type="submit"]').click();
      await closed;
    }
    await this.waitAuthorized(section, scheme);
    await this.dialog.locator('button.btn-done').first().click();
    await this.dialog.waitFor({ state: 'detached' });
    return { loginAsked: first === 'login' };
  }

  /**
   * Authorize for a scheme whose token comes straight from the token endpoint (password, client
   * credentials): fills the dialog's inputs and selects by id, clicks Authorize, waits for the token.
   */
  async authorizeWithForm(scheme: string, inputs: Record<string, string>, selects: Record<string, string> = {}): Promise<void> {
    await this.page.locator('.auth-wrapper button.authorize').click();
    const section = this.scheme(scheme);
    await section.waitFor();
    for (const [id, value] of Object.entries(selects)) await section.locator(`select[id="${id}"]`).selectOption(value);
    for (const [id, value] of Object.entries(inputs)) await section.locator(`input[id="${id}"]`).fill(value);
    await section.locator('button.authorize').click();
    await this.waitAuthorized(section, scheme);
    await this.dialog.locator('button.btn-done').first().click();
    await this.dialog.waitFor({ state: 'detached' });
  }

  private async waitAuthorized(section: Locator, scheme: string): Promise<void> {
    await section
      .getByText('Authorized', { exact: true })
      .waitFor({ timeout: 15_000 })
      .catch(async (error: unknown) => {
        const shown = await section
          .locator('.errors')
          .allInnerTexts()
          .catch(() => []);
        const detail = shown.length > 0 ? shown.join(' ').replace(/\s+/g, ' ') : 'no error shown';
        throw new Error(`the page did not get a token for ${scheme}: ${detail}`, { cause: error });
      });
  }

  /**
   * "Try it out" and "Execute" on `GET path`, with the path parameters filled in; returns what the
   * page shows and what was sent.
   */
  async execute(path: string, params: Record<string, string> = {}): Promise<Execution> {
    const operation = this.page.locator('.opblock').filter({ has: this.page.locator(`.opblock-summary-path[data-path="${path}"]`) });
    if ((await operation.locator('.opblock-body').count()) === 0) await operation.locator('.opblock-summary').click();
    const tryOut = operation.locator('button.try-out__btn');
    if ((await tryOut.innerText()).trim() === 'Try it out') await tryOut.click();
    const clear = operation.locator('button.btn-clear');
    if ((await clear.count()) > 0) await clear.click();
    let called = path;
    for (const [name, value] of Object.entries(params)) {
      await operation.locator(`tr[data-param-name="${name}"] input`).fill(value);
      called = called.replace(`{${name}}`, encodeURIComponent(value));
    }
    const responded = this.page.waitForResponse((r) => new URL(r.url()).pathname === called && r.request().method() === 'GET');
    await operation.locator('button.execute').click();
    const response = await responded;
    const row = operation.locator('.live-responses-table tbody tr.response');
    await row.waitFor();
    const status = Number((await row.locator('.response-col_status').innerText()).trim());
    const text = await row.locator('.response-col_description .highlight-code pre').first().innerText();
    expect(text, 'the response body shown on the page').to.be.a('string');
    return {
      status,
      body: JSON.parse(text),
      authorization: (await response.request().headerValue('authorization')) ?? undefined,
      response,
    };
  }

  /** Clicks "Log out of Auth0" and waits until the tenant has sent the browser back to the page. */
  async logOutOfAuth0(tenantLogoutUrl: string): Promise<void> {
    const visited = this.page.waitForRequest((r) => r.url().startsWith(tenantLogoutUrl));
    await this.page.getByRole('link', { name: 'Log out of Auth0' }).click();
    await visited;
    await this.page.waitForURL(this.docsUrl);
    await this.page.locator('.opblock-summary-path').first().waitFor();
  }
}
