import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { ErrorText } from '../components/ErrorText.js';
import { describedBy, FieldError } from '../components/FieldError.js';
import type { App } from '../types.js';
import { parseAppName } from '../validate.js';

export function Apps() {
  const [apps, setApps] = useState<readonly App[]>();
  const [error, setError] = useState<unknown>();
  const [invalid, setInvalid] = useState<string>();
  const load = () => api<{ items: App[] }>('GET', '/v1/apps').then((r) => setApps(r.items), setError);
  useEffect(() => void load(), []);
  const create = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const parsed = parseAppName((form.elements.namedItem('appName') as HTMLInputElement).value);
    setInvalid(parsed.errors?.appName);
    if (parsed.errors) return;
    const name = parsed.value;
    try {
      await api('POST', '/v1/apps', { name });
      form.reset();
      setError(undefined);
      await load();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="apps-title">
      <h1 id="apps-title">Apps</h1>
      <form className="inline" onSubmit={create} noValidate>
        <label htmlFor="appName">New app name</label>
        <input id="appName" name="appName" required {...describedBy('appName', invalid)} />
        <FieldError id="appName-error" message={invalid} />
        <button type="submit">Create app</button>
      </form>
      <ErrorText error={error} />
      {apps === undefined ? (
        <p role="status">Loading…</p>
      ) : apps.length === 0 ? (
        <p>No apps yet.</p>
      ) : (
        <table>
          <caption className="sr-only">Apps</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Id</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {apps.map((a) => (
              <tr key={a.id}>
                <td>
                  <a href={`#/apps/${a.id}`}>{a.name}</a>
                </td>
                <td>
                  <code>{a.id}</code>
                </td>
                <td>{new Date(a.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
