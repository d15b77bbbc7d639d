import { useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { ErrorText } from '../components/ErrorText.js';
import type { Session } from '../types.js';

/** Root key → session cookie. The key is sent once in the body and kept nowhere by the page. */
export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const input = form.elements.namedItem('rootKey') as HTMLInputElement;
    const rootKey = input.value.trim();
    if (!rootKey) return setError(undefined);
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
      <form onSubmit={submit} autoComplete="off">
        <label htmlFor="rootKey">Root key</label>
        <input id="rootKey" name="rootKey" type="password" required autoComplete="off" spellCheck={false} aria-describedby="rootKey-help" />
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
