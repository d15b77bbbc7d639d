import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The shared conformance vectors live beside the checkout (`../shared/vectors/`), never copied in.
 * On CI and developer machines they are always present; a missing folder is a set-up error.
 */
export const VECTORS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/vectors');

export function vectorPath(...parts: string[]): string {
  const p = path.join(VECTORS_DIR, ...parts);
  if (!existsSync(p)) throw new Error(`conformance vector ${p} is missing: ../shared/vectors must sit beside the repository`);
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
