import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect, test } from 'vitest';

// The published ESM build (test/global-setup.ts builds it before the suite runs); @keyward/protocol
// resolves through its package.json to its published build too.
const CLIENT = fileURLToPath(new URL('../../packages/client/dist/esm/index.js', import.meta.url));

/** Minified, gzipped size of a browser bundle of what `contents` imports from the built @keyward/client (tree-shaken, as an app's bundler would). */
async function gzippedBytes(contents: string): Promise<number> {
  const result = await build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'ts' },
    bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent', metafile: true,
    alias: { '@keyward/client': CLIENT },
  });
  const sources = Object.keys(result.metafile.inputs).filter((i) => i !== '<stdin>');
  if (sources.some((i) => !i.includes('/dist/esm/'))) throw new Error(`measured something other than the built packages: ${sources.join(', ')}`);
  return gzipSync(result.outputFiles[0]!.contents).byteLength;
}

/**
 * The SDK ships inside mobile web views and React Native bundles. Its core (the fetch client,
 * sessions, skew clock, typed errors, pin sets) must stay at most 8 kB gzipped; the RFC 9421
 * signer, which carries the structured-field and signature-base code, is measured on top and
 * reported, and held to a looser bound so it cannot grow unnoticed.
 */
test('the @keyward/client core is at most 8 kB minified and gzipped; with the signer at most 12 kB', async () => {
  const core = await gzippedBytes("export { createKeywardClient, KeywardApiError, KeywardError, KeywardNetworkError, SessionManager, memorySessionStorage, SkewClock, verifyPinSet } from '@keyward/client';");
  const all = await gzippedBytes("export * from '@keyward/client';");
  process.stderr.write(`@keyward/client: core ${core} bytes gzipped, with the signer ${all}\n`);
  expect(core).toBeGreaterThan(1000);
  expect(core).toBeLessThanOrEqual(8192);
  expect(all).toBeGreaterThan(core);
  expect(all).toBeLessThanOrEqual(12 * 1024);
});
