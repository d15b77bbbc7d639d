import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/config.js';

/**
 * docs/deploy/compose.yaml and kubernetes.yaml are worked examples on paper (no container engine
 * here): they must stay valid YAML, name only KEYWARD_* variables the server reads, and hold
 * values the config schema accepts.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const read = (p: string) => readFileSync(path.join(root, p), 'utf8');

/** Every KEYWARD_* name the server's code reads: quoted names (the config schema) and `env.KEYWARD_…` (the master-key loader, the doctor). */
function variablesTheServerReads(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const p = path.join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) for (const m of readFileSync(p, 'utf8').matchAll(/(['"`])(KEYWARD_[A-Z0-9_]+)\1|env\.(KEYWARD_[A-Z0-9_]+)/g)) names.add((m[2] ?? m[3])!);
    }
  };
  walk(path.join(root, 'packages/server/src'));
  return names;
}

function documents(file: string): unknown[] {
  const docs = parseAllDocuments(read(file));
  for (const d of docs) expect(d.errors, `${file}: ${d.errors.map((e) => e.message).join('; ')}`).toEqual([]);
  return docs.map((d) => d.toJS({ maxAliasCount: 100 }) as unknown);
}

/** Every `KEYWARD_X: value` mapping and every `{ name: KEYWARD_X, value }` entry, however deep. */
function keywardVars(node: unknown, out: Map<string, string | undefined> = new Map()): Map<string, string | undefined> {
  if (Array.isArray(node)) node.forEach((n) => keywardVars(n, out));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (typeof o.name === 'string' && o.name.startsWith('KEYWARD_')) out.set(o.name, typeof o.value === 'string' ? o.value : undefined);
    for (const [k, v] of Object.entries(o)) {
      if (k.startsWith('KEYWARD_')) out.set(k, v === null || v === undefined ? undefined : String(v));
      keywardVars(v, out);
    }
  }
  return out;
}

describe('deployment examples (docs/deploy)', () => {
  const known = variablesTheServerReads();
  for (const file of ['docs/deploy/compose.yaml', 'docs/deploy/kubernetes.yaml']) {
    it(`${file} is valid YAML whose KEYWARD_* variables all exist and hold values the config schema accepts`, () => {
      const docs = documents(file);
      expect(docs.length).toBeGreaterThan(0);
      const vars = keywardVars(docs);
      expect(vars.size).toBeGreaterThan(5);
      expect([...vars.keys()].filter((v) => !known.has(v))).toEqual([]);
      // Values as the server would read them (compose's ${…} interpolation filled with a placeholder).
      const env = Object.fromEntries([...vars].filter(([, v]) => v !== undefined).map(([k, v]) => [k, v!.replace(/\$\{[^}]*\}/g, 'placeholder')]));
      if (!env.KEYWARD_DATABASE_URL && vars.has('KEYWARD_DATABASE_URL')) env.KEYWARD_DATABASE_URL = 'postgres://keyward:x@db:5432/keyward';
      expect(() => loadConfig({}, env)).not.toThrow();
    });
  }

  it('the Kubernetes manifest runs several replicas with readiness on /readyz, and compose three nodes on one database', () => {
    const k8s = documents('docs/deploy/kubernetes.yaml') as { kind: string; spec?: { replicas?: number; template?: { spec: { containers: { readinessProbe: { httpGet: { path: string } } }[] } } } }[];
    const deployment = k8s.find((d) => d.kind === 'Deployment')!;
    expect(deployment.spec!.replicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec!.template!.spec.containers[0]!.readinessProbe.httpGet.path).toBe('/readyz');
    const compose = documents('docs/deploy/compose.yaml')[0] as { services: Record<string, { environment?: Record<string, string> }> };
    const nodes = Object.entries(compose.services).filter(([n]) => n.startsWith('keyward-'));
    expect(nodes.length).toBe(3);
    expect(new Set(nodes.map(([, s]) => s.environment!.KEYWARD_DATABASE_URL)).size).toBe(1);
  });
});
