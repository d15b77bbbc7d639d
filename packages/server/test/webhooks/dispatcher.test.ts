import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/lib/clock.js';
import { createKeyward, type Keyward } from '../../src/keyward.js';
import { SqlWebhookStore } from '../../src/store/sql/webhook-store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { JITTER, MAX_ATTEMPTS, RETRY_DELAYS_MS } from '../../src/webhooks/backoff.js';
import { WebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { CLI } from '../helpers.js';
import { startReceiver } from './receiver.js';

const T0 = Date.UTC(2026, 5, 1);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const quiet = { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0, webhookPollIntervalMs: 0, webhookAllowPrivateAddresses: true, webhookTimeoutMs: 2000 } as const;

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let clock: ReturnType<typeof manualClock>;
beforeEach(async () => {
  receiver = await startReceiver();
  clock = manualClock(T0);
  receiver.nowSeconds = () => Math.floor(clock() / 1000);
});
afterEach(() => receiver.close());

async function setUp(kw: Keyward, events: string[] = []) {
  const appId = (await kw.apps.create({ name: 'a' }, CLI)).id;
  const { endpoint, secret } = await kw.webhooks.create(appId, { url: receiver.url, events }, CLI);
  receiver.secret = secret;
  return { appId, endpoint };
}

/** A dispatcher on the container's store with a fixed jitter (factor 1) and the frozen clock. */
function dispatcherFor(kw: Keyward, over: Partial<ConstructorParameters<typeof WebhookDispatcher>[0]> = {}) {
  return new WebhookDispatcher({ store: new SqlWebhookStore(kw.store.db), keyring: kw.keyring, now: clock, timeoutMs: 2000, pollIntervalMs: 0, allowPrivateAddresses: true, random: () => 0.5, ...over });
}

describe('webhook dispatcher', () => {
  it('delivers a key event signed per Standard Webhooks; the receiver verifies it', async () => {
    const kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), now: clock, config: quiet });
    const { appId, endpoint } = await setUp(kw);
    const k = await kw.keys.create({ appId, environment: 'live', kind: 'secret', name: 'n' }, CLI);
    expect(await kw.dispatcher.runOnce()).toBe(1);
    expect(receiver.received).toHaveLength(1);
    const [r] = receiver.received;
    expect(r!.verified).toBe(true);
    expect(r!.headers['content-type']).toBe('application/json');
    expect(r!.headers['webhook-timestamp']).toBe(String(T0 / 1000));
    const body = JSON.parse(r!.body);
    expect(body).toEqual({ type: 'key.created', timestamp: new Date(T0).toISOString(), data: { appId, keyId: k.key.id, kind: 'secret', environment: 'live', name: 'n' } });
    expect(r!.body).not.toContain(k.secret);
    const [d] = await kw.webhooks.deliveries(endpoint.id, { limit: 10 });
    expect(d).toMatchObject({ id: r!.headers['webhook-id'], status: 'delivered', attempts: 1, lastStatusCode: 200, nextAttemptAtMs: null });
    await kw.close();
  });

  it('retries on the Standard Webhooks schedule (frozen clock, fixed jitter), same webhook-id and a fresh timestamp each time, then fails after MAX_ATTEMPTS', async () => {
    const kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), now: clock, config: quiet });
    const { endpoint } = await setUp(kw);
    await kw.webhooks.sendTest(endpoint.id);
    const dispatcher = dispatcherFor(kw);
    receiver.answers.push(...Array<number>(MAX_ATTEMPTS).fill(503));
    expect(await dispatcher.runOnce()).toBe(1);
    for (const delay of RETRY_DELAYS_MS) {
      clock.advance(delay - 1);
      expect(await dispatcher.runOnce()).toBe(0);
      clock.advance(1);
      expect(await dispatcher.runOnce()).toBe(1);
    }
    clock.advance(365 * 86_400_000);
    expect(await dispatcher.runOnce()).toBe(0);
    expect(receiver.received).toHaveLength(MAX_ATTEMPTS);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    const stamps = receiver.received.map((r) => Number(r.headers['webhook-timestamp']));
    expect(stamps).toEqual([0, ...RETRY_DELAYS_MS].map((_, i) => (T0 + RETRY_DELAYS_MS.slice(0, i).reduce((a, b) => a + b, 0)) / 1000));
    const [d] = await kw.webhooks.deliveries(endpoint.id, { limit: 10 });
    expect(d).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, lastStatusCode: 503, lastError: 'HTTP 503', nextAttemptAtMs: null });
    const { attempts } = await kw.webhooks.delivery(d!.id);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await dispatcher.stop();
    await kw.close();
  });

  it('survives a restart mid-retry: a new container on the same store delivers what the first could not', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'kw-wh-'));
    dirs.push(dataDir);
    const first = await createKeyward({ now: clock, config: { ...quiet, dataDir } });
    const { appId } = await setUp(first, ['key.revoked']);
    const k = await first.keys.create({ appId, environment: 'live', kind: 'secret', name: 'n' }, CLI);
    await first.keys.revoke(k.key.id, 'test', CLI);
    receiver.answers.push(500);
    expect(await first.dispatcher.runOnce()).toBe(1);
    await first.close();

    // The container's dispatcher jitters (±20 %): past the longest first wait.
    clock.advance(Math.ceil(RETRY_DELAYS_MS[0]! * (1 + JITTER)));
    const second = await createKeyward({ now: clock, config: { ...quiet, dataDir } });
    expect(await second.dispatcher.runOnce()).toBe(1);
    expect(receiver.received.map((r) => [JSON.parse(r.body).type, r.verified])).toEqual([
      ['key.revoked', true],
      ['key.revoked', true],
    ]);
    expect(receiver.received[0]!.headers['webhook-id']).toBe(receiver.received[1]!.headers['webhook-id']);
    await second.close();
  });

  it('two nodes polling one store deliver each event exactly once', async () => {
    const kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), now: clock, config: quiet });
    const { appId } = await setUp(kw);
    for (let i = 0; i < 12; i++) await kw.keys.create({ appId, environment: 'live', kind: 'secret', name: `k${i}` }, CLI);
    const a = dispatcherFor(kw, { owner: 'a', batchSize: 5 });
    const b = dispatcherFor(kw, { owner: 'b', batchSize: 5 });
    const [na, nb] = await Promise.all([a.runOnce(), b.runOnce()]);
    expect(na + nb).toBe(12);
    const ids = receiver.received.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(12);
    expect(ids).toHaveLength(12);
    await Promise.all([a.stop(), b.stop()]);
    await kw.close();
  });

  it('never follows a redirect; a receiver that never answers is cut off at the timeout', async () => {
    const kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), now: clock, config: quiet });
    const { endpoint } = await setUp(kw);
    const dispatcher = dispatcherFor(kw, { timeoutMs: 300 });
    receiver.answers.push({ status: 307, location: '/elsewhere' }, 'hang');
    await kw.webhooks.sendTest(endpoint.id);
    await dispatcher.runOnce();
    expect(receiver.received.map((r) => r.path)).toEqual(['/hook']);
    let [d] = await kw.webhooks.deliveries(endpoint.id, { limit: 1 });
    expect(d).toMatchObject({ status: 'pending', lastStatusCode: 307, lastError: 'HTTP 307 (redirects are not followed)' });
    clock.advance(RETRY_DELAYS_MS[0]!);
    const started = Date.now();
    await dispatcher.runOnce();
    expect(Date.now() - started).toBeLessThan(5000); // 300 ms timeout; generous for a loaded machine
    [d] = await kw.webhooks.deliveries(endpoint.id, { limit: 1 });
    expect(d).toMatchObject({ status: 'pending', attempts: 2, lastStatusCode: null, lastError: 'timeout' });
    await dispatcher.stop();
    await kw.close();
  });

  it('with private addresses not allowed, a delivery to a loopback receiver is refused and never connects', async () => {
    const kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), now: clock, config: quiet });
    const { endpoint } = await setUp(kw);
    await kw.webhooks.sendTest(endpoint.id);
    const strict = dispatcherFor(kw, { allowPrivateAddresses: false });
    await strict.runOnce();
    expect(receiver.received).toEqual([]);
    const [d] = await kw.webhooks.deliveries(endpoint.id, { limit: 1 });
    expect(d!.lastError).toMatch(/^url not allowed/);
    await strict.stop();
    await kw.close();
  });

  it('master-key rotation: reseal moves endpoint secrets to the new key and delivery still signs with the same secret', async () => {
    const { Keyring } = await import('../../src/lib/sealed.js');
    const { randomBytes } = await import('node:crypto');
    const oldKey = { id: 'old', key: randomBytes(32) };
    const dataDir = mkdtempSync(path.join(tmpdir(), 'kw-wh-'));
    dirs.push(dataDir);
    const first = await createKeyward({ now: clock, keyring: new Keyring([oldKey]), config: { ...quiet, dataDir } });
    const { endpoint } = await setUp(first);
    await first.close();
    const second = await createKeyward({ now: clock, keyring: new Keyring([{ id: 'new', key: randomBytes(32) }, oldKey]), config: { ...quiet, dataDir } });
    expect(await second.webhooks.reseal(CLI)).toEqual({ resealed: 1 });
    expect(await second.webhooks.reseal(CLI)).toEqual({ resealed: 0 });
    await second.close();
    const third = await createKeyward({ now: clock, keyring: new Keyring([{ id: 'new', key: (second.keyring.keys[0]!).key }]), config: { ...quiet, dataDir } });
    await third.webhooks.sendTest(endpoint.id);
    await third.dispatcher.runOnce();
    expect(receiver.received.map((r) => r.verified)).toEqual([true]);
    await third.close();
  });

  it('a rotated secret signs every later attempt; a disabled endpoint receives nothing', async () => {
    const kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), now: clock, config: quiet });
    const { endpoint } = await setUp(kw);
    const old = receiver.secret;
    await kw.webhooks.sendTest(endpoint.id);
    const { secret } = await kw.webhooks.rotateSecret(endpoint.id, CLI);
    expect(secret).not.toBe(old);
    await kw.dispatcher.runOnce();
    expect(receiver.received[0]!.verified).toBe(false);
    receiver.secret = secret;
    await kw.webhooks.sendTest(endpoint.id);
    await kw.dispatcher.runOnce();
    expect(receiver.received[1]!.verified).toBe(true);
    await kw.webhooks.update(endpoint.id, { enabled: false }, CLI);
    const { appId } = endpoint;
    await kw.keys.create({ appId, environment: 'live', kind: 'secret', name: 'quiet' }, CLI);
    expect(await kw.dispatcher.runOnce()).toBe(0);
    expect(receiver.received).toHaveLength(2);
    await kw.close();
  });
});
