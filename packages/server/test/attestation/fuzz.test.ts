/**
 * Bad input (issue #12): the CBOR, DER/X.509 and JWE paths under random and mutated input, at
 * least 10^4 cases each. Properties: no exception other than the parser's own error escapes a
 * parser, no exception at all escapes a verifier (every outcome is a verdict), deep nesting and
 * huge announced lengths fail fast, and no mutated or made-up attestation is accepted.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { encode } from 'cborg';
import fc from 'fast-check';
import { CompactEncrypt, CompactSign } from 'jose';
import { describe, expect, it } from 'vitest';
import { androidVerifier } from '../../src/attestation/android/index.js';
import { KEY_DESCRIPTION_OID, parseKeyDescription } from '../../src/attestation/android/key-description.js';
import { appleVerifier, verifyAppleAssertion } from '../../src/attestation/apple/index.js';
import { CborError, decodeCbor } from '../../src/attestation/cbor.js';
import { DerError, parseCertificate, parseDer, children } from '../../src/attestation/der.js';
import { playIntegrityVerifier } from '../../src/attestation/play-integrity/index.js';
import type { AttestationPolicy } from '../../src/attestation/provider.js';
import { androidVectors, applePolicy, appleVectors } from './fixtures.js';

const RUNS = 10_000;
const apple = appleVectors()[0]!;
const appleNow = Date.parse(apple.attestation.timestamp);
const appleBytes = Buffer.from(apple.attestation.attestationBase64, 'base64');
const android = androidVectors().valid.find((v) => v.name.includes('sony'))!;
const leaf = Buffer.from(android.chain[0]!, 'base64');

function onlyThrows<E>(fn: () => unknown, type: abstract new (...a: never[]) => E): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof type)) throw err;
  }
}

/** `bytes` with 1–4 bytes, at distinct positions, each changed to another value. */
const mutated = (bytes: Buffer) =>
  fc.uniqueArray(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4, selector: ([i]) => i }).map((edits) => {
    const out = Buffer.from(bytes);
    for (const [i, d] of edits) out[i] = (out[i]! + d) & 0xff;
    return out;
  });

