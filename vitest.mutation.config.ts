import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The tests Stryker runs (`npm run mutation`): only those that exercise the security-critical
 * modules listed in stryker.config.json, so a mutation run stays short on a small machine.
 * With `coverageAnalysis: "perTest"` each mutant then runs only the tests that reach it.
 */
export default defineConfig({
  // Stryker runs in a sandbox copy whose node_modules is a link to the original: without these
  // aliases `@keyward/protocol` would resolve to the unmutated sources and its mutants would all survive.
  resolve: {
    alias: {
      '@keyward/protocol': fileURLToPath(new URL('./packages/protocol/src/index.ts', import.meta.url)),
      '@keyward/client': fileURLToPath(new URL('./packages/client/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: [
      'packages/protocol/test/**/*.test.ts',
      'packages/server/test/keys/**/*.test.ts',
      'packages/server/test/signatures/**/*.test.ts',
      'packages/server/test/tokens/**/*.test.ts',
      'packages/server/test/sessions/**/*.test.ts',
      'packages/server/test/policy/**/*.test.ts',
      'packages/server/test/audit/**/*.test.ts',
      'packages/server/test/gateway/**/*.test.ts',
      'packages/server/test/http/**/*.test.ts',
      'packages/server/test/middleware/**/*.test.ts',
      'packages/server/test/mutation/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
