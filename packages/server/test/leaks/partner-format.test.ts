import { generateKeyPairSync, sign } from 'node:crypto';
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
import { CLI } from '../helpers.js';

/**
 * POST /v1/leaks speaks exactly the field names of GitHub's "Secret scanning partner program"
 * page (docs.github.com/en/code-security/secret-scanning/secret-scanning-partnership-program/
 * secret-scanning-partner-program): requests are its "Example request body" and "Sample HTTP POST"
 * verbatim (`token`, `type`, `url`, `source`), and answers are its "Provide feedback for false
 * positives" hashed form, `{token_hash, token_type, label}`, never `token_raw` (the page allows
 * one or the other, and Keyward never echoes a secret).
 */
const dir = mkdtempSync(path.join(tmpdir(), 'kw-partner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
// The key identifier of the page's sample request (the key pair is generated here).
const KEY_ID = 'bcb53661c06b4728e59d897fb6165d5c9cda0fd9cdf9d09ead458168deb7518c';
const keysFile = path.join(dir, 'keys.json');
writeFileSync(keysFile, JSON.stringify({ public_keys: [{ key_identifier: KEY_ID, key: publicKey.export({ type: 'spki', format: 'pem' }).toString(), is_current: true }] }));

let kw: Keyward;
let server: Server;
let appId: string;
beforeAll(async () => {
  kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), now: manualClock(Date.UTC(2026, 5, 1)), config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0, webhookPollIntervalMs: 0, leakPublicKeysFile: keysFile } });
  server = await buildServer(kw);
  appId = (await kw.apps.create({ name: 'partner' }, CLI)).id;
});
afterAll(async () => {
  await server.close();
  await kw.close();
});

const signed = (body: string) =>
  server.inject({
    method: 'POST',
    url: '/v1/leaks',
    headers: { 'content-type': 'application/json', 'github-public-key-identifier': KEY_ID, 'github-public-key-signature': sign('sha256', Buffer.from(body), { key: privateKey, dsaEncoding: 'der' }).toString('base64') },
    payload: body,
  });

const FEEDBACK_FIELDS = ['label', 'token_hash', 'token_type'];

describe('the partner program format, field for field', () => {
  it("the page's example request body, as printed: one hashed-form feedback entry with exactly its three fields", async () => {
    const body = `[
  {
    "token":"NMIfyYncKcRALEXAMPLE",
    "type":"mycompany_api_token",
    "url":"https://github.com/octocat/Hello-World/blob/12345600b9cbe38a219f39a9941c9319b600c002/foo/bar.txt",
    "source":"content"
  }
]`;
    const res = await signed(body);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const answer = res.json() as Record<string, unknown>[];
    expect(answer).toHaveLength(1);
    expect(Object.keys(answer[0]!).sort()).toEqual(FEEDBACK_FIELDS);
    expect(answer[0]).toEqual({ token_hash: sha256Hex('NMIfyYncKcRALEXAMPLE'), token_type: 'mycompany_api_token', label: 'false_positive' });
    expect(res.body).not.toContain('token_raw');
    expect(res.body).not.toContain('NMIfyYncKcRALEXAMPLE');
  });

  it("the page's sample HTTP POST body (compact, fields in another order) with a real key: true_positive", async () => {
    const k = await kw.keys.create({ appId, environment: 'live', kind: 'secret', name: 'leaked' }, CLI);
    const body = `[{"source":"commit","token":"${k.secret}","type":"some_type","url":"https://example.com/base-repo-url/"}]`;
    const res = await signed(body);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([{ token_hash: sha256Hex(k.secret), token_type: 'some_type', label: 'true_positive' }]);
    expect((await kw.keys.get(k.key.id)).revokedReason).toBe('leaked');
  });

  it('url may be empty or absent, source takes any of the listed values, unknown fields are ignored; one answer per match, in order', async () => {
    const entries = [
      { token: 'tok_a', type: 't1', url: '', source: 'Pull_request_comment' },
      { token: 'tok_b', type: 't2', source: 'Npm' },
      { token: 'tok_a', type: 't1', url: 'https://gist.github.com/x', source: 'Gist_content', added_later: true },
    ];
    const res = await signed(JSON.stringify(entries));
    expect(res.statusCode).toBe(200);
    const answer = res.json() as Record<string, unknown>[];
    expect(answer.map((a) => [a.token_hash, a.token_type, a.label])).toEqual(entries.map((e) => [sha256Hex(e.token), e.type, 'false_positive']));
    for (const a of answer) {
      expect(Object.keys(a).sort()).toEqual(FEEDBACK_FIELDS);
      expect(a.token_hash).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('the answer labels are only the two lower-case literals the page allows', async () => {
    const k = await kw.keys.create({ appId, environment: 'live', kind: 'secret', name: 'mixed' }, CLI);
    const res = await signed(JSON.stringify([{ token: k.secret, type: 'a' }, { token: 'nope', type: 'b' }]));
    expect((res.json() as { label: string }[]).map((a) => a.label)).toEqual(['true_positive', 'false_positive']);
  });
});
