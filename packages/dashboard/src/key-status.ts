import type { Key } from './types.js';

/**
 * A key's status in words, for the key list and the key's page. Revoked, then disabled, then
 * expired: the order in which verification refuses (keys/decide.ts), so the word names what the
 * next call would meet. An expired key stays listed (the server lists every unrevoked key), so
 * without the third word it would read "active" while every call is refused with EXPIRED.
 */
export function keyStatus(k: Pick<Key, 'revokedAt' | 'revokedReason' | 'enabled' | 'expiresAt'>, nowMs: number): string {
  if (k.revokedAt) return `revoked (${k.revokedReason ?? ''})`;
  if (!k.enabled) return 'disabled';
  if (k.expiresAt !== null && Date.parse(k.expiresAt) <= nowMs) return 'expired';
  return 'active';
}

/** The key list's status filter: "not revoked" is what the server lists by default. */
export type StatusFilter = 'unrevoked' | 'active' | 'disabled' | 'expired' | 'revoked' | 'all';

export const STATUS_FILTERS: readonly (readonly [StatusFilter, string])[] = [
  ['unrevoked', 'not revoked'],
  ['active', 'active'],
  ['disabled', 'disabled'],
  ['expired', 'expired'],
  ['revoked', 'revoked'],
  ['all', 'all, revoked too'],
];

/** Whether the server must be asked for revoked keys too for this filter. */
export const needsRevoked = (filter: StatusFilter): boolean => filter === 'revoked' || filter === 'all';

/** Whether a key belongs in the list under this filter, by the same words the list shows. */
export function matchesStatus(k: Parameters<typeof keyStatus>[0], filter: StatusFilter, nowMs: number): boolean {
  if (filter === 'all') return true;
  if (filter === 'unrevoked') return !k.revokedAt;
  return keyStatus(k, nowMs).split(' ')[0] === filter;
}
