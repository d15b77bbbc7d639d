import { useCallback, useEffect, useState } from 'react';
import { api, onSignedOut, setCsrfToken } from './api.js';
import { SignIn } from './pages/SignIn.js';
import { Apps } from './pages/Apps.js';
import { AppKeys } from './pages/AppKeys.js';
import { Audit } from './pages/Audit.js';
import { Anomalies } from './pages/Anomalies.js';
import { useRoute } from './router.js';
import { OPS_NAV, opsPage } from './ops/routes.js';
import type { Session } from './types.js';

/** The shell: sign-in when there is no session (keeping the page the user was on), else the routed page. */
export function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session | null | undefined>(undefined);

  const adopt = useCallback((s: Session | null) => {
    setCsrfToken(s?.csrfToken);
    setSession(s);
  }, []);

  useEffect(() => {
    api<Session>('GET', '/v1/console/session').then(adopt, () => adopt(null));
    return onSignedOut(() => adopt(null));
  }, [adopt]);

  if (session === undefined) return <p className="loading" role="status">Loading…</p>;
  if (session === null) return <SignIn onSignedIn={adopt} />;

  const signOut = async () => {
    await api('DELETE', '/v1/console/session').catch(() => {});
    adopt(null);
  };
  const appMatch = /^\/apps\/(app_[0-9A-Za-z]{22})$/.exec(route);
  return (
    <>
      <header className="top">
        <a className="brand" href="#/">Keyward</a>
        <nav aria-label="Main">
          <a href="#/" aria-current={route === '/' ? 'page' : undefined}>Apps</a>
          <a href="#/audit" aria-current={route === '/audit' ? 'page' : undefined}>Audit log</a>
          <a href="#/security" aria-current={route === '/security' ? 'page' : undefined}>Security events</a>
          {OPS_NAV.map(([r, label]) => (
            <a key={r} href={`#${r}`} aria-current={route === r ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span className="who">
          Signed in as <strong>{session.rootKey.name}</strong>
          <button type="button" onClick={signOut}>Sign out</button>
        </span>
      </header>
      <main id="main">
        {opsPage(route) ?? (appMatch ? <AppKeys appId={appMatch[1]!} /> : route === '/audit' ? <Audit /> : route === '/security' ? <Anomalies /> : <Apps />)}
      </main>
    </>
  );
}
