import type { IncomingHttpHeaders } from 'node:http';
import { findKeysInText } from '@keyward/protocol';

/**
 * Where a credential may travel: `Authorization: Bearer …` or `X-Api-Key`, or an RFC 9421
 * signature (Signature-Input/Signature). Never a URL: {@link keysInTarget} finds any key there so
 * the caller can refuse and flag it.
 *
 * This is the one credential parser: the admin API, the gateway, the middleware and the verify
 * endpoints all read credentials through it, so a header one of them accepts cannot be one another
 * refuses (or reads differently).
 */
export type Presented =
  | { readonly type: 'none' }
  /** Two different credentials, or X-Api-Key twice: refused rather than choosing one, so a proxy cannot be tricked into checking one and forwarding the other. */
  | { readonly type: 'ambiguous' }
  /** An Authorization header that is not `Bearer <credential>` (and no signature to explain it). */
  | { readonly type: 'malformed' }
  | { readonly type: 'bearer'; readonly value: string }
  | { readonly type: 'signature' };

const NONE: Presented = { type: 'none' };
const AMBIGUOUS: Presented = { type: 'ambiguous' };
const MALFORMED: Presented = { type: 'malformed' };
const SIGNATURE: Presented = { type: 'signature' };

export function presented(headers: IncomingHttpHeaders): Presented {
  const auth = headers.authorization;
  const apiKey = headers['x-api-key'];
  if (Array.isArray(apiKey)) return AMBIGUOUS;
  let bearer: string | undefined;
  if (auth !== undefined) {
    bearer = bearerToken(auth);
    // `Authorization: Signature …` style schemes: the RFC 9421 fields carry the credential. An
    // X-Api-Key beside one is a second credential, refused like any two, never dropped unverified.
    if (bearer === undefined) return headers['signature-input'] === undefined ? MALFORMED : apiKey === undefined ? SIGNATURE : AMBIGUOUS;
  }
  if (bearer !== undefined && apiKey !== undefined && bearer !== apiKey) return AMBIGUOUS;
  const value = bearer ?? apiKey;
  if (value !== undefined) return { type: 'bearer', value };
  if (headers['signature-input'] !== undefined || headers.signature !== undefined) return SIGNATURE;
  return NONE;
}

/**
 * The token of `Authorization: Bearer <token>` (scheme case-insensitive, RFC 9110 §11.1), or
 * undefined. The usual spelling (`Bearer ` with one space, printable ASCII) is read without the
 * regular expression, which is a measurable share of the verify endpoint's cost; anything else
 * goes through the full pattern, so both accept exactly the same headers (property-tested).
 */
export function bearerToken(auth: string): string | undefined {
  if (auth.length >= 8 && auth.startsWith('Bearer ')) {
    let plain = true;
    for (let i = 7; i < auth.length; i++) {
      const c = auth.charCodeAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        plain = false;
        break;
      }
    }
    if (plain) return auth.slice(7);
  }
  const m = /^Bearer[ ]+(\S+)[ ]*$/i.exec(auth);
  return m ? m[1] : undefined;
}

/**
 * Every checksummed Keyward key in a request target, as sent or percent-decoded (up to three
 * times: `kw%255F…` is a key that went through two encoders). A key in a URL has been written to
 * proxy logs, browser history and referrers, whatever the parameter's name.
 */
export function keysInTarget(target: string): string[] {
  if (!mayHoldKey(target)) return [];
  let text = target;
  const found = new Set<string>();
  for (let round = 0; round < 4; round++) {
    if (text.includes('kw_')) for (const k of findKeysInText(text)) found.add(k);
    if (!text.includes('%')) break;
    let decoded: string;
    try {
      decoded = decodeURIComponent(text);
    } catch {
      decoded = text.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    }
    if (decoded === text) break;
    text = decoded;
  }
  return [...found];
}

/** Cheap pre-check for the hot path: could this target hold a key at all (raw, or in any percent-encoding)? */
export function mayHoldKey(target: string): boolean {
  return target.includes('kw_') || target.includes('%');
}

/**
 * A JWT Keyward signed, told from an external identity provider's by its header's kid: every
 * Keyward signing key's kid is a Keyward id (`jwk_…`). Only a routing hint: whichever verifier
 * a token goes to checks it completely, so a forged kid just meets the wrong verifier and fails.
 * Decoded headers are remembered by their exact text (a few per provider key), bounded.
 */
export function isKeywardJwt(value: string): boolean {
  const text = value.slice(0, value.indexOf('.'));
  const known = jwtHeaderKinds.get(text);
  if (known !== undefined) return known;
  let kid: unknown;
  try {
    kid = (JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { kid?: unknown } | null)?.kid;
  } catch {
    kid = undefined;
  }
  // An unreadable header goes to Keyward's verifier, which refuses it as MALFORMED.
  const keyward = kid === undefined || (typeof kid === 'string' && kid.startsWith('jwk_'));
  if (jwtHeaderKinds.size >= 512) jwtHeaderKinds.clear();
  jwtHeaderKinds.set(text, keyward);
  return keyward;
}

const jwtHeaderKinds = new Map<string, boolean>();

/** A compact JWS (three base64url segments, header starting `{"`). */
export function looksLikeJwt(value: string): boolean {
  return value.startsWith('eyJ') && value.split('.').length === 3;
}
