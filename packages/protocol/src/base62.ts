import { webCrypto } from './web.js';

/** Base62 alphabet: digits, upper, lower. No `-`/`_`, so a double-click selects a whole token. */
export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Fixed-width base62 of an unsigned 32-bit integer (6 chars cover 2^32 since 62^6 > 2^35). */
export function base62FixedWidth(value: number, width: number): string {
  let out = '';
  let v = value >>> 0;
  for (let i = 0; i < width; i++) {
    out = BASE62_ALPHABET[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out;
}

/**
 * `length` uniformly random base62 characters from `randomBytes` (rejection sampling: bytes >= 248
 * are discarded so that every character has probability exactly 1/62).
 */
export function randomBase62(length: number, randomBytes: (n: number) => Uint8Array): string {
  let out = '';
  while (out.length < length) {
    const bytes = randomBytes(length * 2);
    for (let i = 0; i < bytes.length && out.length < length; i++) {
      const b = bytes[i]!;
      if (b < 248) out += BASE62_ALPHABET[b % 62];
    }
  }
  return out;
}

/** WebCrypto random bytes: available in browsers, React Native (with a polyfill) and Node >= 19. */
export function webRandomBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  webCrypto().getRandomValues(bytes);
  return bytes;
}
