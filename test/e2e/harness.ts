import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { adminApi as apiOf, axe, LAPTOP, launchBrowser, noSecretShown, PHONE, SHOTS, startKeyward as start } from './support.js';

/**
 * The keys-and-usage browser tests' shape of the shared e2e support (support.ts): a started
 * `keyward start` that carries its browser, axe plus a screenshot at each width in one call, and
 * the admin API called in one step. Everything underneath is support.ts's, so the two suites start
 * the server, run axe and take screenshots the same way.
 */
export { axe, SHOTS };
export const WIDTHS = [
  ['laptop', LAPTOP],
  ['phone', PHONE],
] as const;

export interface Running {
  readonly base: string;
  readonly rootKey: string;
  readonly browser: Browser;
  stop(): Promise<void>;
}

export async function startKeyward(env: Record<string, string> = {}): Promise<Running> {
  const running = await start({ env });
  const browser = await launchBrowser();
  return {
    base: running.base,
    rootKey: running.rootKey,
    browser,
    async stop() {
      await browser.close();
      running.stop();
    },
  };
}

/** axe at laptop and phone widths, and a full-page screenshot at each (refused while a whole secret is on the page). */
export async function checkAndShoot(page: Page, name: string): Promise<void> {
  for (const [label, size] of WIDTHS) {
    await page.setViewportSize(size);
    await axe(page, `${name} (${label})`);
    await noSecretShown(page, `${name} (${label})`);
    await page.screenshot({ path: path.join(SHOTS, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(LAPTOP);
}

/** The admin API with the root key in a header (setting up what the test then looks at in the browser). */
export function adminApi(run: Pick<Running, 'base' | 'rootKey'>, method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  return apiOf(run)(method, url, body);
}
