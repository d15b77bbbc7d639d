import { useState } from 'react';
import { api, ApiError, plainWords } from '../api.js';
import { Confirm } from '../components/Confirm.js';
import { ErrorText } from '../components/ErrorText.js';
import { Field } from '../components/Field.js';
import { LIMITS, parseReason } from '../validate.js';

/**
 * Where deleting an app stands. `blocked`: the server refused with APP_HAS_CREDENTIALS (the app
 * still has live keys, sessions or devices) and its problem is shown; `force`: the second, explicit
 * confirmation of `DELETE /v1/apps/{appId}?force=true`, which revokes all of them with the app.
 */
export type DeleteStep = { readonly at: 'idle' } | { readonly at: 'confirm' } | { readonly at: 'blocked'; readonly problem: ApiError } | { readonly at: 'force'; readonly problem: ApiError };

/** After a refused delete: only APP_HAS_CREDENTIALS leads on to the forced delete; anything else is an error to show. */
export function afterRefusal(err: unknown): DeleteStep | undefined {
  return err instanceof ApiError && err.problem.code === 'APP_HAS_CREDENTIALS' ? { at: 'blocked', problem: err } : undefined;
}

/**
 * The forced delete is confirmed by typing the app's name: a second click on the same spot must
 * not revoke every credential of an app, and the name says which app it is (two tabs, two apps).
 */
export function namesApp(typed: string, name: string): boolean {
  return name.trim() !== '' && typed.trim() === name.trim();
}

/**
 * The request that deletes the app. The forced one carries the operator's reason, which the server
 * records on every key and session it revokes with the app (and so in the audit log); without one
 * they would all read "app deleted", which says nothing about why.
 */
export function deletePath(appId: string, force: false): string;
export function deletePath(appId: string, force: true, reason: string): string;
export function deletePath(appId: string, force: boolean, reason?: string): string {
  if (!force) return `/v1/apps/${appId}`;
  return `/v1/apps/${appId}?${new URLSearchParams({ force: 'true', reason: reason ?? '' }).toString()}`;
}

/**
 * The settings page's "Delete this app": a confirmation, then on APP_HAS_CREDENTIALS the server's
 * words and the forced delete behind a typed name. `initial` is the step it opens at (the
 * component tests render each step; the page always starts idle).
 */
export function DeleteApp({ appId, name, initial = { at: 'idle' } }: { appId: string; name: string; initial?: DeleteStep }) {
  const [step, setStep] = useState<DeleteStep>(initial);
  const [typed, setTyped] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const parsedReason = parseReason(reason);
  const remove = async (force: boolean) => {
    setError(undefined);
    try {
      await api('DELETE', force ? deletePath(appId, true, parsedReason.value ?? '') : deletePath(appId, false));
      // The app list loads afresh when it mounts, so it no longer shows this app.
      location.hash = '#/';
    } catch (err) {
      const next = force ? undefined : afterRefusal(err);
      setStep(next ?? { at: 'idle' });
      if (!next) setError(err);
    }
  };
  // A dialog closing (Cancel, Escape, or after its button) leaves a later step alone: the answer to the delete may already have moved on.
  const closed = (from: 'confirm' | 'force') =>
    setStep((s): DeleteStep => {
      if (s.at !== from) return s;
      return s.at === 'force' ? { at: 'blocked', problem: s.problem } : { at: 'idle' };
    });

  return (
    <section aria-labelledby="delete-app-title" className="danger-zone">
      <h3 id="delete-app-title">Delete this app</h3>
      <p className="help">The app leaves the list and its credentials stop working. This cannot be undone.</p>
      <button type="button" className="danger" onClick={() => setStep({ at: 'confirm' })}>
        Delete app
      </button>
      <ErrorText error={error} />
      {(step.at === 'blocked' || step.at === 'force') && (
        <div role="alert" className="warning">
          <p>{plainWords(step.problem)}</p>
          <button type="button" className="danger" onClick={() => {
              setTyped('');
              setReason('');
              setStep({ at: 'force', problem: step.problem });
            }}
          >
            Delete and revoke everything…
          </button>
        </div>
      )}
      {step.at === 'confirm' && (
        <Confirm title={`Delete ${name}?`} confirmLabel="Delete app" danger onConfirm={() => void remove(false)} onClose={() => closed('confirm')}>
          <p>The app is deleted only if it has no live keys, sessions or devices left.</p>
        </Confirm>
      )}
      {step.at === 'force' && (
        <Confirm title={`Delete ${name} and revoke everything?`} confirmLabel="Delete and revoke everything" danger confirmDisabled={!namesApp(typed, name) || parsedReason.errors !== undefined} onConfirm={() => void remove(true)} onClose={() => closed('force')}>
          <p className="warning">Every key, session, device and token of this app is revoked with it, in both environments, and stops working at once.</p>
          <div className="field">
            <label htmlFor="confirm-app-name">Type the app&apos;s name, {name}, to confirm</label>
            <input id="confirm-app-name" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} />
          </div>
          {/* Required, as for revoking one key; only an over-long reason is an error to show while typing. */}
          <Field id="delete-app-reason" label="Reason" help="Recorded on every revoked key and session, and in the audit log" error={reason.trim().length > LIMITS.reasonMaxChars ? parsedReason.errors?.reason : undefined}>
            {(a) => <input {...a} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={LIMITS.reasonMaxChars + 100} />}
          </Field>
        </Confirm>
      )}
    </section>
  );
}
