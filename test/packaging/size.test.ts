import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect, test } from 'vitest';

/** The SDK ships inside mobile web views and React Native bundles: its core must stay small. */
test('the @keyward/client ESM bundle is at most 8 kB minified and gzipped', async () => {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../../packages/client/src/index.ts', import.meta.url))],
    bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent',
  });
  const gzipped = gzipSync(result.outputFiles[0]!.contents).byteLength;
  expect(gzipped).toBeGreaterThan(0);
  expect(gzipped).toBeLessThanOrEqual(8192);
  process.stderr.write(`@keyward/client: ${gzipped} bytes gzipped\n`);
});
