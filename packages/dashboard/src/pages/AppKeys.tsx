import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { api, serverFieldErrors } from '../api.js';
import { ErrorText } from '../components/ErrorText.js';
import { describedBy, FieldError } from '../components/FieldError.js';
import { parseKeyCreate, SUBJECT_REQUIRED_KINDS, type FieldErrors } from '../validate.js';
import { ShowOnce } from '../components/ShowOnce.js';
import { KeyActions } from './KeyActions.js';
import { KEY_KINDS, type App, type Key } from '../types.js';
import { keyStatus, matchesStatus, needsRevoked, STATUS_FILTERS, type StatusFilter } from '../key-status.js';
import { useAppEnv } from '../app-env.js';
import { AppTabs } from '../components/AppHeader.js';

/** The create form's inputs by the body field the server names in a problem's `errors[].pointer`. */
const CREATE_FIELDS: Record<string, string> = { name: 'newName', scopes: 'newScopes', subject: 'newSubject' };

/** What the subject field says for the kind chosen (keys/validate.ts, keys/decide.ts). */
function subjectHelp(kind: string): string {
  if (SUBJECT_REQUIRED_KINDS.has(kind)) return 'Required: the device this credential belongs to.';
  if (kind === 'publishable') return 'Optional: binds the key to one user. Without one, every request must name the user it acts for.';
  return 'Optional: the user or service this key acts for.';
}

/** One app: its keys in one environment, filtered by kind and status; create, rotate, revoke, reissue. */
export function AppKeys({ appId }: { appId: string }) {
  const [app, setApp] = useState<App>();
  const [env, setEnv] = useAppEnv(appId);
  const [kind, setKind] = useState('');
  const [status, setStatus] = useState<StatusFilter>('unrevoked');
  const [keys, setKeys] = useState<readonly Key[]>();
  const [error, setError] = useState<unknown>();
  const [secret, setSecret] = useState<string>();
  const [invalid, setInvalid] = useState<FieldErrors>({});
  // The kind chosen in the create form: it decides what the subject field asks for.
  const [newKind, setNewKind] = useState('publishable');

  // Only the newest list request may fill the table: an older answer arriving late (a reload
  // after a revoke racing a filter change) must not overwrite what the filters now ask for.
  const latest = useRef(0);
  const withRevoked = needsRevoked(status);
  const load = useCallback(async () => {
    const q = new URLSearchParams({ environment: env, ...(kind ? { kind } : {}), ...(withRevoked ? { includeRevoked: 'true' } : {}) });
    const mine = ++latest.current;
    try {
      const items = (await api<{ items: Key[] }>('GET', `/v1/apps/${appId}/keys?${q}`)).items;
      if (mine === latest.current) setKeys(items);
    } catch (err) {
      if (mine === latest.current) setError(err);
    }
  }, [appId, env, kind, withRevoked]);
  useEffect(() => {
    api<App>('GET', `/v1/apps/${appId}`).then(setApp, setError);
  }, [appId]);
  useEffect(() => void load(), [load]);
  // Disabled and expired keys come with the unrevoked ones: told apart here, by the words shown.
  const shown = keys?.filter((k) => matchesStatus(k, status, Date.now()));

  const create = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = e.currentTarget;
    const get = (n: string) => (f.elements.namedItem(n) as HTMLInputElement | HTMLSelectElement).value.trim();
    const parsed = parseKeyCreate({ kind: get('newKind'), name: get('newName'), scopes: get('newScopes'), subject: get('newSubject') });
    setInvalid(parsed.errors ?? {});
    if (parsed.errors) return;
    const body = { ...parsed.value, environment: env };
    try {
      const issued = await api<{ key: Key; secret: string }>('POST', `/v1/apps/${appId}/keys`, body);
      f.reset();
      setNewKind('publishable');
      setError(undefined);
      setSecret(issued.secret);
      await load();
    } catch (err) {
      // The server's field errors go beside the fields they name, and the whole problem above the list.
      const byField = serverFieldErrors(err);
      setInvalid(Object.fromEntries(Object.entries(CREATE_FIELDS).flatMap(([body, input]) => (byField[body] ? [[input, byField[body]]] : []))));
      setError(err);
    }
  };

  return (
    <section aria-labelledby="app-title">
      <p>
        <a href="#/">← Apps</a>
      </p>
      <h1 id="app-title">{app?.name ?? 'App'}</h1>
      <AppTabs appId={appId} current="keys" />
      <fieldset className="env">
        <legend>Environment</legend>
        {(['live', 'test'] as const).map((e) => (
          <label key={e}>
            <input type="radio" name="env" value={e} checked={env === e} onChange={() => setEnv(e)} /> {e}
          </label>
        ))}
      </fieldset>

      <h2>Create a key in {env}</h2>
      <form className="grid" onSubmit={create} noValidate>
        <label htmlFor="newKind">Kind</label>
        <select id="newKind" name="newKind" defaultValue="publishable" onChange={(e) => setNewKind(e.target.value)}>
          {KEY_KINDS.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
        <label htmlFor="newName">Name</label>
        <input id="newName" name="newName" required {...describedBy('newName', invalid.newName)} />
        <FieldError id="newName-error" message={invalid.newName} />
        <label htmlFor="newScopes">Scopes (comma-separated, optional)</label>
        <input id="newScopes" name="newScopes" {...describedBy('newScopes', invalid.newScopes)} />
        <FieldError id="newScopes-error" message={invalid.newScopes} />
        <label htmlFor="newSubject">{SUBJECT_REQUIRED_KINDS.has(newKind) ? 'Subject' : 'Subject (optional)'}</label>
        <input id="newSubject" name="newSubject" maxLength={256} spellCheck={false} {...describedBy('newSubject', invalid.newSubject, 'newSubject-help')} />
        <span id="newSubject-help" className="help">
          {subjectHelp(newKind)}
        </span>
        <FieldError id="newSubject-error" message={invalid.newSubject} />
        <button type="submit">Create key</button>
      </form>
      <ErrorText error={error} />
      {secret && <ShowOnce secret={secret} onClose={() => setSecret(undefined)} />}

      <h2>Keys</h2>
      <div className="filters">
        <label htmlFor="filterKind">Filter by kind</label>
        <select id="filterKind" value={kind} onChange={(e) => setKind(e.target.value)}>
          <option value="">any</option>
          {KEY_KINDS.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
        <label htmlFor="filterStatus">Filter by status</label>
        <select id="filterStatus" value={status} onChange={(e) => setStatus(e.target.value as StatusFilter)}>
          {STATUS_FILTERS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {shown === undefined ? (
        <p role="status">Loading…</p>
      ) : shown.length === 0 ? (
        <p>No keys match.</p>
      ) : (
        <table>
          <caption className="sr-only">Keys in {env}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Key</th>
              <th scope="col">Status</th>
              <th scope="col">Last used</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((k) => (
              <tr key={k.id} data-key-id={k.id}>
                <td>
                  <a href={`#/keys/${k.id}`}>{k.name}</a>
                </td>
                <td>{k.kind}</td>
                <td>
                  <code>{k.start}</code>
                </td>
                <td>{keyStatus(k, Date.now())}</td>
                <td>{k.lastUsedAt ? new Date(k.lastUsedAt).toLocaleString() : 'never'}</td>
                <td>{!k.revokedAt && <KeyActions keyRecord={k} onSecret={setSecret} onChanged={load} onError={setError} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
