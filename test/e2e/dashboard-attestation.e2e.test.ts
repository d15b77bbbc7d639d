import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../packages/server/test/gateway/process.js';
import { startUpstream } from '../../packages/server/test/gateway/upstream.js';
import { adminApi, axeBothWidths, launchBrowser, shoot, signedIn, startKeyward, type Running } from './support.js';

/**
 * The usage overview's attestation chart fed by real attempts, not by rows written for the test:
 * installs attest through the public API of `keyward start` (POST /v1/attest with the debug
 * provider: passed in `test`, refused in `live`), and calls go through a real `keyward gateway` on
 * the same data directory to a route that requires attestation. In `live` the app is monitor-only,
 * so those calls go on and are recorded as `monitored` ("would have blocked"); in `test` it
 * enforces, so they are `refused`. The gateway writes its events when it stops (at the latest once a
 * minute while it runs); the overview then shows every figure with its code.
 */
const MAP = `version: 1
resources:
  - name: feed
    path: /feed
    methods: [GET]
    allow: [app-token, publishable]
    require: [attestation]
`;

let kw: Running;
let browser: Browser;
let api: ReturnType<typeof adminApi>;
let appId: string;
const keys: Record<'live' | 'test', string> = { live: '', test: '' };

beforeAll(async () => {
  kw = await startKeyward();
  api = adminApi(kw);
  browser = await launchBrowser();
  appId = (await api('POST', '/v1/apps', { name: 'Attested app' })).json.id as string;
  for (const environment of ['live', 'test'] as const) keys[environment] = (await api('POST', `/v1/apps/${appId}/keys`, { kind: 'publishable', environment, name: `mobile ${environment}` })).json.secret as string;
}, 90_000);

afterAll(async () => {
  await browser?.close();
  kw?.stop();
});

/** One install's attestation through the public API: a challenge, then the debug provider's token over it. */
async function attest(environment: 'live' | 'test', token: string): Promise<{ status: number; code?: string }> {
  const key = { 'x-api-key': keys[environment] };
  const challenge = (await (await fetch(`${kw.base}/v1/attest/challenge`, { method: 'POST', headers: key })).json()) as { challenge: string };
  const res = await fetch(`${kw.base}/v1/attest`, { method: 'POST', headers: { ...key, 'content-type': 'application/json' }, body: JSON.stringify({ challenge: challenge.challenge, payload: { platform: 'debug', token } }) });
  return { status: res.status, ...((await res.json()) as { code?: string }) };
}

describe('attestation outcomes in the usage overview, from real attempts', () => {
  it('charts passed, refused and monitor-only (would have blocked) attestations, each figure with its code', async () => {
    // Monitor-only in live, enforced in test.
    expect((await api('PUT', '/v1/attestation/config', { appId, environment: 'live', monitorOnly: true })).json.monitorOnly).toBe(true);
    const debugToken = (await api('POST', '/v1/attestation/debug-tokens', { appId, name: 'CI simulator' })).json.token as string;

    // The attest stage: the debug provider passes in test and is refused in live (a debug build shipped to production).
    expect(await attest('test', debugToken)).toMatchObject({ status: 201 });
    expect(await attest('live', debugToken)).toMatchObject({ status: 403, code: 'DEBUG_TOKEN_NOT_ALLOWED' });

    // The request stage, through the gateway: a publishable key on a route that requires attestation.
    const upstream = await startUpstream();
    const policy = path.join(kw.dir, 'access-map.yaml');
    writeFileSync(policy, MAP);
    const gateway = await startGateway(['--data', kw.dir, '--upstream', upstream.url, '--policy', policy, '--no-watch-policy']);
    try {
      const feed = (environment: 'live' | 'test') => fetch(`${gateway.base}/feed`, { headers: { 'x-api-key': keys[environment], 'x-keyward-subject': 'user_1' } });
      // Monitor-only lets live calls through to the API (and records what enforcement would have refused)...
      for (let i = 0; i < 2; i++) expect((await feed('live')).status).toBe(200);
      expect(upstream.seen.map((r) => r.url)).toEqual(['/feed', '/feed']);
      // ...while test enforces: refused, and the API never sees it.
      const refused = await feed('test');
      expect(((await refused.json()) as { code: string }).code).toBe('ATTESTATION_REQUIRED');
      expect(upstream.seen).toHaveLength(2);
    } finally {
      // Stopping writes the gateway's pending events (its window is a minute) to the shared store.
      expect(await gateway.stop()).toBe(0);
      await upstream.close();
    }

    // Listed by the API: the gateway's events (written as it stopped) and this server's own (written as they are listed).
    const events = (await api('GET', `/v1/apps/${appId}/attestation/events`)).json.items as { environment: string; stage: string; outcome: string; code: string; count: number }[];
    expect(events.map((e) => `${e.environment} ${e.stage} ${e.outcome} ${e.code} ×${e.count}`).sort()).toEqual(['live attest refused DEBUG_TOKEN_NOT_ALLOWED ×1', 'live request monitored ATTESTATION_REQUIRED ×2', 'test request refused ATTESTATION_REQUIRED ×1']);

    const { context, page } = await signedIn(browser, kw);
    await page.goto(`${kw.base}/#/apps/${appId}/usage`);
    await page.getByRole('heading', { name: 'Usage of Attested app' }).waitFor();
    const chart = page.getByRole('figure', { name: /^Attestations per minute/ });
    // 1 passed + 2 refused + 2 monitored.
    await expect.poll(() => chart.getAttribute('data-points'), { timeout: 30_000 }).toBe('5');
    await chart.locator('canvas').first().waitFor();
    // The chart's own figures, summed over its minutes (the attempts may straddle a minute's edge).
    await chart.getByText('The figures').click();
    const table = chart.getByRole('table');
    expect(await table.locator('thead').textContent()).toBe('Timepassedrefusedwould have blocked (monitor-only)');
    const cells = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => Number(td.textContent))));
    expect([1, 2, 3].map((i) => cells.reduce((n, row) => n + row[i]!, 0))).toEqual([1, 2, 2]); // column 0 is the time
    // And by code: what monitor-only let through, and what was refused.
    expect(await page.getByRole('table', { name: 'Would have blocked (monitor-only), by reason' }).locator('tbody').textContent()).toBe('ATTESTATION_REQUIRED2');
    expect(await page.getByRole('table', { name: 'Refused attestations, by reason' }).locator('tbody tr').allTextContents()).toEqual(expect.arrayContaining(['ATTESTATION_REQUIRED1', 'DEBUG_TOKEN_NOT_ALLOWED1']));
    await axeBothWidths(page, 'usage with attestation outcomes');
    await shoot(page, 'usage-attestation');
    await context.close();
  }, 150_000);
});
