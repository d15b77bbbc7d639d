import type { ReactNode } from 'react';
import { AccessMap } from './AccessMap.js';
import { AppAttestation } from './AppAttestation.js';
import { AppDevices } from './AppDevices.js';
import { AppSessions } from './AppSessions.js';
import { AppSettings } from './AppSettings.js';
import { AppWebhooks } from './AppWebhooks.js';
import { LeakReports } from './LeakReports.js';
import { SigningKeys } from './SigningKeys.js';

/** Main-nav entries of the operations pages (App.tsx renders them after its own). */
export const OPS_NAV = [
  ['/leaks', 'Leak reports'],
  ['/signing-keys', 'Signing keys'],
  ['/access-map', 'Access map'],
] as const;

const APP_PAGE = /^\/apps\/(app_[0-9A-Za-z]{22})\/(settings|sessions|devices|webhooks|attestation)$/;

/** The operations page for a hash route, or undefined for a route App.tsx handles itself. */
export function opsPage(route: string): ReactNode | undefined {
  if (route === '/leaks') return <LeakReports />;
  if (route === '/signing-keys') return <SigningKeys />;
  if (route === '/access-map') return <AccessMap />;
  const m = APP_PAGE.exec(route);
  if (!m) return undefined;
  const appId = m[1]!;
  switch (m[2]) {
    case 'settings':
      return <AppSettings key={appId} appId={appId} />;
    case 'sessions':
      return <AppSessions key={appId} appId={appId} />;
    case 'devices':
      return <AppDevices key={appId} appId={appId} />;
    case 'webhooks':
      return <AppWebhooks key={appId} appId={appId} />;
    default:
      return <AppAttestation key={appId} appId={appId} />;
  }
}
