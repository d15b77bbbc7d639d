import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import vm from 'node:vm';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageDir, type PackageName } from '../../scripts/build.js';
import { buildAndPack, exportTargets, type Packed } from './pack.js';

/**
 * The packages as a user gets them: built, packed with `npm pack`, and installed from the tarballs
 * into an empty project outside the monorepo, then used from Node ESM, Node CommonJS, TypeScript
 * (with no DOM lib and no @types/node), an esbuild browser bundle, and the `keyward` command.
 *
 * The install is `--prefer-offline` (npm's cache holds every dependency after the monorepo's own
 * `npm install`) and `--ignore-scripts`: the one install script in the tree is better-sqlite3's,
 * which compiles SQLite (minutes on a small machine, and it needs the network for a prebuilt
 * binary); the addon the monorepo's install built for the same version is copied in instead.
 */
const run = promisify(execFile);
const root = path.resolve(packageDir('server'), '../..');
const work = realpathSync(mkdtempSync(path.join(tmpdir(), 'kw-pack-')));
const project = path.join(work, 'project');
let packed: Record<PackageName, Packed>;

beforeAll(async () => {
  mkdirSync(path.join(work, 'tarballs'));
  let started = Date.now();
  packed = await buildAndPack(path.join(work, 'tarballs'));
  process.stderr.write(`packaging: built and packed in ${Date.now() - started} ms\n`);
  started = Date.now();
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'kw-consumer', version: '1.0.0', private: true }));
  const tarballs = (['protocol', 'client', 'server'] as const).map((p) => packed[p].tarball);
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...tarballs], { cwd: project, timeout: 120_000 });
  copyNativeSqlite();
  process.stderr.write(`packaging: installed the tarballs in ${Date.now() - started} ms\n`);
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** better-sqlite3's compiled addon, from the monorepo's install of the same version (see above). */
function copyNativeSqlite(): void {
  const from = path.dirname(createRequire(path.join(root, 'package.json')).resolve('better-sqlite3/package.json'));
  const to = path.join(project, 'node_modules/better-sqlite3');
  const version = (dir: string) => (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  expect(version(to), 'the consumer resolved the same better-sqlite3 as the monorepo').toBe(version(from));
  mkdirSync(path.join(to, 'build/Release'), { recursive: true });
  copyFileSync(path.join(from, 'build/Release/better_sqlite3.node'), path.join(to, 'build/Release/better_sqlite3.node'));
}

async function node(args: readonly string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [...args], { cwd: project, timeout: 30_000 });
  return stdout;
}

describe('the packed tarballs', () => {
  it('hold only what a user needs: the built code, README, LICENSE and package.json', () => {
    const allowed: Record<PackageName, RegExp> = {
      protocol: /^(LICENSE|README\.md|package\.json|dist\/cjs\/package\.json|dist\/(esm|cjs)\/.+\.(js|d\.ts))$/,
      client: /^(LICENSE|README\.md|package\.json|dist\/cjs\/package\.json|dist\/(esm|cjs)\/.+\.(js|d\.ts))$/,
      server: /^(LICENSE|README\.md|package\.json|bin\/keyward\.js|dist\/.+\.(js|d\.ts)|dashboard\/index\.html|dashboard\/assets\/[A-Za-z0-9_-]+\.(js|css))$/,
    };
    for (const name of ['protocol', 'client', 'server'] as const) {
      const files = packed[name].files;
      expect(files.filter((f) => !allowed[name].test(f)), `${name}: files that are not for users`).toEqual([]);
      for (const required of ['LICENSE', 'README.md', 'package.json']) expect(files).toContain(required);
      // Every source file is shipped compiled, so nothing a user imports is missing.
      expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.includes('tsconfig'))).toBe(false);
    }
    expect(packed.client.files).toEqual(expect.arrayContaining(['dist/cjs/package.json', 'dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/cjs/index.js', 'dist/cjs/index.d.ts']));
    // The dashboard ships with the server: `keyward start` from npm serves it at /.
    expect(packed.server.files).toContain('dashboard/index.html');
  });

  it('ship every file their exports maps name, each built from the source file its @keyward/source condition names', () => {
    for (const name of ['protocol', 'client', 'server'] as const) {
      for (const { subpath, source, targets } of exportTargets(name)) {
        expect(existsSync(path.join(packageDir(name), source)), `${name} ${subpath}: ${source}`).toBe(true);
        expect(targets.length, `${name} ${subpath}: types and JavaScript`).toBeGreaterThanOrEqual(2);
        const stem = source.replace(/^src\//, '').replace(/\.ts$/, '');
        for (const target of targets) {
          expect(packed[name].files, `${name} ${subpath}`).toContain(target);
          expect(target.replace(/^dist\/(esm\/|cjs\/)?/, '').replace(/\.(d\.ts|js)$/, ''), `${name} ${subpath}: ${target} comes from ${source}`).toBe(stem);
        }
      }
    }
  });
});

