import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { expect, test } from 'vitest';

/**
 * The built dashboard (test/global-setup.ts builds the server, and with it the dashboard, into
 * packages/server/dashboard/ before the suite runs) is at most 250 kB gzipped, every file counted;
 * the first page (index.html and what it loads, without the chart chunk loaded on demand) is
 * reported on its own, since it is what sign-in waits for.
 */
const BUILT = fileURLToPath(new URL('../../server/dashboard', import.meta.url));
const LIMIT_BYTES = 250_000;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const gz = (p: string) => gzipSync(readFileSync(p), { level: 9 }).byteLength;

test('the built dashboard is at most 250 kB gzipped, and the chart library is not on the first page', () => {
  const all = files(BUILT);
  const index = readFileSync(path.join(BUILT, 'index.html'), 'utf8');
  const firstPage = [path.join(BUILT, 'index.html'), ...[...index.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => path.join(BUILT, m[1]!))];
  expect(firstPage.length).toBeGreaterThanOrEqual(2);
  for (const f of firstPage) expect(all).toContain(f);
  const total = all.reduce((n, f) => n + gz(f), 0);
  const first = firstPage.reduce((n, f) => n + gz(f), 0);
  process.stderr.write(`dashboard: ${total} bytes gzipped in all, first page ${first}\n`);
  expect(total).toBeLessThanOrEqual(LIMIT_BYTES);
  // uPlot is loaded with the first chart: its code is in a chunk of its own, which index.html does not name.
  const chart = all.filter((f) => /\.js$/.test(f) && readFileSync(f, 'utf8').includes('u-legend'));
  expect(chart.length).toBe(1);
  expect(firstPage).not.toContain(chart[0]);
});

test("what the suite built is React's production build (the same bytes `npm start` serves), though the tests run under NODE_ENV=test", () => {
  const js = files(BUILT).filter((f) => f.endsWith('.js')).map((f) => readFileSync(f, 'utf8'));
  expect(process.env.NODE_ENV).toBe('test');
  expect(js.some((t) => t.includes('jsxDEV'))).toBe(false);
  expect(js.some((t) => t.includes('react.development') || t.includes('validateDOMNesting'))).toBe(false);
});
