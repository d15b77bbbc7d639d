import { useMemo } from 'react';
import type { Granularity } from '../chart-data.js';
import { UsageChart } from '../chart/UsageChart.js';
import { anomalySeries, attestationSeries, leakSeries, totals, webhookSeries, WOULD_HAVE_BLOCKED, type EventBucket, type EventSeries } from '../series-data.js';

/** A window total per code or source, as a table (the figures a chart shows by time, summed). */
function TotalsTable({ caption, head, rows, code = false }: { caption: string; head: string; rows: readonly { key: string; count: number }[]; code?: boolean }) {
  if (rows.length === 0) return null;
  return (
    <table tabIndex={0}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{head}</th>
          <th scope="col">Count</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key}>
            <td>{code ? <code>{r.key}</code> : r.key}</td>
            <td>{r.count.toLocaleString('en-US')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const byMonitoredCode = (b: EventBucket) => b.attestation.monitoredByCode;
const byRefusedCode = (b: EventBucket) => b.attestation.refusedByCode;
const bySource = (b: EventBucket) => b.leaks.bySource;

/**
 * The usage overview's security and operations part: attestation outcomes (with what monitor-only
 * mode let through), leak reports, anomalies and webhook deliveries over the same window as the
 * request chart. Each chart has its figures as a table, and says so when its window is empty.
 */
export function UsageSecurity({ appId, granularity, series }: { appId: string; granularity: Granularity; series: EventSeries }) {
  const charts = useMemo(() => ({ attestation: attestationSeries(series), leaks: leakSeries(series), anomalies: anomalySeries(series), webhooks: webhookSeries(series) }), [series]);
  const monitored = useMemo(() => totals(series, byMonitoredCode), [series]);
  const refused = useMemo(() => totals(series, byRefusedCode), [series]);
  const sources = useMemo(() => totals(series, bySource), [series]);
  return (
    <section aria-labelledby="security-usage-title">
      <h2 id="security-usage-title">Security and operations</h2>
      <div className="chart-grid">
        <div>
          <UsageChart id="attestation-usage" title={`Attestations per ${granularity}: passed, refused, ${WOULD_HAVE_BLOCKED}`} data={charts.attestation} empty="No attestations in this window." />
          <TotalsTable caption="Would have blocked (monitor-only), by reason" head="Reason code" rows={monitored} code />
          <TotalsTable caption="Refused attestations, by reason" head="Reason code" rows={refused} code />
          <p>
            <a href={`#/apps/${appId}/attestation`}>Attestation of this app</a>
          </p>
        </div>
        <div>
          <UsageChart id="leak-usage" title={`Leak reports per ${granularity}, by status`} data={charts.leaks} empty="No leak reports in this window." />
          <TotalsTable caption="Leak reports by source" head="Source" rows={sources} />
          <p>
            <a href="#/leaks">Leak reports</a>
          </p>
        </div>
        <div>
          <UsageChart id="anomaly-usage" title={`Anomalies per ${granularity}, by rule`} data={charts.anomalies} empty="No anomalies in this window." />
          <p>
            <a href="#/security">Security events</a>
          </p>
        </div>
        <div>
          <UsageChart id="webhook-usage" title={`Webhook deliveries per ${granularity}, by status`} data={charts.webhooks} empty="No webhook deliveries in this window." />
          <p>
            <a href={`#/apps/${appId}/webhooks`}>Webhooks of this app</a>
          </p>
        </div>
      </div>
    </section>
  );
}
