import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import BetterSqlite3 from 'better-sqlite3';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { storeConformance } from './conformance.js';

const require = createRequire(import.meta.url);

storeConformance('sqlite (memory)', async () => {
  const store = openSqliteStore({ dataDir: ':memory:' });
  await store.migrate();
  return store;
});

const dirs: string[] = [];
storeConformance('sqlite (file, WAL)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-store-'));
  dirs.push(dir);
  const store = openSqliteStore({ dataDir: dir });
  await store.migrate();
  return store;
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('sqlite migrations', () => {
  it('are idempotent across restarts of the same file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-mig-'));
    dirs.push(dir);
    const a = openSqliteStore({ dataDir: dir });
    await a.migrate();
    await a.appendAudit({ actor: 't', action: 'x.y', target: 't', requestId: 'r' }, 1);
    await a.close();
    const b = openSqliteStore({ dataDir: dir });
    await b.migrate();
    await b.migrate();
    expect(await b.auditHead()).toMatchObject({ seq: 1 });
    await b.close();
  });
});

describe('sqlite write-ahead log', () => {
  const walSize = (dir: string) => {
    const wal = path.join(dir, 'keyward.db-wal');
    return existsSync(wal) ? statSync(wal).size : 0;
  };

  it('is folded into the database on close even while another connection has the file open, and the data stays', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-wal-'));
    dirs.push(dir);
    const store = openSqliteStore({ dataDir: dir });
    await store.migrate();
    const reader = new BetterSqlite3(path.join(dir, 'keyward.db'), { readonly: true });
    for (let i = 1; i <= 200; i++) await store.appendAudit({ actor: 't', action: 'x.y', target: `t${i}`, requestId: 'r' }, i);
    expect(reader.prepare('SELECT COUNT(*) AS n FROM audit_log').get()).toEqual({ n: 200 });
    expect(walSize(dir)).toBeGreaterThan(0);
    await store.close();
    expect(walSize(dir)).toBe(0); // SQLite itself skips this while `reader` is open: not the last connection
    reader.close();
    const again = openSqliteStore({ dataDir: dir });
    expect(await again.auditHead()).toMatchObject({ seq: 200 });
    await again.close();
  });

  it('left behind by a process that could not fold it, is folded at the next start', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-wal-'));
    dirs.push(dir);
    const first = openSqliteStore({ dataDir: dir });
    await first.migrate();
    await first.close();
    // A writer that crashes (SIGKILL) before it can checkpoint, with automatic checkpoints off.
    const script = `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(path.join(dir, 'keyward.db'))}); db.pragma('wal_autocheckpoint = 0'); db.exec('CREATE TABLE scratch (n INTEGER)'); const ins = db.prepare('INSERT INTO scratch (n) VALUES (?)'); for (let i = 1; i <= 50; i++) ins.run(i); process.kill(process.pid, 'SIGKILL');`;
    expect(() => execFileSync(process.execPath, ['-e', script], { cwd: path.dirname(require.resolve('better-sqlite3/package.json')) })).toThrow();
    expect(walSize(dir)).toBeGreaterThan(0);
    const store = openSqliteStore({ dataDir: dir });
    expect(walSize(dir)).toBe(0);
    await store.close();
    const check = new BetterSqlite3(path.join(dir, 'keyward.db'), { readonly: true });
    expect(check.prepare('SELECT COUNT(*) AS n FROM scratch').get()).toEqual({ n: 50 }); // folded, not lost
    check.close();
  });
});
