import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createKeyward } from '../../src/keyward.js';
import { createGuard } from '../../src/middleware/core.js';
import { CLI } from '../helpers.js';
import { errorOf, runCli } from './run-in-process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kw-cli-anomalies-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { KEYWARD_MASTER_KEYS: '' };

describe('keyward anomalies and apps --anomaly-actions', () => {
  it('sets per-rule actions, lists an anomaly in the API’s JSON shape, and dismisses it once', async () => {
    expect((await runCli(['--data', dir, 'init', '--json'], env)).code).toBe(0);
    const created = await runCli(['--data', dir, 'apps', 'create', 'demo', '--anomaly-actions', 'traffic_spike=throttle,key_in_url=alert', '--json'], env);
    expect(created.code).toBe(0);
    const app = JSON.parse(created.stdout) as { id: string; settings: { anomalyActions: Record<string, string> } };
    expect(app.settings.anomalyActions).toEqual({ traffic_spike: 'throttle', key_in_url: 'alert' });

    const bad = await runCli(['--data', dir, 'apps', 'update', app.id, '--anomaly-actions', 'traffic_spike=explode', '--json'], env);
    expect(bad.code).toBe(2);
    expect(errorOf(bad.stderr)).toMatchObject({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ flag: '--anomaly-actions' })] });

    // A key seen in a URL, through the pipeline of a Keyward on the same store.
    const kw = await createKeyward({ config: { dataDir: dir, logLevel: 'silent', changePollIntervalMs: 0 } });
    const key = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'publishable', name: 'web' }, CLI);
    const guard = createGuard({ verifiers: kw.credentials, now: kw.now, limits: kw.limits });
    await guard({ method: 'GET', rawTarget: `/x?key=${key.secret}`, path: '/x', headers: {}, rawHeaders: [], clientIp: '192.0.2.1' });
    await kw.anomalies.drain();
    await kw.close();

    const listed = await runCli(['--data', dir, 'anomalies', 'list', '--app', app.id, '--json'], env);
    expect(listed.code).toBe(0);
    const { items } = JSON.parse(listed.stdout) as { items: { id: string; rule: string; entity: string; status: string; detectedAt: string }[] };
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ rule: 'key_in_url', entity: key.key.id, status: 'open', detectedAt: expect.stringMatching(/Z$/) });
    expect(listed.stdout).not.toContain(key.secret);

    const dismissed = await runCli(['--data', dir, 'anomalies', 'dismiss', items[0]!.id, '--json'], env);
    expect(JSON.parse(dismissed.stdout)).toMatchObject({ id: items[0]!.id, status: 'dismissed', closedBy: 'cli' });
    const again = await runCli(['--data', dir, 'anomalies', 'resolve', items[0]!.id, '--json'], env);
    expect(errorOf(again.stderr).code).toBe('CONFLICT');
    expect(errorOf((await runCli(['--data', dir, 'anomalies', 'list', '--status', 'gone', '--json'], env)).stderr).code).toBe('VALIDATION_FAILED');
  });
});
