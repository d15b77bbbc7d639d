import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeywardAdmin, type KeywardAdmin } from '../../../client/src/admin/index.js';
import { buildServer } from '../../src/http/server.js';
import type { Server } from '../../src/http/types.js';
import { manualClock } from '../../src/lib/clock.js';
import { createKeyward, type Keyward } from '../../src/keyward.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { errorOf, runCli } from '../cli/run-in-process.js';
import { CLI } from '../helpers.js';

/**
 * What a dashboard page for leaks and webhooks needs, through the admin SDK against a real
 * server: the reports with their review status, dismiss, revoke the key a report names, the
 * webhook deliveries that revocation queued (with their status), and redelivery. Then the same
 * review from the CLI.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'kw-leak-review-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const KEY_ID = 'f9525bf080f75b3506ca1ead061add62b8633a346606dc5fe544e29231c6ee0d';
const keysFile = path.join(dir, 'keys.json');
writeFileSync(keysFile, JSON.stringify({ public_keys: [{ key_identifier: KEY_ID, key: publicKey.export({ type: 'spki', format: 'pem' }).toString(), is_current: true }] }));

let kw: Keyward;
let server: Server;
let admin: KeywardAdmin;
let rootSecret: string;
let baseUrl: string;
let appId: string;

beforeAll(async () => {
  kw = await createKeyward({
    store: openSqliteStore({ dataDir: ':memory:' }),
    now: manualClock(Date.UTC(2026, 5, 1)),
    config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0, webhookPollIntervalMs: 0, webhookAllowPrivateAddresses: true, leakPublicKeysFile: keysFile },
  });
  server = await buildServer(kw);
  await server.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  rootSecret = (await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'ops' }, CLI)).secret;
  admin = createKeywardAdmin({ baseUrl, rootKey: rootSecret });
  appId = (await kw.apps.create({ name: 'shop' }, CLI)).id;
});
afterAll(async () => {
  await server.close();
  await kw.close();
});

async function report(entries: { token: string; type: string; url: string }[]) {
  const body = JSON.stringify(entries.map((e) => ({ ...e, source: 'content' })));
  const res = await fetch(`${baseUrl}/v1/leaks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'github-public-key-identifier': KEY_ID, 'github-public-key-signature': sign('sha256', Buffer.from(body), { key: privateKey, dsaEncoding: 'der' }).toString('base64') },
    body,
  });
  expect(res.status).toBe(200);
}

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return (err as { code: string }).code;
  }
};

describe('leak reports: the review a page needs, through the admin SDK', () => {
  it('lists open reports, revokes the flagged key from its report, dismisses a false positive; webhook deliveries show it; redelivery works', async () => {
    const { endpoint } = await admin.webhooks.create(appId, { url: 'http://127.0.0.1:7602/hook', events: ['key.revoked'] });
    const pk = await kw.keys.create({ appId, environment: 'live', kind: 'publishable', name: 'ios' }, CLI);
    await report([
      { token: pk.secret, type: 'keyward_publishable_key', url: 'https://github.com/o/app/blob/1/Config.swift' },
      { token: 'ghp_notours', type: 'other', url: 'https://github.com/o/app/blob/1/README.md' },
    ]);
    const open = await admin.leaks.list({ appId, status: 'open' });
    expect(open.items.map((r) => r.outcome).sort()).toEqual(['flagged']);
    const flagged = open.items[0]!;
    expect(flagged).toMatchObject({ keyId: pk.key.id, status: 'open', closedAt: null, closedBy: null });
    expect((await kw.verifier.verify(pk.secret, { subject: 'u' })).valid).toBe(true); // flagged: still working

    const resolved = await admin.leaks.revoke(flagged.id);
    expect(resolved).toMatchObject({ id: flagged.id, status: 'resolved', outcome: 'flagged', closedBy: expect.stringMatching(/^key_/) });
    expect((await kw.keys.get(pk.key.id)).revokedReason).toBe('leaked');
    expect(await admin.leaks.get(flagged.id)).toEqual(resolved);
    // Idempotent on the key; the report stays resolved.
    expect((await admin.leaks.revoke(flagged.id)).status).toBe('resolved');

    // The false positive belongs to no app: listed across apps (an all-app root key), dismissed once.
    const fp = (await admin.leaks.list({ status: 'open' })).items.find((r) => r.outcome === 'false_positive')!;
    expect(await codeOf(admin.leaks.revoke(fp.id))).toBe('CONFLICT');
    expect((await admin.leaks.dismiss(fp.id)).status).toBe('dismissed');
    expect(await codeOf(admin.leaks.dismiss(fp.id))).toBe('CONFLICT');
    expect((await admin.leaks.list({ status: 'open' })).items).toEqual([]);
    expect((await admin.leaks.list({ status: 'dismissed' })).items.map((r) => r.id)).toEqual([fp.id]);
    const audit = await admin.audit.list({ limit: 1000 });
    expect(audit.items.filter((r) => r.target === flagged.id || r.target === fp.id).map((r) => r.action).sort()).toEqual(['leak.dismiss', 'leak.report', 'leak.report', 'leak.resolve']);

    // The revocation's webhook, with its status, and an operator's redelivery.
    const deliveries = await admin.webhooks.deliveries(endpoint.id);
    expect(deliveries.items.map((d) => [d.eventType, d.status])).toEqual([['key.revoked', 'pending']]);
    const again = await admin.webhooks.redeliver(deliveries.items[0]!.id);
    expect(again).toMatchObject({ id: deliveries.items[0]!.id, status: 'pending' });
    expect((await admin.webhooks.delivery(again.id)).attempts).toEqual([]);
  });

  it('least privilege: leaks:read cannot dismiss, and leaks:write cannot revoke a key (that needs keys:write)', async () => {
    const pk = await kw.keys.create({ appId, environment: 'live', kind: 'publishable', name: 'android' }, CLI);
    await report([{ token: pk.secret, type: 'keyward_publishable_key', url: 'https://github.com/o/app/blob/2/a.kt' }]);
    const r = (await admin.leaks.list({ appId, status: 'open' })).items[0]!;
    const reader = createKeywardAdmin({ baseUrl, rootKey: (await kw.rootKeys.create({ name: 'reader', permissions: ['leaks:read'], appIds: [appId] }, CLI)).secret });
    const reviewer = createKeywardAdmin({ baseUrl, rootKey: (await kw.rootKeys.create({ name: 'reviewer', permissions: ['leaks:read', 'leaks:write'], appIds: [appId] }, CLI)).secret });
    expect((await reader.leaks.get(r.id)).id).toBe(r.id);
    expect(await codeOf(reader.leaks.dismiss(r.id))).toBe('INSUFFICIENT_PERMISSION');
    expect(await codeOf(reviewer.leaks.revoke(r.id))).toBe('INSUFFICIENT_PERMISSION');
    expect((await kw.keys.get(pk.key.id)).revokedAtMs).toBeNull();
    expect((await reviewer.leaks.dismiss(r.id)).status).toBe('dismissed');
  });
});

describe('keyward leaks list --status, dismiss, revoke', () => {
  it('reviews reports from the CLI on the local store', { timeout: 120_000 }, async () => {
    const data = path.join(dir, 'cli');
    const cli = (...args: string[]) => runCli(['--data', data, '--json', ...args], { KEYWARD_MASTER_KEYS: undefined });
    expect((await cli('init')).code).toBe(0);
    const app = JSON.parse((await cli('apps', 'create', 'demo')).stdout) as { id: string };
    const key = JSON.parse((await cli('keys', 'create', '--app', app.id, '--kind', 'publishable', '--env', 'live', '--name', 'web')).stdout) as { key: { id: string }; secret: string };
    // A leak report from the CLI (the service directly: stdin is the spawned binary's, tested elsewhere).
    const local = await createKeyward({ config: { dataDir: data, logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0, webhookPollIntervalMs: 0 } });
    await local.leaks.report([{ token: key.secret, type: 'kw', url: 'https://gist.example/2', source: 'gist' }], 'cli', 'req_cli');
    await local.close();
    const open = JSON.parse((await cli('leaks', 'list', '--app', app.id, '--status', 'open')).stdout).items as { id: string; outcome: string }[];
    expect(open.map((r) => r.outcome)).toEqual(['flagged']);
    expect(errorOf((await cli('leaks', 'list', '--status', 'closed')).stderr).code).toBe('VALIDATION_FAILED');
    const revoked = JSON.parse((await cli('leaks', 'revoke', open[0]!.id)).stdout) as { status: string; keyId: string };
    expect(revoked).toMatchObject({ status: 'resolved', keyId: key.key.id });
    expect(JSON.parse((await cli('keys', 'get', key.key.id)).stdout).revokedReason).toBe('leaked');
    const dismissed = await cli('leaks', 'dismiss', open[0]!.id);
    expect(dismissed.code).toBe(2);
    expect(errorOf(dismissed.stderr).code).toBe('CONFLICT');
  });
});