describe('CBOR', () => {
  it(`random bytes: decodeCbor returns or throws CborError, nothing else (${RUNS} cases)`, () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (b) => onlyThrows(() => decodeCbor(b, 4096), CborError)), { numRuns: RUNS });
  });

  it(`mutated attestation objects: decodeCbor never throws anything else (${RUNS} cases)`, () => {
    fc.assert(fc.property(mutated(appleBytes), (b) => onlyThrows(() => decodeCbor(b, 64 * 1024), CborError)), { numRuns: RUNS });
  });

  it('deep nesting and huge announced lengths fail fast with CborError', () => {
    const deep = Buffer.alloc(500_000, 0x81);
    deep[deep.length - 1] = 0;
    const t0 = performance.now();
    expect(() => decodeCbor(deep, 1 << 20)).toThrow(CborError);
    expect(() => decodeCbor(Buffer.from('5bffffffffffffffff', 'hex'), 1 << 20)).toThrow(CborError);
    expect(() => decodeCbor(Buffer.from('9bffffffffffffffff', 'hex'), 1 << 20)).toThrow(CborError);
    expect(() => decodeCbor(Buffer.from('bb7fffffffffffffff', 'hex'), 1 << 20)).toThrow(CborError);
    expect(() => decodeCbor(Buffer.from('9f01ff', 'hex'), 1 << 20)).toThrow(CborError); // indefinite length
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('a __proto__ key never supplies a field', () => {
    const b = Buffer.from(encode({ __proto__: { fmt: 'apple-appattest' } } as never));
    const v = decodeCbor(b, 1024) as Record<string, unknown>;
    expect(Object.hasOwn(v, 'fmt')).toBe(false);
  });

  it('made-up attestation objects (any fmt, attStmt, authData) are refused with a verdict (1000 cases)', async () => {
    const verifier = appleVerifier();
    const policy = applePolicy(apple);
    const bytes = fc.uint8Array({ maxLength: 64 });
    const obj = fc.record({
      fmt: fc.oneof(fc.constant('apple-appattest'), fc.string()),
      attStmt: fc.record({ x5c: fc.array(fc.oneof(bytes, fc.constant(Buffer.from(encode(1))))), receipt: bytes }),
      authData: fc.oneof(bytes, fc.uint8Array({ minLength: 37, maxLength: 200 })),
    });
    await fc.assert(
      fc.asyncProperty(obj, async (o) => {
        const attestation = Buffer.from(encode(o)).toString('base64');
        const verdict = await verifier.verify({ platform: 'apple', keyId: apple.attestation.keyIdBase64, attestation }, { challenge: Buffer.from('x'), policy, nowMs: appleNow });
        expect(verdict.ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it(`random and mutated assertions are refused, never thrown (${RUNS} cases)`, () => {
    const spki = Buffer.from(apple.attestation.publicKey.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64').toString('base64url');
    const genuine = Buffer.from(apple.assertion.assertionBase64, 'base64');
    fc.assert(
      fc.property(fc.oneof(mutated(genuine), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b))), (b) => {
        const v = verifyAppleAssertion({ publicKeySpki: spki, storedCounter: 0, assertion: b.toString('base64'), clientData: Buffer.from(apple.assertion.clientDataBase64, 'base64'), policy: applePolicy(apple) });
        expect(v.ok).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('DER / X.509', () => {
  it(`random bytes: the DER reader returns or throws DerError (${RUNS} cases)`, () => {
    const walk = (b: Uint8Array) => {
      const t = parseDer(b);
      if (t.constructed) children(t);
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (b) => onlyThrows(() => walk(b), DerError)), { numRuns: RUNS });
  });

  it(`mutated attestation certificates: certificate and KeyDescription parsing throw only DerError (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(mutated(leaf), (b) =>
        onlyThrows(() => {
          const ext = parseCertificate(b).extensions.get(KEY_DESCRIPTION_OID);
          if (ext) parseKeyDescription(ext);
        }, DerError),
      ),
      { numRuns: RUNS },
    );
  });

  it('huge announced lengths and deep nesting fail fast', () => {
    expect(() => parseDer(Buffer.from('3084ffffffff00', 'hex'))).toThrow(DerError);
    expect(() => parseDer(Buffer.from('3080', 'hex'))).toThrow(DerError);
    expect(() => parseDer(Buffer.from('30850100000000', 'hex'))).toThrow(DerError);
    let nested: Buffer = Buffer.from('0500', 'hex');
    for (let i = 0; i < 2000; i++) nested = Buffer.concat([Buffer.from([0x30, 0x82, nested.length >> 8, nested.length & 0xff]), nested]);
    expect(() => parseKeyDescription(nested)).toThrow(DerError);
    expect(() => parseCertificate(nested)).toThrow(DerError);
  });

  it('mutated Android chains are refused with a verdict, never accepted (500 full verifications)', async () => {
    const verifier = androidVerifier();
    const e = android.expected as unknown as { attestationChallenge: string; softwareEnforced: { creationDateTime: string; attestationApplicationId: { packages: { name: string }[]; signatures: string[] } } };
    const policy: AttestationPolicy = {
      environment: 'live',
      android: { packageNames: e.softwareEnforced.attestationApplicationId.packages.map((p) => p.name), signingCertDigests: e.softwareEnforced.attestationApplicationId.signatures.map((s) => Buffer.from(s, 'base64').toString('hex')), minSecurityLevel: 'software', requireLockedBootloader: false, requireVerifiedBoot: false },
    };
    const ctx = { challenge: Buffer.from(e.attestationChallenge, 'base64'), policy, nowMs: Number(e.softwareEnforced.creationDateTime) };
    expect((await verifier.verify({ platform: 'android', certificateChain: android.chain }, ctx)).ok).toBe(true);
    await fc.assert(
      fc.asyncProperty(mutated(leaf), async (b) => {
        const verdict = await verifier.verify({ platform: 'android', certificateChain: [b.toString('base64'), ...android.chain.slice(1)] }, ctx);
        expect(verdict.ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe('JWE (Play Integrity)', () => {
  const aes = randomBytes(32);
  const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const challenge = randomBytes(16);
  const NOW = Date.UTC(2026, 11, 1);
  const policy: AttestationPolicy = {
    environment: 'live',
    playIntegrity: { packageNames: ['com.example.app'], decryptionKey: aes.toString('base64'), verificationKey: signing.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), requireAppRecognized: true, minDeviceIntegrity: 'MEETS_DEVICE_INTEGRITY' },
  };
  const verifier = playIntegrityVerifier();
  const body = {
    requestDetails: { requestPackageName: 'com.example.app', timestampMillis: String(NOW), nonce: challenge.toString('base64url') },
    appIntegrity: { appRecognitionVerdict: 'PLAY_RECOGNIZED' },
    deviceIntegrity: { deviceRecognitionVerdict: ['MEETS_DEVICE_INTEGRITY'] },
  };

  it(`random five-part tokens are refused with a verdict (${RUNS} cases)`, async () => {
    const part = fc.base64String({ maxLength: 64 }).map((s) => s.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'));
    await fc.assert(
      fc.asyncProperty(fc.array(part, { minLength: 5, maxLength: 5 }), async (parts) => {
        expect((await verifier.verify({ platform: 'play_integrity', token: parts.join('.') }, { challenge, policy, nowMs: NOW })).ok).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('a genuine token with any decoded byte of any part changed is refused (3000 cases)', async () => {
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(body))).setProtectedHeader({ alg: 'ES256' }).sign(signing.privateKey);
    const token = await new CompactEncrypt(new TextEncoder().encode(jws)).setProtectedHeader({ alg: 'A256KW', enc: 'A256GCM' }).encrypt(aes);
    expect((await verifier.verify({ platform: 'play_integrity', token }, { challenge, policy, nowMs: NOW })).ok).toBe(true);
    const parts = token.split('.').map((p) => Buffer.from(p, 'base64url'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0, 1, 2, 3, 4), fc.nat(), fc.integer({ min: 1, max: 255 }), async (pi, pos, delta) => {
        const changed = parts.map((p) => Buffer.from(p));
        const target = changed[pi]!;
        fc.pre(target.length > 0);
        target[pos % target.length] = (target[pos % target.length]! + delta) & 0xff;
        const forged = changed.map((p) => p.toString('base64url')).join('.');
        expect((await verifier.verify({ platform: 'play_integrity', token: forged }, { challenge, policy, nowMs: NOW })).ok).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });
});
