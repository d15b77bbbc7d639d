import { useEffect, useState } from 'react';
import { api } from '../api.js';
import { ErrorText } from '../components/ErrorText.js';
import type { AuditRecordWithData } from '../types.js';

const PAGE = 100;

/** An audit record's data in one line: `fields: scopes, meta` (the log holds no secrets). */
function summary(data: Readonly<Record<string, unknown>>): string {
  return Object.entries(data)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join('; ')
    .slice(0, 300);
}

/**
 * A key's history from the audit log (`GET /v1/audit?target=key_…`), newest first. `version`
 * changes after each edit, so the list reloads when the key does.
 */
export function KeyHistory({ keyId, version }: { keyId: string; version: number }) {
  const [page, setPage] = useState<{ items: AuditRecordWithData[]; next?: string }>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    let current = true;
    const q = new URLSearchParams({ target: keyId, limit: String(PAGE) });
    api<{ items: AuditRecordWithData[]; next?: string }>('GET', `/v1/audit?${q}`).then(
      (p) => current && setPage(p),
      (err) => current && setError(err),
    );
    return () => {
      current = false;
    };
  }, [keyId, version]);
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <ErrorText error={error} />
      {page === undefined ? (
        !error && <p role="status">Loading…</p>
      ) : page.items.length === 0 ? (
        <p>No audit records for this key.</p>
      ) : (
        <>
          {/* Focusable: on a phone it scrolls sideways, and a keyboard user must be able to scroll it. */}
          <table className="history" tabIndex={0}>
            <caption className="sr-only">Audit records of this key, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Actor</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {[...page.items].reverse().map((r) => (
                <tr key={r.seq}>
                  <td>{new Date(r.at).toLocaleString()}</td>
                  <td>{r.action}</td>
                  <td>
                    <code>{r.actor}</code>
                  </td>
                  <td>{summary(r.data ?? {})}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.next && <p className="help">The first {PAGE} records are shown. The audit log page lists the rest (filter by this key's id).</p>}
        </>
      )}
    </section>
  );
}
