import { useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { ErrorText } from '../components/ErrorText.js';
import { Field } from '../components/Field.js';
import { explainBody, type ExplainFields, type FieldErrors } from './explain-form.js';
import type { AccessMapData, ExplainAnswer, MapResource } from './types.js';
import { useLoad } from './use-load.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** A resource's requirements in words: what a call must carry beyond an allowed kind. */
export function requirements(r: MapResource): string {
  const parts = [
    ...r.require.map((x) => (x === 'signature' ? 'signed request' : x === 'assertion' ? 'attestation + per-request assertion' : x)),
    ...(r.subject ? [`{${r.subject}} is the caller's subject${r.subjectForAll ? ' (every kind)' : ''}`] : []),
    ...(r.environments ? [`only ${r.environments.join(', ')}`] : []),
    ...Object.entries(r.minAppVersion).map(([env, v]) => `app ≥ ${v} in ${env}`),
    ...(r.monitor ? ['attestation monitor-only'] : []),
  ];
  return parts.join('; ') || '—';
}

export function limitsOf(r: MapResource): string {
  const parts = [...r.rateLimits, ...(r.quota ? [`quota ${r.quota}`] : []), ...(r.cost !== 1 ? [`cost ${r.cost}`] : [])];
  return parts.join(', ') || '—';
}

/** The loaded access map as a table, and "may this key make this call?" as `keyward policy explain` answers it. */
export function AccessMap() {
  const map = useLoad(() => api<AccessMapData>('GET', '/v1/policy'), []);
  const [by, setBy] = useState<ExplainFields['by']>('keyId');
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [answer, setAnswer] = useState<ExplainAnswer>();
  const [error, setError] = useState<unknown>();
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const el = (n: string) => form.elements.namedItem(n) as HTMLInputElement | null;
    const fields: ExplainFields = {
      by,
      keyId: el('keyId')?.value ?? '',
      credential: el('credential')?.value ?? '',
      method: el('method')!.value,
      path: el('path')!.value,
      subject: el('explainSubject')!.value,
      appVersion: el('appVersion')!.value,
      assumeSigned: el('assumeSigned')!.checked,
      assumeAttested: el('assumeAttested')!.checked,
    };
    const checked = explainBody(fields);
    setAnswer(undefined);
    if (!checked.ok) return setFieldErrors(checked.errors);
    setFieldErrors({});
    try {
      setAnswer(await api<ExplainAnswer>('POST', '/v1/policy/explain', checked.body));
      setError(undefined);
    } catch (err) {
      setError(err);
    } finally {
      // The pasted credential is not kept in the page once it has been asked about.
      const c = el('credential');
      if (c) c.value = '';
    }
  };
  const m = map.data;
  return (
    <section aria-labelledby="map-title">
      <h1 id="map-title">Access map</h1>
      <ErrorText error={map.error} />
      {m === undefined ? (
        <p role="status">Loading…</p>
      ) : !m.loaded ? (
        <p>
          No access map is loaded. Start the server with <code>keyward start --policy access-map.yaml</code> to see it here.
        </p>
      ) : (
        <>
          <table tabIndex={0}>
            <caption>Resources, most specific first. Anything not listed is denied.</caption>
            <thead>
              <tr>
                <th scope="col">Resource</th>
                <th scope="col">Path</th>
                <th scope="col">Methods</th>
                <th scope="col">Who may call</th>
                <th scope="col">Scopes</th>
                <th scope="col">Requirements</th>
                <th scope="col">Limits</th>
              </tr>
            </thead>
            <tbody>
              {m.resources.map((r) => (
                <tr key={`${r.name}-${r.path}`}>
                  <th scope="row">{r.name}</th>
                  <td>
                    <code>{r.path}</code>
                  </td>
                  <td>{r.methods === '*' ? 'any' : r.methods.join(', ')}</td>
                  <td>{r.allow.join(', ')}</td>
                  <td>{r.scopes.join(' ') || '—'}</td>
                  <td>{requirements(r)}</td>
                  <td>{limitsOf(r)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {(m.limits.length > 0 || m.quotas.length > 0) && (
            <table tabIndex={0}>
              <caption>Rate limits and quotas</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Budget</th>
                  <th scope="col">Counted per</th>
                </tr>
              </thead>
              <tbody>
                {m.limits.map((l) => (
                  <tr key={`l-${l.name}`}>
                    <th scope="row">{l.name}</th>
                    <td>
                      {l.rate} per {l.windowSeconds} s, {l.burst} at once
                    </td>
                    <td>{l.by}</td>
                  </tr>
                ))}
                {m.quotas.map((q) => (
                  <tr key={`q-${q.name}`}>
                    <th scope="row">{q.name}</th>
                    <td>
                      {q.amount} {typeof q.refill === 'string' ? q.refill : `per ${q.refill.intervalSeconds} s`}
                    </td>
                    <td>{q.by}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}

      <h2 id="explain-title">May this key make this call?</h2>
      <form className="grid" onSubmit={submit} aria-labelledby="explain-title" noValidate>
        <fieldset className="env">
          <legend>Test</legend>
          <label>
            <input type="radio" name="by" value="keyId" checked={by === 'keyId'} onChange={() => setBy('keyId')} /> a key id
          </label>
          <label>
            <input type="radio" name="by" value="credential" checked={by === 'credential'} onChange={() => setBy('credential')} /> the key itself
          </label>
        </fieldset>
        {by === 'keyId' ? (
          <Field id="keyId" label="Key id" error={fieldErrors.keyId}>
            {(a) => <input {...a} name="keyId" spellCheck={false} autoComplete="off" />}
          </Field>
        ) : (
          <Field id="credential" label="Key, session key or token" error={fieldErrors.credential} help="Sent once in the request body; not kept by this page.">
            {(a) => <input {...a} name="credential" type="password" spellCheck={false} autoComplete="off" />}
          </Field>
        )}
        <Field id="method" label="Method" error={fieldErrors.method}>
          {(a) => (
            <select {...a} name="method" defaultValue="GET">
              {METHODS.map((x) => (
                <option key={x}>{x}</option>
              ))}
            </select>
          )}
        </Field>
        <Field id="path" label="Path" error={fieldErrors.path}>
          {(a) => <input {...a} name="path" placeholder="/users/42/profile" />}
        </Field>
        <Field id="explainSubject" label="Subject (optional)" error={fieldErrors.subject} help="The X-Keyward-Subject a key without its own would send.">
          {(a) => <input {...a} name="explainSubject" maxLength={256} />}
        </Field>
        <Field id="appVersion" label="App version (optional)" error={fieldErrors.appVersion}>
          {(a) => <input {...a} name="appVersion" maxLength={64} />}
        </Field>
        <label htmlFor="assumeSigned" className="check">
          <input id="assumeSigned" name="assumeSigned" type="checkbox" /> as if the request were signed
        </label>
        <label htmlFor="assumeAttested" className="check">
          <input id="assumeAttested" name="assumeAttested" type="checkbox" /> as if the app were attested
        </label>
        <div className="row">
          <button type="submit">Explain</button>
        </div>
      </form>
      <ErrorText error={error} />
      {answer && <ExplainResult answer={answer} />}
    </section>
  );
}

export function ExplainResult({ answer }: { answer: ExplainAnswer }) {
  return (
    <div role="status" className="explain">
      <p className={answer.allowed ? 'ok' : 'error'}>
        <strong>{answer.allowed ? `Allowed${answer.resource ? ` (${answer.resource})` : ''}` : `Denied: ${answer.code}`}</strong>
      </p>
      <ol>
        {answer.steps.map((s, i) => (
          <li key={i}>
            <span aria-hidden="true">{s.ok ? '✓' : '✗'}</span> <span className="sr-only">{s.ok ? 'passed' : 'failed'}</span> {s.check}
            {s.detail && s.detail !== s.check ? `: ${s.detail}` : ''}
          </li>
        ))}
      </ol>
      {answer.conditions.length > 0 && <p className="help">A request must also come {answer.conditions.join(' and ')}.</p>}
    </div>
  );
}
