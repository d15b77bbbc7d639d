import { execFile } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, startServer, type GatewayProcess } from '../gateway/process.js';

/**
 * `keyward start --policy FILE` as a real process: the access map behind GET /v1/keys/{id}/access
 * reloads on SIGHUP and on file changes through the gateway's reload code (gateway/reload.ts,
 * cli/commands/gateway-ops.ts): a valid map swaps in whole, an invalid one is refused with a
 * POLICY_INVALID log line and a metric while the old map keeps answering, and the process lives on.
 */
const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'kw-start-reload-'));
const ENV = { ...process.env, KEYWARD_MASTER_KEYS: '', KEYWARD_HOST: '' };
let root = '';
let keyId = '';
const servers: GatewayProcess[] = [];

beforeAll(async () => {
  const cli = async (...args: string[]) => JSON.parse((await run(process.execPath, [BIN, '--data', dir, ...args, '--json'], { env: ENV })).stdout) as Record<string, unknown>;
  root = (await cli('init')).rootKey as string;
  const app = (await cli('apps', 'create', 'reload')) as { id: string };
  keyId = ((await cli('keys', 'create', '--app', app.id, '--kind', 'secret', '--env', 'live', '--name', 'srv')) as { key: { id: string } }).key.id;
}, 120_000);
afterAll(async () => {
  for (const s of servers) await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

const mapOf = (...paths: string[]) => `version: 1\nresources:\n${paths.map((p) => `  - { path: "${p}", methods: [GET], allow: [secret] }\n`).join('')}`;

async function start(map: string, extra: string[] = []): Promise<{ srv: GatewayProcess; file: string }> {
  const file = path.join(dir, `map-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, map);
  const srv = await startServer(['--data', dir, '--policy', file, ...extra], { KEYWARD_LOG_LEVEL: 'debug' });
  servers.push(srv);
  return { srv, file };
}

async function allowedPaths(srv: GatewayProcess): Promise<string[]> {
  const res = await request(`${srv.base}/v1/keys/${keyId}/access`, { headers: { authorization: `Bearer ${root}` } });
  const body = (await res.body.json()) as { resources: { path: string; allowed: boolean }[] };
  expect(res.statusCode).toBe(200);
  return body.resources.filter((r) => r.allowed).map((r) => r.path);
}

async function reloads(srv: GatewayProcess): Promise<Record<string, number>> {
  const res = await request(`${srv.base}/metrics`, { headers: { authorization: `Bearer ${root}` } });
  const text = await res.body.text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^keyward_api_map_reloads_total\{outcome="(\w+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

describe('keyward start --policy: the access map reloads like the gateway\'s', () => {
  it('SIGHUP swaps in a valid map; an invalid one is refused (log line, metric) and the old map keeps answering', async () => {
    const { srv, file } = await start(mapOf('/orders/{id}'), ['--no-watch-policy']);
    expect(await allowedPaths(srv)).toEqual(['/orders/{id}']);
    expect(await reloads(srv)).toEqual({ applied: 0, unchanged: 0, refused: 0 });

    writeFileSync(file, mapOf('/files/{id}', '/orders/{id}'));
    srv.child.kill('SIGHUP');
    await srv.waitForLog((l) => l.msg === 'access map reloaded' && l.trigger === 'signal');
    expect(await allowedPaths(srv)).toEqual(['/files/{id}', '/orders/{id}']);

    // Invalid: a typo'd kind. Nothing of it applies, not even its valid resource.
    writeFileSync(file, mapOf('/reports') + '  - { path: "/x", methods: [GET], allow: [secrte] }\n');
    srv.child.kill('SIGHUP');
    const refused = await srv.waitForLog((l) => l.msg === 'access map reload refused: the previous map stays in force');
    expect(refused).toMatchObject({ code: 'POLICY_INVALID', trigger: 'signal' });
    expect(JSON.stringify(refused.problems)).toContain('allow');
    expect(await allowedPaths(srv)).toEqual(['/files/{id}', '/orders/{id}']);
    expect(await reloads(srv)).toMatchObject({ applied: 1, refused: 1 });
    expect(srv.child.exitCode).toBeNull();
  }, 120_000);

  it('reloads when the file changes, an editor-style replace by rename included', async () => {
    const { srv, file } = await start(mapOf('/orders/{id}'));
    writeFileSync(file, mapOf('/files/{id}'));
    await srv.waitForLog((l) => l.msg === 'access map reloaded' && l.trigger === 'file');
    expect(await allowedPaths(srv)).toEqual(['/files/{id}']);
    writeFileSync(`${file}.tmp`, mapOf('/reports'));
    renameSync(`${file}.tmp`, file);
    await srv.waitForLog(() => srv.logs().filter((l) => l.msg === 'access map reloaded').length === 2);
    expect(await allowedPaths(srv)).toEqual(['/reports']);
  }, 120_000);
});
