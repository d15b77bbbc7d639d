import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.keyward/**', '.bench-tmp/**', 'packages/server/dashboard/**', 'test-artifacts/**', '.stryker-tmp/**', 'reports/**', 'test-data/scan-corpus/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    // Domain logic knows nothing about HTTP frameworks: they are adapters at the edge (http/,
    // middleware/, gateway/, cli/). The HTTP stacks may import the domain, never the reverse.
    files: ['packages/server/src/**/*.ts', 'packages/protocol/src/**/*.ts', 'packages/client/src/**/*.ts'],
    ignores: ['packages/server/src/http/**', 'packages/server/src/middleware/**', 'packages/server/src/gateway/**', 'packages/server/src/cli/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['fastify', 'fastify/*', '@fastify/*', 'express', 'express/*', 'hono', 'hono/*', 'undici', 'undici/*'], message: 'domain code stays framework-free: put HTTP handling in http/, middleware/ or gateway/' },
          { group: ['**/http/*', '**/middleware/*', '**/gateway/*', '**/cli/*'], message: 'domain code must not depend on its adapters' },
        ],
      }],
    },
  },
  { files: ['**/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
  { files: ['packages/server/src/cli/**', 'bench/**', 'examples/**', 'scripts/**'], rules: { 'no-console': 'off' } },
);
