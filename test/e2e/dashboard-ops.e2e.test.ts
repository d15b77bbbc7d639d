import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminApi, axe as axeAt, launchBrowser, PHONE, LAPTOP, shoot, signIn, startKeyward, type Running } from './support.js';

/**
 * The dashboard's operations pages in Chromium against a real `keyward start --policy`: sessions
 * and devices (revoke one, all of a subject), the live/test switch carried across an app's pages,
 * app settings with client-side validation, webhooks and their delivery log, attestation mode,
 * signing keys and their publish-first schedule, the access map and its explain form, leak
 * reports. Every change made in the browser is checked through the API, every page with axe-core,
 * and each page is photographed at laptop and phone widths (test-artifacts/screenshots/).
 */
const MAP = `version: 1
limits:
  per-key: { rate: 100, windowSeconds: 60, by: credential }
resources:
  - name: own profile
    path: /users/{userId}/profile
    methods: [GET, PUT]
    allow: [publishable, session]
    subject: userId
    require: [signature]
  - name: reports
    path: /reports/*
    allow: [restricted, secret]
    scopes: [reports:read]
    rateLimits: [per-key]
`;

let kw: Running;
let browser: Browser;
let api: ReturnType<typeof adminApi>;
let appId: string;
let publishable: string;
let restrictedId: string;
// A secret-scanning partner's signing key, generated here; the server reads its public half from a file.
const reporter = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const REPORTER_ID = 'e2e-reporter';

