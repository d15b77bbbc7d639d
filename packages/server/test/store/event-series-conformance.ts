import { describe, expect, it } from 'vitest';
import type { EventSeriesStore } from '../../src/analytics/event-series.js';
import type { AnomalyRecord, AnomalyStore } from '../../src/anomaly/store.js';
import type { AttestationEvent } from '../../src/attestation/events.js';
import type { AttestationStore } from '../../src/attestation/store.js';
import { newId } from '../../src/lib/ids.js';
import type { LeakStore } from '../../src/leaks/store.js';
import type { WebhookStore } from '../../src/webhooks/store.js';
import { makeInstance } from './attestation-store-conformance.js';
import { DAY, draft, HOUR, MINUTE, T0, type HarnessFactory } from './feature-harness.js';
import { makeLeak } from './leak-store-conformance.js';
import { makeDelivery, makeEndpoint } from './webhook-store-conformance.js';

/** The feature stores whose rows the series count, written through their own interfaces. */
export interface EventSeriesStores {
  readonly series: EventSeriesStore;
  readonly attestation: AttestationStore;
  readonly leaks: LeakStore;
  readonly anomalies: AnomalyStore;
  readonly webhooks: WebhookStore;
}

const anomaly = (appId: string | null, over: Partial<AnomalyRecord> = {}): AnomalyRecord => ({
  id: newId('anm'), rule: 'traffic_spike', appId, entity: 'key_1', credentialKind: 'publishable', detectedAtMs: T0, detail: {}, action: 'alert', actionOutcome: 'not_applicable', status: 'open', closedAtMs: null, closedBy: null, ...over,
});

