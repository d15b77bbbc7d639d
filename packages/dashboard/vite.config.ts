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
  oxc: { jsx: { runtime: 'automatic', development: false } },
  // Always React's production build: Vite would otherwise take NODE_ENV from the environment, and
  // the test suite's global setup builds the dashboard under NODE_ENV=test (React's development
  // build, twice the size and slower), so the browser tests would measure a bundle nobody ships.
  mode: 'production',
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    outDir: fileURLToPath(new URL('../server/dashboard', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    // No inline scripts or styles: the server's CSP allows only 'self'.
    assetsInlineLimit: 0,
  },
});
