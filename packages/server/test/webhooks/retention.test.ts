import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { manualClock } from '../../src/lib/clock.js';
import { createKeyward, type Keyward } from '../../src/keyward.js';
import { SqlWebhookStore } from '../../src/store/sql/webhook-store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { PRUNE_BATCH, WebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { CLI } from '../helpers.js';
import { startReceiver } from './receiver.js';

/**
 * Delivery-log retention (KEYWARD_WEBHOOK_DELIVERY_RETENTION_DAYS): finished deliveries and their
 * attempts are deleted once older than the retention, in the background; pending ones never are.
 * The retention's clock is frozen (manualClock): only the prune timer's own interval is real.
 */
const T0 = Date.UTC(2026, 5, 1);
const DAY = 86_400_000;
const quiet = { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0, webhookPollIntervalMs: 0, webhookPruneIntervalMs: 0, webhookAllowPrivateAddresses: true, webhookTimeoutMs: 2000 } as const;

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let clock: ReturnType<typeof manualClock>;
let kw: Keyward;
beforeEach(async () => {
  receiver = await startReceiver();
  clock = manualClock(T0);
  receiver.nowSeconds = () => Math.floor(clock() / 1000);
  kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), now: clock, config: quiet });
});
afterEach(async () => {
  await kw.close();
  await receiver.close();
});

const dispatcherFor = (over: Partial<ConstructorParameters<typeof WebhookDispatcher>[0]> = {}) =>
  new WebhookDispatcher({ store: new SqlWebhookStore(kw.store.db), keyring: kw.keyring, now: clock, timeoutMs: 2000, pollIntervalMs: 0, allowPrivateAddresses: true, random: () => 0.5, deliveryRetentionDays: 7, ...over });

async function endpointWithEvents(n: number) {
  const appId = (await kw.apps.create({ name: 'a' }, CLI)).id;
  const { endpoint, secret } = await kw.webhooks.create(appId, { url: receiver.url }, CLI);
  receiver.secret = secret;
  for (let i = 0; i < n; i++) await kw.keys.create({ appId, environment: 'live', kind: 'secret', name: `k${i}` }, CLI);
  return endpoint;
}

const counts = async () => ({
  deliveries: Number((await kw.store.db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
  attempts: Number((await kw.store.db.selectFrom('webhook_attempts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
});

describe('webhook delivery retention', () => {
  it('keeps finished deliveries for the retention, then deletes them with their attempts; pending ones stay', async () => {
    const endpoint = await endpointWithEvents(3);
    const d = dispatcherFor();
    receiver.answers.push(200, 200, 500);
    expect(await d.runOnce()).toBe(3);
    // Two delivered, one failed once and pending again (its retry is due in 5 s).
    expect((await kw.webhooks.deliveries(endpoint.id, { limit: 10 })).map((x) => x.status).sort()).toEqual(['delivered', 'delivered', 'pending']);
    expect(await counts()).toEqual({ deliveries: 3, attempts: 3 });
    clock.advance(7 * DAY);
    expect(await d.prune()).toBe(0); // exactly the retention: kept (the cutoff is exclusive)
    clock.advance(1);
    expect(await d.prune()).toBe(2);
    expect(await counts()).toEqual({ deliveries: 1, attempts: 1 });
    expect((await kw.webhooks.deliveries(endpoint.id, { limit: 10 })).map((x) => x.status)).toEqual(['pending']);
    await d.stop();
  });

  it('a failed delivery redelivered by an operator counts from its new attempt', async () => {
    await endpointWithEvents(1);
    const d = dispatcherFor();
    receiver.answers.push(410);
    const [row] = await kw.store.db.selectFrom('webhook_deliveries').select('id').execute();
    await d.runOnce();
    clock.advance(6 * DAY);
    await kw.webhooks.redeliver(row!.id);
    await d.runOnce();
    clock.advance(2 * DAY);
    expect(await d.prune()).toBe(0);
    expect((await kw.webhooks.delivery(row!.id)).attempts.map((a) => a.statusCode)).toEqual([410, 200]);
    await d.stop();
  });

  it('prunes in batches until nothing past the retention is left', async () => {
    const appId = (await kw.apps.create({ name: 'bulk' }, CLI)).id;
    const { endpoint } = await kw.webhooks.create(appId, { url: receiver.url }, CLI);
    const store = new SqlWebhookStore(kw.store.db);
    const n = PRUNE_BATCH * 2 + 7;
    const rows = Array.from({ length: n }, (_, i) => ({ id: `whd_bulk${i}`, endpointId: endpoint.id, appId, eventType: 'key.created' as const, payload: '{}', status: 'pending' as const, attempts: 0, nextAttemptAtMs: T0, lastStatusCode: null, lastError: null, createdAtMs: T0, updatedAtMs: T0 }));
    await store.enqueue(rows);
    await kw.store.db.updateTable('webhook_deliveries').set({ status: 'delivered', next_attempt_at_ms: null }).execute();
    clock.advance(8 * DAY);
    const d = dispatcherFor();
    expect(await d.prune()).toBe(n);
    expect(await counts()).toEqual({ deliveries: 0, attempts: 0 });
    await d.stop();
  });

  it('runs in the background every pruneIntervalMs once started, and reports what it deleted', async () => {
    await endpointWithEvents(2);
    const pruned: number[] = [];
    const d = dispatcherFor({ pruneIntervalMs: 20, onPruned: (x) => pruned.push(x) });
    await d.runOnce();
    d.start();
    clock.advance(8 * DAY);
    await vi.waitFor(() => expect(pruned).toEqual([2]), { timeout: 10_000, interval: 20 });
    expect(await counts()).toEqual({ deliveries: 0, attempts: 0 });
    await d.stop();
  });

  it('the container wires the retention from the config', async () => {
    const other = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), now: clock, config: { ...quiet, webhookDeliveryRetentionDays: 1 } });
    try {
      const appId = (await other.apps.create({ name: 'c' }, CLI)).id;
      const { secret } = await other.webhooks.create(appId, { url: receiver.url }, CLI);
      receiver.secret = secret;
      await other.keys.create({ appId, environment: 'live', kind: 'secret', name: 'k' }, CLI);
      expect(await other.dispatcher.runOnce()).toBe(1);
      clock.advance(DAY + 1);
      expect(await other.dispatcher.prune()).toBe(1);
    } finally {
      await other.close();
    }
  });
});
