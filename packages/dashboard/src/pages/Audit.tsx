import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api.js';
import { ErrorText } from '../components/ErrorText.js';
import type { AuditRecord } from '../types.js';

interface ChainResult {
  readonly ok: boolean;
  readonly records: number;
  readonly brokenAtSeq?: number;
  readonly problem?: string;
}

/** The audit log, paged (oldest first, as the API pages), filtered by target, and the chain check. */
export function Audit() {
  const [target, setTarget] = useState('');
  const [pages, setPages] = useState<string[]>(['']);
  const [page, setPage] = useState<{ items: AuditRecord[]; next?: string }>();
  const [chain, setChain] = useState<ChainResult>();
  const [error, setError] = useState<unknown>();
  const after = pages[pages.length - 1]!;
  // Typing in the filter starts a request per keystroke: only the newest answer is shown.
  const latest = useRef(0);
  const load = useCallback(async () => {
    const q = new URLSearchParams({ limit: '50', ...(after ? { after } : {}), ...(target ? { target } : {}) });
    const mine = ++latest.current;
    try {
      const answer = await api<{ items: AuditRecord[]; next?: string }>('GET', `/v1/audit?${q}`);
      if (mine === latest.current) setPage(answer);
    } catch (err) {
      if (mine === latest.current) setError(err);
    }
  }, [after, target]);
  useEffect(() => void load(), [load]);
  const verify = async () => {
    setChain(undefined);
    try {
      setChain(await api<ChainResult>('GET', '/v1/audit/verify'));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <div className="filters">
        <label htmlFor="auditTarget">Target id</label>
        <input
          id="auditTarget"
          value={target}
          onChange={(e) => {
            setTarget(e.target.value.trim());
            setPages(['']);
          }}
        />
        <button type="button" onClick={verify}>
          Verify chain
        </button>
      </div>
      {chain && (
        <p role="status" className={chain.ok ? 'ok' : 'error'}>
          {chain.ok ? `The chain verifies: ${chain.records} records, none changed, removed or reordered.` : `The chain is broken at record ${chain.brokenAtSeq} (${chain.problem}).`}
        </p>
      )}
      <ErrorText error={error} />
      {page && (
        <table>
          <caption className="sr-only">Audit records</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">When</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((r) => (
              <tr key={r.seq}>
                <td>{r.seq}</td>
                <td>{new Date(r.at).toLocaleString()}</td>
                <td>
                  <code>{r.actor}</code>
                </td>
                <td>{r.action}</td>
                <td>
                  <code>{r.target}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="row">
        <button type="button" disabled={pages.length === 1} onClick={() => setPages(pages.slice(0, -1))}>
          Previous
        </button>
        <button type="button" disabled={!page?.next} onClick={() => page?.next && setPages([...pages, page.next])}>
          Next
        </button>
      </div>
    </section>
  );
}
