/**
 * `npm run docs:screenshot`: docs/images/docs-page.png, the sample's docs page signing in. It starts
 * the sample as `npm start` does, against a local tenant, opens the page in the
 * headless Chromium the browser tests use (`CHROMIUM_PATH`, default /usr/bin/chromium), opens the
 * Authorize dialog (the Auth0 sign-in flows and the API's scopes) and takes the picture.
 * `SCREENSHOT_PATH` writes it elsewhere.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { startSample } from '../sample/start';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/support/chromium';

const OUT = resolve(process.env.SCREENSHOT_PATH ?? join(__dirname, '..', 'docs', 'images', 'docs-page.png'));
const VIEWPORT = { width: 1100, height: 820 };

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  // The local tenant, whatever this shell has set: the picture shows the sample as `npm start` runs it.
  const { AUTH0_DOMAIN: _domain, ...env } = process.env;
  // `npm start`'s ports (PORT, AUTH0_LOCAL_TENANT_PORT move them), so that the picture shows its URLs.
  const sample = await startSample({ PORT: '3000', AUTH0_LOCAL_TENANT_PORT: '4000', ...env });
  const profile = mkdtempSync(join(tmpdir(), 'rc-auth0-screenshot-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: VIEWPORT,
      deviceScaleFactor: 1,
    });
    try {
      context.setDefaultTimeout(20_000);
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(sample.docsUrl);
      await page.locator('.opblock-summary-path').first().waitFor();
      await page.locator('.auth-wrapper button.authorize').click();
      const dialog = page.locator('.dialog-ux .modal-ux');
      await dialog.waitFor();
      await dialog.locator('.auth-container').first().waitFor();
      // The dialog opens scrolled to the input it focuses; the picture shows its first flow, PKCE.
      await page.evaluate(() => {
        (document.activeElement as HTMLElement | null)?.blur();
        for (const content of Array.from(document.querySelectorAll('.modal-ux-content'))) content.scrollTop = 0;
      });
      mkdirSync(dirname(OUT), { recursive: true });
      await page.screenshot({ path: OUT, animations: 'disabled' });
    } finally {
      await context.close();
    }
  } finally {
    rmSync(profile, { recursive: true, force: true });
    await sample.close();
  }
  console.log(`${OUT} (${Math.round(statSync(OUT).size / 1024)} KB)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
