import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findKeysInText } from '@keyward/protocol';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * What the dashboard's browser tests share: a real `keyward start` on a fresh data directory, Debian's
 * Chromium through playwright-core, axe-core (serious and critical violations fail), screenshots at
 * laptop and phone widths into test-artifacts/screenshots/, and the admin API with the root key.
 */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'packages/server/bin/keyward.js');
export const SHOTS = path.join(ROOT, 'test-artifacts/screenshots');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'];

export interface Running {
  readonly base: string;
  readonly rootKey: string;
  readonly dir: string;
  stop(): void;
}

/** `keyward start` on port 0 in a new data directory; resolves once it logged its address. */
export async function startKeyward(options: { args?: readonly string[]; env?: Record<string, string> } = {}): Promise<Running> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-e2e-'));
  const child: ChildProcess = spawn(process.execPath, [BIN, 'start', '--data', dir, '--port', '0', ...(options.args ?? [])], { env: { ...process.env, KEYWARD_MASTER_KEYS: '', KEYWARD_HOST: '', KEYWARD_LOG_FORMAT: 'json', ...options.env } });
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
      } else if (child.exitCode !== null) {
        clearTimeout(t);
        reject(new Error(`keyward exited: ${out}`));
      } else setTimeout(check, 50);
    };
    check();
  });
  const rootKey = /kw_root_[0-9A-Za-z]+/.exec(out)![0];
  return {
    base,
    rootKey,
    dir,
    stop: () => {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export async function axe(page: Page, where: string): Promise<void> {
  // Evaluated through DevTools, not as a <script>: the page's CSP (script-src 'self') stays on and is tested too.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const r = await (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }).axe.run();
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}, ${v.nodes.length} nodes)`);
  });
  expect(violations, `axe on ${where}`).toEqual([]);
}

export const LAPTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

/** Webhook secrets and attestation debug tokens; Keyward's own keys are found by their checksum (findKeysInText). */
const OTHER_SECRETS = /whsec_[A-Za-z0-9+/=]{20,}|kwdbg_[A-Za-z0-9_-]{43}/g;

/**
 * Fails when a whole secret is on the page outside `mask`: the screenshots are committed to
 * docs/screenshots/, and a key shown once (even a test server's) must not be published with them.
 * Reads every text node and every input's value, hidden ones too, so it errs on the side of failing;
 * it counts what it finds and never prints it.
 */
export async function noSecretShown(page: Page, where: string, mask: readonly Locator[] = []): Promise<void> {
  const masked = (await Promise.all(mask.map((l) => l.elementHandles()))).flat();
  const text = await page.evaluate((hidden) => {
    const isMasked = (n: Node) => hidden.some((m) => m.contains(n));
    const parts: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) if (!isMasked(n)) parts.push(n.textContent ?? '');
    for (const el of document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input, textarea')) if (!isMasked(el)) parts.push(el.value);
    return parts.join('\n');
  }, masked);
  const found = findKeysInText(text).length + (text.match(OTHER_SECRETS)?.length ?? 0);
  expect(found, `whole secrets visible in the ${where} screenshot (mask them: shoot's mask option)`).toBe(0);
}

export interface ShotOptions {
  /** Elements drawn over with a plain box, such as the show-once dialog's key field. */
  readonly mask?: readonly Locator[];
  /** false: only the viewport, as when a modal dialog is open (its backdrop covers only the viewport). */
  readonly fullPage?: boolean;
}

export async function shoot(page: Page, name: string, options: ShotOptions = {}): Promise<void> {
  const mask = [...(options.mask ?? [])];
  for (const [label, size] of [
    ['laptop', LAPTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(size);
    await noSecretShown(page, `${name} (${label})`, mask);
    await page.screenshot({ path: path.join(SHOTS, `${name}-${label}.png`), fullPage: options.fullPage ?? true, mask, maskColor: '#5b6270' });
  }
  await page.setViewportSize(LAPTOP);
}

/** The admin API with a key (the root key unless another is given). */
export function adminApi(running: Pick<Running, 'base' | 'rootKey'>) {
  return async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${running.base}${url}`, { method, headers: { authorization: `Bearer ${running.rootKey}`, 'content-type': 'application/json', ...headers }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
}

/** Signs in through the form; resolves on the Apps page. */
export async function signIn(page: Page, base: string, rootKey: string, hash = ''): Promise<void> {
  await page.goto(`${base}/${hash}`);
  await page.getByLabel('Root key').fill(rootKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** A new browser context signed in through the form, on the Apps page. */
export async function signedIn(browser: Browser, running: Pick<Running, 'base' | 'rootKey'>): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, running.base, running.rootKey);
  await page.getByRole('heading', { name: 'Apps' }).waitFor();
  return { context, page };
}

/** axe-core at laptop and at phone width (where tables scroll sideways and must be reachable by keyboard). */
export async function axeBothWidths(page: Page, where: string): Promise<void> {
  await axe(page, where);
  await page.setViewportSize(PHONE);
  await axe(page, `${where} at phone width`);
  await page.setViewportSize(LAPTOP);
}

/** Nothing wider than the phone's screen but the tables, which scroll on their own. */
export async function fitsPhone(page: Page, where: string): Promise<void> {
  await page.setViewportSize(PHONE);
  const { overflow, culprits } = await page.evaluate(() => ({
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    // What sticks out, outside the tables (which scroll on their own), to name in the failure.
    culprits: [...document.querySelectorAll('body *')]
      .filter((e) => !e.closest('table') && e.getBoundingClientRect().right > window.innerWidth + 0.5)
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${e.className}`),
  }));
  expect(overflow, `horizontal overflow on ${where} at phone width: ${culprits.join(', ')}`).toBeLessThanOrEqual(0);
  await page.setViewportSize(LAPTOP);
}