describe('installed from the tarballs into an empty project', () => {
  it('keyward declares its frameworks as optional peers, and no TypeScript loader or framework as a dependency', () => {
    const pkg = JSON.parse(readFileSync(path.join(project, 'node_modules/keyward/package.json'), 'utf8')) as {
      dependencies: Record<string, string>; peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    for (const framework of ['express', 'hono']) {
      expect(pkg.peerDependencies[framework], framework).toBeDefined();
      expect(pkg.peerDependenciesMeta[framework]?.optional, framework).toBe(true);
      expect(pkg.dependencies[framework], framework).toBeUndefined();
      expect(existsSync(path.join(project, 'node_modules', framework)), `${framework} is not installed for a user who does not ask`).toBe(false);
    }
    expect(Object.keys(pkg.dependencies).filter((d) => ['tsx', 'ts-node', 'typescript', 'esbuild'].includes(d))).toEqual([]);
  });

  it('loads from Node ESM: every package and subpath, with named exports', async () => {
    const out = await node(['--input-type=module', '-e', `
      import { createKeywardClient, createSigner, KeywardApiError } from '@keyward/client';
      import { keyStatus, generateKey } from '@keyward/protocol';
      import { createKeyward, buildServer, createGateway, CATALOGUE } from 'keyward';
      import { keywardFastify } from 'keyward/fastify';
      import { keywardExpress } from 'keyward/express';
      import { keywardHono } from 'keyward/hono';
      const key = generateKey('publishable', 'test');
      console.log(JSON.stringify({
        parsed: keyStatus(key),
        client: [createKeywardClient, createSigner, KeywardApiError].map((f) => typeof f),
        server: [createKeyward, buildServer, createGateway, keywardFastify, keywardExpress, keywardHono].map((f) => typeof f),
        codes: typeof CATALOGUE,
        resolved: import.meta.resolve('@keyward/client'),
      }));`]);
    const result = JSON.parse(out) as { parsed: string; client: string[]; server: string[]; codes: string; resolved: string };
    expect(result.parsed).toBe('OK');
    expect(result.client).toEqual(['function', 'function', 'function']);
    expect(result.server).toEqual(Array(6).fill('function'));
    expect(result.codes).toBe('object');
    expect(result.resolved).toBe(pathToFileURL(path.join(project, 'node_modules/@keyward/client/dist/esm/index.js')).href);
  });

  it('loads from Node CommonJS: the libraries through their CJS build, the server through require(esm)', async () => {
    const out = await node(['-e', `
      const client = require('@keyward/client');
      const protocol = require('@keyward/protocol');
      const keyward = require('keyward');
      console.log(JSON.stringify({
        client: typeof client.createKeywardClient,
        parsed: protocol.keyStatus(protocol.generateKey('publishable', 'live')),
        server: typeof keyward.createKeyward,
        resolved: [require.resolve('@keyward/client'), require.resolve('@keyward/protocol')],
      }));`]);
    const result = JSON.parse(out) as { client: string; parsed: string; server: string; resolved: string[] };
    expect(result).toMatchObject({ client: 'function', parsed: 'OK', server: 'function' });
    expect(result.resolved).toEqual([path.join(project, 'node_modules/@keyward/client/dist/cjs/index.js'), path.join(project, 'node_modules/@keyward/protocol/dist/cjs/index.js')]);
  });

  it('type-checks a user’s ESM and CJS files with lib ES2022 only: no DOM lib, no @types/node', async () => {
    writeFileSync(path.join(project, 'esm.mts'), `
      import { createKeywardClient, createSigner, type KeywardClientOptions, type WebResponse } from '@keyward/client';
      import { keyStatus } from '@keyward/protocol';
      const options: KeywardClientOptions = { baseUrl: 'https://api.example.com', publishableKey: 'kw_pk_test_x', fetch: async () => { throw new Error('offline'); } };
      const client = createKeywardClient(options);
      export const answer: Promise<WebResponse> = client.fetch('/profile', { method: 'POST', body: '{}' });
      export const signer = createSigner({ keyId: 'key_1', alg: 'hmac-sha256', key: 'kw_hk_test_x' });
      export const ok: boolean = keyStatus('kw_pk_test_x') === 'OK';
    `);
    writeFileSync(path.join(project, 'cjs.cts'), `
      import client = require('@keyward/client');
      export const make: typeof client.createKeywardClient = client.createKeywardClient;
    `);
    writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022'], types: [], strict: true, noEmit: true, skipLibCheck: false },
      files: ['esm.mts', 'cjs.cts'],
    }));
    const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
    await expect(node([tsc, '-p', 'tsconfig.json'])).resolves.toBe('');
  }, 60_000);

  it('bundles @keyward/client for the browser with esbuild, pulling in no Node built-in, and the bundle signs with WebCrypto alone', async () => {
    const result = await build({
      stdin: {
        contents: `import { createSigner } from '@keyward/client';
          globalThis.sign = () => createSigner({ keyId: 'key_1', alg: 'hmac-sha256', key: 'kw_hk_test_secret' })
            .sign({ method: 'POST', url: new URL('https://api.example.com/v1/x?y=1'), headers: new Headers({ 'content-type': 'application/json' }), body: new TextEncoder().encode('{}') }, 1700000000);`,
        resolveDir: project,
      },
      absWorkingDir: project,
      bundle: true, format: 'iife', platform: 'browser', target: 'es2022', write: false, metafile: true, logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).filter((i) => i !== '<stdin>');
    expect(inputs.length).toBeGreaterThan(3);
    expect(inputs.filter((i) => !/^node_modules\/@keyward\/(client|protocol)\/dist\/esm\//.test(i))).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/\brequire\(|node:/);
    // A context with only the Web platform: no process, Buffer, require or module.
    const context = vm.createContext({ crypto: globalThis.crypto, TextEncoder, TextDecoder, URL, Headers });
    vm.runInContext(code, context);
    const signed = (await vm.runInContext('sign()', context)) as Record<string, string>;
    expect(Object.keys(signed).sort()).toEqual(['content-digest', 'signature', 'signature-input']);
    expect(signed['signature-input']).toContain('keyid="key_1"');
  });

  it('runs `keyward start` with plain Node (no tsx installed), which answers /healthz', async () => {
    expect(existsSync(path.join(project, 'node_modules/tsx')), 'tsx is not a runtime dependency').toBe(false);
    const bin = path.join(project, 'node_modules/.bin/keyward');
    expect((await node([bin, '--version'])).trim()).toBe(JSON.parse(readFileSync(path.join(packageDir('server'), 'package.json'), 'utf8')).version);
    const data = path.join(work, 'data');
    const child = spawn(process.execPath, [bin, 'start', '--port', '0', '--host', '127.0.0.1', '--data', data], { cwd: project, env: { ...process.env, KEYWARD_MASTER_KEYS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stdout = '';
      let stderr = '';
      const address = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          stdout += String(d);
          const line = stdout.split('\n').find((l) => l.includes('keyward listening'));
          if (line) resolve((JSON.parse(line) as { address: string }).address);
        });
        child.stderr.on('data', (d) => (stderr += String(d)));
        child.once('exit', (code) => reject(new Error(`keyward exited with ${code}: ${stderr}`)));
      });
      const health = await fetch(`${address}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
