import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminApi, axeBothWidths as axe, fitsPhone, launchBrowser, shoot, signedIn as signedInAt, startKeyward, type Running } from './support.js';

/**
 * An app's operations pages in Chromium against a real `keyward start`: sessions and devices
 * (revoke one, all of a subject), the live/test switch carried across an app's pages, app settings
 * with client-side validation, deleting an app (refused while it has live credentials, then with
 * everything revoked behind its typed name and a reason), webhooks and their delivery log, attestation mode,
 * and the keyboard. Every change made in the browser is checked through the API, every page with
 * axe-core at laptop and phone widths, and each page is photographed at both
 * (test-artifacts/screenshots/). The other operations pages are in dashboard-ops-security.e2e.test.ts.
 */
let kw: Running;
let browser: Browser;
let api: ReturnType<typeof adminApi>;
let appId: string;
let publishable: string;

beforeAll(async () => {
  // Private addresses allowed so a webhook can point at a closed loopback port: every attempt fails fast and the same way.
  kw = await startKeyward({ env: { KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' } });
  api = adminApi(kw);
  browser = await launchBrowser();
  appId = (await api('POST', '/v1/apps', { name: 'Ops app' })).json.id as string;
  publishable = (await api('POST', `/v1/apps/${appId}/keys`, { kind: 'publishable', environment: 'live', name: 'iOS' })).json.secret as string;
}, 90_000);

afterAll(async () => {
  await browser?.close();
  kw?.stop();
});

const signedIn = () => signedInAt(browser, kw);
const valid = async (credential: string) => ((await api('POST', '/v1/verify', { credential })).json as { valid: boolean }).valid;
const rows = (page: Page) => page.locator('tbody tr');

describe("an app's operations pages in Chromium against keyward start", () => {
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
    // The app's usage overview charts the delivery (and its redelivery is the same row: one delivery).
    await page.goto(`${kw.base}/#/apps/${appId}/usage`);
    await page.getByRole('heading', { name: 'Usage of Ops app' }).waitFor();
    await expect.poll(() => page.getByRole('figure', { name: /^Webhook deliveries per minute/ }).getAttribute('data-points'), { timeout: 30_000 }).toBe('1');
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


  it("deleting an app: refused while it has live credentials, with the server's words; then deleted with everything revoked behind its typed name; gone from the list", async () => {
    // An app with nothing live goes at the first confirmation.
    const empty = (await api('POST', '/v1/apps', { name: 'Empty app' })).json.id as string;
    // One that still has a key, a session and a device is refused until the operator asks for everything to be revoked.
    const doomed = (await api('POST', '/v1/apps', { name: 'Doomed app' })).json.id as string;
    const key = (await api('POST', `/v1/apps/${doomed}/keys`, { kind: 'secret', environment: 'live', name: 'backend' })).json.secret as string;
    const session = (await api('POST', '/v1/sessions', { subject: 'user_1', appId: doomed, environment: 'test', device: { name: 'phone', platform: 'ios' } })).json.sessionKey as string;
    expect([await valid(key), await valid(session)]).toEqual([true, true]);
    let deletes = 0;
    const { context, page } = await signedIn();
    page.on('request', (r) => void (r.method() === 'DELETE' && r.url().includes('/v1/apps/') && deletes++));

    await page.goto(`${kw.base}/#/apps/${empty}/settings`);
    await page.getByRole('heading', { name: 'Delete this app' }).waitFor();
    await page.getByRole('button', { name: 'Delete app' }).click();
    const first = page.getByRole('dialog', { name: 'Delete Empty app?' });
    await first.waitFor();
    await page.keyboard.press('Escape'); // the focus starts on Cancel: Escape leaves everything as it was
    await expect.poll(() => first.isVisible()).toBe(false);
    expect(deletes).toBe(0);
    await page.getByRole('button', { name: 'Delete app' }).click();
    await first.getByRole('button', { name: 'Delete app' }).click();
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
    expect(page.url()).toBe(`${kw.base}/#/`);
    await expect.poll(() => page.getByRole('link', { name: 'Doomed app' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Empty app' }).count()).toBe(0);
    expect((await api('GET', `/v1/apps/${empty}`)).json.code).toBe('NOT_FOUND');

    await page.goto(`${kw.base}/#/apps/${doomed}/settings`);
    await page.getByRole('heading', { name: 'Delete this app' }).waitFor();
    await page.getByRole('button', { name: 'Delete app' }).click();
    await page.getByRole('dialog', { name: 'Delete Doomed app?' }).getByRole('button', { name: 'Delete app' }).click();
    // APP_HAS_CREDENTIALS, in plain words with the server's counts; nothing was deleted or revoked.
    const refusal = page.locator('.danger-zone [role="alert"]');
    await expect.poll(() => refusal.textContent()).toMatch(/^The app still has live keys, sessions or devices\. Revoke them first, or delete the app and revoke everything with it\. \(The server says: the app still has 1 live key\(s\), 1 session\(s\)/);
    expect((await api('GET', `/v1/apps/${doomed}`)).json.id).toBe(doomed);
    expect([await valid(key), await valid(session)]).toEqual([true, true]);
    await axe(page, 'settings, delete refused');

    // The forced delete: its button waits for the app's name, typed exactly.
    await refusal.getByRole('button', { name: 'Delete and revoke everything…' }).click();
    const force = page.getByRole('dialog', { name: 'Delete Doomed app and revoke everything?' });
    await force.waitFor();
    const go = force.getByRole('button', { name: 'Delete and revoke everything' });
    expect(await go.isDisabled()).toBe(true);
    await force.getByLabel(/Type the app's name/).fill('Doomed');
    expect(await go.isDisabled()).toBe(true);
    await axe(page, 'settings, forced delete dialog');
    await force.getByLabel(/Type the app's name/).fill('Doomed app');
    // …and for a reason: it is recorded on every key and session the delete revokes.
    expect(await go.isDisabled()).toBe(true);
    await force.getByLabel('Reason').fill('shutting down the pilot');
    expect(await go.isDisabled()).toBe(false);
    expect(deletes).toBe(2);
    await go.click();
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
    await expect.poll(() => page.getByRole('link', { name: 'Ops app' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Doomed app' }).count()).toBe(0);
    expect((await api('GET', `/v1/apps/${doomed}`)).json.code).toBe('NOT_FOUND');
    expect([await valid(key), await valid(session)]).toEqual([false, false]);
    expect(deletes).toBe(3);
    // One audit record, naming the forced delete and what it revoked.
    const audit = (await api('GET', `/v1/audit?target=${doomed}`)).json.items as { action: string; data: Record<string, unknown> }[];
    expect(audit.filter((r) => r.action === 'app.delete').map((r) => r.data)).toEqual([expect.objectContaining({ force: true, reason: 'shutting down the pilot', revokedKeyCount: 1, revokedSessions: 1 })]);
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

});
