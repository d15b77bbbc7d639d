import { describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import type { WebhookDelivery, WebhookEndpoint } from '../../src/webhooks/model.js';
import type { WebhookStore } from '../../src/webhooks/store.js';
import { count, draft, MINUTE, race, T0, unwritable, type HarnessFactory } from './feature-harness.js';

export function makeEndpoint(appId: string, over: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  return { id: newId('wh'), appId, url: 'https://hooks.example.com/kw', description: '', events: [], enabled: true, sealedSecret: 'kws1.m1.sealed', createdAtMs: T0, updatedAtMs: T0, version: 1, ...over };
}

export function makeDelivery(e: WebhookEndpoint, over: Partial<WebhookDelivery> = {}): WebhookDelivery {
  return { id: newId('whd'), endpointId: e.id, appId: e.appId, eventType: 'key.revoked', payload: '{"type":"key.revoked"}', status: 'pending', attempts: 0, nextAttemptAtMs: T0, lastStatusCode: null, lastError: null, createdAtMs: T0, updatedAtMs: T0, ...over };
}

const attempt = (deliveryId: string, n: number, statusCode: number | null, atMs = T0) => ({ deliveryId, attempt: n, atMs, statusCode, error: statusCode === null ? 'timeout' : null, durationMs: 12 });

/** The MUST rules of src/webhooks/store.ts, for every backend. */
export function webhookStoreConformance(name: string, make: HarnessFactory<WebhookStore>): void {
  describe(`WebhookStore conformance: ${name}`, () => {
    it('endpoints: create, read, list per app, guarded update, delete; each change audited, a stale version is a conflict', async () => {
      const h = await make();
      const appId = await h.createApp();
      const e = makeEndpoint(appId, { events: ['key.revoked', 'leak.reported'] });
      await h.store.createEndpoint(e, draft('webhook.create', e.id));
      expect(await h.store.getEndpoint(e.id)).toEqual(e);
      expect(await h.store.listEndpoints(appId)).toEqual([e]);
      expect(await h.store.listEndpoints(await h.createApp())).toEqual([]);
      expect(await h.store.listAllEndpoints(undefined, 10)).toEqual([e]);
      expect(await h.store.listAllEndpoints(e.id, 10)).toEqual([]);
      expect(await h.store.updateEndpoint(e.id, { events: [], enabled: false }, 1, T0 + MINUTE, draft('webhook.update', e.id))).toBe('ok');
      expect(await h.store.updateEndpoint(e.id, { url: 'https://x.example' }, 1, T0 + MINUTE, draft('webhook.update', e.id))).toBe('conflict');
      expect(await h.store.updateEndpoint(newId('wh'), { url: 'https://x.example' }, 1, T0, draft('webhook.update', 'x'))).toBe('not_found');
      expect(await h.store.getEndpoint(e.id)).toMatchObject({ events: [], enabled: false, version: 2, updatedAtMs: T0 + MINUTE, url: e.url });
      expect(await h.store.deleteEndpoint(e.id, T0, draft('webhook.delete', e.id))).toBe('ok');
      expect(await h.store.deleteEndpoint(e.id, T0, draft('webhook.delete', e.id))).toBe('not_found');
      expect((await h.audit()).map((r) => r.action)).toEqual(['webhook.create', 'webhook.update', 'webhook.delete']);
      await h.close();
    });

    it('an unwritable audit record rolls the endpoint change back', async () => {
      const h = await make();
      const appId = await h.createApp();
      const e = makeEndpoint(appId);
      await expect(h.store.createEndpoint(e, unwritable('webhook.create', e.id))).rejects.toThrow();
      expect(await h.store.getEndpoint(e.id)).toBeUndefined();
      await h.store.createEndpoint(e, draft('webhook.create', e.id));
      await expect(h.store.updateEndpoint(e.id, { enabled: false }, 1, T0, unwritable('webhook.update', e.id))).rejects.toThrow();
      expect(await h.store.getEndpoint(e.id)).toEqual(e);
      await h.close();
    });

    it('subscribers: enabled endpoints whose filter names the type, or is empty', async () => {
      const h = await make();
      const appId = await h.createApp();
      const all = makeEndpoint(appId);
      const leaks = makeEndpoint(appId, { events: ['leak.reported'], createdAtMs: T0 + 1 });
      const off = makeEndpoint(appId, { enabled: false, createdAtMs: T0 + 2 });
      for (const e of [all, leaks, off]) await h.store.createEndpoint(e, draft('webhook.create', e.id));
      expect((await h.store.subscribers(appId, 'leak.reported')).map((e) => e.id)).toEqual([all.id, leaks.id]);
      expect((await h.store.subscribers(appId, 'key.created')).map((e) => e.id)).toEqual([all.id]);
      await h.close();
    });

    it('claims: only due, pending, unleased deliveries; 20 concurrent claimers get each delivery exactly once', async () => {
      const h = await make();
      const appId = await h.createApp();
      const e = makeEndpoint(appId);
      await h.store.createEndpoint(e, draft('webhook.create', e.id));
      const due = Array.from({ length: 10 }, (_, i) => makeDelivery(e, { nextAttemptAtMs: T0 - i }));
      const later = makeDelivery(e, { nextAttemptAtMs: T0 + MINUTE });
      await h.store.enqueue([...due, later]);
      const claims = await race(20, (i) => h.store.claimDue(T0, 5, `node-${i}`, MINUTE));
      const ids = claims.flat().map((d) => d.id);
      expect(ids.length).toBeGreaterThanOrEqual(5);
      expect(new Set(ids).size).toBe(ids.length);
      // The rest go to later claims, and nothing is ever handed out twice.
      for (let i = 0; i < 3; i++) ids.push(...(await h.store.claimDue(T0, 5, `seq-${i}`, MINUTE)).map((d) => d.id));
      expect(ids.sort()).toEqual(due.map((d) => d.id).sort());
      // Held leases are not handed out again until they end.
      expect(await h.store.claimDue(T0 + MINUTE - 1, 50, 'late', MINUTE)).toEqual([]);
      const afterLease = await h.store.claimDue(T0 + MINUTE, 50, 'late', MINUTE);
      expect(afterLease.map((d) => d.id).sort()).toEqual([...due, later].map((d) => d.id).sort());
      await h.close();
    });

    it('recordAttempt: applies only for the lease holder, writes the log and the state together', async () => {
      const h = await make();
      const appId = await h.createApp();
      const e = makeEndpoint(appId);
      await h.store.createEndpoint(e, draft('webhook.create', e.id));
      const d = makeDelivery(e);
      await h.store.enqueue([d]);
      const [claimed] = await h.store.claimDue(T0, 1, 'a', MINUTE);
      expect(claimed).toMatchObject({ id: d.id, attempts: 0, status: 'pending' });
      expect(await h.store.recordAttempt(d.id, 'b', { attempt: attempt(d.id, 1, 500), status: 'pending', nextAttemptAtMs: T0 + 5000 })).toBe(false);
      expect(await h.store.listAttempts(d.id)).toEqual([]);
      expect(await h.store.recordAttempt(d.id, 'a', { attempt: attempt(d.id, 1, 500), status: 'pending', nextAttemptAtMs: T0 + 5000 })).toBe(true);
      // The lease is freed: a second record by the old holder is refused.
      expect(await h.store.recordAttempt(d.id, 'a', { attempt: attempt(d.id, 2, 200), status: 'delivered', nextAttemptAtMs: null })).toBe(false);
      expect(await h.store.getDelivery(d.id)).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500, nextAttemptAtMs: T0 + 5000 });
      expect(await h.store.claimDue(T0 + 4999, 1, 'a', MINUTE)).toEqual([]);
      const [again] = await h.store.claimDue(T0 + 5000, 1, 'c', MINUTE);
      expect(again?.attempts).toBe(1);
      expect(await h.store.recordAttempt(d.id, 'c', { attempt: attempt(d.id, 2, 204, T0 + 5000), status: 'delivered', nextAttemptAtMs: null })).toBe(true);
      expect(await h.store.getDelivery(d.id)).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 204, nextAttemptAtMs: null });
      expect((await h.store.listAttempts(d.id)).map((a) => [a.attempt, a.statusCode])).toEqual([[1, 500], [2, 204]]);
      expect(await h.store.claimDue(T0 + DAY_MS, 5, 'x', MINUTE)).toEqual([]);
      await h.close();
    });

    it('delivery log newest first, filtered by status; redeliver makes a failed delivery due; delete removes deliveries too', async () => {
      const h = await make();
      const appId = await h.createApp();
      const e = makeEndpoint(appId);
      await h.store.createEndpoint(e, draft('webhook.create', e.id));
      const d1 = makeDelivery(e, { createdAtMs: T0 });
      const d2 = makeDelivery(e, { createdAtMs: T0 + 1 });
      await h.store.enqueue([d1, d2]);
      await h.store.claimDue(T0 + 1, 1, 'a', MINUTE);
      expect(await h.store.recordAttempt(d1.id, 'a', { attempt: attempt(d1.id, 1, null), status: 'failed', nextAttemptAtMs: null })).toBe(true);
      expect((await h.store.listDeliveries(e.id, { limit: 10 })).map((d) => d.id)).toEqual([d2.id, d1.id]);
      expect((await h.store.listDeliveries(e.id, { limit: 10, status: 'failed' })).map((d) => d.id)).toEqual([d1.id]);
      expect(await h.store.redeliver(d1.id, T0 + MINUTE)).toBe('ok');
      expect(await h.store.redeliver(newId('whd'), T0)).toBe('not_found');
      expect(await h.store.getDelivery(d1.id)).toMatchObject({ status: 'pending', nextAttemptAtMs: T0 + MINUTE, attempts: 1 });
      expect(await h.store.deleteEndpoint(e.id, T0, draft('webhook.delete', e.id))).toBe('ok');
      expect(await h.store.getDelivery(d1.id)).toBeUndefined();
      expect(await h.store.listAttempts(d1.id)).toEqual([]);
      await h.close();
    });

    it('pruneDeliveries: only finished deliveries older than the cutoff, each with its attempts, in bounded batches; pending ones stay', async () => {
      const h = await make();
      const appId = await h.createApp();
      const e = makeEndpoint(appId);
      await h.store.createEndpoint(e, draft('webhook.create', e.id));
      // Due in this order, one claim each; `pending` is never due, so it stays pending.
      const old = Array.from({ length: 5 }, (_, i) => makeDelivery(e, { nextAttemptAtMs: T0 + i }));
      const recent = makeDelivery(e, { nextAttemptAtMs: T0 + 10 });
      const pending = makeDelivery(e, { nextAttemptAtMs: T0 + 1000 * DAY_MS });
      await h.store.enqueue([...old, pending, recent]);
      const finish = async (id: string, atMs: number, status: 'delivered' | 'failed') => {
        expect((await h.store.claimDue(T0 + 10, 1, 'n', MINUTE)).map((d) => d.id)).toEqual([id]);
        expect(await h.store.recordAttempt(id, 'n', { attempt: attempt(id, 1, status === 'delivered' ? 204 : 500, atMs), status, nextAttemptAtMs: null })).toBe(true);
      };
      for (const [i, d] of old.entries()) await finish(d.id, T0 + i, i % 2 ? 'failed' : 'delivered');
      await finish(recent.id, T0 + DAY_MS, 'delivered');
      const cutoff = T0 + DAY_MS;
      expect(await h.store.pruneDeliveries(cutoff, 2)).toBe(2);
      expect(await h.store.pruneDeliveries(cutoff, 100)).toBe(3);
      expect(await h.store.pruneDeliveries(cutoff, 100)).toBe(0);
      for (const d of old) {
        expect(await h.store.getDelivery(d.id)).toBeUndefined();
        expect(await h.store.listAttempts(d.id)).toEqual([]);
      }
      // The cutoff is exclusive; a pending delivery is still owed, however old.
      expect((await h.store.getDelivery(recent.id))?.status).toBe('delivered');
      expect(await h.store.listAttempts(recent.id)).toHaveLength(1);
      expect((await h.store.getDelivery(pending.id))?.status).toBe('pending');
      expect(await h.store.pruneDeliveries(T0 + DAY_MS * 100, 100)).toBe(1);
      expect((await h.store.getDelivery(pending.id))?.status).toBe('pending');
      await h.close();
    });

    it('enqueue is all or none', async () => {
      const h = await make();
      const appId = await h.createApp();
      const e = makeEndpoint(appId);
      await h.store.createEndpoint(e, draft('webhook.create', e.id));
      const ok = makeDelivery(e);
      const dangling = makeDelivery(e, { endpointId: newId('wh') });
      const dup = { ...makeDelivery(e), id: ok.id };
      await expect(h.store.enqueue([ok, dup])).rejects.toThrow();
      expect(await h.store.getDelivery(ok.id)).toBeUndefined();
      expect(count([dangling.id], dangling.id)).toBe(1);
      await h.close();
    });
  });
}

const DAY_MS = 86_400_000;
