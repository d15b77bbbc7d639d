import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The conformance vectors are committed under `test-data/vectors/` (see SOURCES.md there), so a fresh
 * clone's tests need nothing beside the checkout. There is deliberately no fallback to another folder:
 * a missing file is a broken checkout, and a silent fallback would hide it.
 */
export const TEST_DATA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test-data');
export const VECTORS_DIR = path.join(TEST_DATA_DIR, 'vectors');

export function vectorPath(...parts: string[]): string {
  const p = path.join(VECTORS_DIR, ...parts);
  if (!existsSync(p)) throw new Error(`conformance vector ${p} is missing from test-data/vectors`);
  return p;
}
export function readVector(...parts: string[]): string {
  return readFileSync(vectorPath(...parts), 'utf8');
}

/** Parses an HTTP/1.1 message file (request or response) into its parts, header lines raw. */
export function parseHttpMessage(text: string): { startLine: string; headerLines: [string, string][]; body: string } {
  const normalized = text.replace(/\r\n/g, '\n');
  const split = normalized.indexOf('\n\n');
  const head = split < 0 ? normalized : normalized.slice(0, split);
  const body = split < 0 ? '' : normalized.slice(split + 2).replace(/\n$/, '');
  const [startLine, ...lines] = head.split('\n');
  return {
    startLine: startLine!,
    headerLines: lines.filter(Boolean).map((l) => {
      const i = l.indexOf(':');
      return [l.slice(0, i), l.slice(i + 1).trim()] as [string, string];
    }),
    body,
  };
}
