import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { Identity } from '../../src/identities/model.js';
import { IdentityService } from '../../src/identities/service.js';
import { KeyCache } from '../../src/cache/key-cache.js';
import { LocalInvalidationBus } from '../../src/cache/invalidation.js';
import { SqlIdentityStore } from '../../src/store/sql/identity-store.js';
import type { SqlStore } from '../../src/store/sql/sql-store.js';
import { KeywardError } from '../../src/errors/keyward-error.js';
import { freshSchema, pgStore, PG_URL } from '../store/pg-harness.js';
import { CLI } from '../helpers.js';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

const identity = (id: string, appId: string, externalId: string): Identity => ({ id, appId, externalId, meta: {}, ratelimit: null, credits: null, creditsRemaining: null, createdAtMs: 1, updatedAtMs: 1, version: 1 });

/**
 * Two renames to the same externalId: the service's "is it taken?" check runs in READ COMMITTED
 * and cannot see the other rename while it is uncommitted, so the unique index is what refuses
 * the second one. That refusal must be the same 409 CONFLICT as a plainly taken value, not a 500.
 * The interleaving is forced: a second connection holds its rename uncommitted until the
 * service's UPDATE is seen waiting on it in pg_locks.
 */
describe('renaming an identity to an externalId taken concurrently (PostgreSQL)', () => {
  it('answers CONFLICT and changes nothing, however the two renames interleave', async () => {
    const schema = await freshSchema();
    const store: SqlStore = await pgStore({ schema });
    closers.push(() => store.close());
    const app = { id: 'app_race', name: 'race', settings: {} as never, createdAtMs: 1, updatedAtMs: 1, version: 1 };
    await store.db.insertInto('apps').values({ id: app.id, name: app.name, settings: '{}', created_at_ms: 1, updated_at_ms: 1, version: 1 }).execute();
    const identities = new SqlIdentityStore(store.db);
    expect(await identities.create(identity('idt_a', app.id, 'a'), { actor: 't', requestId: 'r', action: 'identity.create', target: 'idt_a', data: {} })).toBe('ok');
    expect(await identities.create(identity('idt_b', app.id, 'b'), { actor: 't', requestId: 'r', action: 'identity.create', target: 'idt_b', data: {} })).toBe('ok');
    const service = new IdentityService({ store: identities, core: { getApp: async () => app as never }, cache: new KeyCache({ maxEntries: 10, ttlMs: 1000, negativeTtlMs: 1000, now: () => 2 }), bus: new LocalInvalidationBus(), now: () => 2 });

    const other = new pg.Client({ connectionString: PG_URL });
    await other.connect();
    closers.push(() => other.end());
    await other.query(`SET search_path TO ${schema}`);
    const otherPid = ((await other.query('SELECT pg_backend_pid() AS pid')).rows[0] as { pid: number }).pid;
    await other.query('BEGIN');
    await other.query(`UPDATE identities SET external_id = 'taken', version = version + 1 WHERE id = 'idt_a'`);

    const renaming = service.update('idt_b', { externalId: 'taken' }, CLI).then(
      (v) => ({ ok: true as const, v }),
      (err: unknown) => ({ ok: false as const, err }),
    );
    // Wait until the service's UPDATE is blocked on the uncommitted rename's index entry.
    const watcher = new pg.Client({ connectionString: PG_URL });
    await watcher.connect();
    closers.push(() => watcher.end());
    let blocked = false;
    for (let i = 0; i < 800 && !blocked; i++) {
      const { rows } = await watcher.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [otherPid]);
      blocked = (rows[0] as { n: number }).n > 0;
      if (!blocked) await new Promise((r) => setTimeout(r, 25));
    }
    expect(blocked, 'the service UPDATE waited on the uncommitted rename').toBe(true);
    await other.query('COMMIT');
    const result = await renaming;
    expect(result.ok).toBe(false);
    const err = (result as { err: unknown }).err;
    expect(err).toBeInstanceOf(KeywardError);
    expect((err as KeywardError).code).toBe('CONFLICT');
    expect((await identities.get('idt_b'))?.externalId).toBe('b');
    expect((await store.listAudit({ limit: 50, target: 'idt_b' })).map((r) => r.action)).toEqual(['identity.create']);
  }, 30_000);
});
