import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import type { Server } from '../../src/http/types.js';
import { manualClock } from '../../src/lib/clock.js';
import { sha256Hex } from '../../src/lib/crypto.js';
import { createKeyward, type Keyward } from '../../src/keyward.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { bearer, CLI } from '../helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kw-leaks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function p256(): { publicPem: string; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
}

// Two reporter keys (one current, one retired) and a stranger's key, all generated here.
const current = p256();
const retired = p256();
const stranger = p256();
const KEY_ID = 'f9525bf080f75b3506ca1ead061add62b8633a346606dc5fe544e29231c6ee0d';
const OLD_ID = '90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a';
const keysFile = path.join(dir, 'keys.json');
writeFileSync(keysFile, JSON.stringify({ public_keys: [{ key_identifier: KEY_ID, key: current.publicPem, is_current: true }, { key_identifier: OLD_ID, key: retired.publicPem, is_current: false }] }));

const sigOf = (body: string | Buffer, key: KeyObject) => sign('sha256', Buffer.from(body), { key, dsaEncoding: 'der' }).toString('base64');

let kw: Keyward;
let server: Server;
let root: string;
let appId: string;
let flagApp: string;

beforeAll(async () => {
  kw = await createKeyward({
    store: openSqliteStore({ dataDir: ':memory:' }),
    now: manualClock(Date.UTC(2026, 5, 1)),
    config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0, webhookPollIntervalMs: 0, leakPublicKeysFile: keysFile },
  });
  server = await buildServer(kw);
  root = (await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'root' }, CLI)).secret;
  appId = (await kw.apps.create({ name: 'demo' }, CLI)).id;
  flagApp = (await kw.apps.create({ name: 'flagging', settings: { leakAction: 'flag' } }, CLI)).id;
});
afterAll(async () => {
  await server.close();
  await kw.close();
});

async function newKey(kind: 'secret' | 'publishable', app = appId) {
  return kw.keys.create({ appId: app, environment: 'live', kind, name: kind }, CLI);
}

function post(body: string | Buffer, headers: Record<string, string> = {}) {
  return server.inject({ method: 'POST', url: '/v1/leaks', headers: { 'content-type': 'application/json', ...headers }, payload: body });
}

function signed(body: string, key = current.privateKey, id = KEY_ID) {
  return post(body, { 'github-public-key-identifier': id, 'github-public-key-signature': sigOf(body, key) });
}

const report = (...entries: { token: string; type?: string; url?: string; source?: string }[]) =>
  JSON.stringify(entries.map((e) => ({ type: 'keyward_key', url: 'https://github.com/o/r/blob/abc/config.js', source: 'content', ...e })));

/** Every key's state, to assert that a refused report changed nothing. */
async function snapshot() {
  const page = await kw.keys.list({}, { limit: 1000 });
  return page.items.map((k) => [k.id, k.revokedAtMs, k.exposedAtMs, k.version]);
}

