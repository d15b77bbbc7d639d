import { BASE62_ALPHABET, randomBase62, webRandomBytes } from '@keyward/protocol';

/**
 * Prefixed, random identifiers (`app_…`, `key_…`, `req_…`). Prefixes make ids self-describing in
 * logs and let the HTTP layer reject an id of the wrong type before any lookup. 22 base62 chars
 * ≈ 131 bits, so ids are unguessable even though they are not secrets.
 */
export const ID_PREFIXES = ['app', 'key', 'req', 'aud', 'ses', 'sfm', 'dev', 'jwk', 'sec', 'evt', 'wh', 'idt', 'anm', 'ins', 'dbg', 'chl', 'whd', 'lkr', 'ate'] as const;
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

const REQUEST_ID_PROCESS_PART = randomBase62(10, webRandomBytes);
let requestCounter = 0;

/**
 * Request ids are not secrets, only unique: a per-process random part plus a counter, so the
 * hot path pays no CSPRNG call per request (which cost ~25% of a minimal route's throughput).
 * Same shape as every other id: `req_` + 22 base62 characters.
 */
export function newRequestId(): string {
  requestCounter = (requestCounter + 1) % Number.MAX_SAFE_INTEGER; // far below 62^12: 12 digits always suffice
  // The first 11 digits change once every 62 requests: encode them only then.
  const high = Math.floor(requestCounter / 62);
  if (high !== encodedHigh) {
    encodedHigh = high;
    encodedHighDigits = base62Digits(high, 11);
  }
  return `req_${REQUEST_ID_PROCESS_PART}${encodedHighDigits}${BASE62_ALPHABET[requestCounter % 62]}`;
}

let encodedHigh = -1;
let encodedHighDigits = '';

function base62Digits(value: number, width: number): string {
  let n = value;
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62_ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/** What an incoming `X-Request-Id` may be to be kept: short, printable, no separators a log parser would split on. */
const INCOMING_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A valid incoming `X-Request-Id` (set by a load balancer or the calling service) is kept, so one
 * id follows a request across hops; anything else gets a new one.
 */
export function requestIdFrom(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && INCOMING_REQUEST_ID.test(incoming) ? incoming : newRequestId();
}
