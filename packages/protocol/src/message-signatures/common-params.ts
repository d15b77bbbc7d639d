import type { Parameters } from '../structured-fields.js';

/** The signature parameters RFC 9421 §2.3 defines, as read from one Signature-Input member. */
export interface SignatureParams {
  /** The parameters in their order, as the general parser lists them. */
  readonly list: Parameters;
  readonly created: number | undefined;
  readonly expires: number | undefined;
  readonly nonce: string | undefined;
  readonly alg: string | undefined;
  readonly keyid: string | undefined;
  readonly tag: string | undefined;
}

/**
 * The parameters every signed request carries, read straight into their fields: `;created=N`,
 * `;expires=N`, `;nonce="…"`, `;alg="…"`, `;keyid="…"`, `;tag="…"`, each at most once, integers
 * in their canonical spelling (no leading zero, no `-0`, at most 15 digits) and strings without
 * escapes. Anything else — another key, a space, an escape, a repeat, a decimal, a wrong type —
 * answers undefined, and the general structured-field parser reads the text instead, so the two
 * paths can never disagree: this one only takes texts whose meaning has a single spelling.
 * Such text is its own canonical serialisation (RFC 8941 §4.1).
 */
export function readCommonParams(text: string, at: number): SignatureParams | undefined {
  let created: number | undefined;
  let expires: number | undefined;
  let nonce: string | undefined;
  let alg: string | undefined;
  let keyid: string | undefined;
  let tag: string | undefined;
  const list: [string, number | string][] = [];
  const n = text.length;
  let i = at;
  while (i < n) {
    if (text.charCodeAt(i) !== 59 /* ; */) return undefined;
    const key = keyAt(text, i + 1);
    if (key === undefined) return undefined;
    i += 1 + KEYS[key]!.length; // `;`, then the key with its `=`
    if (key <= EXPIRES) {
      const negative = text.charCodeAt(i) === 45; /* - */
      if (negative) i++;
      const first = i;
      let value = 0;
      for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) value = value * 10 + (c - 48);
      const digits = i - first;
      if (digits === 0 || digits > 15 || (text.charCodeAt(first) === 48 && (digits > 1 || negative))) return undefined;
      const signed = negative ? -value : value;
      if (key === CREATED) {
        if (created !== undefined) return undefined;
        created = signed;
      } else {
        if (expires !== undefined) return undefined;
        expires = signed;
      }
      list.push([NAMES[key]!, signed]);
    } else {
      if (text.charCodeAt(i) !== 34 /* " */) return undefined;
      const start = ++i;
      for (let c = text.charCodeAt(i); c !== 34; c = text.charCodeAt(++i)) {
        // Printable ASCII but no backslash; the end of the text (NaN) fails here too.
        if (!(c >= 0x20 && c <= 0x7e) || c === 92) return undefined;
      }
      const value = text.slice(start, i++);
      if (key === NONCE) {
        if (nonce !== undefined) return undefined;
        nonce = value;
      } else if (key === ALG) {
        if (alg !== undefined) return undefined;
        alg = value;
      } else if (key === KEYID) {
        if (keyid !== undefined) return undefined;
        keyid = value;
      } else {
        if (tag !== undefined) return undefined;
        tag = value;
      }
      list.push([NAMES[key]!, value]);
    }
  }
  return { list, created, expires, nonce, alg, keyid, tag };
}

const CREATED = 0;
const EXPIRES = 1;
const NONCE = 2;
const ALG = 3;
const KEYID = 4;
const NAMES = ['created', 'expires', 'nonce', 'alg', 'keyid', 'tag'];
const KEYS = NAMES.map((k) => `${k}=`);

/** Which of KEYS (with its `=`) starts at `at`, if any: one comparison after the first letter. */
function keyAt(text: string, at: number): number | undefined {
  let k: number;
  switch (text.charCodeAt(at)) {
    case 99 /* c */:
      k = CREATED;
      break;
    case 101 /* e */:
      k = EXPIRES;
      break;
    case 110 /* n */:
      k = NONCE;
      break;
    case 97 /* a */:
      k = ALG;
      break;
    case 107 /* k */:
      k = KEYID;
      break;
    case 116 /* t */:
      k = 5;
      break;
    default:
      return undefined;
  }
  // The rest of the key and its `=`, compared here: a builtin call per parameter cost more than this loop.
  const key = KEYS[k]!;
  for (let j = 1; j < key.length; j++) if (text.charCodeAt(at + j) !== key.charCodeAt(j)) return undefined;
  return k;
}
