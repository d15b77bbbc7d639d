import type { ScanResult } from '../run.js';
import type { Finding } from '../types.js';

/** `--verify`: what the server said about a Keyward key found (by fingerprint). */
export type KeyStatus = 'active' | 'revoked' | 'unknown';

/** A finding as every report shows it: never the secret, only its redacted form and hash. */
export interface FindingView {
  readonly ruleId: string;
  readonly description: string;
  readonly path: string;
  readonly line: number;
  readonly column: number;
  readonly redacted: string;
  readonly fingerprint: string;
  readonly commit?: string;
  readonly status?: KeyStatus;
  readonly keyId?: string;
}

export interface Verification {
  readonly status: KeyStatus;
  readonly keyId?: string;
  /** A root key: revoked under /v1/root-keys. */
  readonly root?: boolean;
}

export function findingView(f: Finding, verified?: ReadonlyMap<string, Verification>): FindingView {
  const v = verified?.get(f.fingerprint);
  return {
    ruleId: f.ruleId,
    description: f.description,
    path: f.path,
    line: f.line,
    column: f.column,
    redacted: f.redacted,
    fingerprint: f.fingerprint,
    ...(f.commit ? { commit: f.commit } : {}),
    ...(v ? { status: v.status, ...(v.keyId ? { keyId: v.keyId } : {}) } : {}),
  };
}

export function jsonReport(result: ScanResult, verified?: ReadonlyMap<string, Verification>): string {
  return `${JSON.stringify(
    {
      findings: result.findings.map((f) => findingView(f, verified)),
      warnings: result.warnings,
      stats: { files: result.files, bytes: result.bytes, findings: result.findings.length, suppressed: result.suppressed, warnings: result.warningCount },
    },
    null,
    2,
  )}\n`;
}

/** The readable report: one line per finding (`path:line:col  rule  redacted`), then a summary. */
export function textReport(result: ScanResult, verified?: ReadonlyMap<string, Verification>): string {
  const lines = result.findings.map((f) => {
    const v = findingView(f, verified);
    const extra = [v.commit ? `commit ${v.commit.slice(0, 12)}` : '', v.status ? `[${v.status}]` : ''].filter(Boolean).join(' ');
    return `${v.path}:${v.line}:${v.column}  ${v.ruleId}  ${v.redacted}${extra ? `  ${extra}` : ''}`;
  });
  const summary = `${result.findings.length} finding${result.findings.length === 1 ? '' : 's'} in ${result.files} file${result.files === 1 ? '' : 's'}${result.suppressed ? `, ${result.suppressed} suppressed by the baseline` : ''}${result.warningCount ? `, ${result.warningCount} item${result.warningCount === 1 ? '' : 's'} skipped (see warnings)` : ''}`;
  return `${[...lines, summary].join('\n')}\n`;
}

export function warningLines(result: ScanResult): string {
  const more = result.warningCount - result.warnings.length;
  return result.warnings.map((w) => `warning: ${w.path}: ${w.message}\n`).join('') + (more > 0 ? `warning: … and ${more} more\n` : '');
}
