import { useEffect, useMemo, useState } from 'react';
import { api } from '../api.js';
import { fetchAnalytics, WINDOWS } from '../analytics.js';
import { codeWords, reasonTotals, requestsAndRejections, topKeys, type Analytics, type Granularity, type KeyUsage } from '../chart-data.js';
import { UsageChart } from '../chart/UsageChart.js';
import { ErrorText } from '../components/ErrorText.js';
import type { App, Key } from '../types.js';

/** How many of the app's keys are asked about for the top-keys table, and how many at a time. */
const TOP_CANDIDATES = 50;
const PARALLEL = 4;
const TOP_SHOWN = 10;

async function mapLimit<T, R>(items: readonly T[], limit: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * The analytics API counts per app or per key but does not rank keys, so the top keys are the
 * app's most used keys (lifetime `usageCount`, both environments, revoked ones too), each asked for
 * the same window, ranked by requests in it. Bounded: at most TOP_CANDIDATES queries, PARALLEL at once.
 */
async function loadTopKeys(appId: string, granularity: Granularity): Promise<KeyUsage[]> {
  const lists = await Promise.all((['live', 'test'] as const).map((environment) => api<{ items: Key[] }>('GET', `/v1/apps/${appId}/keys?${new URLSearchParams({ environment, includeRevoked: 'true', limit: '100' })}`)));
  const candidates = lists
    .flatMap((l) => l.items)
    .filter((k) => k.usageCount > 0)
    .sort((a, b) => b.usageCount - a.usageCount)
    .slice(0, TOP_CANDIDATES);
  const rows = await mapLimit(candidates, PARALLEL, async (k) => ({ id: k.id, name: `${k.name} (${k.environment ?? ''})`, analytics: await fetchAnalytics({ keyId: k.id }, granularity) }));
  return topKeys(rows, TOP_SHOWN);
}

/** Usage of one app (`#/apps/app_…/usage`): requests and rejections over time, the top keys, the rejection reasons. */
export function Usage({ appId }: { appId: string }) {
  const [app, setApp] = useState<App>();
  const [granularity, setGranularity] = useState<Granularity>('minute');
  const [usage, setUsage] = useState<Analytics>();
  const [top, setTop] = useState<KeyUsage[]>();
  const [error, setError] = useState<unknown>();
  const [tick, setTick] = useState(0);

  useEffect(() => {
    api<App>('GET', `/v1/apps/${appId}`).then(setApp, setError);
  }, [appId]);
  useEffect(() => {
    let current = true;
    setError(undefined);
    Promise.all([fetchAnalytics({ appId }, granularity), loadTopKeys(appId, granularity)]).then(
      ([a, t]) => {
        if (!current) return;
        setUsage(a);
        setTop(t);
      },
      (err) => current && setError(err),
    );
    return () => {
      current = false;
    };
  }, [appId, granularity, tick]);

  const aligned = useMemo(() => (usage ? requestsAndRejections(usage) : undefined), [usage]);
  const reasons = useMemo(() => (usage ? reasonTotals(usage) : []), [usage]);
  return (
    <section aria-labelledby="usage-page-title">
      <p>
        <a href={`#/apps/${appId}`}>← Keys of this app</a>
      </p>
      <h1 id="usage-page-title">Usage of {app?.name ?? 'this app'}</h1>
      <div className="filters">
        <label htmlFor="usage-window">Window</label>
        <select id="usage-window" value={granularity} onChange={(e) => setGranularity(e.target.value as Granularity)}>
          {WINDOWS.map((w) => (
            <option key={w.granularity} value={w.granularity}>
              {w.label}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => setTick((t) => t + 1)}>
          Refresh
        </button>
      </div>
      <ErrorText error={error} />
      {!aligned ? (
        !error && <p role="status">Loading…</p>
      ) : (
        <>
          <UsageChart id="app-usage" title={`Requests and rejections per ${granularity}, both environments`} data={aligned} />
          <div className="columns">
            <section aria-labelledby="top-title">
              <h2 id="top-title">Top keys</h2>
              {top && top.length > 0 ? (
                <table tabIndex={0}>
                  <caption className="sr-only">Keys with the most requests in the window</caption>
                  <thead>
                    <tr>
                      <th scope="col">Key</th>
                      <th scope="col">Requests</th>
                      <th scope="col">Rejected</th>
                    </tr>
                  </thead>
                  <tbody>
                    {top.map((k) => (
                      <tr key={k.id}>
                        <td>
                          <a href={`#/keys/${k.id}`}>{k.name}</a>
                        </td>
                        <td>{k.requests.toLocaleString('en-US')}</td>
                        <td>{k.rejections.toLocaleString('en-US')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p>No key was used in this window.</p>
              )}
            </section>
            <section aria-labelledby="reasons-title">
              <h2 id="reasons-title">Rejection reasons</h2>
              {reasons.length > 0 ? (
                <table tabIndex={0}>
                  <caption className="sr-only">Rejections in the window by reason</caption>
                  <thead>
                    <tr>
                      <th scope="col">Reason</th>
                      <th scope="col">Code</th>
                      <th scope="col">Count</th>
                    </tr>
                  </thead>
                  <tbody>
                    {reasons.map((r) => (
                      <tr key={r.code}>
                        <td>{codeWords(r.code)}</td>
                        <td>
                          <code>{r.code}</code>
                        </td>
                        <td>{r.count.toLocaleString('en-US')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p>Nothing was rejected in this window.</p>
              )}
            </section>
          </div>
        </>
      )}
    </section>
  );
}
