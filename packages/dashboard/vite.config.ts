import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * Built into packages/server/dashboard/, which `keyward start` serves at `/` (http/dashboard.ts).
 * No React plugin: JSX is compiled by Vite's own transformer (automatic runtime); the dashboard
 * needs no fast refresh to be built.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../server/dashboard', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    // No inline scripts or styles: the server's CSP allows only 'self'.
    assetsInlineLimit: 0,
  },
});