beforeAll(async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const policy = path.join(mkdtempSync(path.join(tmpdir(), 'kw-e2e-map-')), 'access-map.yaml');
  writeFileSync(policy, MAP);
  const leakKeys = path.join(path.dirname(policy), 'leak-keys.json');
  writeFileSync(leakKeys, JSON.stringify({ public_keys: [{ key_identifier: REPORTER_ID, key: reporter.publicKey.export({ type: 'spki', format: 'pem' }).toString(), is_current: true }] }));
  // Private addresses allowed so a webhook can point at a closed loopback port: every attempt fails fast and the same way.
  kw = await startKeyward({ args: ['--policy', policy], env: { KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true', KEYWARD_LEAK_PUBLIC_KEYS_FILE: leakKeys } });
  api = adminApi(kw);
  browser = await launchBrowser();
  appId = (await api('POST', '/v1/apps', { name: 'Ops app' })).json.id as string;
  publishable = (await api('POST', `/v1/apps/${appId}/keys`, { kind: 'publishable', environment: 'live', name: 'iOS' })).json.secret as string;
  restrictedId = ((await api('POST', `/v1/apps/${appId}/keys`, { kind: 'restricted', environment: 'live', name: 'etl', scopes: ['reports:read'] })).json.key as { id: string }).id;
}, 90_000);

afterAll(async () => {
  await browser?.close();
  kw?.stop();
});

async function signedIn(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, kw.base, kw.rootKey);
  await page.getByRole('heading', { name: 'Apps' }).waitFor();
  return { context, page };
}

const valid = async (credential: string) => ((await api('POST', '/v1/verify', { credential })).json as { valid: boolean }).valid;
const rows = (page: Page) => page.locator('tbody tr');
/** A key's verification through the API (a publishable key acts for a subject). */
const keyValid = async (key: string) => ((await api('POST', '/v1/keys/verify', { key, ...(key.startsWith('kw_pk_') ? { subject: 'u1' } : {}) })).json as { valid: boolean }).valid;

/** A leak report as GitHub's secret scanning sends it, signed with the reporter's key. */
async function reportLeak(tokens: string[], key: KeyObject = reporter.privateKey): Promise<number> {
  const body = JSON.stringify(tokens.map((token) => ({ token, type: 'keyward_key', url: 'https://github.com/acme/app/blob/abc/config.js', source: 'content' })));
  const res = await fetch(`${kw.base}/v1/leaks`, { method: 'POST', headers: { 'content-type': 'application/json', 'github-public-key-identifier': REPORTER_ID, 'github-public-key-signature': sign('sha256', Buffer.from(body), { key, dsaEncoding: 'der' }).toString('base64') }, body });
  return res.status;
}

/** axe-core at laptop and at phone width (where tables scroll sideways and must be reachable by keyboard). */
async function axe(page: Page, where: string): Promise<void> {
  await axeAt(page, where);
  await page.setViewportSize(PHONE);
  await axeAt(page, `${where} at phone width`);
  await page.setViewportSize(LAPTOP);
}

/** Nothing wider than the phone's screen but the tables, which scroll on their own. */
async function fitsPhone(page: Page, where: string): Promise<void> {
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

describe('the dashboard operations pages in Chromium against keyward start', () => {
  it('sessions: lists per subject, revokes one and then all of a subject; the environment switch holds across app pages', async () => {
    const sessionKey = async (subject: string) => (await api('POST', '/v1/sessions', { subject, appId, environment: 'live', device: { name: `${subject} phone`, platform: 'ios' } })).json.sessionKey as string;
    const [a1, a2, b1] = [await sessionKey('user_42'), await sessionKey('user_42'), await sessionKey('user_7')];
    const { context, page } = await signedIn();
    await page.goto(`${kw.base}/#/apps/${appId}/sessions`);
    await page.getByRole('heading', { name: 'Sessions in live' }).waitFor();
    await expect.poll(() => rows(page).count()).toBe(3);
    await axe(page, 'sessions');
    await fitsPhone(page, 'sessions');
    await shoot(page, 'sessions');

    await page.getByLabel('Subject').fill('user_42');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => rows(page).count()).toBe(2);
    await rows(page).first().getByRole('button', { name: /^Revoke session/ }).click();
    const one = page.getByRole('dialog', { name: /^Revoke this session/ });
    await one.waitFor();
    // The focus starts on Cancel: Escape and Enter alone never revoke.
    await page.keyboard.press('Escape');
    await expect.poll(() => one.isVisible()).toBe(false);
    expect([await valid(a1), await valid(a2)]).toEqual([true, true]);
    await rows(page).first().getByRole('button', { name: /^Revoke session/ }).click();
    await page.getByRole('dialog', { name: /^Revoke this session/ }).getByRole('button', { name: 'Revoke', exact: true }).click();
    await expect.poll(() => page.getByText(/Session of user_42 revoked/).count()).toBe(1);
    await expect.poll(async () => [await valid(a1), await valid(a2)].filter(Boolean).length).toBe(1);
    await expect.poll(() => rows(page).count()).toBe(1);

    await page.getByRole('button', { name: 'Revoke all sessions of user_42' }).click();
    await page.getByRole('dialog', { name: 'Revoke every session of user_42?' }).getByRole('button', { name: 'Revoke', exact: true }).click();
    await expect.poll(() => page.getByText(/1 session of user_42 revoked/).count()).toBe(1);
    expect([await valid(a1), await valid(a2), await valid(b1)]).toEqual([false, false, true]);
    await page.getByLabel('include revoked').check();
    await expect.poll(() => rows(page).count()).toBe(2);
    await expect.poll(() => rows(page).first().textContent()).toMatch(/revoked/);

    // The switch: test has no sessions, and the next app page opens in test too.
    await page.getByRole('radio', { name: 'test' }).check();
    await page.getByRole('heading', { name: 'Sessions in test' }).waitFor();
    await page.getByRole('navigation', { name: 'App pages' }).getByRole('link', { name: 'Devices' }).click();
    await page.getByRole('heading', { name: 'Devices in test' }).waitFor();
    expect(await page.getByRole('radio', { name: 'test' }).isChecked()).toBe(true);
    await page.getByRole('navigation', { name: 'App pages' }).getByRole('link', { name: 'Keys' }).click();
    await page.getByRole('heading', { name: 'Create a key in test' }).waitFor();
    await page.getByRole('radio', { name: 'live' }).check();
    await context.close();
  }, 120_000);

  it('devices: lists the registered installs and revokes one', async () => {
    const reg = await fetch(`${kw.base}/v1/devices`, { method: 'POST', headers: { 'x-api-key': publishable, 'content-type': 'application/json' }, body: JSON.stringify({ platform: 'android', appVersion: '2.1.0' }) });
    const { device, secret } = (await reg.json()) as { device: { id: string }; secret: string };
    expect(await valid(secret)).toBe(true);
    const { context, page } = await signedIn();
    await page.goto(`${kw.base}/#/apps/${appId}/devices`);
    await page.getByRole('heading', { name: 'Devices in live' }).waitFor();
    const row = page.locator(`tr[data-device-id="${device.id}"]`);
    await expect.poll(() => row.textContent()).toMatch(/android.*2\.1\.0.*active/);
    await axe(page, 'devices');
    await shoot(page, 'devices');
    await row.getByRole('button', { name: `Revoke device ${device.id}` }).click();
    await page.getByRole('dialog', { name: `Revoke device ${device.id}?` }).getByRole('button', { name: 'Revoke device' }).click();
    await expect.poll(() => row.textContent()).toMatch(/revoked/);
    expect(await valid(secret)).toBe(false);
    await context.close();
  }, 90_000);

  it('settings: client-side validation names the field before anything is sent; a valid form saves', async () => {
    const { context, page } = await signedIn();
    await page.goto(`${kw.base}/#/apps/${appId}/settings`);
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    const before = (await api('GET', `/v1/apps/${appId}`)).json;
    const origins = page.getByLabel(/Browser origins/);
    await origins.fill('https://app.example.com/\nftp://files.example.com');
    await page.getByLabel('Default rotation grace period, seconds').fill('-5');
    let patches = 0;
    page.on('request', (r) => void (r.method() === 'PATCH' && patches++));
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => origins.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#corsOrigins-error').textContent()).toContain('https://app.example.com/');
    expect(await page.getByLabel('Default rotation grace period, seconds').getAttribute('aria-invalid')).toBe('true');
    expect(patches).toBe(0);
    expect((await api('GET', `/v1/apps/${appId}`)).json.version).toBe(before.version);
    await axe(page, 'settings with errors');

    await origins.fill('https://app.example.com\nhttp://localhost:5173');
    await page.getByLabel('Default rotation grace period, seconds').fill('600');
    await page.getByLabel('traffic spike').selectOption('suspend');
    await page.getByLabel('When a leak report names a key').selectOption('flag');
    await page.getByLabel(/revoke \(not only refuse\)/).check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.getByText('Saved.', { exact: true }).count()).toBe(1);
    expect((await api('GET', `/v1/apps/${appId}`)).json.settings).toMatchObject({
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
      anomalyActions: { traffic_spike: 'suspend' },
      leakAction: 'flag',
      revokeKeysSeenInUrls: true,
      defaultRotationGraceSeconds: 600,
    });
    await axe(page, 'settings');
    await fitsPhone(page, 'settings');
    await shoot(page, 'settings');
    await context.close();
  }, 90_000);

  it('webhooks: adds an endpoint (secret shown once), sends a test event, shows its attempts and redelivers it', async () => {
    const { context, page } = await signedIn();
    await page.goto(`${kw.base}/#/apps/${appId}/webhooks`);
    await page.getByRole('heading', { name: 'Webhook endpoints' }).waitFor();
    await page.getByLabel('Receiver URL').fill('http://hooks.example.com/x');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await expect.poll(() => page.locator('#webhookUrl-error').textContent()).toMatch(/https only/);
    await page.getByLabel('Receiver URL').fill('https://127.0.0.1:1/keyward');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const once = page.getByRole('dialog', { name: 'Copy your new key now' });
    await once.waitFor();
    expect(await once.getByLabel('Key').inputValue()).toMatch(/^whsec_/);
    await once.getByRole('button', { name: 'I have stored it' }).click();
    await page.getByRole('button', { name: /^Send test event to/ }).click();
    await page.getByRole('button', { name: /^Delivery log of/ }).click();
    const delivery = page.locator('tr[data-delivery-id]');
    await expect.poll(() => delivery.count(), { timeout: 30_000 }).toBe(1);
    // The dispatcher tries (a closed port refuses at once); the log shows the attempt and its error.
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return Number(await delivery.locator('td').nth(2).textContent());
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBeGreaterThanOrEqual(1);
    const attempts = Number(await delivery.locator('td').nth(2).textContent());
    expect(await delivery.textContent()).toContain('webhook.test');
    await delivery.getByRole('button', { name: /^Redeliver/ }).click();
    await expect.poll(() => page.getByText(/being sent again/).count()).toBe(1);
    const id = await delivery.getAttribute('data-delivery-id');
    const attemptsNow = async () => ((await api('GET', `/v1/webhook-deliveries/${id}`)).json.attempts as unknown[]).length;
    await expect.poll(attemptsNow, { timeout: 60_000, interval: 500 }).toBeGreaterThan(attempts);
    await axe(page, 'webhooks');
    await fitsPhone(page, 'webhooks');
    await shoot(page, 'webhooks');
    await context.close();
  }, 150_000);

  it('attestation: shows the mode and the outcomes, and switches to monitor-only with a confirmation', async () => {
    const { context, page } = await signedIn();
    await page.goto(`${kw.base}/#/apps/${appId}/attestation`);
    await page.getByRole('heading', { name: 'Attestation in live' }).waitFor();
    await expect.poll(() => page.locator('dl.facts').textContent()).toMatch(/enforced/);
    await page.getByRole('heading', { name: /Outcomes/ }).waitFor();
    await expect.poll(() => page.getByText(/No attestations yet|Attestations by platform/).count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Switch to monitor-only' }).click();
    await page.getByRole('dialog', { name: 'Switch to monitor-only?' }).getByRole('button', { name: 'Change mode' }).click();
    await expect.poll(() => page.locator('dl.facts').textContent()).toMatch(/monitor-only/);
    expect((await api('GET', `/v1/attestation/config?appId=${appId}&environment=live`)).json.monitorOnly).toBe(true);
    expect((await api('GET', `/v1/attestation/config?appId=${appId}&environment=test`)).json.monitorOnly).toBe(false);
    await axe(page, 'attestation');
    await shoot(page, 'attestation');
    await context.close();
  }, 90_000);

  it('signing keys: shows the publish-first schedule and rotates with a confirmation', async () => {
    const { context, page } = await signedIn();
    await page.getByRole('link', { name: 'Signing keys' }).click();
    await page.getByRole('heading', { name: 'Token signing keys' }).waitFor();
    await expect.poll(() => page.locator('tbody tr', { hasText: 'signs new tokens' }).count()).toBe(2); // EdDSA and ES256
    await page.getByLabel('Algorithm').selectOption('EdDSA');
    await page.getByRole('button', { name: 'Rotate signing key' }).click();
    await page.getByRole('dialog', { name: 'Rotate the EdDSA signing key?' }).getByRole('button', { name: 'Rotate' }).click();
    await expect.poll(() => page.getByText(/is published and signs from/).count()).toBe(1);
    const listed = (await api('GET', '/v1/signing-keys')).json.items as { kid: string; alg: string; state: string; activatesAt: string; publishedAt: string }[];
    const pending = listed.find((k) => k.alg === 'EdDSA' && k.state === 'pending')!;
    expect(Date.parse(pending.activatesAt)).toBeGreaterThan(Date.parse(pending.publishedAt));
    const row = page.locator(`tr[data-kid="${pending.kid}"]`);
    await expect.poll(() => row.textContent()).toMatch(/pending.*published; signs from its activation/);
    // The JWKS already carries it: publish first, then sign.
    const jwks = (await (await fetch(`${kw.base}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toContain(pending.kid);
    // Revoke a minted token by its jti: the form checks its fields first, then the token is refused.
    const minted = (await api('POST', '/v1/tokens', { subject: 'user_9', audience: 'uploads', scopes: ['files:write'], ttlSeconds: 300, appId, environment: 'live' })).json as { token: string; jti: string };
    const tokenCode = async () => (await api('POST', '/v1/tokens/verify', { token: minted.token, audience: 'uploads' })).json.code as string | undefined;
    expect(await tokenCode()).toBe('VALID');
    await page.getByLabel('Token id (jti)').fill('not a jti');
    await page.getByRole('button', { name: 'Revoke token' }).click();
    await expect.poll(() => page.getByLabel('Token id (jti)').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('App id').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Token id (jti)').fill(minted.jti);
    await page.getByLabel('App id').fill(appId);
    await page.getByRole('button', { name: 'Revoke token' }).click();
    await expect.poll(() => page.getByText(`Token ${minted.jti} revoked.`).count()).toBe(1);
    expect(await tokenCode()).toBe('TOKEN_INVALID');
    await axe(page, 'signing keys');
    await fitsPhone(page, 'signing keys');
    await shoot(page, 'signing-keys');
    await context.close();
  }, 90_000);

  it('access map: a readable table, and explain by key id or by the key itself, which leaves no trace in the page, URL or storage', async () => {
    const { context, page } = await signedIn();
    await page.getByRole('link', { name: 'Access map' }).click();
    await page.getByRole('heading', { name: 'Access map', level: 1 }).waitFor();
    const profile = page.locator('tr', { has: page.getByRole('rowheader', { name: 'own profile' }) });
    await expect.poll(() => profile.textContent()).toMatch(/\/users\/\{userId\}\/profile.*GET, PUT.*publishable, session.*signed request.*\{userId\} is the caller's subject/);
    await expect.poll(() => page.locator('tr', { has: page.getByRole('rowheader', { name: 'reports' }) }).first().textContent()).toMatch(/any.*restricted, secret.*reports:read.*per-key/);

    await page.getByLabel('Key id', { exact: true }).fill(restrictedId);
    await page.getByLabel('Path').fill('reports/q1');
    await page.getByRole('button', { name: 'Explain' }).click();
    await expect.poll(() => page.locator('#path-error').textContent()).toMatch(/starts with \//);
    await page.getByLabel('Path').fill('/reports/q1');
    await page.getByRole('button', { name: 'Explain' }).click();
    await expect.poll(() => page.locator('.explain').textContent()).toMatch(/Allowed \(reports\)/);
    await axe(page, 'access map (allowed)');

    await page.getByRole('radio', { name: 'the key itself' }).check();
    await page.getByLabel('Key, session key or token').fill(publishable);
    await page.getByLabel('Path').fill('/users/u1/profile');
    await page.getByLabel('Subject (optional)').fill('u1');
    await page.getByRole('button', { name: 'Explain' }).click();
    await expect.poll(() => page.locator('.explain').textContent()).toMatch(/Denied: SIGNATURE_REQUIRED/);
    await page.getByLabel('as if the request were signed').check();
    await page.getByLabel('Key, session key or token').fill(publishable);
    await page.getByRole('button', { name: 'Explain' }).click();
    await expect.poll(() => page.locator('.explain').textContent()).toMatch(/Allowed \(own profile\)/);
    expect(await page.locator('.explain').textContent()).toMatch(/passed subject/);
    expect(await page.getByLabel('Key, session key or token').inputValue()).toBe('');
    const traces = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + location.href + document.body.innerHTML + history.length);
    expect(traces).not.toContain(publishable);
    await axe(page, 'access map (explained)');
    await fitsPhone(page, 'access map');
    await shoot(page, 'access-map');
    await context.close();
  }, 90_000);

  it('the new pages are reachable and operable with the keyboard alone, with a visible focus', async () => {
    const { context, page } = await signedIn();
    await page.goto(`${kw.base}/#/apps/${appId}/sessions`);
    await page.getByRole('heading', { name: 'Sessions in live' }).waitFor();
    // Tab to the app's Settings tab: the focused element shows an outline, and Enter follows it.
    let focused = '';
    for (let i = 0; i < 30 && focused !== 'Settings'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => (document.activeElement as HTMLElement | null)?.textContent?.trim() ?? '');
    }
    expect(focused).toBe('Settings');
    const outline = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement!);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    expect(outline.style).not.toBe('none');
    expect(outline.width).toBeGreaterThanOrEqual(2);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    expect(page.url()).toMatch(new RegExp(`#/apps/${appId}/settings$`));
    // The environment radios move with the arrow keys.
    await page.getByRole('radio', { name: 'live' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('radio', { name: 'test' }).isChecked()).toBe(true);
    await context.close();
  }, 90_000);

  it('security events: keys seen in URLs get one-click revoke, rotate (new key shown once) and dismiss; leak reports of flagged keys get revoke, rotate and dismiss', async () => {
    // An app of its own: the settings test made the first app revoke keys seen in URLs at once.
    const secApp = (await api('POST', '/v1/apps', { name: 'Security app' })).json.id as string;
    const mk = async (kind: string, name: string) => (await api('POST', `/v1/apps/${secApp}/keys`, { kind, environment: 'live', name })).json as { key: { id: string }; secret: string };
    const [toRevoke, toRotate, toDismiss] = [await mk('secret', 'to revoke'), await mk('secret', 'to rotate'), await mk('secret', 'to dismiss')];
    for (const k of [toRevoke, toRotate, toDismiss]) {
      const res = await fetch(`${kw.base}/v1/apps?api_key=${k.secret}`);
      expect(((await res.json()) as { code: string }).code).toBe('KEY_IN_URL');
    }
    const open = async () => ((await api('GET', `/v1/apps/${secApp}/anomalies?status=open`)).json.items as { id: string; entity: string }[]).map((a) => a.entity);
    await expect.poll(open, { timeout: 30_000 }).toEqual(expect.arrayContaining([toRevoke.key.id, toRotate.key.id, toDismiss.key.id]));

    const { context, page } = await signedIn();
    await page.getByRole('link', { name: 'Security events' }).click();
    await page.getByRole('heading', { name: 'Security events' }).waitFor();
    const row = (k: { key: { id: string } }) => page.locator('tr', { hasText: k.key.id });
    await expect.poll(() => row(toRevoke).count()).toBe(1);
    await axe(page, 'security events');
    await shoot(page, 'security-events');

    await row(toRevoke).getByRole('button', { name: 'Revoke key' }).click();
    await expect.poll(() => row(toRevoke).count()).toBe(0);
    expect(await keyValid(toRevoke.secret)).toBe(false);

    await row(toRotate).getByRole('button', { name: 'Rotate key' }).click();
    const once = page.getByRole('dialog', { name: 'Copy your new key now' });
    await once.waitFor();
    const rotated = await once.getByLabel('Key').inputValue();
    expect(rotated).toMatch(/^kw_sk_live_/);
    await once.getByRole('button', { name: 'I have stored it' }).click();
    expect([await keyValid(toRotate.secret), await keyValid(rotated)]).toEqual([false, true]);
    await expect.poll(() => row(toRotate).count()).toBe(0);

    await row(toDismiss).getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => row(toDismiss).count()).toBe(0);
    expect(await keyValid(toDismiss.secret)).toBe(true);
    expect(await open()).toEqual([]);

    // Leak reports: publishable keys are flagged (left working) under the default leak action.
    const [leakA, leakB] = [await mk('publishable', 'leaked A'), await mk('publishable', 'leaked B')];
    expect(await reportLeak([leakA.secret, leakB.secret])).toBe(200);
    expect([await keyValid(leakA.secret), await keyValid(leakB.secret)]).toEqual([true, true]);
    await page.getByRole('link', { name: 'Leak reports' }).click();
    await page.getByRole('heading', { name: 'Leak reports' }).waitFor();
    const leakRow = (k: { key: { id: string } }) => page.locator('tr', { hasText: k.key.id });
    await expect.poll(() => leakRow(leakA).textContent()).toMatch(/flagged/);
    await axe(page, 'leak reports');
    await fitsPhone(page, 'leak reports');
    await shoot(page, 'leaks');
    await leakRow(leakA).getByRole('button', { name: /^Revoke key/ }).click();
    await page.getByRole('dialog', { name: `Revoke key ${leakA.key.id}?` }).getByRole('button', { name: 'Revoke key' }).click();
    await expect.poll(() => keyValid(leakA.secret)).toBe(false);
    // Revoking from the report closes it as resolved (POST /v1/leaks/{id}/revoke): nothing is left to do on it.
    await expect.poll(() => leakRow(leakA).textContent()).toMatch(/resolved/);
    expect(await leakRow(leakA).getByRole('button').count()).toBe(0);
    const leaks = (await api('GET', `/v1/leaks?appId=${secApp}`)).json.items as { keyId: string; status: string }[];
    expect(leaks.map((l) => [l.keyId, l.status]).sort()).toEqual([[leakA.key.id, 'resolved'], [leakB.key.id, 'open']].sort());
    await leakRow(leakB).getByRole('button', { name: /^Rotate key/ }).click();
    const leakOnce = page.getByRole('dialog', { name: 'Copy your new key now' });
    await leakOnce.waitFor();
    const newB = await leakOnce.getByLabel('Key').inputValue();
    await leakOnce.getByRole('button', { name: 'I have stored it' }).click();
    expect([await keyValid(leakB.secret), await keyValid(newB)]).toEqual([false, true]);
    // Rotated by hand: the operator then closes the report with a dismissal.
    await leakRow(leakB).getByRole('button', { name: /^Dismiss report/ }).click();
    await expect.poll(() => leakRow(leakB).textContent()).toMatch(/dismissed/);
    expect(await leakRow(leakB).getByRole('button').count()).toBe(0);
    await context.close();
  }, 120_000);
});
