import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * What a browser test of the dashboard needs: a real `keyward start` on an empty data directory
 * (its root key read from its output), Debian's Chromium through playwright-core, axe-core run
 * through DevTools (so the page's CSP stays on), and screenshots at laptop and phone widths into
 * test-artifacts/screenshots/ (docs/screenshots/ holds the copies the README links).
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'packages/server/bin/keyward.js');
export const SHOTS = path.join(ROOT, 'test-artifacts/screenshots');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'];
export const WIDTHS = [
  ['laptop', { width: 1280, height: 800 }],
  ['phone', { width: 390, height: 844 }],
] as const;

export interface Running {
  readonly base: string;
  readonly rootKey: string;
  readonly browser: Browser;
  stop(): Promise<void>;
}

export async function startKeyward(env: Record<string, string> = {}): Promise<Running> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-e2e-'));
  const child: ChildProcess = spawn(process.execPath, [BIN, 'start', '--data', dir, '--port', '0'], { env: { ...process.env, KEYWARD_MASTER_KEYS: '', KEYWARD_HOST: '', KEYWARD_LOG_FORMAT: 'json', ...env } });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const base = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`keyward did not start: ${out}`)), 30_000);
    const check = () => {
      const m = /"address":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      } else setTimeout(check, 50);
    };
    check();
  });
  const rootKey = /kw_root_[0-9A-Za-z]+/.exec(out)![0];
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  mkdirSync(SHOTS, { recursive: true });
  return {
    base,
    rootKey,
    browser,
    async stop() {
      await browser.close();
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** axe-core's serious and critical violations on the page as it is now, which must be none. */
export async function axe(page: Page, where: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const r = await (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: { target: unknown }[] }[] }> } }).axe.run();
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`);
  });
  expect(violations, `axe on ${where}`).toEqual([]);
}

/** axe at laptop and phone widths, and a full-page screenshot at each. */
export async function checkAndShoot(page: Page, name: string): Promise<void> {
  for (const [label, size] of WIDTHS) {
    await page.setViewportSize(size);
    await axe(page, `${name} (${label})`);
    await page.screenshot({ path: path.join(SHOTS, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(WIDTHS[0][1]);
}

/** The admin API with the root key in a header (setting up what the test then looks at in the browser). */
export async function adminApi(run: Pick<Running, 'base' | 'rootKey'>, method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${run.base}${url}`, { method, headers: { authorization: `Bearer ${run.rootKey}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
