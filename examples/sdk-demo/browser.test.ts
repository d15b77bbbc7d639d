import { existsSync, mkdtempSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startDemo } from './server.js';

const CHROMIUM = '/usr/bin/chromium';
const here = path.dirname(fileURLToPath(import.meta.url));
// CI installs Debian's Chromium (scripts/install-system-deps.sh); there the test must run.
const available = existsSync(CHROMIUM) || process.env.CI === 'true';

describe('SDK demo in Chromium (the SDK uses only fetch and WebCrypto)', () => {
  it.skipIf(!available)('registers a device, logs in, makes signed calls and survives a session refresh, in a real browser', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-browser-'));
    await build({ entryPoints: [path.join(here, 'browser-entry.ts')], bundle: true, format: 'iife', platform: 'browser', target: 'es2022', outfile: path.join(dir, 'bundle.js'), logLevel: 'silent' });
    copyFileSync(path.join(here, 'index.html'), path.join(dir, 'index.html'));
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
      expect(errors).toEqual([]);
      expect(result).toEqual({ profiles: [{ subject: 'ada', signed: true, session: true }, { subject: 'ada', signed: true, session: true }], refreshed: true });
    } finally {
      await browser.close();
      await demo.close();
    }
  }, 60_000);
});