describe('POST /v1/leaks: refusals (checked before the body is parsed; nothing changes)', () => {
  it.each([
    ['no headers', (b: string) => post(b), 'LEAK_REPORT_UNSIGNED'],
    ['identifier without signature', (b: string) => post(b, { 'github-public-key-identifier': KEY_ID }), 'LEAK_REPORT_UNSIGNED'],
    ['signature without identifier', (b: string) => post(b, { 'github-public-key-signature': sigOf(b, current.privateKey) }), 'LEAK_REPORT_UNSIGNED'],
    ['unknown key identifier', (b: string) => signed(b, current.privateKey, 'deadbeef'), 'LEAK_REPORT_KEY_UNKNOWN'],
    ['signed by a key not configured, claiming a known id', (b: string) => signed(b, stranger.privateKey), 'LEAK_REPORT_SIGNATURE_INVALID'],
    ['signature of the retired key under the current id', (b: string) => signed(b, retired.privateKey, KEY_ID), 'LEAK_REPORT_SIGNATURE_INVALID'],
    ['garbage signature', (b: string) => post(b, { 'github-public-key-identifier': KEY_ID, 'github-public-key-signature': 'not base64!!' }), 'LEAK_REPORT_SIGNATURE_INVALID'],
    ['valid base64 but not DER', (b: string) => post(b, { 'github-public-key-identifier': KEY_ID, 'github-public-key-signature': Buffer.from('x'.repeat(70)).toString('base64') }), 'LEAK_REPORT_SIGNATURE_INVALID'],
  ])('%s → %s', async (_label, send, code) => {
    const k = await newKey('secret');
    const before = await snapshot();
    const res = await send(report({ token: k.secret }));
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe(code);
    expect(await snapshot()).toEqual(before);
    expect((await kw.leaks.list({ limit: 10 })).find((r) => r.keyId === k.key.id)).toBeUndefined();
  });

  it('a one-byte change to the body after signing is refused and revokes nothing', async () => {
    const k = await newKey('secret');
    const body = report({ token: k.secret });
    const sig = sigOf(body, current.privateKey);
    const tampered = body.replace('config.js', 'config.jt');
    expect(tampered.length).toBe(body.length);
    const before = await snapshot();
    const res = await post(tampered, { 'github-public-key-identifier': KEY_ID, 'github-public-key-signature': sig });
    expect(res.json().code).toBe('LEAK_REPORT_SIGNATURE_INVALID');
    expect(await snapshot()).toEqual(before);
  });

  it('unsigned malformed JSON is refused as unsigned (it is never parsed); signed malformed JSON is MALFORMED_JSON', async () => {
    expect((await post('{not json')).json().code).toBe('LEAK_REPORT_UNSIGNED');
    const res = await signed('{not json');
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('MALFORMED_JSON');
  });

  it.each([
    ['an object, not an array', '{"token":"x","type":"t"}', '/body'],
    ['an empty array', '[]', '/body'],
    ['a token that is not a string', '[{"token":1,"type":"t"}]', '/body/0/token'],
    ['a missing type', '[{"token":"kw_x"}]', '/body/0/type'],
    ['a url that is not a string', '[{"token":"kw_x","type":"t","url":{}}]', '/body/0/url'],
    ['an entry that is null', '[null]', '/body/0'],
  ])('signed but invalid (%s) → VALIDATION_FAILED at %s, nothing changes', async (_l, body, pointer) => {
    const before = await snapshot();
    const res = await signed(body);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
    expect(res.json().errors[0].pointer).toBe(pointer);
    expect(await snapshot()).toEqual(before);
  });

  it('a body over 1 MiB is refused as PAYLOAD_TOO_LARGE', async () => {
    const res = await post(Buffer.alloc(1024 * 1024 + 1, 0x20), { 'github-public-key-identifier': KEY_ID, 'github-public-key-signature': 'AA==' });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('POST /v1/leaks: acting on reports', () => {
  it('revokes a reported secret key (reason leaked), answers in the partner format, audits, and lists the report', async () => {
    const k = await newKey('secret');
    const res = await signed(report({ token: k.secret, type: 'keyward_secret_key' }, { token: 'ghp_notakeywardkey', type: 'other' }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([
      { token_hash: sha256Hex(k.secret), token_type: 'keyward_secret_key', label: 'true_positive' },
      { token_hash: sha256Hex('ghp_notakeywardkey'), token_type: 'other', label: 'false_positive' },
    ]);
    expect(res.body).not.toContain(k.secret);
    const key = await kw.keys.get(k.key.id);
    expect(key.revokedReason).toBe('leaked');
    expect(key.exposedAtMs).not.toBeNull();
    expect((await kw.verifier.verify(k.secret)).valid).toBe(false);
    const audit = await kw.audit.list({ limit: 1000 });
    expect(audit.some((r) => r.action === 'key.exposed_revoked' && r.target === k.key.id && r.actor === `leak-report:${KEY_ID}`)).toBe(true);
    expect(audit.filter((r) => r.action === 'leak.report').length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(audit)).not.toContain(k.secret);
    const list = await server.inject({ method: 'GET', url: `/v1/leaks?appId=${appId}`, headers: bearer(root) });
    expect(list.statusCode).toBe(200);
    expect(list.json().items[0]).toMatchObject({ keyId: k.key.id, outcome: 'revoked', tokenHash: sha256Hex(k.secret), reportCount: 1, url: 'https://github.com/o/r/blob/abc/config.js' });
  });

  it('replays are harmless: the same report again changes no key, adds no audit record, and only counts', async () => {
    const k = await newKey('secret');
    const body = report({ token: k.secret });
    const headers = { 'github-public-key-identifier': KEY_ID, 'github-public-key-signature': sigOf(body, current.privateKey) };
    const first = await post(body, headers);
    const afterFirst = await kw.keys.get(k.key.id);
    const auditCount = (await kw.audit.list({ limit: 10_000 })).length;
    for (let i = 0; i < 3; i++) expect((await post(body, headers)).json()).toEqual(first.json());
    expect(await kw.keys.get(k.key.id)).toEqual(afterFirst);
    expect((await kw.audit.list({ limit: 10_000 })).length).toBe(auditCount);
    const [row] = (await kw.leaks.list({ limit: 100 })).filter((r) => r.keyId === k.key.id);
    expect(row).toMatchObject({ reportCount: 4, outcome: 'revoked' });
  });

  it('auto flags a publishable key (marked exposed, still working); leakAction flag flags a secret key; the retired reporter key still verifies', async () => {
    const pub = await newKey('publishable');
    const sec = await newKey('secret', flagApp);
    const res = await signed(report({ token: pub.secret }, { token: sec.secret }), retired.privateKey, OLD_ID);
    expect(res.json().map((a: { label: string }) => a.label)).toEqual(['true_positive', 'true_positive']);
    for (const k of [pub, sec]) {
      const key = await kw.keys.get(k.key.id);
      expect(key.revokedAtMs).toBeNull();
      expect(key.exposedAtMs).not.toBeNull();
    }
    expect((await kw.leaks.list({ limit: 100 })).filter((r) => r.keyId === pub.key.id || r.keyId === sec.key.id).map((r) => r.outcome)).toEqual(['flagged', 'flagged']);
  });

  it('a reported root key is revoked, unless it is the last full-power one, which is flagged', async () => {
    const extra = await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'ci', permissions: ['keys:read'] }, CLI);
    await signed(report({ token: extra.secret }));
    expect((await kw.keys.get(extra.key.id)).revokedReason).toBe('leaked');
    const res = await signed(report({ token: root }));
    expect(res.json()[0].label).toBe('true_positive');
    const rootRow = (await kw.leaks.list({ limit: 100 })).find((r) => r.tokenHash === sha256Hex(root));
    expect(rootRow?.outcome).toBe('flagged');
    expect((await kw.verifier.verify(root, { kinds: ['root'] })).valid).toBe(true);
  });

  it('GET /v1/leaks needs leaks:read, and a root key for every app without appId', async () => {
    expect((await server.inject({ method: 'GET', url: '/v1/leaks' })).json().code).toBe('UNAUTHORIZED');
    const limited = await kw.rootKeys.create({ name: 'app-only', permissions: ['leaks:read'], appIds: [appId] }, CLI);
    expect((await server.inject({ method: 'GET', url: '/v1/leaks', headers: bearer(limited.secret) })).json().code).toBe('INSUFFICIENT_PERMISSION');
    expect((await server.inject({ method: 'GET', url: `/v1/leaks?appId=${appId}`, headers: bearer(limited.secret) })).statusCode).toBe(200);
  });

  it('POST /v1/leaks/{id}/dismiss marks a report handled, audited, without touching the key; twice is CONFLICT; leaks:write and the app are checked', async () => {
    const k = await newKey('publishable', flagApp);
    expect((await signed(report({ token: k.secret, url: 'https://github.com/o/r/blob/d/dismiss.js' }))).statusCode).toBe(200);
    const listed = (await server.inject({ method: 'GET', url: `/v1/leaks?appId=${flagApp}`, headers: bearer(root) })).json().items as { id: string; keyId: string; status: string }[];
    const row = listed.find((r) => r.keyId === k.key.id)!;
    expect(row.status).toBe('open');
    const reader = await kw.rootKeys.create({ name: 'reader', permissions: ['leaks:read'] }, CLI);
    expect((await server.inject({ method: 'POST', url: `/v1/leaks/${row.id}/dismiss`, headers: bearer(reader.secret) })).json().code).toBe('INSUFFICIENT_PERMISSION');
    const otherApp = await kw.rootKeys.create({ name: 'other app', permissions: ['leaks:write'], appIds: [appId] }, CLI);
    expect((await server.inject({ method: 'POST', url: `/v1/leaks/${row.id}/dismiss`, headers: bearer(otherApp.secret) })).json().code).toBe('INSUFFICIENT_PERMISSION');
    const done = await server.inject({ method: 'POST', url: `/v1/leaks/${row.id}/dismiss`, headers: bearer(root) });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ id: row.id, status: 'dismissed', closedAt: expect.any(String), closedBy: expect.stringMatching(/^key_/) });
    expect((await server.inject({ method: 'POST', url: `/v1/leaks/${row.id}/dismiss`, headers: bearer(root) })).json().code).toBe('CONFLICT');
    expect((await kw.verifier.verify(k.secret, { subject: 'u1' })).valid).toBe(true);
    expect((await kw.store.listAudit({ limit: 10, target: row.id })).map((a) => a.action)).toEqual(['leak.report', 'leak.dismiss']);
  });
});

describe('POST /v1/leaks without configured keys', () => {
  it('answers LEAK_REPORTS_DISABLED', async () => {
    const bare = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0, webhookPollIntervalMs: 0 } });
    const s = await buildServer(bare);
    const res = await s.inject({ method: 'POST', url: '/v1/leaks', headers: { 'content-type': 'application/json' }, payload: '[]' });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('LEAK_REPORTS_DISABLED');
    await s.close();
    await bare.close();
  });

  it('a bad key file stops start-up naming the variable', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ public_keys: [{ key_identifier: 'x', key: 'not a pem' }] }));
    await expect(createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), config: { logLevel: 'silent', leakPublicKeysFile: bad } })).rejects.toThrow(/KEYWARD_LEAK_PUBLIC_KEYS_FILE/);
  });
});
