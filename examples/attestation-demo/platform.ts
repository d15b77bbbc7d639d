/**
 * A simulated platform, both halves: the "device" side is an {@link AttestationBridge} holding a
 * P-256 key (what App Attest or Android Keystore would hold), and the server side is an
 * AttestationVerifier that checks the device's signature over the challenge. It stands in for
 * Apple or Google so the whole flow runs in Node; it proves nothing about a real device.
 */
import { createHash, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import type { AttestationBridge } from '../../packages/client/src/index.js';
import type { AttestationVerifier } from '../../packages/server/src/attestation/provider.js';

export function simulatedBridge(): AttestationBridge & { readonly attestations: number } {
  let key: { privateKey: KeyObject; spki: string } | undefined;
  let counter = 0;
  let attestations = 0;
  const ensure = () => {
    if (!key) {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      key = { privateKey: pair.privateKey, spki: pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64url') };
      counter = 0;
    }
    return key;
  };
  return {
    get attestations() {
      return attestations;
    },
    async attest(challenge) {
      const k = ensure();
      attestations++;
      return { platform: 'android', certificateChain: [k.spki, sign('sha256', Buffer.from(challenge, 'base64url'), k.privateKey).toString('base64url')] };
    },
    async assert(clientData) {
      const k = ensure();
      counter++;
      return `${counter}.${sign('sha256', Buffer.concat([clientData, Buffer.from(`\n${counter}`)]), { key: k.privateKey, dsaEncoding: 'der' }).toString('base64url')}`;
    },
    async reset() {
      key = undefined;
    },
  };
}

export const simulatedPlatformVerifier: AttestationVerifier<{ readonly platform: 'android'; readonly certificateChain: readonly string[] }> = {
  platform: 'android',
  async verify(payload, context) {
    const [spki, signature] = payload.certificateChain;
    if (!spki || !signature) return { ok: false, code: 'ATTESTATION_FAILED', reason: 'malformed' };
    let ok = false;
    try {
      ok = verify('sha256', context.challenge, { key: Buffer.from(spki, 'base64url'), format: 'der', type: 'spki' }, Buffer.from(signature, 'base64url'));
    } catch {
      ok = false;
    }
    if (!ok) return { ok: false, code: 'ATTESTATION_FAILED', reason: 'signature' };
    return { ok: true, instance: { platform: 'android', keyId: createHash('sha256').update(Buffer.from(spki, 'base64url')).digest('base64url'), publicKeySpki: spki, counter: 0, facts: { simulated: true } } };
  },
};
