import { useEffect, useMemo, useState } from 'react';
import { api } from '../api.js';
import { fetchAnalytics, fetchEventSeries, fetchTopKeys, WINDOWS } from '../analytics.js';
import { codeWords, reasonTotals, requestsAndRejections, topKeyRows, type Analytics, type Granularity, type KeyUsage } from '../chart-data.js';
import { UsageChart } from '../chart/UsageChart.js';
import { ErrorText } from '../components/ErrorText.js';
import type { EventSeries } from '../series-data.js';
import type { App } from '../types.js';
import { UsageSecurity } from './UsageSecurity.js';

/** How many keys the top-keys table shows (the server ranks them: one request). */
const TOP_SHOWN = 10;

/**
 * Usage of one app (`#/apps/app_…/usage`): requests and rejections over time, the top keys, the
 * rejection reasons, and the security and operations series (UsageSecurity). Three requests per
 * window, whatever the number of keys.
 */
export function Usage({ appId }: { appId: string }) {
  const [app, setApp] = useState<App>();
  const [granularity, setGranularity] = useState<Granularity>('minute');
  const [usage, setUsage] = useState<Analytics>();
  const [top, setTop] = useState<KeyUsage[]>();
  const [events, setEvents] = useState<EventSeries>();
  const [error, setError] = useState<unknown>();
  const [tick, setTick] = useState(0);

  useEffect(() => {
    api<App>('GET', `/v1/apps/${appId}`).then(setApp, setError);
  }, [appId]);
  useEffect(() => {
    let current = true;
    setError(undefined);
    Promise.all([fetchAnalytics({ appId }, granularity), fetchTopKeys(appId, granularity, TOP_SHOWN), fetchEventSeries(appId, granularity)]).then(
      ([a, t, e]) => {
        if (!current) return;
        setUsage(a);
        setTop(topKeyRows(t));
        setEvents(e);
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
          {events && <UsageSecurity appId={appId} granularity={granularity} series={events} />}
        </>
      )}
    </section>
  );
}
