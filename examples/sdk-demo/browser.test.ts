import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { buildBrowserDemo } from './run.js';
import { startDemo } from './server.js';

const CHROMIUM = '/usr/bin/chromium';
// CI installs Debian's Chromium (scripts/install-system-deps.sh); there the test must run.
const available = existsSync(CHROMIUM) || process.env.CI === 'true';

describe('SDK demo in Chromium (the SDK uses only fetch and WebCrypto)', () => {
  it.skipIf(!available)('registers a device, logs in, makes signed calls and survives a session refresh, in a real browser', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-browser-'));
    await buildBrowserDemo(dir); // what `npm run demo` builds
    const demo = await startDemo({ sessionKeyTtlSeconds: 2, staticDir: dir });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${demo.url}/demo/index.html`);
      const result = await page.evaluate(
        async ({ pk }) => {
          const w = globalThis as unknown as { keywardDemo: { runApp: (o: unknown) => Promise<unknown> }; isSecureContext: boolean };
          return w.keywardDemo.runApp({ baseUrl: location.origin, publishableKey: pk, username: 'ada', password: 'correct horse battery staple', waitMs: 1500 });
        },
        { pk: demo.publishableKey },
      );
      // The page's own run (index.html with the bundle `npm run demo` builds) prints both calls.
      await page.waitForFunction(() => (document.getElementById('log')?.textContent ?? '').split('GET /api/profile').length === 3, undefined, { timeout: 20_000 });
      expect(await page.textContent('#log')).toContain('session refreshed transparently');
      expect(errors).toEqual([]);
      expect(result).toEqual({ profiles: [{ subject: 'ada', signed: true, session: true }, { subject: 'ada', signed: true, session: true }], refreshed: true });
    } finally {
      await browser.close();
      await demo.close();
    }
  }, 60_000);
});
