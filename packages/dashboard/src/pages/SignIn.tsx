import { useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { ErrorText } from '../components/ErrorText.js';
import { FieldError } from '../components/FieldError.js';
import type { Session } from '../types.js';

/**
 * Root key → session cookie. The key is sent once in the body and kept nowhere by the page.
 * `returnTo` is the validated page to go back to afterwards (App.tsx navigates there).
 */
export function SignIn({ onSignedIn, returnTo = '/' }: { onSignedIn: (s: Session) => void; returnTo?: string }) {
  const [error, setError] = useState<unknown>();
  const [invalid, setInvalid] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const input = form.elements.namedItem('rootKey') as HTMLInputElement;
    const rootKey = input.value.trim();
    // Only the shape is checked here (the server decides the rest), so an obvious paste mistake is
    // named without a round trip; the key is never echoed back in the message.
    const shape = !rootKey ? 'Enter your root key.' : !rootKey.startsWith('kw_root_') ? 'A root key starts with kw_root_. Keys of other kinds cannot sign in.' : undefined;
    setInvalid(shape);
    if (shape) return setError(undefined);
    setBusy(true);
    try {
      const s = await api<Session>('POST', '/v1/console/session', { rootKey });
      input.value = '';
      onSignedIn(s);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" className="sign-in">
      <h1>Sign in to Keyward</h1>
      {returnTo !== '/' && (
        <p role="status">
          Your session has ended. Sign in again to go back to <code>{returnTo}</code>.
        </p>
      )}
      <form onSubmit={submit} autoComplete="off" noValidate>
        <label htmlFor="rootKey">Root key</label>
        <input id="rootKey" name="rootKey" type="password" required autoComplete="off" spellCheck={false} aria-describedby={invalid ? 'rootKey-error rootKey-help' : 'rootKey-help'} aria-invalid={invalid ? true : undefined} />
        <FieldError id="rootKey-error" message={invalid} />
        <p id="rootKey-help" className="help">
          Your key is exchanged for a session that ends after an hour or when you sign out. It is not stored in this browser.
        </p>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <ErrorText error={error} />
    </main>
  );
}
