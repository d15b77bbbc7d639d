/** Loaders for the platform vectors in test-data/ (see each folder's SOURCES.md). */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { AttestationPolicy } from '../../src/attestation/provider.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test-data');

export interface AppleVector {
  readonly file: string;
  readonly teamId: string;
  readonly bundleId: string;
  readonly attestation: { readonly attestationBase64: string; readonly keyIdBase64: string; readonly clientDataBase64: string; readonly timestamp: string; readonly publicKey: string };
  readonly assertion: { readonly assertionBase64: string; readonly clientDataBase64: string; readonly counter: number; readonly timestamp: string };
}

export function appleVectors(): AppleVector[] {
  const dir = path.join(root, 'app-attest');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const docs = parseAllDocuments(readFileSync(path.join(dir, file), 'utf8')).map((d) => d.toJS() as Record<string, string>);
      const attestation = docs.find((d) => d.type === 'attestation')!;
      const assertion = docs.find((d) => d.type === 'assertion')!;
      return { file, teamId: attestation.teamIdentifier!, bundleId: attestation.bundleIdentifier!, attestation, assertion } as unknown as AppleVector;
    });
}

export function applePolicy(v: AppleVector, overrides: Partial<NonNullable<AttestationPolicy['apple']>> = {}): AttestationPolicy {
  return { environment: 'live', apple: { teamId: v.teamId, bundleIds: [v.bundleId], appAttestEnvironment: 'development', ...overrides } };
}

export function testDataPath(...parts: string[]): string {
  return path.join(root, ...parts);
}

export interface AndroidVector {
  readonly name: string;
  /** DER certificates, leaf first, base64. */
  readonly chain: string[];
  readonly expected?: Record<string, never>;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

export function pemChain(file: string): string[] {
  return (readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map((p) => p.replace(/-----[A-Z ]+-----|\s/g, ''));
}

/** Every `<device>/sdkNN/NAME.pem` with its `NAME.json`, and the `invalid/` chains (no JSON). */
export function androidVectors(): { valid: AndroidVector[]; invalid: AndroidVector[] } {
  const dir = path.join(root, 'android-key-attestation');
  const pems = walk(dir).filter((f) => f.endsWith('.pem')).sort();
  const valid = pems
    .filter((f) => path.dirname(f) !== dir && !f.includes(`${path.sep}invalid${path.sep}`))
    .map((f) => ({ name: path.relative(dir, f), chain: pemChain(f), expected: JSON.parse(readFileSync(f.replace(/\.pem$/, '.json'), 'utf8')) as Record<string, never> }));
  const invalid = pems.filter((f) => f.includes(`${path.sep}invalid${path.sep}`)).map((f) => ({ name: path.relative(dir, f), chain: pemChain(f) }));
  return { valid, invalid };
}
