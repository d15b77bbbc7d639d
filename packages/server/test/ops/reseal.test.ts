import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createKeyward } from '../../src/keyward.js';
import { Keyring } from '../../src/lib/sealed.js';
import { runDoctor } from '../../src/ops/doctor.js';
import { runCli } from '../cli/run-in-process.js';
import { CLI } from '../helpers.js';

/**
 * The whole master-key rotation as docs/operations.md ("Master keys") tells it: new key first,
 * `keyward reseal`, `keyward doctor`, old key out. Every kind of sealed value must come along, or
 * the old key can never go: a signing credential's HMAC secret and the token signing keys too.
 */
const old = { id: 'old', key: randomBytes(32) };
const fresh = { id: 'fresh', key: randomBytes(32) };
const env = (keys: { id: string; key: Buffer }[]) => ({ KEYWARD_MASTER_KEYS: keys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(',') });
const config = (dir: string) => ({ dataDir: dir, logLevel: 'silent' as const, changePollIntervalMs: 0, usageFlushIntervalMs: 0, webhookPollIntervalMs: 0 });

describe('keyward reseal', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-reseal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('re-seals every kind under the new master key, so the doctor passes and everything works once the old key is gone', async () => {
    expect((await runCli(['--data', dir, 'init', '--json'], env([old]))).code).toBe(0);
    const before = await createKeyward({ keyring: new Keyring([old]), config: config(dir), watchChanges: false });
    const app = await before.apps.create({ name: 'rotating' }, CLI);
    await before.secrets.set({ appId: app.id, environment: 'live', name: 'upstream', value: 'sk-third-party-123' }, CLI);
    const signing = await before.keys.create({ appId: app.id, environment: 'live', kind: 'signing', name: 'hmac' }, CLI);
    await before.webhooks.create(app.id, { url: 'https://hooks.example.com/kw' }, CLI);
    await before.tokens.mint({ appId: app.id, environment: 'live', subject: 'u_1', scopes: [], audience: 'api', ttlSeconds: 60 }); // makes sure a signing key exists
    const tokenKeys = (await before.tokens.schedule()).length;
    await before.close();
    expect(tokenKeys).toBeGreaterThan(0);

    const doctorWith = async (keys: { id: string; key: Buffer }[]) => {
      const e = { KEYWARD_DATA: dir, ...env(keys) };
      return (await runDoctor({ config: loadConfig({}, e), env: e, maxSkewMs: 1000, timeoutMs: 1500 })).checks.find((c) => c.name === 'sealed-secrets')!;
    };
    // Before: without the old key, the doctor names every value still under it.
    expect((await doctorWith([fresh])).status).toBe('fail');

    const r = await runCli(['--data', dir, 'reseal', '--json'], env([fresh, old]));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      masterKeyId: 'fresh',
      resealed: { 'server-held secrets': 1, 'signing secrets': 1, 'token signing keys': tokenKeys, 'webhook secrets': 1, 'attestation settings': 0 },
    });
    // Progress goes to stderr, kind by kind (stdout stays one JSON document).
    expect(r.stderr).toContain('signing secrets: resealed 1');
    // Nothing is left under the old key: a second run changes nothing.
    const again = await runCli(['--data', dir, 'reseal', '--json'], env([fresh, old]));
    expect(Object.values((JSON.parse(again.stdout) as { resealed: Record<string, number> }).resealed)).toEqual([0, 0, 0, 0, 0]);
    expect(await doctorWith([fresh])).toMatchObject({ status: 'ok' });

    // The old key is gone: every value opens under the new one alone.
    const after = await createKeyward({ keyring: new Keyring([fresh]), config: config(dir), watchChanges: false });
    expect(await after.secrets.reveal(app.id, 'live', 'upstream')).toBe('sk-third-party-123');
    const resolved = await after.signingKeys.resolve(signing.key.id);
    expect(resolved !== undefined && 'secrets' in resolved ? Buffer.from(resolved.secrets[0]!).toString('utf8') : undefined).toBe(signing.secret);
    const minted = await after.tokens.mint({ appId: app.id, environment: 'live', subject: 'u_2', scopes: [], audience: 'api', ttlSeconds: 60 });
    expect(await after.tokens.verify(minted.token, { audience: 'api' })).toMatchObject({ valid: true });
    const audited = (await after.audit.list({ limit: 500 })).map((a) => a.action);
    expect(audited.filter((a) => a === 'key.secret.reseal')).toHaveLength(1);
    expect(audited.filter((a) => a === 'signing_key.reseal')).toHaveLength(tokenKeys);
    await after.close();
  }, 60_000);
});
