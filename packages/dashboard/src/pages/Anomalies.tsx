import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.js';
import { ErrorText } from '../components/ErrorText.js';
import { ShowOnce } from '../components/ShowOnce.js';

interface Anomaly {
  readonly id: string;
  readonly rule: string;
  readonly appId: string | null;
  readonly entity: string;
  readonly credentialKind: string | null;
  readonly detectedAt: string;
  readonly action: string;
  readonly actionOutcome: string;
  readonly status: string;
}

const KEY_KINDS = new Set(['publishable', 'secret', 'restricted', 'export', 'bearer', 'signing', 'device']);

/** Security events (anomalies, keys seen in URLs) with one-click responses: revoke, rotate, dismiss. */
export function Anomalies() {
  const [items, setItems] = useState<readonly Anomaly[]>();
  const [error, setError] = useState<unknown>();
  const [note, setNote] = useState<string>();
  const [secret, setSecret] = useState<string>();
  const load = useCallback(() => api<{ items: Anomaly[] }>('GET', '/v1/anomalies?status=open').then((r) => setItems(r.items), setError), []);
  useEffect(() => void load(), [load]);
  const act = async (a: Anomaly, what: 'revoke' | 'rotate' | 'dismiss') => {
    try {
      if (what === 'revoke') await api('POST', `/v1/keys/${a.entity}/revoke`, { reason: `security event ${a.rule} (${a.id})` });
      if (what === 'rotate') setSecret((await api<{ secret: string }>('POST', `/v1/keys/${a.entity}/rotate`, { gracePeriodSeconds: 0 })).secret);
      await api('POST', `/v1/anomalies/${a.id}/${what === 'dismiss' ? 'dismiss' : 'resolve'}`);
      setNote(what === 'rotate' ? 'Rotated: the old key stopped working. Give the new key, shown once, to its owner.' : undefined);
      setError(undefined);
      await load();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="sec-title">
      <h1 id="sec-title">Security events</h1>
      <ErrorText error={error} />
      {note && <p role="status">{note}</p>}
      {secret && <ShowOnce secret={secret} onClose={() => setSecret(undefined)} />}
      {items === undefined ? (
        <p role="status">Loading…</p>
      ) : items.length === 0 ? (
        <p>No open security events.</p>
      ) : (
        <table>
          <caption className="sr-only">Open security events</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Credential</th>
              <th scope="col">Action taken</th>
              <th scope="col">Respond</th>
            </tr>
          </thead>
          <tbody>
            {items.map((a) => (
              <tr key={a.id}>
                <td>{new Date(a.detectedAt).toLocaleString()}</td>
                <td>{a.rule.replaceAll('_', ' ')}</td>
                <td>
                  <code>{a.entity}</code>
                </td>
                <td>
                  {a.action} ({a.actionOutcome.replaceAll('_', ' ')})
                </td>
                <td className="actions">
                  {a.credentialKind && KEY_KINDS.has(a.credentialKind) && (
                    <>
                      <button type="button" className="danger" onClick={() => act(a, 'revoke')}>
                        Revoke key
                      </button>
                      <button type="button" onClick={() => act(a, 'rotate')}>
                        Rotate key
                      </button>
                    </>
                  )}
                  <button type="button" onClick={() => act(a, 'dismiss')}>
                    Dismiss
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
