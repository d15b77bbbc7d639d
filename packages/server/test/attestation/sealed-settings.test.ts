/**
 * Attestation settings that hold key material (Play Integrity's decryption and verification keys)
 * are sealed with the master keyring at rest, shown masked, kept when a form sends the mask back,
 * and re-sealed on master-key rotation (attestation/sealed-policy.ts).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CompactEncrypt, CompactSign } from 'jose';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SEALED_MASK } from '../../src/attestation/sealed-policy.js';
import { AttestationSettings } from '../../src/attestation/settings.js';
import { buildServer } from '../../src/http/server.js';
import { createKeyward, type Keyward } from '../../src/keyward.js';
import { manualClock } from '../../src/lib/clock.js';
import { Keyring } from '../../src/lib/sealed.js';
import { SqlAttestationStore } from '../../src/store/sql/attestation-store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { loadConfig } from '../../src/config/config.js';
import { runDoctor } from '../../src/ops/doctor.js';
import { runCli } from '../cli/run-in-process.js';
import { CLI } from '../helpers.js';

const NOW = Date.UTC(2026, 11, 1, 12);
const aes = randomBytes(32);
const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const decryptionKey = aes.toString('base64');
const verificationKey = signing.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const playIntegrity = { packageNames: ['com.example.app'], decryptionKey, verificationKey, requireAppRecognized: true, minDeviceIntegrity: 'MEETS_DEVICE_INTEGRITY' };
const old = { id: 'old', key: randomBytes(32) };
const fresh = { id: 'fresh', key: randomBytes(32) };

/** Every form the key bytes could take in a row: base64, base64url, hex, and the raw bytes as latin1. */
function keyForms(b64: string): string[] {
  const bytes = Buffer.from(b64, 'base64');
  return [b64, bytes.toString('base64url'), bytes.toString('hex'), bytes.subarray(4, 20).toString('base64'), bytes.toString('latin1')];
}

/** A Play Integrity classic token over `nonce`, in Google's format, with the test keys. */
async function token(nonce: string): Promise<string> {
  const verdict = {
    requestDetails: { requestPackageName: 'com.example.app', timestampMillis: String(NOW - 1000), nonce },
    appIntegrity: { appRecognitionVerdict: 'PLAY_RECOGNIZED', packageName: 'com.example.app', certificateSha256Digest: ['ab'], versionCode: '1' },
    deviceIntegrity: { deviceRecognitionVerdict: ['MEETS_BASIC_INTEGRITY', 'MEETS_DEVICE_INTEGRITY'] },
  };
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(verdict))).setProtectedHeader({ alg: 'ES256' }).sign(signing.privateKey);
  return new CompactEncrypt(new TextEncoder().encode(jws)).setProtectedHeader({ alg: 'A256KW', enc: 'A256GCM' }).encrypt(aes);
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  const kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), now: manualClock(NOW), keyring: new Keyring([old]), config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0 } });
  const server = await buildServer(kw);
  cleanups.push(async () => {
    await server.close();
    await kw.close();
  });
  const root = (await kw.keys.create({ appId: null, environment: null, kind: 'root', name: 'root' }, CLI)).secret;
  const app = await kw.apps.create({ name: 'sealed' }, CLI);
  const pk = (await kw.keys.create({ appId: app.id, environment: 'test', kind: 'publishable', name: 'pk' }, CLI)).secret;
  const admin = (method: 'GET' | 'PUT', body?: Record<string, unknown>) =>
    server.inject({ method, url: `/v1/attestation/config${method === 'GET' ? `?appId=${app.id}&environment=test` : ''}`, headers: { authorization: `Bearer ${root}` }, ...(body ? { payload: { appId: app.id, environment: 'test', ...body } } : {}) });
  const attest = async () => {
    const c = (await server.inject({ method: 'POST', url: '/v1/attest/challenge', headers: { 'x-api-key': pk } })).json().challenge as string;
    return server.inject({ method: 'POST', url: '/v1/attest', headers: { 'x-api-key': pk }, payload: { challenge: c, payload: { platform: 'play_integrity', token: await token(c) } } });
  };
  return { kw, appId: app.id, admin, attest };
}

const rawRows = async (kw: Keyward) => kw.store.db.selectFrom('attestation_configs').selectAll().execute();

