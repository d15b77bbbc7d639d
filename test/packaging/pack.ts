import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildPackage, buildTypes, packageDir, PACKAGES, type PackageName } from '../../scripts/build.js';

/** One packed package: its tarball and the files npm put in it. */
export interface Packed {
  readonly name: string;
  readonly tarball: string;
  readonly files: readonly string[];
}

/**
 * Completes every package's build with its declarations and packs it into `into`, as `npm pack` /
 * `npm publish` would after `prepack` (skipped with `--ignore-scripts`: each would rebuild
 * @keyward/protocol). The JavaScript is the clean build test/global-setup.ts made at the start of
 * this run; it is not rebuilt, since other test files run it meanwhile (the CLI tests spawn the
 * bin) and a rebuild would pull it from under them. tsc only adds .d.ts files next to it.
 */
export async function buildAndPack(into: string): Promise<Record<PackageName, Packed>> {
  for (const name of PACKAGES) {
    if (!existsSync(path.join(packageDir(name), 'dist'))) await buildPackage(name, { types: false });
    buildTypes(name);
  }
  const out = {} as Record<PackageName, Packed>;
  for (const name of PACKAGES) {
    const json = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', into], { cwd: packageDir(name), encoding: 'utf8' });
    const [result] = JSON.parse(json) as { name: string; filename: string; files: { path: string }[] }[];
    out[name] = { name: result!.name, tarball: path.join(into, result!.filename), files: result!.files.map((f) => f.path).sort() };
  }
  return out;
}

/** The file paths an `exports` map names, for the conditions a user's tools resolve (not `@keyward/source`). */
export function exportTargets(name: PackageName): { readonly subpath: string; readonly source: string; readonly targets: readonly string[] }[] {
  const pkg = JSON.parse(readFileSync(path.join(packageDir(name), 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  const out: { subpath: string; source: string; targets: string[] }[] = [];
  for (const [subpath, entry] of Object.entries(pkg.exports)) {
    if (typeof entry === 'string') continue; // "./package.json"
    const targets: string[] = [];
    let source = '';
    const walk = (node: unknown, condition: string) => {
      if (typeof node === 'string') {
        if (condition === '@keyward/source') source = node.slice(2);
        else targets.push(node.slice(2));
      } else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, k);
    };
    walk(entry, '');
    out.push({ subpath, source, targets });
  }
  return out;
}
