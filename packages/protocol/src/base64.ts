/**
 * Standard base64 (RFC 4648 §4) without Buffer, so it runs in browsers and React Native as well as
 * Node. Decoding is strict: only the alphabet, and only the canonical spelling of each byte string
 * (leftover bits zero), because a signature with several spellings could be "changed" without
 * changing what it decodes to. Padding and length are the caller's check (the structured-field
 * parser requires both).
 */
import { StructuredFieldError } from './structured-field-error.js';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += `${B64[(n >> 18) & 63]}${B64[(n >> 12) & 63]}==`;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += `${B64[(n >> 18) & 63]}${B64[(n >> 12) & 63]}${B64[(n >> 6) & 63]}=`;
  }
  return out;
}

export function base64Decode(text: string): Uint8Array {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) end--;
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let o = 0;
  let i = 0;
  // Four characters to three bytes at a time; a character outside the alphabet is -1, so the OR is negative.
  for (; i + 4 <= end; i += 4) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const c = sextet(text, i + 2);
    const d = sextet(text, i + 3);
    if ((a | b | c | d) < 0) throw new StructuredFieldError('bad base64');
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  const rest = end - i;
  if (rest === 1) throw new StructuredFieldError('bad base64');
  if (rest > 1) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const c = rest === 3 ? sextet(text, i + 2) : 0;
    if ((a | b | c) < 0) throw new StructuredFieldError('bad base64');
    // Canonical only: leftover bits must be zero, so one byte string has exactly one encoding
    // (otherwise a signature could be "changed" without changing what it decodes to).
    if (rest === 2 ? (b & 0x0f) !== 0 : (c & 0x03) !== 0) throw new StructuredFieldError('non-canonical base64');
    out[o++] = (a << 2) | (b >> 4);
    if (rest === 3) out[o++] = ((b & 0x0f) << 4) | (c >> 2);
  }
  return out; // exactly filled: ⌊3·end/4⌋ bytes for every length that gets here
}

/**
 * Whether `text` is the content of a byte sequence the structured-field parser accepts (RFC 8941
 * §4.2.7): a length in fours, at most two `=` and only at the end, the alphabet, and zero leftover
 * bits, so one byte string has one spelling. Checks without decoding, for a verifier that compares
 * the text itself; held to the parser's answers by protocol/test/signature-field.test.ts.
 */
export function isCanonicalBase64(text: string): boolean {
  if (text.length % 4 !== 0) return false;
  let end = text.length;
  if (text.charCodeAt(end - 1) === 61 /* = */) end--;
  if (text.charCodeAt(end - 1) === 61) end--;
  for (let i = 0; i < end; i++) if (sextet(text, i) < 0) return false;
  // Left over: 2 characters (`xx==`, one byte) keep 4 bits, 3 (`xxx=`, two bytes) keep 2; all zero.
  const rest = end % 4;
  if (rest === 2) return (sextet(text, end - 1) & 0x0f) === 0;
  if (rest === 3) return (sextet(text, end - 1) & 0x03) === 0;
  return true; // rest 0: whole groups (a length in fours leaves no rest of 1)
}

/** The 6-bit value of the base64 character at `i`, or -1 outside the alphabet. */
function sextet(text: string, i: number): number {
  const code = text.charCodeAt(i);
  return code < 128 ? B64_INDEX[code]! : -1;
}
