import { createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../lib/crypto.js';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com, "Signature scheme"): the
 * symmetric `v1` scheme is HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${body}`, sent as
 * `webhook-signature: v1,<base64>`. The secret is `whsec_` + base64 of 24 to 64 random bytes; the
 * HMAC key is the decoded bytes, not the text. Receivers' existing libraries (standardwebhooks,
 * svix) verify what this signs: the published test vector is in test/webhooks/signing.test.ts.
 */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

/** A fresh endpoint secret (shown once, stored sealed). */
export function newWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

function secretKey(secret: string): Buffer {
  const b64 = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  const key = Buffer.from(b64, 'base64');
  if (key.length < 24 || key.length > 64) throw new TypeError('a webhook secret is whsec_ followed by base64 of 24 to 64 bytes');
  return key;
}

/** `v1,<base64 HMAC-SHA256(id.timestamp.body)>`; `timestampSeconds` is integer Unix seconds. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string | Uint8Array): string {
  const mac = createHmac('sha256', secretKey(secret));
  mac.update(`${id}.${timestampSeconds}.`);
  mac.update(body);
  return `v1,${mac.digest('base64')}`;
}

/** The three headers of one delivery attempt (a fresh timestamp per attempt, the same id). */
export function webhookHeaders(secret: string, id: string, timestampSeconds: number, body: string): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': signWebhook(secret, id, timestampSeconds, body) };
}

/**
 * A receiver's check, for tests and for `keyward webhooks` tooling: the header may list several
 * space-separated signatures (during a secret rotation); one matching `v1` one suffices. The
 * timestamp must be within `toleranceSeconds` of `nowSeconds` (the spec's replay window).
 */
export function verifyWebhook(
  secret: string,
  headers: { readonly id: string; readonly timestamp: string; readonly signature: string },
  body: string | Uint8Array,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  if (!/^\d{1,12}$/.test(headers.timestamp)) return false;
  const ts = Number(headers.timestamp);
  if (Math.abs(nowSeconds - ts) > toleranceSeconds) return false;
  const expected = signWebhook(secret, headers.id, ts, body);
  let ok = false;
  for (const candidate of headers.signature.split(' ')) {
    if (candidate.startsWith('v1,') && constantTimeEqual(candidate, expected)) ok = true;
  }
  return ok;
}