describe('attestation settings sealed at rest', () => {
  it('the stored row holds no form of the key bytes; GET and PUT answers show the mask; the verifier still reads the keys', async () => {
    const s = await setup();
    const put = await s.admin('PUT', { policy: { playIntegrity } });
    expect(put.statusCode).toBe(200);
    const [row] = await rawRows(s.kw);
    for (const form of [...keyForms(decryptionKey), ...keyForms(verificationKey)]) expect(row!.config).not.toContain(form);
    expect(JSON.parse(row!.config).policy.playIntegrity.decryptionKey).toMatch(/^kws1\.old\./);

    for (const r of [put, await s.admin('GET')]) {
      expect(r.json().policy.playIntegrity).toEqual({ ...playIntegrity, decryptionKey: SEALED_MASK, verificationKey: SEALED_MASK });
      expect(r.body).not.toContain(decryptionKey);
      expect(r.body).not.toContain(verificationKey);
    }
    expect((await s.attest()).statusCode).toBe(201);
  });

  it('a PUT that sends the mask back keeps the stored key; a mask with nothing stored behind it is refused', async () => {
    const s = await setup();
    await s.admin('PUT', { policy: { playIntegrity } });
    const shown = (await s.admin('GET')).json().policy;
    const again = await s.admin('PUT', { policy: { ...shown, playIntegrity: { ...shown.playIntegrity, minDeviceIntegrity: 'MEETS_BASIC_INTEGRITY' } } });
    expect(again.statusCode).toBe(200);
    const opened = await s.kw.attestation.settings.get(s.appId, 'test');
    expect(opened.policy.playIntegrity).toMatchObject({ decryptionKey, verificationKey, minDeviceIntegrity: 'MEETS_BASIC_INTEGRITY' });
    expect((await s.attest()).statusCode).toBe(201);

    const other = await s.kw.apps.create({ name: 'other' }, CLI);
    const refused = await s.kw.attestation.settings.put(other.id, 'test', { policy: { playIntegrity: { ...playIntegrity, decryptionKey: SEALED_MASK } } } as never, CLI).catch((e: { code: string; errors: { pointer: string }[] }) => e);
    expect(refused).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ pointer: '/body/policy/playIntegrity/decryptionKey' }] });
  });

  it('a sealed value copied into another app environment row does not open there (bound by associated data)', async () => {
    const s = await setup();
    await s.admin('PUT', { policy: { playIntegrity } });
    const [row] = await rawRows(s.kw);
    await s.kw.store.db.insertInto('attestation_configs').values({ ...row!, environment: 'live' }).execute();
    await expect(s.kw.attestation.settings.get(s.appId, 'live')).rejects.toThrow();
  });

  it('master-key rotation: reseal moves every sealed value to the active key (and seals plain ones stored before sealing); the old key can then go', async () => {
    const s = await setup();
    await s.admin('PUT', { policy: { playIntegrity } });
    const store = new SqlAttestationStore(s.kw.store.db, 'sqlite');
    // A row written before sealing existed: plain keys in the JSON.
    const legacyApp = await s.kw.apps.create({ name: 'legacy' }, CLI);
    const base = await s.kw.attestation.settings.get(legacyApp.id, 'live');
    await store.putConfig({ ...base, policy: { playIntegrity: playIntegrity as never }, version: 1 }, 0, { actor: 't', requestId: 'r', action: 'attestation.config.update', target: legacyApp.id });

    const settings = (keys: { id: string; key: Buffer }[]) => new AttestationSettings({ store, keyring: new Keyring(keys), now: () => NOW, cacheTtlMs: 0, maxAppTokenTtlSeconds: 86_400 });
    expect((await settings([old]).get(legacyApp.id, 'live')).policy.playIntegrity?.decryptionKey).toBe(decryptionKey);
    expect(await settings([fresh, old]).reseal(CLI)).toEqual({ resealed: 2 });
    expect(await settings([fresh, old]).reseal(CLI)).toEqual({ resealed: 0 });
    for (const r of await rawRows(s.kw)) {
      expect(JSON.parse(r.config).policy.playIntegrity.decryptionKey).toMatch(/^kws1\.fresh\./);
      for (const form of keyForms(decryptionKey)) expect(r.config).not.toContain(form);
    }
    const onlyNew = settings([fresh]);
    for (const [appId, env] of [[s.appId, 'test'], [legacyApp.id, 'live']] as const) expect((await onlyNew.get(appId, env)).policy.playIntegrity).toMatchObject({ decryptionKey, verificationKey });
    expect((await s.kw.audit.list({ limit: 100 })).filter((a) => a.action === 'attestation.config.reseal')).toHaveLength(2);
  });
});

describe('keyward attestation reseal', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-attest-reseal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = (keys: { id: string; key: Buffer }[]) => ({ KEYWARD_MASTER_KEYS: keys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(',') });

  it('re-seals under the new first master key; doctor counts the sealed values in attestation settings', async () => {
    expect((await runCli(['--data', dir, 'init', '--json'], env([old]))).code).toBe(0);
    const kw = await createKeyward({ keyring: new Keyring([old]), config: { dataDir: dir, logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0 }, watchChanges: false });
    const app = await kw.apps.create({ name: 'cli' }, CLI);
    await kw.attestation.settings.put(app.id, 'live', { policy: { playIntegrity } } as never, CLI);
    await kw.close();
    const r = await runCli(['--data', dir, 'attestation', 'reseal', '--json'], env([fresh, old]));
    expect([r.code, JSON.parse(r.stdout)]).toEqual([0, { resealed: 1 }]);
    // Only the policy's two keys are under `fresh` now: a keyring without it must fail the doctor's check, naming them.
    const e = { KEYWARD_DATA: dir, ...env([old]) };
    const report = await runDoctor({ config: loadConfig({}, e), env: e, maxSkewMs: 1000, timeoutMs: 1500 });
    expect(report.checks.find((c) => c.name === 'sealed-secrets')).toMatchObject({ status: 'fail', detail: expect.stringContaining('fresh (2)') });
  }, 60_000);

  it('doctor counts webhook endpoint secrets too', async () => {
    const own = path.join(dir, 'hooks');
    expect((await runCli(['--data', own, 'init', '--json'], env([fresh, old]))).code).toBe(0);
    const e = { KEYWARD_DATA: own, ...env([fresh, old]) };
    const total = async () => Number(/^(\d+) sealed value/.exec((await runDoctor({ config: loadConfig({}, e), env: e, maxSkewMs: 1000, timeoutMs: 1500 })).checks.find((c) => c.name === 'sealed-secrets')!.detail)?.[1]);
    const before = await total();
    const kw = await createKeyward({ keyring: new Keyring([fresh, old]), config: { dataDir: own, logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0, webhookPollIntervalMs: 0 }, watchChanges: false });
    const app = await kw.apps.create({ name: 'hooks' }, CLI);
    await kw.webhooks.create(app.id, { url: 'https://hooks.example.com/kw' }, CLI);
    await kw.close();
    expect(await total()).toBe(before + 1);
  }, 60_000);
});
