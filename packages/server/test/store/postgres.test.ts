import { describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import { storeConformance } from './conformance.js';
import { freshSchema, PG_URL, pgStore } from './pg-harness.js';

storeConformance('postgres', () => pgStore());

describe('postgres migrations', () => {
  it('several migrators starting at once on one empty schema: each version applied exactly once, every store usable', async () => {
    const schema = await freshSchema();
    const stores = Array.from({ length: 5 }, () => openPostgresStore({ url: PG_URL, poolSize: 2, schema }));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      const rows = await stores[0]!.db.selectFrom('kw_migrations').select(['version']).execute();
      const versions = rows.map((r) => r.version);
      expect(new Set(versions).size).toBe(versions.length);
      expect(versions.length).toBeGreaterThan(5);
      await stores[3]!.appendAudit({ actor: 't', action: 'x.y', target: 't', requestId: 'r' }, 1);
      expect(await stores[1]!.auditHead()).toMatchObject({ seq: 1 });
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('are idempotent across restarts', async () => {
    const schema = await freshSchema();
    const a = await pgStore({ schema });
    await a.appendAudit({ actor: 't', action: 'x.y', target: 't', requestId: 'r' }, 1);
    await a.close();
    const b = await pgStore({ schema });
    await b.migrate();
    expect(await b.auditHead()).toMatchObject({ seq: 1 });
    await b.close();
  });
});
