import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { api, onSignedOut, setCsrfToken } from './api.js';
import { SignIn } from './pages/SignIn.js';
import { Apps } from './pages/Apps.js';
import { AppKeys } from './pages/AppKeys.js';
import { Audit } from './pages/Audit.js';
import { Anomalies } from './pages/Anomalies.js';
import { returnPathOf, SIGN_IN, signInRoute } from './return-path.js';
import { useRoute } from './router.js';
import { useSessionExpiry } from './session-expiry.js';
import { OPS_NAV, opsPage } from './ops/routes.js';
import type { Session } from './types.js';

// Loaded when first visited: the sign-in page, which every visit starts with, does not wait for them.
const KeyPage = lazy(() => import('./pages/KeyPage.js').then((m) => ({ default: m.KeyPage })));
const Usage = lazy(() => import('./pages/Usage.js').then((m) => ({ default: m.Usage })));

/**
 * The shell: sign-in when there is no session, else the routed page. A session that ends (expiry,
 * sign-out elsewhere, a revoked root key) moves to `#/sign-in?return=<route>`, and signing in again
 * returns there (return-path.ts validates it).
 */
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

  useSessionExpiry(session, adopt);
  // Signed out on some page: put the way back in the address (a reload keeps it); signed in on
  // the sign-in route (back button, a stale tab): go where it points.
  useEffect(() => {
    if (session === null && route !== SIGN_IN && !route.startsWith(`${SIGN_IN}?`)) location.replace(`#${signInRoute(route)}`);
    if (session && (route === SIGN_IN || route.startsWith(`${SIGN_IN}?`))) location.replace(`#${returnPathOf(route)}`);
  }, [session, route]);

  if (session === undefined) return <p className="loading" role="status">Loading…</p>;
  if (session === null) return <SignIn onSignedIn={adopt} returnTo={returnPathOf(route)} />;
  if (route === SIGN_IN || route.startsWith(`${SIGN_IN}?`)) return <p className="loading" role="status">Loading…</p>;

  const signOut = async () => {
    await api('DELETE', '/v1/console/session').catch(() => {});
    adopt(null);
  };
  const appMatch = /^\/apps\/(app_[0-9A-Za-z]{22})$/.exec(route);
  const keyMatch = /^\/keys\/(key_[0-9A-Za-z]{22})$/.exec(route);
  const usageMatch = /^\/apps\/(app_[0-9A-Za-z]{22})\/usage$/.exec(route);
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
        {keyMatch ? (
          <Suspense fallback={<p role="status">Loading…</p>}>
            <KeyPage keyId={keyMatch[1]!} />
          </Suspense>
        ) : usageMatch ? (
          <Suspense fallback={<p role="status">Loading…</p>}>
            <Usage appId={usageMatch[1]!} />
          </Suspense>
        ) : (opsPage(route) ?? (appMatch ? <AppKeys appId={appMatch[1]!} /> : route === '/audit' ? <Audit /> : route === '/security' ? <Anomalies /> : <Apps />))}
      </main>
    </>
  );
}
