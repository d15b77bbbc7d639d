import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createKeyward } from '../../src/keyward.js';
import { checkBackup } from '../../src/ops/backup.js';
import { errorOf, runCli } from '../cli/run-in-process.js';
import { startNode } from '../support/node-process.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'kw-backup-'));
  dirs.push(d);
  return d;
};

describe('keyward backup (online SQLite backup)', () => {
  it('backs up while a running server takes concurrent writes: the backup is one consistent snapshot that opens, verifies and serves its keys', async () => {
    const data = tempDir();
    const init = await runCli(['--data', data, 'init', '--json']);
    expect(init.code).toBe(0);
    const root = JSON.parse(init.stdout).rootKey as string;
    const node = await startNode({ KEYWARD_DATA: data, KEYWARD_MASTER_KEYS: '' });
    const acknowledged: string[] = [];
    let stop = false;
    try {
      const api = (p: string, body: unknown) => fetch(`${node.base}${p}`, { method: 'POST', headers: { authorization: `Bearer ${root}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const app = (await (await api('/v1/apps', { name: 'busy' })).json()) as { id: string };
      const writer = async () => {
        while (!stop) {
          const res = await api(`/v1/apps/${app.id}/keys`, { kind: 'secret', environment: 'live', name: 'k' });
          if (res.status === 201) acknowledged.push(((await res.json()) as { secret: string }).secret);
        }
      };
      const writers = [writer(), writer(), writer(), writer()];
      while (acknowledged.length < 50) await new Promise((r) => setTimeout(r, 10));
      const before = acknowledged.length;
      const out = path.join(tempDir(), 'keyward-backup.db');
      const r = await runCli(['--data', data, 'backup', '--out', out, '--json']);
      const after = acknowledged.length;
      stop = true;
      await Promise.all(writers);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ file: out, audit: { ok: true } });
      expect(after).toBeGreaterThan(before); // the writes really were concurrent with the backup

      // One file, no WAL beside it, integrity and chain intact.
      expect(readdirSync(path.dirname(out))).toEqual(['keyward-backup.db']);
      expect(await checkBackup(out)).toMatchObject({ ok: true });
      const db = new BetterSqlite3(out, { readonly: true });
      const keys = Number((db.prepare(`SELECT count(*) AS n FROM keys WHERE name = 'k'`).get() as { n: number }).n);
      const head = db.prepare('SELECT seq FROM audit_head').get() as { seq: number };
      const records = Number((db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n);
      db.close();
      // Every key acknowledged before the backup started is in it; none it lacks a record for.
      expect(keys).toBeGreaterThanOrEqual(before);
      expect(keys).toBeLessThanOrEqual(acknowledged.length);
      expect(records).toBe(head.seq);

      // Restored as a data directory (with its master key), the backup serves the keys it holds.
      const restored = tempDir();
      copyFileSync(out, path.join(restored, 'keyward.db'));
      copyFileSync(path.join(data, 'master.key'), path.join(restored, 'master.key'));
      const kw = await createKeyward({ config: { dataDir: restored, logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0 } });
      try {
        expect(await kw.verifier.verify(acknowledged[0]!)).toMatchObject({ valid: true });
        expect(await kw.audit.verify()).toMatchObject({ ok: true });
      } finally {
        await kw.close();
      }
    } finally {
      stop = true;
      await node.stop();
    }
  });

  it('never overwrites a file and never leaves a partial one; a missing store is STORE_NOT_FOUND', async () => {
    const data = tempDir();
    expect((await runCli(['--data', data, 'init', '--json'])).code).toBe(0);
    const outDir = tempDir();
    const out = path.join(outDir, 'b.db');
    expect((await runCli(['--data', data, 'backup', '--out', out, '--json'])).code).toBe(0);
    const again = await runCli(['--data', data, 'backup', '--out', out, '--json']);
    expect(again.code).toBe(2);
    expect(errorOf(again.stderr).code).toBe('VALIDATION_FAILED');
    const missing = await runCli(['--data', path.join(data, 'nope'), 'backup', '--out', path.join(outDir, 'c.db'), '--json']);
    expect(errorOf(missing.stderr).code).toBe('STORE_NOT_FOUND');
    expect(existsSync(path.join(outDir, 'c.db'))).toBe(false);
    expect(readdirSync(outDir)).toEqual(['b.db']);
  });
});
