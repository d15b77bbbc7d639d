import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources (the `@keyward/source` export condition),
// so tests never need a prior build; the other conditions are Vite's defaults except `module`: Node
// loads external packages itself, and a `module` build such as @opentelemetry/api's build/esm
// (extension-less imports) only works through a bundler.
const conditions = ['@keyward/source', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
