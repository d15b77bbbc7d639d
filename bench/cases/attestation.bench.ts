import { createPublicKey, generateKeyPairSync, randomBytes, sign, verify as cryptoVerify, createHash } from 'node:crypto';
import { CompactEncrypt, CompactSign } from 'jose';
import { androidVerifier } from '../../packages/server/src/attestation/android/index.js';
import { appleVerifier, verifyAppleAssertion } from '../../packages/server/src/attestation/apple/index.js';
import { playIntegrityVerifier } from '../../packages/server/src/attestation/play-integrity/index.js';
import type { AttestationPolicy } from '../../packages/server/src/attestation/provider.js';
import { androidVectors, applePolicy, appleVectors } from '../../packages/server/test/attestation/fixtures.js';
import { compare, opsPerSecond, opsPerSecondAsync, type BenchCase, type BenchRow } from '../lib.js';

/**
 * Issue #12: an App Attest assertion (CBOR decode, two SHA-256, one ECDSA P-256 verify, RP ID and
 * counter checks) against a bare ECDSA P-256 verification in node:crypto (target ≥ 0.5), and the
 * time one attestation takes per platform, on the recorded Apple and Android vectors and a minted
 * Play Integrity token (the bare verify is the yardstick; no target).
 */
const bench: BenchCase = {
  name: 'attestation verification',
  async run({ quick }) {
    const ms = quick ? 200 : 500;
    const rounds = quick ? 3 : 11;
    const rows: BenchRow[] = [];

    const v = appleVectors()[0]!;
    const spkiDer = createPublicKey(v.attestation.publicKey).export({ type: 'spki', format: 'der' });
    const input = { publicKeySpki: spkiDer.toString('base64url'), storedCounter: 0, assertion: v.assertion.assertionBase64, clientData: Buffer.from(v.assertion.clientDataBase64, 'base64'), policy: applePolicy(v) };
    // The baseline verifies a signature over a 32-byte message with a ready KeyObject.
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const msg = createHash('sha256').update('x').digest();
    const sig = sign('sha256', msg, pair.privateKey);
    const bare = () => {
      if (!cryptoVerify('sha256', msg, pair.publicKey, sig)) throw new Error('bad');
    };
    const assertion = () => {
      if (!verifyAppleAssertion(input).ok) throw new Error('assertion refused');
    };
    const a = await compare(() => opsPerSecond(assertion, ms, 200), () => opsPerSecond(bare, ms, 200), rounds);
    rows.push({ name: 'App Attest assertion verification', subjectLabel: 'verifyAppleAssertion', baselineLabel: 'crypto.verify ECDSA P-256', subject: { opsPerSec: a.subject }, baseline: { opsPerSec: a.baseline }, pairedRatio: a.pairedRatio, target: { minRatio: 0.5 } });

    const apple = appleVerifier();
    const appleCtx = { challenge: Buffer.from(v.attestation.clientDataBase64, 'base64'), policy: applePolicy(v), nowMs: Date.parse(v.attestation.timestamp) };
    const applePayload = { platform: 'apple' as const, keyId: v.attestation.keyIdBase64, attestation: v.attestation.attestationBase64 };

    const av = androidVectors().valid.find((x) => x.name.includes('akita/sdk34/TEE_EC_NONE'))!;
    const e = av.expected as unknown as { attestationChallenge: string; softwareEnforced: { creationDateTime: string; attestationApplicationId: { packages: { name: string }[]; signatures: string[] } } };
    const android = androidVerifier();
    const androidCtx = {
      challenge: Buffer.from(e.attestationChallenge, 'base64'),
      nowMs: Number(e.softwareEnforced.creationDateTime),
      policy: { environment: 'live', android: { packageNames: e.softwareEnforced.attestationApplicationId.packages.map((p) => p.name), signingCertDigests: e.softwareEnforced.attestationApplicationId.signatures.map((s) => Buffer.from(s, 'base64').toString('hex')), minSecurityLevel: 'tee', requireLockedBootloader: false, requireVerifiedBoot: false } } as AttestationPolicy,
    };

    const aes = randomBytes(32);
    const challenge = randomBytes(32);
    const now = Date.UTC(2026, 11, 1);
    const play = playIntegrityVerifier();
    const playPolicy: AttestationPolicy = { environment: 'live', playIntegrity: { packageNames: ['com.example.app'], decryptionKey: aes.toString('base64'), verificationKey: pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), requireAppRecognized: true, minDeviceIntegrity: 'MEETS_DEVICE_INTEGRITY' } };
    const body = { requestDetails: { requestPackageName: 'com.example.app', timestampMillis: String(now), nonce: challenge.toString('base64url') }, appIntegrity: { appRecognitionVerdict: 'PLAY_RECOGNIZED' }, deviceIntegrity: { deviceRecognitionVerdict: ['MEETS_DEVICE_INTEGRITY'] } };
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(body))).setProtectedHeader({ alg: 'ES256' }).sign(pair.privateKey);
    const token = await new CompactEncrypt(new TextEncoder().encode(jws)).setProtectedHeader({ alg: 'A256KW', enc: 'A256GCM' }).encrypt(aes);

    const platforms: [string, () => Promise<unknown>][] = [
      ['Apple App Attest attestation (2-certificate chain, P-384/P-256)', async () => { if (!(await apple.verify(applePayload, appleCtx)).ok) throw new Error('apple refused'); }],
      ['Android Key Attestation (Pixel 8a, 5-certificate chain)', async () => { if (!(await android.verify({ platform: 'android', certificateChain: av.chain }, androidCtx)).ok) throw new Error('android refused'); }],
      ['Play Integrity classic token (JWE + JWS)', async () => { if (!(await play.verify({ platform: 'play_integrity', token }, { challenge, policy: playPolicy, nowMs: now })).ok) throw new Error('play refused'); }],
    ];
    for (const [name, fn] of platforms) {
      const r = await compare(() => opsPerSecondAsync(fn, ms, 20), () => opsPerSecond(bare, ms, 200), rounds);
      rows.push({ name: `attestation time: ${name}`, subjectLabel: `${(1000 / r.subject).toFixed(2)} ms each`, baselineLabel: 'crypto.verify ECDSA P-256', subject: { opsPerSec: r.subject, p50Ms: 1000 / r.subject }, baseline: { opsPerSec: r.baseline }, pairedRatio: r.pairedRatio, notes: 'reported, no target (issue #12: "attestation verification time is reported per platform")' });
    }
    return rows;
  },
};

export default bench;
