import type { ReactNode } from 'react';
import type { Env } from '../app-env.js';

/** The pages of one app, in the order of its tab bar. `keys` is the app's own page (AppKeys). */
export const APP_TABS = [
  ['keys', 'Keys'],
  ['usage', 'Usage overview'],
  ['settings', 'Settings'],
  ['sessions', 'Sessions'],
  ['devices', 'Devices'],
  ['webhooks', 'Webhooks'],
  ['attestation', 'Attestation'],
] as const;
export type AppTab = (typeof APP_TABS)[number][0];

export const appTabRoute = (appId: string, tab: AppTab) => (tab === 'keys' ? `#/apps/${appId}` : `#/apps/${appId}/${tab}`);

/** The tab bar of an app's pages; the current one is marked for screen readers too. */
export function AppTabs({ appId, current }: { appId: string; current: AppTab }) {
  return (
    <nav aria-label="App pages" className="tabs">
      {APP_TABS.map(([tab, label]) => (
        <a key={tab} href={appTabRoute(appId, tab)} aria-current={tab === current ? 'page' : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}

/** The live/test switch: a labelled radio group, reachable and changeable with the keyboard. */
export function EnvSwitch({ env, onChange, note }: { env: Env; onChange: (env: Env) => void; note?: string }) {
  return (
    <fieldset className="env" aria-describedby={note ? 'env-note' : undefined}>
      <legend>Environment</legend>
      {(['live', 'test'] as const).map((e) => (
        <label key={e}>
          <input type="radio" name="env" value={e} checked={env === e} onChange={() => onChange(e)} /> {e}
        </label>
      ))}
      {note && (
        <span id="env-note" className="help">
          {note}
        </span>
      )}
    </fieldset>
  );
}

/**
 * Back link, the app's name, its tabs and the environment switch, on every page of an app. Pages
 * whose data is not per environment (settings, webhooks) say so in `envNote`, and the choice
 * still carries to the next page.
 */
export function AppHeader({ appId, name, current, env, onEnv, envNote, children }: { appId: string; name: string | undefined; current: AppTab; env: Env; onEnv: (env: Env) => void; envNote?: string; children?: ReactNode }) {
  return (
    <>
      <p>
        <a href="#/">← Apps</a>
      </p>
      <h1 id="app-title">{name ?? 'App'}</h1>
      <AppTabs appId={appId} current={current} />
      <EnvSwitch env={env} onChange={onEnv} {...(envNote ? { note: envNote } : {})} />
      {children}
    </>
  );
}