/** The rules of EventSeriesStore (src/analytics/event-series.ts), for every backend. */
export function eventSeriesConformance(name: string, make: HarnessFactory<EventSeriesStores>): void {
  describe(`EventSeriesStore conformance: ${name}`, () => {
    it('counts every family per UTC bucket, in SQL, from the rows each feature keeps; one app only when asked', async () => {
      const h = await make();
      const { attestation, leaks, anomalies, webhooks, series } = h.store;
      const appId = await h.createApp();
      const other = await h.createApp();
      const at = T0 + 3 * HOUR + 10 * MINUTE + 5_000; // 03:10:05
      const ev = (over: Partial<AttestationEvent>): AttestationEvent => ({ id: newId('ate'), appId, environment: 'live', stage: 'request', outcome: 'refused', code: 'ATTESTATION_REQUIRED', subject: '/pay', reason: 'x', count: 1, firstAtMs: at, lastAtMs: at, ...over });
      await attestation.recordEvents(
        [
          ev({ count: 4 }),
          ev({ outcome: 'monitored', count: 6 }),
          ev({ outcome: 'monitored', code: 'ASSERTION_INVALID', count: 2, firstAtMs: at - 30_000 }),
          ev({ stage: 'attest', subject: 'debug', code: 'ATTESTATION_CHALLENGE_INVALID', count: 1, lastAtMs: at + MINUTE }),
          ev({ appId: other, count: 100 }),
        ],
        at,
      );
      for (const i of [makeInstance(appId, { createdAtMs: at }), makeInstance(appId, { createdAtMs: at + 1 }), makeInstance(other, { createdAtMs: at })]) await attestation.insertInstance(i, draft('r', i.id));
      await leaks.recordLeak(makeLeak({ appId, url: 'https://a', firstReportedAtMs: at, lastReportedAtMs: at }), draft('leak.report', 'l1'));
      const dismissed = await leaks.recordLeak(makeLeak({ appId, url: 'https://b', source: '', firstReportedAtMs: at, lastReportedAtMs: at }), draft('leak.report', 'l2'));
      expect(await leaks.closeLeak(dismissed.report.id, 'dismissed', 'test', at, draft('leak.dismiss', 'l2'))).toBe('ok');
      // A repeat of (token, url) is the same report, not a new one.
      await leaks.recordLeak(makeLeak({ appId, url: 'https://a', firstReportedAtMs: at + MINUTE, lastReportedAtMs: at + MINUTE }), draft('leak.report', 'l1b'));
      await leaks.recordLeak(makeLeak({ appId: null, url: 'https://c', firstReportedAtMs: at, lastReportedAtMs: at }), draft('leak.report', 'l3'));
      await anomalies.record(anomaly(appId, { detectedAtMs: at }), draft('anomaly.detected', 'a1'));
      await anomalies.record(anomaly(appId, { rule: 'verification_failures', detectedAtMs: at + MINUTE }), draft('anomaly.detected', 'a2'));
      await anomalies.record(anomaly(null, { detectedAtMs: at }), draft('anomaly.detected', 'a3'));
      const e = makeEndpoint(appId);
      await webhooks.createEndpoint(e, draft('webhook.create', e.id));
      const [, ok, bad] = [makeDelivery(e, { createdAtMs: at }), makeDelivery(e, { createdAtMs: at }), makeDelivery(e, { createdAtMs: at + MINUTE })] as const;
      await webhooks.enqueue([makeDelivery(e, { createdAtMs: at }), ok, bad]);
      expect(await webhooks.claimDue(at + 2 * MINUTE, 10, 'node-a', MINUTE)).toHaveLength(3);
      const attempt = (deliveryId: string, statusCode: number | null) => ({ deliveryId, attempt: 1, atMs: at + 2 * MINUTE, statusCode, error: null, durationMs: 5 });
      expect(await webhooks.recordAttempt(ok.id, 'node-a', { attempt: attempt(ok.id, 200), status: 'delivered', nextAttemptAtMs: null })).toBe(true);
      expect(await webhooks.recordAttempt(bad.id, 'node-a', { attempt: attempt(bad.id, 500), status: 'failed', nextAttemptAtMs: null })).toBe(true);

      const minute = await series.countEvents({ granularity: 'minute', fromMs: T0, toMs: T0 + DAY, appId });
      const m0 = T0 + 3 * HOUR + 10 * MINUTE;
      expect(minute.attestation).toEqual(
        expect.arrayContaining([
          { startMs: m0, outcome: 'passed', code: 'VALID', count: 2 },
          { startMs: m0, outcome: 'refused', code: 'ATTESTATION_REQUIRED', count: 4 },
          { startMs: m0, outcome: 'monitored', code: 'ATTESTATION_REQUIRED', count: 6 },
          { startMs: m0, outcome: 'monitored', code: 'ASSERTION_INVALID', count: 2 },
          // Counted at its last occurrence.
          { startMs: m0 + MINUTE, outcome: 'refused', code: 'ATTESTATION_CHALLENGE_INVALID', count: 1 },
        ]),
      );
      expect(minute.attestation).toHaveLength(5);
      expect([...minute.leaks].sort((a, b) => a.status.localeCompare(b.status))).toEqual([
        { startMs: m0, status: 'dismissed', source: '', count: 1 },
        { startMs: m0, status: 'open', source: 'content', count: 1 },
      ]);
      expect(minute.anomalies).toEqual([
        { startMs: m0, rule: 'traffic_spike', count: 1 },
        { startMs: m0 + MINUTE, rule: 'verification_failures', count: 1 },
      ]);
      expect(minute.webhooks).toEqual([
        { startMs: m0, status: 'delivered', count: 1 },
        { startMs: m0, status: 'pending', count: 1 },
        { startMs: m0 + MINUTE, status: 'failed', count: 1 },
      ]);

      // Hours and days sum the same rows at their UTC boundaries.
      const day = await series.countEvents({ granularity: 'day', fromMs: T0, toMs: T0 + DAY, appId });
      expect(day.anomalies).toEqual([
        { startMs: T0, rule: 'traffic_spike', count: 1 },
        { startMs: T0, rule: 'verification_failures', count: 1 },
      ]);
      expect(day.webhooks.map((w) => [w.startMs, w.status, w.count])).toEqual([
        [T0, 'delivered', 1],
        [T0, 'failed', 1],
        [T0, 'pending', 1],
      ]);
      const hour = await series.countEvents({ granularity: 'hour', fromMs: T0, toMs: T0 + DAY, appId });
      expect(hour.attestation.filter((a) => a.outcome === 'refused').map((a) => [a.startMs, a.count]).sort()).toEqual([
        [T0 + 3 * HOUR, 1],
        [T0 + 3 * HOUR, 4],
      ]);

      // Without an app: every app's rows, and those of no app.
      const all = await series.countEvents({ granularity: 'day', fromMs: T0, toMs: T0 + DAY });
      expect(all.leaks.reduce((n, l) => n + l.count, 0)).toBe(3);
      expect(all.anomalies.reduce((n, a) => n + a.count, 0)).toBe(3);
      expect(all.attestation.filter((a) => a.outcome === 'passed')[0]!.count).toBe(3);
      expect(all.attestation.filter((a) => a.outcome === 'refused').reduce((n, a) => n + a.count, 0)).toBe(105);
      await h.close();
    });

    it('the window is from inclusive, to exclusive; an empty window counts nothing', async () => {
      const h = await make();
      const appId = await h.createApp();
      await h.store.anomalies.record(anomaly(appId, { detectedAtMs: T0 + HOUR }), draft('anomaly.detected', 'a'));
      await h.store.anomalies.record(anomaly(appId, { detectedAtMs: T0 + 2 * HOUR }), draft('anomaly.detected', 'b'));
      const got = await h.store.series.countEvents({ granularity: 'hour', fromMs: T0 + HOUR, toMs: T0 + 2 * HOUR, appId });
      expect(got.anomalies).toEqual([{ startMs: T0 + HOUR, rule: 'traffic_spike', count: 1 }]);
      expect(await h.store.series.countEvents({ granularity: 'minute', fromMs: T0, toMs: T0 + MINUTE, appId })).toEqual({ attestation: [], leaks: [], anomalies: [], webhooks: [] });
      await h.close();
    });
  });
}
