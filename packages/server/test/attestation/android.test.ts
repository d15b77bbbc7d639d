/**
 * Android Key Attestation against real device chains (test-data/android-key-attestation), with
 * the clock pinned to each attestation's creationDateTime.
 */
import { createServer } from 'node:http';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { androidVerifier } from '../../src/attestation/android/index.js';
import { KEY_DESCRIPTION_OID, parseKeyDescription } from '../../src/attestation/android/key-description.js';
import { parseCertificate } from '../../src/attestation/der.js';
import type { AttestationPolicy } from '../../src/attestation/provider.js';
import { manualClock } from '../../src/lib/clock.js';
import { androidVectors, testDataPath, type AndroidVector } from './fixtures.js';

const { valid, invalid } = androidVectors();
const verifier = androidVerifier();
const tmp = mkdtempSync(path.join(tmpdir(), 'kw-android-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Expected {
  attestationChallenge: string;
  softwareEnforced: { creationDateTime: string; attestationApplicationId: { packages: { name: string }[]; signatures: string[] } };
  hardwareEnforced: Record<string, unknown>;
}
const exp = (v: AndroidVector) => v.expected as unknown as Expected;

function policyFor(v: AndroidVector, overrides: Partial<NonNullable<AttestationPolicy['android']>> = {}): AttestationPolicy {
  const app = exp(v).softwareEnforced.attestationApplicationId;
  return {
    environment: 'live',
    android: {
      packageNames: app.packages.map((p) => p.name),
      signingCertDigests: app.signatures.map((s) => Buffer.from(s, 'base64').toString('hex')),
      minSecurityLevel: 'software',
      requireLockedBootloader: false,
      requireVerifiedBoot: false,
      ...overrides,
    },
  };
}

function context(v: AndroidVector, policy = policyFor(v)) {
  return { challenge: Buffer.from(exp(v).attestationChallenge, 'base64'), policy, nowMs: Number(exp(v).softwareEnforced.creationDateTime) };
}

function pemOf(base64Der: string): string {
  return new X509Certificate(Buffer.from(base64Der, 'base64')).toString();
}

function leafDer(chain: readonly string[]): Buffer {
  return Buffer.from(chain[0]!, 'base64');
}

it('finds the recorded chains', () => {
  expect(valid.length).toBe(13);
  expect(invalid.length).toBe(2);
});

describe.each(valid)('$name', (v) => {
  it('decodes the KeyDescription into exactly the fixture JSON', () => {
    const ext = parseCertificate(leafDer(v.chain)).extensions.get(KEY_DESCRIPTION_OID)!;
    const expected = structuredClone(v.expected) as Record<string, Record<string, unknown>>;
    // The upstream decoder's own flag for tag order (ours refuses lists out of order instead).
    delete expected.softwareEnforced!.areTagsOrdered;
    delete expected.hardwareEnforced!.areTagsOrdered;
    expect(JSON.parse(JSON.stringify(parseKeyDescription(ext)))).toEqual(expected);
  });

  it('verifies at its creation time under a policy naming its package and signers', async () => {
    const software = v.name.startsWith('marlin/');
    // marlin's keys are attested by Android's software attestation root, whose private key ships in
    // AOSP: refused under Google's hardware roots, accepted only where an operator names that root.
    const chosen = software ? androidVerifier({ rootsPem: [pemOf(v.chain[v.chain.length - 1]!)] }) : verifier;
    if (software) expect(await verifier.verify({ platform: 'android', certificateChain: v.chain }, context(v))).toEqual({ ok: false, code: 'ATTESTATION_FAILED', reason: 'chain_untrusted' });
    const verdict = await chosen.verify({ platform: 'android', certificateChain: v.chain }, context(v));
    if (exp(v).softwareEnforced.attestationApplicationId.signatures.length === 0) {
      // A system key ("AndroidSystem") has no app signer: the chain is good, but no app policy can name it.
      expect(verdict).toMatchObject({ ok: false, code: 'ATTESTATION_WRONG_APP', reason: 'signing_certificate_mismatch' });
      return;
    }
    expect(verdict).toMatchObject({ ok: true, instance: { platform: 'android', facts: { packageName: exp(v).softwareEnforced.attestationApplicationId.packages[0]!.name } } });
  });

  it('refuses another challenge, another package and another signer', async () => {
    const chosen = v.name.startsWith('marlin/') ? androidVerifier({ rootsPem: [pemOf(v.chain[v.chain.length - 1]!)] }) : verifier;
    const ctx = context(v);
    expect(await chosen.verify({ platform: 'android', certificateChain: v.chain }, { ...ctx, challenge: Buffer.from('another challenge') })).toMatchObject({ ok: false, code: 'ATTESTATION_FAILED', reason: 'challenge_mismatch' });
    expect(await chosen.verify({ platform: 'android', certificateChain: v.chain }, context(v, policyFor(v, { packageNames: ['com.example.other'] })))).toMatchObject({ ok: false, code: 'ATTESTATION_WRONG_APP', reason: 'package_mismatch' });
    expect(await chosen.verify({ platform: 'android', certificateChain: v.chain }, context(v, policyFor(v, { signingCertDigests: ['00'.repeat(32)] })))).toMatchObject({ ok: false, code: 'ATTESTATION_WRONG_APP' });
  });

  it('refuses the chain without its upper certificates, and under other roots', async () => {
    // Leaf and attestation key only: signed by a key that is no anchor. (Dropping just the root
    // still verifies, since the top intermediate is signed by the anchor key itself.)
    expect(await verifier.verify({ platform: 'android', certificateChain: v.chain.slice(0, 2) }, context(v))).toMatchObject({ ok: false, code: 'ATTESTATION_FAILED', reason: 'chain_untrusted' });
    const other = androidVerifier({ rootsPem: [readFileSync(testDataPath('app-attest', 'apple_appattest_root.pem'), 'utf8')] });
    expect(await other.verify({ platform: 'android', certificateChain: v.chain }, context(v))).toMatchObject({ ok: false, code: 'ATTESTATION_FAILED' });
  });
});

describe('policy on security level and root of trust', () => {
  const byName = (n: string) => valid.find((v) => v.name.includes(n))!;
  it('a TEE key passes "tee" and fails "strongbox"; a StrongBox key passes "strongbox"', async () => {
    const tee = byName('sony-xperia10-iii');
    expect(await verifier.verify({ platform: 'android', certificateChain: tee.chain }, context(tee, policyFor(tee, { minSecurityLevel: 'tee' })))).toMatchObject({ ok: true });
    expect(await verifier.verify({ platform: 'android', certificateChain: tee.chain }, context(tee, policyFor(tee, { minSecurityLevel: 'strongbox' })))).toMatchObject({ ok: false, code: 'ATTESTATION_INTEGRITY', reason: 'security_level_too_low' });
    const sb = byName('blueline/sdk28/SB_RSA_NONE.pem');
    expect(await verifier.verify({ platform: 'android', certificateChain: sb.chain }, context(sb, policyFor(sb, { minSecurityLevel: 'strongbox' })))).toMatchObject({ ok: true });
  });

  it('a software attestation (marlin, attestation level SOFTWARE) fails "tee"', async () => {
    const sw = byName('marlin/sdk29/TEE_EC_NONE');
    const softwareRoot = androidVerifier({ rootsPem: [pemOf(sw.chain[sw.chain.length - 1]!)] });
    expect(await softwareRoot.verify({ platform: 'android', certificateChain: sw.chain }, context(sw))).toMatchObject({ ok: true });
    expect(await softwareRoot.verify({ platform: 'android', certificateChain: sw.chain }, context(sw, policyFor(sw, { minSecurityLevel: 'tee' })))).toMatchObject({ ok: false, code: 'ATTESTATION_INTEGRITY', reason: 'security_level_too_low' });
  });

  it('a locked, verified device passes both boot rules; an unlocked, unverified one fails each', async () => {
    const locked = byName('sony-xperia10-iii');
    expect(await verifier.verify({ platform: 'android', certificateChain: locked.chain }, context(locked, policyFor(locked, { requireLockedBootloader: true, requireVerifiedBoot: true })))).toMatchObject({ ok: true, instance: { facts: { verifiedBootState: 'VERIFIED', deviceLocked: true } } });
    const dev = byName('blueline/sdk28/TEE_EC_NONE');
    expect(await verifier.verify({ platform: 'android', certificateChain: dev.chain }, context(dev, policyFor(dev, { requireVerifiedBoot: true })))).toMatchObject({ ok: false, code: 'ATTESTATION_INTEGRITY', reason: 'boot_not_verified' });
    expect(await verifier.verify({ platform: 'android', certificateChain: dev.chain }, context(dev, policyFor(dev, { requireLockedBootloader: true })))).toMatchObject({ ok: false, code: 'ATTESTATION_INTEGRITY', reason: 'bootloader_unlocked' });
  });
});

describe('invalid KeyDescriptions', () => {
  it.each([
    ['invalid/malformed_rot_device_locked.pem', 'malformed_root_of_trust'],
    ['invalid/tags_not_in_ascending_order.pem', 'tags_not_in_ascending_order'],
  ])('%s: the parser names the fault (%s) and the verifier refuses the chain', async (name, reason) => {
    const v = invalid.find((i) => i.name === name)!;
    const ext = parseCertificate(leafDer(v.chain)).extensions.get(KEY_DESCRIPTION_OID)!;
    expect(() => parseKeyDescription(ext)).toThrow(expect.objectContaining({ reason }));
    const verdict = await verifier.verify({ platform: 'android', certificateChain: v.chain }, { challenge: Buffer.from('challenge'), policy: policyFor(valid[0]!), nowMs: Date.UTC(2025, 0, 1) });
    // The first is correctly signed, so the parser's reason reaches the verdict; the second's leaf
    // was edited after signing upstream, so the chain check refuses it first.
    expect(verdict).toEqual({ ok: false, code: 'ATTESTATION_FAILED', reason: name.includes('malformed_rot') ? `key_description_${reason}` : 'chain_signature_invalid' });
  });
});

describe('unsupported signature algorithms', () => {
  it('a certificate signed with an algorithm Node cannot verify is refused as unsupported, never accepted', async () => {
    const v = valid.find((x) => x.name.includes('sony-xperia10-iii'))!;
    const leaf = leafDer(v.chain);
    // ecdsa-with-SHA256 (1.2.840.10045.4.3.2) → 1.2.840.10045.4.3.9, an arc no standard assigns, in both places it appears.
    const oid = Buffer.from('06082a8648ce3d040302', 'hex');
    expect(leaf.indexOf(oid)).toBeGreaterThan(0);
    const changed = Buffer.from(leaf.toString('hex').replaceAll(oid.toString('hex'), '06082a8648ce3d040309'), 'hex');
    const verdict = await verifier.verify({ platform: 'android', certificateChain: [changed.toString('base64'), ...v.chain.slice(1)] }, context(v));
    expect(verdict).toEqual({ ok: false, code: 'ATTESTATION_UNSUPPORTED', reason: 'signature_algorithm_unsupported' });
  });
});

describe('revocation status list', () => {
  const v = valid.find((x) => x.name.includes('sony-xperia10-iii'))!;
  const intermediateSerial = new X509Certificate(Buffer.from(v.chain[1]!, 'base64')).serialNumber;
  const list = (serials: string[]) => JSON.stringify({ entries: Object.fromEntries(serials.map((s) => [s.toLowerCase().replace(/^0+/, ''), { status: 'REVOKED', reason: 'KEY_COMPROMISE' }])) });

  it('a chain with a listed serial is refused as revoked (file source); an unlisted chain passes', async () => {
    const file = path.join(tmp, 'status.json');
    writeFileSync(file, list([intermediateSerial]));
    const revoking = androidVerifier({ revocation: { file } });
    expect(await revoking.verify({ platform: 'android', certificateChain: v.chain }, context(v))).toEqual({ ok: false, code: 'ATTESTATION_REVOKED', reason: 'certificate_revoked' });
    writeFileSync(file, list(['abcdef0123']));
    const clean = androidVerifier({ revocation: { file } });
    expect(await clean.verify({ platform: 'android', certificateChain: v.chain }, context(v))).toMatchObject({ ok: true });
  });

  it('the list is re-read after its refresh interval, and an unreadable list fails closed', async () => {
    const file = path.join(tmp, 'status-refresh.json');
    writeFileSync(file, list([]));
    const clock = manualClock(0);
    const verifierWithList = androidVerifier({ revocation: { file, refreshIntervalMs: 60_000 }, now: clock });
    expect(await verifierWithList.verify({ platform: 'android', certificateChain: v.chain }, context(v))).toMatchObject({ ok: true });
    writeFileSync(file, list([intermediateSerial]));
    clock.advance(30_000);
    expect(await verifierWithList.verify({ platform: 'android', certificateChain: v.chain }, context(v))).toMatchObject({ ok: true });
    clock.advance(31_000);
    expect(await verifierWithList.verify({ platform: 'android', certificateChain: v.chain }, context(v))).toMatchObject({ ok: false, code: 'ATTESTATION_REVOKED' });
    const missing = androidVerifier({ revocation: { file: path.join(tmp, 'absent.json') } });
    expect(await missing.verify({ platform: 'android', certificateChain: v.chain }, context(v))).toEqual({ ok: false, code: 'ATTESTATION_FAILED', reason: 'revocation_list_unavailable' });
  });

  it('a URL source is fetched and honoured', async () => {
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(list([intermediateSerial])));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/attestation/status`;
      const fromUrl = androidVerifier({ revocation: { url } });
      expect(await fromUrl.verify({ platform: 'android', certificateChain: v.chain }, context(v))).toMatchObject({ ok: false, code: 'ATTESTATION_REVOKED' });
    } finally {
      server.close();
    }
  });
});
