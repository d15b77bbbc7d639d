import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { UsageChart } from '../src/chart/UsageChart.js';
import { UsageSecurity } from '../src/pages/UsageSecurity.js';
import { anomalySeries, attestationSeries, leakSeries, totals, webhookSeries, WOULD_HAVE_BLOCKED, type EventBucket, type EventSeries } from '../src/series-data.js';

const APP = 'app_0123456789abcdefghijkl';
const none = (start: string): EventBucket => ({
  start,
  attestation: { passed: 0, refused: 0, monitored: 0, refusedByCode: {}, monitoredByCode: {} },
  leaks: { reported: 0, byStatus: {}, bySource: {} },
  anomalies: { detected: 0, byRule: {} },
  webhooks: { delivered: 0, failed: 0, pending: 0 },
});

/** Five minutes; traffic in the second and the fourth (the API leaves the others out). */
const SERIES: EventSeries = {
  granularity: 'minute',
  from: '2026-12-02T11:00:00.000Z',
  to: '2026-12-02T11:05:00.000Z',
  buckets: [
    {
      ...none('2026-12-02T11:01:00.000Z'),
      attestation: { passed: 2, refused: 1, monitored: 3, refusedByCode: { ATTESTATION_CHALLENGE_INVALID: 1 }, monitoredByCode: { ATTESTATION_REQUIRED: 3 } },
      leaks: { reported: 2, byStatus: { open: 1, dismissed: 1 }, bySource: { content: 2 } },
    },
    {
      ...none('2026-12-02T11:03:00.000Z'),
      attestation: { passed: 0, refused: 0, monitored: 1, refusedByCode: {}, monitoredByCode: { ASSERTION_INVALID: 1 } },
      anomalies: { detected: 1, byRule: { traffic_spike: 1 } },
      webhooks: { delivered: 4, failed: 1, pending: 2 },
    },
  ],
};
const EMPTY: EventSeries = { ...SERIES, buckets: [] };

describe('the security and operations series (series-data.ts)', () => {
  it('lays every family out bucket by bucket, zeros where the API left a bucket out', () => {
    expect(attestationSeries(SERIES)).toEqual({
      xs: [0, 1, 2, 3, 4].map((i) => Date.parse('2026-12-02T11:00:00Z') / 1000 + 60 * i),
      series: [
        { label: 'passed', values: [0, 2, 0, 0, 0] },
        { label: 'refused', values: [0, 1, 0, 0, 0] },
        { label: WOULD_HAVE_BLOCKED, values: [0, 3, 0, 1, 0] },
      ],
    });
    expect(leakSeries(SERIES).series).toEqual([
      { label: 'open', values: [0, 1, 0, 0, 0] },
      { label: 'dismissed', values: [0, 1, 0, 0, 0] },
    ]);
    expect(anomalySeries(SERIES).series).toEqual([{ label: 'traffic_spike', values: [0, 0, 0, 1, 0] }]);
    expect(webhookSeries(SERIES).series).toEqual([
      { label: 'delivered', values: [0, 0, 0, 4, 0] },
      { label: 'failed', values: [0, 0, 0, 1, 0] },
      { label: 'pending', values: [0, 0, 0, 2, 0] },
    ]);
    expect(totals(SERIES, (b) => b.attestation.monitoredByCode)).toEqual([
      { key: 'ATTESTATION_REQUIRED', count: 3 },
      { key: 'ASSERTION_INVALID', count: 1 },
    ]);
    expect(leakSeries(EMPTY).series).toEqual([]);
  });
});

describe('UsageSecurity', () => {
  it('draws a chart per family with its figures as a table, and names what monitor-only would have blocked', () => {
    const html = renderToStaticMarkup(<UsageSecurity appId={APP} granularity="minute" series={SERIES} />);
    expect(html).toContain('<h2 id="security-usage-title">Security and operations</h2>');
    // data-points: what each chart holds (attestations 2+1+3+1, leaks 2, anomalies 1, webhooks 7).
    expect([...html.matchAll(/data-points="(\d+)"/g)].map((m) => m[1])).toEqual(['7', '2', '1', '7']);
    expect(html).toContain(`<th scope="col">${WOULD_HAVE_BLOCKED}</th>`);
    expect(html).toMatch(/<caption>Would have blocked \(monitor-only\), by reason<\/caption>.*<code>ATTESTATION_REQUIRED<\/code><\/td><td>3<\/td>/s);
    expect(html).toMatch(/<caption>Leak reports by source<\/caption>.*content<\/td><td>2<\/td>/s);
    expect(html).toContain(`href="#/apps/${APP}/attestation"`);
    expect(html).not.toContain('in this window.');
  });

  it('says so for each family when its window is empty, and draws no chart then', () => {
    const html = renderToStaticMarkup(<UsageSecurity appId={APP} granularity="hour" series={EMPTY} />);
    for (const text of ['No attestations in this window.', 'No leak reports in this window.', 'No anomalies in this window.', 'No webhook deliveries in this window.']) expect(html).toContain(text);
    expect(html).not.toContain('chart-canvas');
    expect(html).not.toContain('<table');
    expect(html).toContain('Attestations per hour');
  });

  it("a chart with lines that are all zero shows its empty text only when given one (the request chart keeps its axes)", () => {
    const zero = attestationSeries({ ...SERIES, buckets: [none('2026-12-02T11:01:00.000Z')] });
    expect(renderToStaticMarkup(<UsageChart id="z" title="t" data={zero} empty="Nothing." />)).toContain('<p>Nothing.</p>');
    expect(renderToStaticMarkup(<UsageChart id="z" title="t" data={zero} />)).toContain('chart-canvas');
  });
});
