import type { ScanResult } from '../run.js';
import type { Rule } from '../types.js';
import { findingView, type Verification } from './view.js';
import { VERSION } from '../../version.js';

/**
 * SARIF 2.1.0 (OASIS), the format code-scanning UIs ingest. Every rule of the run is listed in
 * `tool.driver.rules`; each result points at its rule by id and index, carries the location, and a
 * `partialFingerprints` entry (the finding's hash) so a UI tracks one secret across runs. The
 * message shows only the redacted match.
 */
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

function uri(path: string): string {
  // Virtual bundle paths (`app.apk!/x`) and OS separators become forward-slash relative URIs.
  return path.replace(/\\/g, '/').split('/').map(encodeURIComponent).join('/').replace(/%21/g, '!');
}

export function sarifReport(result: ScanResult, rules: readonly Rule[], verified?: ReadonlyMap<string, Verification>): string {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const doc = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'keyward-scan',
            semanticVersion: VERSION,
            rules: rules.map((r) => ({ id: r.id, name: r.id, shortDescription: { text: r.description }, defaultConfiguration: { level: 'error' }, properties: { tags: ['security', 'secret'] } })),
          },
        },
        results: result.findings.map((f) => {
          const v = findingView(f, verified);
          return {
            ruleId: v.ruleId,
            ruleIndex: index.get(v.ruleId) ?? -1,
            level: 'error',
            message: { text: `${v.description}: ${v.redacted}${v.status ? ` (${v.status})` : ''}` },
            locations: [{ physicalLocation: { artifactLocation: { uri: uri(v.path) }, region: { startLine: v.line, startColumn: v.column } } }],
            partialFingerprints: { 'keywardSecretHash/v1': v.fingerprint },
            ...(v.commit ? { properties: { commit: v.commit } } : {}),
          };
        }),
      },
    ],
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
