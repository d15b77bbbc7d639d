import type { KeyRecord } from '../keys/model.js';

/*
 * Full power: `["*"]`, every app (`appIds` null), enabled, unrevoked, without an expiry. The store
 * keeps at least one such root key (store/sql/root-keys.ts, `Store.updateKeyKeepingFullRoot`).
 */

/**
 * The closed list of what a root (operator) key may do on the admin API. Every admin route
 * declares exactly one of these (http/server.ts refuses to start otherwise), and a root key holds
 * a set of them plus, optionally, a restriction to some apps. `*` is every permission, including
 * ones added later: only the first root key and keys made from it on purpose carry it.
 *
 * Reading and writing are split where an operator plausibly wants one without the other (a
 * dashboard reads keys, a CI job rotates them); each `:write` does NOT imply its `:read`.
 */
export const PERMISSIONS = [
  'apps:read',
  'apps:write',
  'keys:read',
  'keys:write',
  'credentials:verify',
  'identities:read',
  'identities:write',
  'audit:read',
  'secrets:read',
  'secrets:write',
  'sessions:read',
  'sessions:write',
  'tokens:write',
  'devices:read',
  'devices:write',
  'attestation:read',
  'attestation:write',
  'signing-keys:write',
  'metrics:read',
  'analytics:read',
  'anomalies:read',
  'anomalies:write',
  'rootkeys:read',
  'rootkeys:write',
  'webhooks:read',
  'webhooks:write',
  'leaks:read',
  'leaks:write',
] as const;

export type Permission = (typeof PERMISSIONS)[number];
/** What a root key may hold: named permissions or `*` (all of them). */
export type Grant = Permission | '*';

const KNOWN: ReadonlySet<string> = new Set<string>(PERMISSIONS);

export function isPermission(value: string): value is Permission {
  return KNOWN.has(value);
}

export function isGrant(value: string): value is Grant {
  return value === '*' || KNOWN.has(value);
}

/** Sorted, deduplicated; `*` swallows the rest, so "full power" has one stored form: `["*"]`. */
export function normaliseGrants(grants: readonly Grant[]): Grant[] {
  if (grants.includes('*')) return ['*'];
  return [...new Set(grants)].sort();
}

/** The power of a root key as the admin API sees it. A record without `permissions` holds none (deny by default). */
export interface RootPower {
  readonly permissions: readonly Grant[];
  /** Null: every app, present and future. Otherwise only these apps (and nothing that is not an app's). */
  readonly appIds: readonly string[] | null;
}

export function powerOf(key: Pick<KeyRecord, 'permissions' | 'appIds'>): RootPower {
  return { permissions: (key.permissions ?? []) as Grant[], appIds: key.appIds ?? null };
}

export function holds(power: RootPower, permission: Permission): boolean {
  return power.permissions.includes('*') || power.permissions.includes(permission);
}

/** Whether a key restricted to apps may act on `appId` (null: something that belongs to no app). */
export function reachesApp(power: RootPower, appId: string | null): boolean {
  if (power.appIds === null) return true;
  return appId !== null && power.appIds.includes(appId);
}

/**
 * Whether `holder` holds at least everything `wanted` would: every permission, and every app.
 * A root key can only create, rotate, change or revoke root keys it covers, so a key with
 * `rootkeys:write` cannot mint itself a stronger key nor take over (rotate) a stronger one.
 */
export function covers(holder: RootPower, wanted: RootPower): boolean {
  if (!holder.permissions.includes('*')) {
    if (wanted.permissions.includes('*')) return false;
    if (!wanted.permissions.every((p) => holder.permissions.includes(p))) return false;
  }
  if (holder.appIds === null) return true;
  if (wanted.appIds === null) return false;
  return wanted.appIds.every((a) => holder.appIds!.includes(a));
}
