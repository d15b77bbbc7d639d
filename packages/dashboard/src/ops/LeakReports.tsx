import { useState } from 'react';
import { api } from '../api.js';
import { Confirm } from '../components/Confirm.js';
import { ErrorText } from '../components/ErrorText.js';
import { ShowOnce } from '../components/ShowOnce.js';
import type { LeakRow } from './types.js';
import { useLoad, when } from './use-load.js';

const OUTCOME: Record<string, string> = {
  revoked: 'revoked at once',
  already_revoked: 'was already revoked',
  flagged: 'flagged: still works, rotate or revoke it',
  false_positive: 'not a Keyward key',
};

/**
 * Leak reports from secret-scanning partners, newest first. A flagged key (the app's leak action
 * left it working) gets the one-click answers: revoke it, or rotate it (the new key is shown once);
 * any open report can be dismissed once it is handled or judged a false alarm.
 */
export function LeakReports() {
  const list = useLoad(() => api<{ items: LeakRow[] }>('GET', '/v1/leaks?limit=100').then((r) => r.items), []);
  const [revoke, setRevoke] = useState<LeakRow>();
  const [secret, setSecret] = useState<string>();
  const [note, setNote] = useState<string>();
  const run = async (f: () => Promise<string>) => {
    try {
      setNote(await f());
      list.setError(undefined);
      await list.reload();
    } catch (err) {
      list.setError(err);
    }
  };
  const revokeKey = (r: LeakRow) => void run(async () => (await api('POST', `/v1/leaks/${r.id}/revoke`), `Key ${r.keyId} revoked.`));
  return (
    <section aria-labelledby="leaks-title">
      <h1 id="leaks-title">Leak reports</h1>
      <p className="help">Sent by secret-scanning partners when a key turns up in public code. What happens to the key is each app&apos;s leak action (app settings).</p>
      <ErrorText error={list.error} />
      {note && <p role="status">{note}</p>}
      {secret && <ShowOnce secret={secret} onClose={() => setSecret(undefined)} />}
      {list.data === undefined ? (
        <p role="status">Loading…</p>
      ) : list.data.length === 0 ? (
        <p>No leak reports.</p>
      ) : (
        <table tabIndex={0}>
          <caption className="sr-only">Leak reports, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Last reported</th>
              <th scope="col">Where</th>
              <th scope="col">Key</th>
              <th scope="col">Outcome</th>
              <th scope="col">Respond</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((r) => (
              <tr key={r.id} data-leak-id={r.id}>
                <td>
                  {when(r.lastReportedAt)}
                  {r.reportCount > 1 ? ` (${r.reportCount} reports)` : ''}
                </td>
                <td>
                  {/^https:\/\//.test(r.url) ? (
                    <a href={r.url} rel="noreferrer noopener" target="_blank">
                      {r.source || 'report'}
                    </a>
                  ) : (
                    r.source
                  )}
                </td>
                <td>{r.keyId ? <code>{r.keyId}</code> : r.tokenType}</td>
                <td>
                  {OUTCOME[r.outcome] ?? r.outcome}
                  {r.status !== 'open' ? `; ${r.status}${r.closedAt ? ` ${when(r.closedAt)}` : ''}` : ''}
                </td>
                <td>
                  <div className="actions">
                    {r.outcome === 'flagged' && r.keyId && r.status === 'open' && (
                      <>
                        <button type="button" className="danger" onClick={() => setRevoke(r)} aria-label={`Revoke key ${r.keyId}`}>
                          Revoke key
                        </button>
                        <button
                          type="button"
                          onClick={() => void run(async () => (setSecret((await api<{ secret: string }>('POST', `/v1/keys/${r.keyId}/rotate`, { gracePeriodSeconds: 0 })).secret), `Key ${r.keyId} rotated.`))}
                          aria-label={`Rotate key ${r.keyId}`}
                        >
                          Rotate key
                        </button>
                      </>
                    )}
                    {r.status === 'open' && (
                      <button type="button" onClick={() => void run(async () => (await api('POST', `/v1/leaks/${r.id}/dismiss`), 'Leak report dismissed.'))} aria-label={`Dismiss report ${r.id}`}>
                        Dismiss
                      </button>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {revoke && (
        <Confirm title={`Revoke key ${revoke.keyId}?`} confirmLabel="Revoke key" danger onConfirm={() => revokeKey(revoke)} onClose={() => setRevoke(undefined)}>
          <p className="warning">Every request with this key is refused at once. Apps that ship it stop working until they get a new one.</p>
        </Confirm>
      )}
    </section>
  );
}
