import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminApi, axeBothWidths as axe, fitsPhone, launchBrowser, shoot, signedIn as signedInAt, startKeyward, type Running } from './support.js';

/**
 * The operations pages beyond one app, in Chromium against a real `keyward start --policy`: signing
 * keys and their publish-first schedule, token revocation, the access map and its explain form,
 * security events (keys seen in URLs) and leak reports, each with its one-click responses. Every
 * change made in the browser is checked through the API, every page with axe-core at laptop and
 * phone widths, and each page is photographed at both (test-artifacts/screenshots/). An app's own
 * operations pages are in dashboard-ops-app.e2e.test.ts.
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
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-e2e-map-'));
  const policy = path.join(dir, 'access-map.yaml');
  writeFileSync(policy, MAP);
  const leakKeys = path.join(dir, 'leak-keys.json');
  writeFileSync(leakKeys, JSON.stringify({ public_keys: [{ key_identifier: REPORTER_ID, key: reporter.publicKey.export({ type: 'spki', format: 'pem' }).toString(), is_current: true }] }));
  kw = await startKeyward({ args: ['--policy', policy], env: { KEYWARD_LEAK_PUBLIC_KEYS_FILE: leakKeys } });
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

const signedIn = () => signedInAt(browser, kw);
/** A key's verification through the API (a publishable key acts for a subject). */
const keyValid = async (key: string) => ((await api('POST', '/v1/keys/verify', { key, ...(key.startsWith('kw_pk_') ? { subject: 'u1' } : {}) })).json as { valid: boolean }).valid;

/** A leak report as GitHub's secret scanning sends it, signed with the reporter's key. */
async function reportLeak(tokens: string[], key: KeyObject = reporter.privateKey): Promise<number> {
  const body = JSON.stringify(tokens.map((token) => ({ token, type: 'keyward_key', url: 'https://github.com/acme/app/blob/abc/config.js', source: 'content' })));
  const res = await fetch(`${kw.base}/v1/leaks`, { method: 'POST', headers: { 'content-type': 'application/json', 'github-public-key-identifier': REPORTER_ID, 'github-public-key-signature': sign('sha256', Buffer.from(body), { key, dsaEncoding: 'der' }).toString('base64') }, body });
  return res.status;
}

describe('the operations pages beyond one app in Chromium against keyward start', () => {
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


  it('security events: keys seen in URLs get one-click revoke, rotate (new key shown once) and dismiss; leak reports of flagged keys get revoke, rotate and dismiss', async () => {
    // An app of its own, with the default settings (keys seen in URLs are refused and reported, not revoked).
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

    // The app's usage overview charts what happened: the three keys seen in URLs as anomalies, the two leak reports (one resolved, one dismissed).
    await page.goto(`${kw.base}/#/apps/${secApp}/usage`);
    await page.getByRole('heading', { name: 'Usage of Security app' }).waitFor();
    await expect.poll(() => page.getByRole('figure', { name: /^Anomalies per minute/ }).getAttribute('data-points'), { timeout: 30_000 }).toBe('3');
    expect(await page.getByRole('figure', { name: /^Leak reports per minute/ }).getAttribute('data-points')).toBe('2');
    await expect.poll(() => page.getByRole('figure', { name: /^Leak reports per minute/ }).locator('.u-legend').textContent()).toMatch(/dismissed.*resolved|resolved.*dismissed/);
    expect(await page.getByRole('table', { name: 'Leak reports by source' }).locator('tbody tr td').last().textContent()).toBe('2');
    await context.close();
  }, 120_000);
});
