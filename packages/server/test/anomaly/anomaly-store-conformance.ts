import { describe, expect, it } from 'vitest';
import type { AnomalyRecord, AnomalyStore } from '../../src/anomaly/store.js';
import { newId } from '../../src/lib/ids.js';
import { draft, MINUTE, race, T0, unwritable, type HarnessFactory } from '../store/feature-harness.js';

const anomaly = (over: Partial<AnomalyRecord> = {}): AnomalyRecord => ({
  id: newId('anm'),
  rule: 'traffic_spike',
  appId: 'app_a',
  entity: 'key_1',
  credentialKind: 'publishable',
  detectedAtMs: T0,
  detail: { requestsThisMinute: 400, usualPerMinute: 12.5 },
  action: 'alert',
  actionOutcome: 'not_applicable',
  status: 'open',
  closedAtMs: null,
  closedBy: null,
  ...over,
});

/** The rules of src/anomaly/store.ts, for every backend. */
export function anomalyStoreConformance(name: string, make: HarnessFactory<AnomalyStore>): void {
  describe(`AnomalyStore conformance: ${name}`, () => {
    it('a recorded anomaly reads back exactly, with its audit record', async () => {
      const h = await make();
      const a = anomaly();
      await h.store.record(a, draft('anomaly.detected', a.entity));
      expect(await h.store.get(a.id)).toEqual(a);
      expect((await h.audit()).map((r) => r.action)).toEqual(['anomaly.detected']);
      await h.close();
    });

    it('nothing is recorded when its audit record cannot be written', async () => {
      const h = await make();
      const a = anomaly();
      await expect(h.store.record(a, unwritable('anomaly.detected', a.entity))).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
      expect(await h.store.get(a.id)).toBeUndefined();
      await h.close();
    });

    it('lists newest first, filtered, paged without gaps or repeats', async () => {
      const h = await make();
      const all = Array.from({ length: 7 }, (_, i) => anomaly({ detectedAtMs: T0 + (i % 3) * MINUTE, appId: i === 6 ? 'app_b' : 'app_a', rule: i === 5 ? 'many_networks' : 'traffic_spike' }));
      for (const a of all) await h.store.record(a, draft('anomaly.detected', a.entity));
      const seen: string[] = [];
      let after: string | undefined;
      do {
        const page = await h.store.list({ appId: 'app_a' }, after ? { limit: 2, after } : { limit: 2 });
        seen.push(...page.items.map((a) => a.id));
        after = page.next;
      } while (after);
      const expected = all.filter((a) => a.appId === 'app_a').sort((x, y) => y.detectedAtMs - x.detectedAtMs || (y.id < x.id ? -1 : 1)).map((a) => a.id);
      expect(seen).toEqual(expected);
      expect((await h.store.list({ rule: 'many_networks' }, { limit: 10 })).items.map((a) => a.id)).toEqual([all[5]!.id]);
      await expect(h.store.list({}, { limit: 2, after: 'garbage' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await h.close();
    });

    it('closing is guarded: of ten concurrent dismissals one wins and is audited; a closed anomaly stays closed', async () => {
      const h = await make();
      const a = anomaly();
      await h.store.record(a, draft('anomaly.detected', a.entity));
      const outcomes = await race(10, (i) => h.store.close(a.id, 'dismissed', `op${i}`, T0 + MINUTE, draft('anomaly.dismiss', a.id)));
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'conflict')).toHaveLength(9);
      const closed = await h.store.get(a.id);
      expect(closed).toMatchObject({ status: 'dismissed', closedAtMs: T0 + MINUTE });
      expect(await h.store.list({ status: 'open' }, { limit: 10 })).toEqual({ items: [] });
      expect(await h.store.close(newId('anm'), 'resolved', 'op', T0, draft('anomaly.resolve', 'x'))).toBe('not_found');
      expect((await h.audit()).filter((r) => r.action === 'anomaly.dismiss')).toHaveLength(1);
      await h.close();
    });

    it('baselines upsert by entity, load the newest N oldest first, and prune by age', async () => {
      const h = await make();
      await h.store.saveBaselines(Array.from({ length: 450 }, (_, i) => ({ entity: `e${i}`, type: 'credential' as const, state: `{"i":${i}}`, updatedAtMs: T0 + i })));
      await h.store.saveBaselines([{ entity: 'e0', type: 'credential', state: '{"i":"new"}', updatedAtMs: T0 + 1000 }]);
      const newest = await h.store.loadBaselines(3);
      expect(newest.map((b) => b.entity)).toEqual(['e448', 'e449', 'e0']);
      expect(newest[2]!.state).toBe('{"i":"new"}');
      expect(await h.store.pruneBaselines(T0 + 100)).toBe(99);
      expect(await h.store.loadBaselines(1000)).toHaveLength(351);
      await h.close();
    });
  });
}
