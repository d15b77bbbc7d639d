import { buildPackage, PACKAGES } from '../scripts/build.js';

/**
 * Builds the JavaScript of every package (esbuild, about a second) before any test runs. Tests import
 * the sources (vitest resolves `@keyward/*` through the `@keyward/source` condition), but some run
 * what ships: they spawn bin/keyward.js, which runs dist/, with plain node. Building here keeps that
 * dist/ in step with src/ on every run, so no test ever exercises a stale build.
 */
export default async function setup(): Promise<void> {
  for (const name of PACKAGES) await buildPackage(name, { types: false });
}
