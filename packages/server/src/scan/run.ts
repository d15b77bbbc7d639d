import { expand } from './expand.js';
import { scanPath, scanText } from './scanner.js';
import type { SourceFile } from './sources/source.js';
import type { Finding, Rule } from './types.js';

export interface ScanWarning {
  readonly path: string;
  readonly message: string;
}

export interface ScanResult {
  readonly findings: readonly Finding[];
  /** The first MAX_WARNINGS warnings; `warningCount` counts them all. */
  readonly warnings: readonly ScanWarning[];
  readonly warningCount: number;
  readonly files: number;
  readonly bytes: number;
  /** Findings dropped because the baseline lists their fingerprint. */
  readonly suppressed: number;
}

export const MAX_WARNINGS = 1000;

export interface RunOptions {
  readonly rules: readonly Rule[];
  readonly baseline?: ReadonlySet<string>;
  /** Report each secret once (by fingerprint), the first time it is seen: `--git`. */
  readonly oncePerSecret?: boolean;
  readonly onProgress?: (files: number, bytes: number, findings: number) => void;
  /** Called for each warning as it happens (the result keeps the first MAX_WARNINGS). */
  readonly onWarning?: (w: ScanWarning) => void;
}

/**
 * One scan: files from a source, through expand() (the one door from bytes to text), through the
 * pure scanner, minus the baseline. Sources yield one file at a time, so memory stays bounded by
 * the largest file plus the findings.
 */
export async function runScan(source: (warn: (path: string, message: string) => void) => AsyncIterable<SourceFile>, options: RunOptions): Promise<ScanResult> {
  const findings: Finding[] = [];
  const warnings: ScanWarning[] = [];
  let warningCount = 0;
  const warn = (path: string, message: string): void => {
    warningCount++;
    const w = { path, message };
    if (warnings.length < MAX_WARNINGS) warnings.push(w);
    options.onWarning?.(w);
  };
  const seen = new Set<string>();
  let files = 0;
  let bytes = 0;
  let suppressed = 0;
  const pathRules = options.rules.some((r) => r.pathOnly);
  for await (const file of source(warn)) {
    files++;
    bytes += file.bytes.length;
    const keep = (found: readonly Finding[]): void => {
      for (const f of found) {
        if (options.baseline?.has(f.fingerprint)) {
          suppressed++;
          continue;
        }
        if (options.oncePerSecret) {
          if (seen.has(f.fingerprint)) continue;
          seen.add(f.fingerprint);
        }
        findings.push(file.commit ? { ...f, commit: file.commit } : f);
      }
    };
    // Path-only rules judge the file name, so a binary file expand() skips is still reported.
    if (pathRules) keep(scanPath(file.path, options.rules, file.base));
    for await (const text of expand(file, warn)) {
      if (pathRules && text.path !== file.path) keep(scanPath(text.path, options.rules, file.base));
      keep(scanText(text, options.rules, file.base));
    }
    options.onProgress?.(files, bytes, findings.length);
  }
  return { findings, warnings, warningCount, files, bytes, suppressed };
}
