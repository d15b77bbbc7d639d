import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/crypto.js';
import { errorOf, runCli, spawnCli } from './run-in-process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kw-cli-leaks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => runCli(['--data', dir, '--json', ...args], { KEYWARD_MASTER_KEYS: undefined, KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: undefined });

const spawned = (args: string[], input: string) => spawnCli(dir, ['--json', ...args], input);

describe('keyward leaks and keyward webhooks', () => {
  it('webhooks: create (secret once), list, update the filter, test, deliveries, delete; a private URL is refused naming the field', async () => {
    expect((await cli('init')).code).toBe(0);
    const app = JSON.parse((await cli('apps', 'create', 'demo')).stdout) as { id: string };
    const bad = await cli('webhooks', 'create', '--app', app.id, '--url', 'https://192.168.0.10/hook');
    expect(bad.code).toBe(2);
    expect(errorOf(bad.stderr).code).toBe('VALIDATION_FAILED');
    const created = await cli('webhooks', 'create', '--app', app.id, '--url', 'https://hooks.example.com/kw', '--events', 'key.revoked,leak.reported');
    expect(created.code).toBe(0);
    const { endpoint, secret } = JSON.parse(created.stdout) as { endpoint: { id: string; events: string[] }; secret: string };
    expect(secret).toMatch(/^whsec_/);
    expect(endpoint.events).toEqual(['key.revoked', 'leak.reported']);
    const list = await cli('webhooks', 'list', '--app', app.id);
    expect(JSON.parse(list.stdout).items.map((e: { id: string }) => e.id)).toEqual([endpoint.id]);
    expect(list.stdout).not.toContain(secret);
    expect(JSON.parse((await cli('webhooks', 'update', endpoint.id, '--events', 'leak.reported')).stdout).events).toEqual(['leak.reported']);
    expect(errorOf((await cli('webhooks', 'update', endpoint.id, '--events', 'key.eaten')).stderr).code).toBe('VALIDATION_FAILED');
    const test = JSON.parse((await cli('webhooks', 'test', endpoint.id)).stdout) as { id: string; status: string };
    expect(test.status).toBe('pending');
    const log = JSON.parse((await cli('webhooks', 'deliveries', endpoint.id)).stdout).items;
    expect(log.map((d: { id: string }) => d.id)).toEqual([test.id]);
    expect(JSON.parse((await cli('webhooks', 'delivery', test.id)).stdout)).toMatchObject({ delivery: { id: test.id }, attempts: [] });
    const rotated = JSON.parse((await cli('webhooks', 'rotate-secret', endpoint.id)).stdout) as { secret: string };
    expect(rotated.secret).not.toBe(secret);

    // leaks report: keys from stdin (the real binary), then the list.
    const key = JSON.parse((await cli('keys', 'create', '--app', app.id, '--kind', 'secret', '--env', 'live', '--name', 'leaky')).stdout) as { secret: string; key: { id: string } };
    const none = await spawned(['leaks', 'report'], '');
    expect(none.code).toBe(2);
    const reported = await spawned(['leaks', 'report', '--url', 'https://gist.example/1', '--source', 'gist'], `${key.secret}\nnot-a-key\n`);
    expect(reported.code, reported.stderr).toBe(0);
    expect(JSON.parse(reported.stdout).items).toEqual([
      { token_hash: sha256Hex(key.secret), token_type: 'keyward_key', label: 'true_positive' },
      { token_hash: sha256Hex('not-a-key'), token_type: 'keyward_key', label: 'false_positive' },
    ]);
    expect(reported.stdout).not.toContain(key.secret);
    const shown = JSON.parse((await cli('keys', 'get', key.key.id)).stdout) as { revokedReason: string };
    expect(shown.revokedReason).toBe('leaked');
    const leaks = JSON.parse((await cli('leaks', 'list', '--app', app.id)).stdout).items;
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toMatchObject({ keyId: key.key.id, outcome: 'revoked', url: 'https://gist.example/1', source: 'gist' });
    // The leak.reported event was queued for the endpoint (filter: leak.reported), for the server to deliver.
    const after = JSON.parse((await cli('webhooks', 'deliveries', endpoint.id)).stdout).items.map((d: { eventType: string }) => d.eventType);
    expect(after).toEqual(['leak.reported', 'webhook.test']);
    expect((await cli('webhooks', 'delete', endpoint.id)).code).toBe(0);
  }, 120_000); // two spawned CLI runs: seconds each on a loaded machine
});
