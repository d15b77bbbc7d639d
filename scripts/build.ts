/**
 * `npm run build`: bundles the server and CLI into one ES module, `packages/server/dist/keyward.mjs`,
 * run by plain `node` (what `npm start` runs). Why a bundle: Node 20 cannot run TypeScript, and
 * running through tsx in production costs start-up time and, measurably, throughput (its transform
 * keeps function names by wrapping them). npm packages stay external — they are loaded from
 * node_modules as usual (better-sqlite3 and argon2 are native) — and only our own TypeScript,
 * including the workspace package @keyward/protocol, is compiled in.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every dependency that is not one of our workspace packages: resolved from node_modules at run time. */
export function externalPackages(): string[] {
  const external = new Set<string>();
  for (const pkg of ['packages/server/package.json', 'package.json']) {
    const json = JSON.parse(readFileSync(path.join(root, pkg), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    for (const name of [...Object.keys(json.dependencies ?? {}), ...Object.keys(json.devDependencies ?? {})]) if (!name.startsWith('@keyward/')) external.add(name);
  }
  return [...external];
}

/** Bundles one TypeScript entry point into an ES module for Node 20. */
export async function bundle(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    external: externalPackages(),
    logLevel: 'warning',
    // Packages bundled as ESM may still call require() on Node built-ins.
    banner: { js: "import { createRequire as __keywardCreateRequire } from 'node:module'; const require = __keywardCreateRequire(import.meta.url);" },
  });
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const started = Date.now();
  const outfile = path.join(root, 'packages/server/dist/keyward.mjs');
  await bundle(path.join(root, 'packages/server/src/cli/main.ts'), outfile);
  process.stderr.write(`built ${path.relative(process.cwd(), outfile)} in ${Date.now() - started} ms\n`);
}
