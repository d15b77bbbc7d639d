import { randomBase62, webRandomBytes } from '@keyward/protocol';

/**
 * Prefixed, random identifiers (`app_…`, `key_…`, `req_…`). Prefixes make ids self-describing in
 * logs and let the HTTP layer reject an id of the wrong type before any lookup. 22 base62 chars
 * ≈ 131 bits, so ids are unguessable even though they are not secrets.
 */
export const ID_PREFIXES = ['app', 'key', 'req', 'aud', 'ses', 'sfm', 'dev', 'jwk', 'sec', 'evt', 'wh'] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

const ID_BODY_LENGTH = 22;

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBase62(ID_BODY_LENGTH, webRandomBytes)}`;
}

const ID_RE = /^([a-z]+)_([0-9A-Za-z]{22})$/;

export function isId(value: unknown, prefix: IdPrefix): value is string {
  if (typeof value !== 'string') return false;
  const m = ID_RE.exec(value);
  return m !== null && m[1] === prefix;
}

/** JSON-schema pattern for an id of the given prefix (used by TypeBox route schemas). */
export function idPattern(prefix: IdPrefix): string {
  return `^${prefix}_[0-9A-Za-z]{${ID_BODY_LENGTH}}$`;
}
