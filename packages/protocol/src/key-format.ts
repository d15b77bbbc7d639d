import { base62FixedWidth, randomBase62, webRandomBytes } from './base62.js';
import { CRC_TABLE, crc32Ascii } from './crc32.js';

/**
 * Keyward credential format: `kw_<kind>_<env>_<random><checksum>` (root keys omit `<env>`).
 *
 *  - `kw_` namespaces every Keyward secret so scanners find them with ~no false positives.
 *  - `<kind>` and `<env>` are readable so a leaked key's power is obvious at a glance.
 *  - `<random>` is 32 base62 chars ≈ 190.5 bits of entropy (the issue asks for >= 160).
 *  - `<checksum>` is CRC-32 of everything before it, 6 base62 chars: a typo or a made-up key is
 *    rejected without touching the store (GitHub's token design).
 */
export const KEY_KINDS = {
  /** Publishable client key: may be bundled in apps; acts only for the one subject it presents. */
  pk: 'publishable',
  /** Secret key: server side only, full power over its app and environment. */
  sk: 'secret',
  /** Restricted key: only its explicit scopes; one per backend system. */
  rk: 'restricted',
  /** Export key: read-only data export. */
  ek: 'export',
  /** Bearer token for API consumers and team tools, created and revoked at will. */
  bt: 'bearer',
  /** Per-install device credential secret. */
  dk: 'device',
  /** HMAC signing credential for RFC 9421 (`hmac-sha256`); its id is the signature keyid. */
  hk: 'signing',
  /** Opaque session key issued at login. */
  ss: 'session',
  /** Session refresh token; single use, rotates on every refresh. */
  rf: 'refresh',
  /** Operator root key: manages apps and keys. No environment. */
  root: 'root',
} as const;

export type KeyPrefixKind = keyof typeof KEY_KINDS;
export type KeyKind = (typeof KEY_KINDS)[KeyPrefixKind];
export type Environment = 'live' | 'test';
export const ENVIRONMENTS: readonly Environment[] = ['live', 'test'];

const KIND_TO_PREFIX = Object.fromEntries(
  Object.entries(KEY_KINDS).map(([prefix, kind]) => [kind, prefix]),
) as Record<KeyKind, KeyPrefixKind>;

export const RANDOM_LENGTH = 32;
export const CHECKSUM_LENGTH = 6;
/** Tokens longer than this are rejected before any work (integrators accept up to 255). */
export const MAX_KEY_LENGTH = 255;
/** How many random characters are kept in clear for display (`start`). */
export const DISPLAY_RANDOM_CHARS = 4;

export interface ParsedKey {
  readonly kind: KeyKind;
  readonly environment: Environment | null;
  /** The part before the random body, e.g. `kw_pk_live_`. */
  readonly prefix: string;
  /** Short, non-secret display form, e.g. `kw_pk_live_Ab3x…`. */
  readonly start: string;
}

export type ParseFailure = 'FORMAT' | 'CHECKSUM';

/** Two-character kind codes packed as `c1 << 8 | c2`, for an allocation-free membership test. */
const TWO_CHAR_KINDS = new Set(
  Object.keys(KEY_KINDS)
    .filter((p) => p.length === 2)
    .map((p) => (p.charCodeAt(0) << 8) | p.charCodeAt(1)),
);
const NON_ROOT_LENGTH = 'kw_xx_live_'.length + RANDOM_LENGTH + CHECKSUM_LENGTH;
const ROOT_LENGTH = 'kw_root_'.length + RANDOM_LENGTH + CHECKSUM_LENGTH;

function base62Digit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 90) return c - 55;
  if (c >= 97 && c <= 122) return c - 61;
  return -1;
}

/**
 * The verification hot path's format and checksum check: no allocation, one pass. Returns
 * `'OK'`, or why the key was refused before any lookup.
 */
export function keyStatus(key: string): 'OK' | ParseFailure {
  if (typeof key !== 'string') return 'FORMAT';
  const len = key.length;
  let bodyStart: number;
  if (len === NON_ROOT_LENGTH) {
    if (key.charCodeAt(0) !== 107 || key.charCodeAt(1) !== 119 || key.charCodeAt(2) !== 95 || key.charCodeAt(5) !== 95 || key.charCodeAt(10) !== 95) return 'FORMAT';
    if (!TWO_CHAR_KINDS.has((key.charCodeAt(3) << 8) | key.charCodeAt(4))) return 'FORMAT';
    if (!key.startsWith('live', 6) && !key.startsWith('test', 6)) return 'FORMAT';
    bodyStart = 11;
  } else if (len === ROOT_LENGTH) {
    if (!key.startsWith('kw_root_')) return 'FORMAT';
    bodyStart = 8;
  } else {
    return 'FORMAT';
  }
  const checksumAt = len - CHECKSUM_LENGTH;
  let crc = 0xffffffff;
  for (let i = 0; i < checksumAt; i++) {
    const c = key.charCodeAt(i);
    if (i >= bodyStart && base62Digit(c) < 0) return 'FORMAT';
    crc = CRC_TABLE[(crc ^ c) & 0xff]! ^ (crc >>> 8);
  }
  crc = (crc ^ 0xffffffff) >>> 0;
  let encoded = 0;
  for (let i = checksumAt; i < len; i++) {
    const d = base62Digit(key.charCodeAt(i));
    if (d < 0) return 'FORMAT';
    encoded = encoded * 62 + d;
  }
  return encoded === crc ? 'OK' : 'CHECKSUM';
}

/** Parses and checks a presented key. Returns the failure reason as a value. */
export function parseKey(key: string): ParsedKey | ParseFailure {
  const status = keyStatus(key);
  if (status !== 'OK') return status;
  const root = key.length === ROOT_LENGTH;
  const kind = root ? 'root' : KEY_KINDS[key.slice(3, 5) as KeyPrefixKind];
  const environment: Environment | null = root ? null : (key.slice(6, 10) as Environment);
  const bodyStart = root ? 8 : 11;
  return { kind, environment, prefix: key.slice(0, bodyStart), start: `${key.slice(0, bodyStart + DISPLAY_RANDOM_CHARS)}…` };
}

export function keyPrefix(kind: KeyKind, environment: Environment | null): string {
  const p = KIND_TO_PREFIX[kind];
  if (kind === 'root') return `kw_${p}_`;
  if (environment !== 'live' && environment !== 'test') throw new TypeError(`kind ${kind} needs an environment`);
  return `kw_${p}_${environment}_`;
}

/** Generates a new key. The result is the only time the secret exists in clear. */
export function generateKey(
  kind: KeyKind,
  environment: Environment | null,
  randomBytes: (n: number) => Uint8Array = webRandomBytes,
): string {
  const head = keyPrefix(kind, environment) + randomBase62(RANDOM_LENGTH, randomBytes);
  return head + base62FixedWidth(crc32Ascii(head), CHECKSUM_LENGTH);
}

/**
 * Finds every substring that looks like a Keyward key and passes its checksum. Used to refuse and
 * flag keys in URLs, and by the leak scanner.
 */
export function findKeysInText(text: string): string[] {
  const found: string[] = [];
  const re = /kw_(?:pk|sk|rk|ek|bt|dk|hk|ss|rf)_(?:live|test)_[0-9A-Za-z]{38}|kw_root_[0-9A-Za-z]{38}/g;
  for (const m of text.matchAll(re)) {
    const parsed = parseKey(m[0]);
    if (typeof parsed !== 'string') found.push(m[0]);
  }
  return found;
}
