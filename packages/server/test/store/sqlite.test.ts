import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { storeConformance } from './conformance.js';

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
