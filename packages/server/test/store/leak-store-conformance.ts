import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/crypto.js';
import { newId } from '../../src/lib/ids.js';
import type { LeakReport } from '../../src/leaks/model.js';
import type { LeakStore } from '../../src/leaks/store.js';
import { draft, MINUTE, race, T0, unwritable, type HarnessFactory } from './feature-harness.js';

export function makeLeak(over: Partial<LeakReport> = {}): LeakReport {
  return {
    id: newId('lkr'),
    tokenHash: sha256Hex('kw_sk_live_x'),
    tokenType: 'keyward_secret_key',
    url: 'https://github.com/o/r/blob/1/a.txt',
    source: 'content',
    keyId: null,
    appId: null,
    outcome: 'false_positive',
    reportedBy: 'k1',
    reportCount: 1,
    firstReportedAtMs: T0,
    lastReportedAtMs: T0,
    status: 'open',
    closedAtMs: null,
    closedBy: null,
    ...over,
  };
}

/** The MUST rules of src/leaks/store.ts, for every backend. */
export function leakStoreConformance(name: string, make: HarnessFactory<LeakStore>): void {
  describe(`LeakStore conformance: ${name}`, () => {
    it('a first report is stored and audited; a repeat of (token, url) is counted, keeps the first outcome and is not audited', async () => {
      const h = await make();
      const r = makeLeak({ outcome: 'revoked' });
      const first = await h.store.recordLeak(r, draft('leak.report', r.id));
      expect(first).toEqual({ first: true, report: r });
      const again = await h.store.recordLeak(makeLeak({ outcome: 'already_revoked', firstReportedAtMs: T0 + MINUTE, lastReportedAtMs: T0 + MINUTE }), draft('leak.report', 'again'));
      expect(again.first).toBe(false);
      expect(again.report).toEqual({ ...r, reportCount: 2, lastReportedAtMs: T0 + MINUTE });
      // An older repeat (a delayed retry) never moves the last time back.
      await h.store.recordLeak(makeLeak({ lastReportedAtMs: T0 - MINUTE, firstReportedAtMs: T0 - MINUTE }), draft('leak.report', 'old'));
      expect(await h.store.getLeak(r.id)).toMatchObject({ reportCount: 3, lastReportedAtMs: T0 + MINUTE });
      // Another URL is another report.
      const o = makeLeak({ url: 'https://github.com/o/r/blob/2/b.txt' });
      const other = await h.store.recordLeak(o, draft('leak.report', o.id));
      expect(other.first).toBe(true);
      expect((await h.audit()).map((a) => a.target)).toEqual([r.id, other.report.id]);
      await h.close();
    });

    it('10 concurrent first reports of one (token, url) make one row counted 10 times and one audit record', async () => {
      const h = await make();
      const results = await race(10, (i) => {
        const r = makeLeak({ reportedBy: `k${i}` });
        return h.store.recordLeak(r, draft('leak.report', r.id));
      });
      expect(results.filter((x) => x.first)).toHaveLength(1);
      const rows = await h.store.listLeaks({ limit: 50 });
      expect(rows).toHaveLength(1);
      expect(rows[0]!.reportCount).toBe(10);
      expect(await h.audit()).toHaveLength(1);
      await h.close();
    });

    it('an unwritable audit record stores nothing', async () => {
      const h = await make();
      const r = makeLeak();
      await expect(h.store.recordLeak(r, unwritable('leak.report', r.id))).rejects.toThrow();
      expect(await h.store.getLeak(r.id)).toBeUndefined();
      await h.close();
    });

    it('closeLeak: open → dismissed or resolved once, audited with it; of racing operators one wins; a repeat report leaves it closed', async () => {
      const h = await make();
      const r = makeLeak();
      await h.store.recordLeak(r, draft('leak.report', r.id));
      const outcomes = await race(5, (i) => h.store.closeLeak(r.id, i % 2 ? 'resolved' : 'dismissed', `op${i}`, T0 + MINUTE, draft('leak.close', r.id)));
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'conflict')).toHaveLength(4);
      const closed = await h.store.getLeak(r.id);
      expect(closed).toMatchObject({ closedAtMs: T0 + MINUTE, closedBy: expect.stringMatching(/^op\d$/) });
      expect(['dismissed', 'resolved']).toContain(closed!.status);
      expect((await h.audit()).map((a) => a.action)).toEqual(['leak.report', 'leak.close']);
      await h.store.recordLeak(makeLeak({ lastReportedAtMs: T0 + 2 * MINUTE }), draft('leak.report', 'again'));
      expect(await h.store.getLeak(r.id)).toMatchObject({ status: closed!.status, reportCount: 2 });
      expect(await h.store.closeLeak(newId('lkr'), 'dismissed', 'op', T0, draft('leak.close', 'x'))).toBe('not_found');
      // Filtered by status; an unwritable audit record closes nothing.
      const o = makeLeak({ url: 'https://e.example/open' });
      await h.store.recordLeak(o, draft('leak.report', o.id));
      expect((await h.store.listLeaks({ limit: 10, status: 'open' })).map((x) => x.id)).toEqual([o.id]);
      await expect(h.store.closeLeak(o.id, 'dismissed', 'op', T0, unwritable('leak.close', o.id))).rejects.toThrow();
      expect((await h.store.getLeak(o.id))?.status).toBe('open');
      await h.close();
    });

    it('lists newest first, per app, with a cursor', async () => {
      const h = await make();
      const appId = await h.createApp();
      const rs = Array.from({ length: 5 }, (_, i) => makeLeak({ url: `https://e.example/${i}`, appId: i % 2 === 0 ? appId : null, lastReportedAtMs: T0 + i, firstReportedAtMs: T0 + i }));
      for (const r of rs) await h.store.recordLeak(r, draft('leak.report', r.id));
      const all = await h.store.listLeaks({ limit: 10 });
      expect(all.map((r) => r.url)).toEqual([4, 3, 2, 1, 0].map((i) => `https://e.example/${i}`));
      expect((await h.store.listLeaks({ limit: 10, appId })).map((r) => r.url)).toEqual([4, 2, 0].map((i) => `https://e.example/${i}`));
      const page1 = await h.store.listLeaks({ limit: 2 });
      const page2 = await h.store.listLeaks({ limit: 2, before: page1[1]!.id });
      expect([...page1, ...page2].map((r) => r.id)).toEqual(all.slice(0, 4).map((r) => r.id));
      await h.close();
    });
  });
}
