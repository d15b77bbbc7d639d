import { readFile, writeFile } from 'node:fs/promises';
import { KeywardError } from '../errors/keyward-error.js';

/**
 * `--baseline FILE`: findings someone accepted, stored as fingerprints (fingerprint.ts), never as
 * secrets, so the file can be committed. Format: `{ "version": 1, "fingerprints": ["<hex>", …] }`.
 */
export interface Baseline {
  readonly version: 1;
  readonly fingerprints: readonly string[];
}

const HEX64 = /^[0-9a-f]{64}$/;

export function parseBaseline(file: string, text: string): Set<string> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new KeywardError('SCAN_INPUT_INVALID', `${file}: the baseline is not JSON`);
  }
  const b = doc as Partial<Baseline> | null;
  if (!b || b.version !== 1 || !Array.isArray(b.fingerprints) || !b.fingerprints.every((f) => typeof f === 'string' && HEX64.test(f))) {
    throw new KeywardError('SCAN_INPUT_INVALID', `${file}: a baseline is {"version": 1, "fingerprints": [64 hex characters, …]}`);
  }
  return new Set(b.fingerprints);
}

/** Reads a baseline; a missing file is an empty baseline only when `missingOk` (for --update-baseline). */
export async function readBaseline(file: string, missingOk = false): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (missingOk && (err as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw new KeywardError('SCAN_INPUT_INVALID', `${file}: the baseline cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseBaseline(file, text);
}

export function serializeBaseline(fingerprints: Iterable<string>): string {
  const doc: Baseline = { version: 1, fingerprints: [...new Set(fingerprints)].sort() };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export async function writeBaseline(file: string, fingerprints: Iterable<string>): Promise<void> {
  await writeFile(file, serializeBaseline(fingerprints));
}
