import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources (the `@keyward/source` export condition),
// so tests never need a prior build; the others are Vite's server defaults minus `module`, which would hand Node a package's bundler-only ESM build (@opentelemetry/api's build/esm has extensionless imports).
const conditions = ['@keyward/source', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'packages/*/test/**/*.test.tsx', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
