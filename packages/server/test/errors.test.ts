import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_CODES, CATALOGUE, RESERVED_CODES } from '../src/errors/catalogue.js';
import { renderErrorDocs } from '../../../scripts/gen-error-docs.js';

describe('error catalogue', () => {
  it('docs/errors.md is exactly what the catalogue generates', () => {
    const onDisk = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderErrorDocs());
  });

  it('every code is SCREAMING_SNAKE_CASE with a 2xx–5xx status, and codes are unique case-insensitively', () => {
    for (const code of ALL_CODES) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(CATALOGUE[code].status).toBeGreaterThanOrEqual(200);
      expect(CATALOGUE[code].status).toBeLessThan(600);
    }
    expect(new Set(ALL_CODES.map((c) => c.toLowerCase())).size).toBe(ALL_CODES.length);
  });

  it('every code thrown or returned in the source is in the catalogue', () => {
    const src = execSync("grep -rhoE \"KeywardError\\('[A-Z_]+'\" packages/server/src || true", { cwd: new URL('../../../', import.meta.url).pathname }).toString();
    const used = new Set([...src.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]!));
    for (const code of used) expect(ALL_CODES, code).toContain(code);
  });

  it('every code is reachable from the source, or explicitly reserved (and a reserved code is not reachable)', () => {
    const root = new URL('../../../', import.meta.url).pathname;
    // Every quoted code in the server, SDK and protocol sources, the catalogue itself left out.
    const src = execSync("grep -rhoE \"'[A-Z][A-Z0-9_]+'\" packages/server/src packages/client/src packages/protocol/src --include=*.ts --exclude=errors.ts || true", { cwd: root }).toString();
    const quoted = new Set([...src.matchAll(/'([A-Z0-9_]+)'/g)].map((m) => m[1]!));
    for (const code of ALL_CODES) {
      if (RESERVED_CODES[code] !== undefined) expect(quoted.has(code), `${code} is reserved but answered somewhere: remove it from RESERVED_CODES`).toBe(false);
      else expect(quoted.has(code), `${code} is never answered: use it, remove it, or reserve it`).toBe(true);
    }
  });
});
