import { describe, expect, it } from 'vitest';
import { newWebhookSecret, signWebhook, verifyWebhook } from '../../src/webhooks/signing.js';

// The Standard Webhooks specification's published example (test data only).
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('Standard Webhooks signing', () => {
  it('reproduces the specification test vector exactly', () => {
    expect(signWebhook(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it('verifies the vector, also among several signatures, and refuses a changed body, id or timestamp', () => {
    const h = { id: VECTOR.id, timestamp: String(VECTOR.timestamp), signature: `v1,bm9wZQ== ${VECTOR.signature}` };
    expect(verifyWebhook(VECTOR.secret, h, VECTOR.body, VECTOR.timestamp)).toBe(true);
    expect(verifyWebhook(VECTOR.secret, h, '{"test": 2432232315}', VECTOR.timestamp)).toBe(false);
    expect(verifyWebhook(VECTOR.secret, { ...h, id: 'msg_other' }, VECTOR.body, VECTOR.timestamp)).toBe(false);
    expect(verifyWebhook(VECTOR.secret, { ...h, timestamp: String(VECTOR.timestamp + 1) }, VECTOR.body, VECTOR.timestamp)).toBe(false);
  });

  it('refuses a timestamp outside the tolerance window', () => {
    const h = { id: VECTOR.id, timestamp: String(VECTOR.timestamp), signature: VECTOR.signature };
    expect(verifyWebhook(VECTOR.secret, h, VECTOR.body, VECTOR.timestamp + 301)).toBe(false);
    expect(verifyWebhook(VECTOR.secret, h, VECTOR.body, VECTOR.timestamp - 301)).toBe(false);
  });

  it('new secrets have the whsec_ prefix and 32 random bytes', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(a);
  });
});
