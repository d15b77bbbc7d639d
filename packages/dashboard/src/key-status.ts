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
