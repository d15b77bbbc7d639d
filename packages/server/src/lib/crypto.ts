import { hash, timingSafeEqual } from 'node:crypto';

/** SHA-256 of a key, hex. Keys have ≥160 bits of entropy, so an unsalted fast hash is the right tool (as GitHub and Unkey do); a slow KDF would only cost latency. */
export function sha256Hex(text: string): string {
  // crypto.hash (Node >= 20.12) is the one-shot form: same SHA-256, no Hash object per call.
  return hash('sha256', text, 'hex');
}

/**
 * Constant-time equality for two hex digests of known length, without allocating (this runs on
 * every verification): every character is compared, whatever the first difference.
 */
export function digestsEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Constant-time string equality (length is not secret: both sides are fixed-length hashes or MACs). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  if (ab.length !== bb.length) {
    timingSafeEqual(ab, ab);
    return false;
  }
  return timingSafeEqual(ab, bb);
}
