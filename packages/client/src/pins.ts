import { base64Decode, utf8Decode, utf8Encode, webCrypto } from '@keyward/protocol';

export interface PinSet {
  readonly appId: string;
  /** `sha256/<base64>` SPKI pins for the app's API hosts. */
  readonly pins: readonly string[];
  readonly expiresAtMs: number;
}

export class PinSetError extends Error {
  override name = 'PinSetError';
  constructor(readonly reason: 'MALFORMED' | 'UNKNOWN_KEY' | 'BAD_SIGNATURE' | 'WRONG_APP' | 'EXPIRED' | 'WRONG_TYPE') {
    super(`pin set rejected: ${reason}`);
  }
}

const b64url = (s: string) => base64Decode(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));

/**
 * Verifies a pin set document from `GET /v1/apps/{appId}/pins` against Keyward's JWKS with
 * WebCrypto (Ed25519). Ship the JWKS (or its current key) in the app; fetch pin sets over a
 * connection pinned to the previous set, so pins can rotate without an app release:
 *
 *   1. on first launch, use the pins compiled into the app;
 *   2. fetch `/v1/apps/{appId}/pins`, verify it here, and store the pins (Keychain/Keystore);
 *   3. configure the native HTTP stack with them (iOS: `URLSessionDelegate` comparing the server
 *      SPKI hash; Android: OkHttp `CertificatePinner.Builder().add(host, pin)`), keeping the old
 *      set until the new one has been seen to work.
 */
export async function verifyPinSet(jws: string, jwks: { keys: ReadonlyArray<Record<string, string>> }, expected: { appId: string; nowMs?: number }): Promise<PinSet> {
  const parts = jws.split('.');
  if (parts.length !== 3) throw new PinSetError('MALFORMED');
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = JSON.parse(utf8Decode(b64url(parts[0]!)));
    payload = JSON.parse(utf8Decode(b64url(parts[1]!)));
  } catch {
    throw new PinSetError('MALFORMED');
  }
  if (header.typ !== 'kw-pins+jwt' || header.alg !== 'EdDSA') throw new PinSetError('WRONG_TYPE');
  const jwk = jwks.keys.find((k) => k.kid === header.kid && k.alg === 'EdDSA' && k.crv === 'Ed25519');
  if (!jwk) throw new PinSetError('UNKNOWN_KEY');
  const subtle = webCrypto().subtle;
  const key = await subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', ...(jwk.x === undefined ? {} : { x: jwk.x }) }, { name: 'Ed25519' }, false, ['verify']);
  const ok = await subtle.verify({ name: 'Ed25519' }, key, b64url(parts[2]!), utf8Encode(`${parts[0]}.${parts[1]}`));
  if (!ok) throw new PinSetError('BAD_SIGNATURE');
  if (payload.sub !== expected.appId) throw new PinSetError('WRONG_APP');
  const exp = typeof payload.exp === 'number' ? payload.exp * 1000 : 0;
  if (exp <= (expected.nowMs ?? Date.now())) throw new PinSetError('EXPIRED');
  const pins = Array.isArray(payload.pins) ? payload.pins.filter((p): p is string => typeof p === 'string') : [];
  return { appId: expected.appId, pins, expiresAtMs: exp };
}
