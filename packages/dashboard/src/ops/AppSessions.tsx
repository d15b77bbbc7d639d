import { useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { useAppEnv } from '../app-env.js';
import { AppHeader } from '../components/AppHeader.js';
import { Confirm } from '../components/Confirm.js';
import { ErrorText } from '../components/ErrorText.js';
import type { SessionRow } from './types.js';
import { useApp, useLoad, when } from './use-load.js';

/** An app's sessions in one environment, optionally of one subject: revoke one, or all of a subject. */
export function AppSessions({ appId }: { appId: string }) {
  const app = useApp(appId);
  const [env, setEnv] = useAppEnv(appId);
  const [subject, setSubject] = useState('');
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const [confirm, setConfirm] = useState<{ kind: 'one'; session: SessionRow } | { kind: 'subject'; subject: string }>();
  const [note, setNote] = useState<string>();
  const list = useLoad(() => {
    const q = new URLSearchParams({ appId, environment: env, ...(subject ? { subject } : {}), ...(includeRevoked ? { includeRevoked: 'true' } : {}) });
    return api<{ items: SessionRow[] }>('GET', `/v1/sessions?${q}`).then((r) => r.items);
  }, [appId, env, subject, includeRevoked]);

  const filter = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setSubject((e.currentTarget.elements.namedItem('subject') as HTMLInputElement).value.trim());
  };
  const act = async () => {
    if (!confirm) return;
    try {
      if (confirm.kind === 'one') {
        await api('POST', `/v1/sessions/${confirm.session.id}/revoke`, { reason: 'revoked in the dashboard' });
        setNote(`Session of ${confirm.session.subject} revoked.`);
      } else {
        const r = await api<{ revoked: number }>('POST', `/v1/subjects/${encodeURIComponent(confirm.subject)}/sessions/revoke`, { appId, environment: env, reason: 'revoked in the dashboard' });
        setNote(`${r.revoked} session${r.revoked === 1 ? '' : 's'} of ${confirm.subject} revoked.`);
      }
      await list.reload();
    } catch (err) {
      list.setError(err);
    }
  };

  return (
    <section aria-labelledby="app-title">
      <AppHeader appId={appId} name={app.data?.name} current="sessions" env={env} onEnv={setEnv} />
      <h2>Sessions in {env}</h2>
      <form className="filters" onSubmit={filter} role="search">
        <label htmlFor="subject">Subject</label>
        <input id="subject" name="subject" defaultValue={subject} maxLength={256} aria-describedby="subject-help" />
        <button type="submit">Show</button>
        <label htmlFor="includeRevoked" className="check">
          <input id="includeRevoked" type="checkbox" checked={includeRevoked} onChange={(e) => setIncludeRevoked(e.target.checked)} /> include revoked
        </label>
      </form>
      <p id="subject-help" className="help">
        Leave it empty for every subject.
      </p>
      {subject && (
        <p>
          <button type="button" className="danger" onClick={() => setConfirm({ kind: 'subject', subject })}>
            Revoke all sessions of {subject}
          </button>
        </p>
      )}
      <ErrorText error={list.error ?? app.error} />
      {note && <p role="status">{note}</p>}
      {list.data === undefined ? (
        <p role="status">Loading…</p>
      ) : list.data.length === 0 ? (
        <p>No sessions match.</p>
      ) : (
        <table tabIndex={0}>
          <caption className="sr-only">Sessions in {env}</caption>
          <thead>
            <tr>
              <th scope="col">Subject</th>
              <th scope="col">Device</th>
              <th scope="col">Started</th>
              <th scope="col">Last used</th>
              <th scope="col">Ends</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((s) => (
              <tr key={s.id} data-session-id={s.id}>
                <td>{s.subject}</td>
                <td>{Object.values(s.device).filter(Boolean).join(', ') || '—'}</td>
                <td>{when(s.createdAt)}</td>
                <td>{when(s.lastUsedAt)}</td>
                <td>{when(s.absoluteExpiresAt)}</td>
                <td>{s.revokedAt ? `revoked (${s.revokedReason ?? ''})` : 'active'}</td>
                <td>
                  {!s.revokedAt && (
                    <button type="button" className="danger" onClick={() => setConfirm({ kind: 'one', session: s })} aria-label={`Revoke session ${s.id} of ${s.subject}`}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {confirm && (
        <Confirm
          title={confirm.kind === 'one' ? `Revoke this session of ${confirm.session.subject}?` : `Revoke every session of ${confirm.subject}?`}
          confirmLabel="Revoke"
          danger
          onConfirm={() => void act()}
          onClose={() => setConfirm(undefined)}
        >
          <p className="warning">The user is signed out on {confirm.kind === 'one' ? 'that device' : `every device, in ${env}`} at once. Their refresh tokens stop working too.</p>
        </Confirm>
      )}
    </section>
  );
}
