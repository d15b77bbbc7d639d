import { useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { useAppEnv } from '../app-env.js';
import { AppHeader } from '../components/AppHeader.js';
import { ErrorText } from '../components/ErrorText.js';
import { Field } from '../components/Field.js';
import type { App } from '../types.js';
import { DeleteApp } from './DeleteApp.js';
import { ANOMALY_ACTIONS, ANOMALY_RULES, LEAK_ACTIONS, settingsBody, type SettingsErrors } from './settings-form.js';
import { useApp } from './use-load.js';

/** The app as `GET /v1/apps/{appId}` answers it, with the version a save moves on. */
type VersionedApp = App & { readonly version?: number };

const LEAK_LABEL: Record<string, string> = { auto: 'auto: flag publishable keys, revoke the rest', revoke: 'revoke every reported key', flag: 'flag only (rotate on your schedule)' };

/** An app's settings: its name, browser origins (CORS), responses to anomalies and leaks, rotation and token defaults. */
export function AppSettings({ appId }: { appId: string }) {
  const app = useApp(appId);
  const [env, setEnv] = useAppEnv(appId);
  const [errors, setErrors] = useState<SettingsErrors>({});
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const a: VersionedApp | undefined = app.data;
  const s = (a?.settings ?? {}) as { corsOrigins?: string[]; anomalyActions?: Record<string, string>; leakAction?: string; revokeKeysSeenInUrls?: boolean; defaultRotationGraceSeconds?: number; maxTokenTtlSeconds?: number };

  const save = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = e.currentTarget.elements;
    const v = (n: string) => (f.namedItem(n) as HTMLInputElement).value;
    const checked = settingsBody({
      name: v('settingsName'),
      corsOrigins: v('corsOrigins'),
      anomalyActions: Object.fromEntries(ANOMALY_RULES.map((r) => [r, v(`anomaly-${r}`)]).filter(([, x]) => x !== '')),
      leakAction: v('leakAction'),
      revokeKeysSeenInUrls: (f.namedItem('revokeKeysSeenInUrls') as HTMLInputElement).checked,
      defaultRotationGraceSeconds: v('defaultRotationGraceSeconds'),
      maxTokenTtlSeconds: v('maxTokenTtlSeconds'),
    });
    setSaved(false);
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    try {
      await api<App>('PATCH', `/v1/apps/${appId}`, checked.body);
      setError(undefined);
      setSaved(true);
      await app.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section aria-labelledby="app-title">
      <AppHeader appId={appId} name={a?.name} current="settings" env={env} onEnv={setEnv} envNote="These settings apply to both environments." />
      <h2>Settings</h2>
      <ErrorText error={error ?? app.error} />
      {saved && <p role="status" className="ok">Saved.</p>}
      {!a ? (
        <p role="status">Loading…</p>
      ) : (
        // Keyed by version: a save (or another operator's change) reloads the form with what the server holds.
        <form key={String(a.version ?? a.createdAt)} className="grid" onSubmit={save} noValidate>
          <Field id="settingsName" label="Name" error={errors.name}>
            {(x) => <input {...x} name="settingsName" defaultValue={a.name} maxLength={128} required />}
          </Field>
          <Field id="corsOrigins" label="Browser origins allowed to call (CORS), one per line" error={errors.corsOrigins} help="For example https://app.example.com, or * for any origin. Empty: no browser origin.">
            {(x) => <textarea {...x} name="corsOrigins" rows={4} defaultValue={(s.corsOrigins ?? []).join('\n')} spellCheck={false} />}
          </Field>
          <fieldset aria-describedby={errors.anomalyActions ? 'anomaly-error' : undefined}>
            <legend>When an anomaly is detected</legend>
            {ANOMALY_RULES.map((r) => (
              <div key={r} className="field">
                <label htmlFor={`anomaly-${r}`}>{r.replaceAll('_', ' ')}</label>
                <select id={`anomaly-${r}`} name={`anomaly-${r}`} defaultValue={s.anomalyActions?.[r] ?? ''}>
                  <option value="">alert (default)</option>
                  {ANOMALY_ACTIONS.map((x) => (
                    <option key={x} value={x}>
                      {x}
                    </option>
                  ))}
                </select>
              </div>
            ))}
            {errors.anomalyActions && (
              <span id="anomaly-error" className="error">
                {errors.anomalyActions}
              </span>
            )}
          </fieldset>
          <Field id="leakAction" label="When a leak report names a key" error={errors.leakAction}>
            {(x) => (
              <select {...x} name="leakAction" defaultValue={s.leakAction ?? 'auto'}>
                {LEAK_ACTIONS.map((l) => (
                  <option key={l} value={l}>
                    {LEAK_LABEL[l]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <label htmlFor="revokeKeysSeenInUrls" className="check">
            <input id="revokeKeysSeenInUrls" name="revokeKeysSeenInUrls" type="checkbox" defaultChecked={s.revokeKeysSeenInUrls ?? false} /> revoke (not only refuse) a key seen in a URL
          </label>
          <Field id="defaultRotationGraceSeconds" label="Default rotation grace period, seconds" error={errors.defaultRotationGraceSeconds}>
            {(x) => <input {...x} name="defaultRotationGraceSeconds" inputMode="numeric" defaultValue={String(s.defaultRotationGraceSeconds ?? 0)} />}
          </Field>
          <Field id="maxTokenTtlSeconds" label="Longest token lifetime, seconds" error={errors.maxTokenTtlSeconds}>
            {(x) => <input {...x} name="maxTokenTtlSeconds" inputMode="numeric" defaultValue={String(s.maxTokenTtlSeconds ?? 3600)} />}
          </Field>
          <div className="row">
            <button type="submit">Save settings</button>
          </div>
        </form>
      )}
      {a && <DeleteApp appId={appId} name={a.name} />}
    </section>
  );
}
