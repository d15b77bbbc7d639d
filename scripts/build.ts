/**
 * `npm run build`: compiles the three workspace packages to `dist/`, the form they are published in.
 *
 *   packages/protocol, packages/client   dist/esm/** (ESM + .d.ts) and dist/cjs/** (CommonJS + .d.ts,
 *                                        under a `{"type":"commonjs"}` package.json so TypeScript and
 *                                        Node both read those files as CommonJS)
 *   packages/server                      dist/** (ESM + .d.ts); bin/keyward.js runs dist/cli/main.js;
 *                                        dashboard/** : the web dashboard (packages/dashboard, built
 *                                        by Vite), served by `keyward start` at /
 *
 * Every source file becomes one output file (no bundling), so the JavaScript and the declarations
 * have the same layout and an `exports` entry names the same path in both. JavaScript comes from
 * esbuild (fast: `--js` does only that, for `npm start` and the test suite's global setup);
 * declarations come from `tsc` with each package's tsconfig.build.json (lib ES2022 and no
 * @types/node for protocol and client, so their build is also the proof that they type-check
 * without the DOM lib).
 *
 * Inside the monorepo nothing needs this build to type-check or test: the root tsconfig and vitest
 * resolve `@keyward/*` through the `@keyward/source` export condition to `src/`. The build is for
 * what runs with plain Node (`npm start`, the `keyward` bin) and for `npm pack` (each package's
 * `prepack` runs it).
 *
 *   tsx scripts/build.ts [--js] [protocol|client|server ...]   (default: all three, in that order)
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export type PackageName = 'protocol' | 'client' | 'server';
export const PACKAGES: readonly PackageName[] = ['protocol', 'client', 'server'];

/** What each package is built as: libraries ship ESM and CommonJS, the server ships ESM only (Node ≥ 20.19 can require() it). */
const FORMATS: Record<PackageName, readonly ('esm' | 'cjs')[]> = { protocol: ['esm', 'cjs'], client: ['esm', 'cjs'], server: ['esm'] };

/** The package's directory. */
export function packageDir(name: PackageName): string {
  return path.join(root, 'packages', name);
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (entry.endsWith('.ts') && !entry.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** Where a format's files go: the libraries keep ESM and CJS apart; the server has one tree. */
function outDir(name: PackageName, format: 'esm' | 'cjs'): string {
  return FORMATS[name].length === 1 ? path.join(packageDir(name), 'dist') : path.join(packageDir(name), 'dist', format);
}

/** Compiles every source file of a package to JavaScript, one file each (imports already name `.js` files). */
async function buildJs(name: PackageName): Promise<void> {
  const src = path.join(packageDir(name), 'src');
  for (const format of FORMATS[name]) {
    await build({
      entryPoints: sourceFiles(src),
      outbase: src,
      outdir: outDir(name, format),
      bundle: false,
      platform: name === 'server' ? 'node' : 'neutral',
      format,
      target: name === 'server' ? 'node20' : 'es2022',
      logLevel: 'warning',
    });
    // Node and TypeScript decide a .js file's module system from the nearest package.json.
    if (format === 'cjs') writeFileSync(path.join(outDir(name, format), 'package.json'), '{ "type": "commonjs" }\n');
  }
}

/**
 * Emits the declarations with tsc once, then copies them into the other format's tree: the same
 * .d.ts text reads right as ESM and as CJS, since the tree's package.json decides which it is.
 */
export function buildTypes(name: PackageName): void {
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  const [first, ...rest] = FORMATS[name];
  const from = outDir(name, first!);
  execFileSync(process.execPath, [tsc, '-p', path.join(packageDir(name), 'tsconfig.build.json'), '--outDir', from], { stdio: 'inherit' });
  for (const format of rest) {
    for (const file of declarationFiles(from)) cpSync(file, path.join(outDir(name, format), path.relative(from, file)));
  }
}

function declarationFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.d.ts')).map((f) => path.join(dir, f));
}

/** Builds one package into a clean dist/. Types are optional: running the code needs only the JavaScript. */
export async function buildPackage(name: PackageName, options: { readonly types: boolean }): Promise<void> {
  rmSync(path.join(packageDir(name), 'dist'), { recursive: true, force: true });
  mkdirSync(path.join(packageDir(name), 'dist'), { recursive: true });
  await buildJs(name);
  if (name === 'server') await buildDashboard();
  if (options.types) buildTypes(name);
}

/** The dashboard's static files, into packages/server/dashboard/ (its vite.config.ts says where). */
export async function buildDashboard(): Promise<void> {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: path.join(root, 'packages/dashboard/vite.config.ts'), logLevel: 'warn' });
}

/** Every dependency that is not one of our workspace packages: resolved from node_modules at run time. */
export function externalPackages(): string[] {
  const external = new Set<string>();
  for (const pkg of ['packages/server/package.json', 'package.json']) {
    const json = JSON.parse(readFileSync(path.join(root, pkg), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    for (const name of [...Object.keys(json.dependencies ?? {}), ...Object.keys(json.devDependencies ?? {})]) if (!name.startsWith('@keyward/')) external.add(name);
  }
  return [...external];
}

/**
 * Bundles one TypeScript entry point (a benchmark's server) into an ES module for plain Node, with
 * our workspace packages compiled in from src/ and npm packages left to node_modules, so what a
 * benchmark measures is the code as deployed, not a TypeScript loader.
 */
export async function bundle(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    conditions: ['@keyward/source'],
    external: externalPackages(),
    logLevel: 'warning',
    // Packages bundled as ESM may still call require() on Node built-ins.
    banner: { js: "import { createRequire as __keywardCreateRequire } from 'node:module'; const require = __keywardCreateRequire(import.meta.url);" },
  });
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const args = process.argv.slice(2);
  const jsOnly = args.includes('--js');
  const named = args.filter((a) => !a.startsWith('--'));
  for (const a of named) {
    if (!(PACKAGES as readonly string[]).includes(a)) {
      process.stderr.write(`unknown package "${a}" (expected ${PACKAGES.join(', ')})\n`);
      process.exit(2);
    }
  }
  // Declarations of client and server import those of protocol, so protocol's are built first.
  const wanted = named.length > 0 ? PACKAGES.filter((p) => named.includes(p)) : PACKAGES;
  for (const name of wanted) {
    const started = Date.now();
    await buildPackage(name, { types: !jsOnly });
    process.stderr.write(`built packages/${name}/dist${jsOnly ? ' (JavaScript only)' : ''} in ${Date.now() - started} ms\n`);
  }
}
