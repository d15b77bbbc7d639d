/**
 * Writes docs/errors.md from the catalogue. The test in packages/server/test/errors.test.ts fails
 * when the two disagree, so run `npx tsx scripts/gen-error-docs.ts` after changing a code.
 */
import { writeFileSync } from 'node:fs';
import { CATALOGUE, type Code } from '../packages/protocol/src/errors.js';

export function renderErrorDocs(): string {
  const section = (kind: 'verify' | 'request' | 'server' | 'cli', title: string, intro: string) => {
    const rows = (Object.keys(CATALOGUE) as Code[])
      .filter((c) => CATALOGUE[c].kind === kind)
      .map((c) => `| <a id="${c.toLowerCase().replaceAll('_', '-')}"></a>\`${c}\` | ${CATALOGUE[c].status} | ${CATALOGUE[c].title} |`);
    return [`## ${title}`, '', intro, '', '| code | HTTP status | meaning |', '|---|---|---|', ...rows, ''].join('\n');
  };
  return [
    '# Error and result codes',
    '',
    'Generated from `packages/protocol/src/errors.ts` by `npx tsx scripts/gen-error-docs.ts`; a test fails if they disagree.',
    '',
    'Every error is served as RFC 9457 `application/problem+json`: `{type, title, status, code, detail?, requestId, errors?}`.',
    'Switch on `code`; `title` and `detail` are for people and may change.',
    '',
    section('verify', 'Verification outcomes', 'Answers about a credential. The verify endpoints return them as values (`{valid, code}` with HTTP 200); the gateway and middleware serve them as problems with the status shown. Unknown, revoked, rotated-out, wrong-app and wrong-environment credentials all answer `INVALID_CREDENTIAL`: the precise reason is in metrics and the audit log only.'),
    section('request', 'Request errors', 'The caller sent something wrong. Nothing was changed.'),
    section('server', 'Server errors', 'Keyward or a dependency failed. Nothing was changed; retrying later is safe.'),
    section('cli', 'Command-line errors', 'The `keyward` command was set up wrong. It exits with code 2 before creating any state, and prints `error CODE: detail` (with `--json`, `{"error":{"code","detail"}}` on stderr). The HTTP status column does not apply.'),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorDocs());
  console.log('wrote docs/errors.md');
}
