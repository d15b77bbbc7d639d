import { sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Invalidation } from '../../src/cache/invalidation.js';
import { KeyCache } from '../../src/cache/key-cache.js';
import type { Keyward } from '../../src/keyward.js';
import { CLI } from '../helpers.js';
import { SHARED_BACKENDS, twoInstances } from './helpers.js';

/**
 * A revocation made on one node reaches the others as `key_revoked` (migration 430), and they
 * refuse the key from their caches at once, with no store read (KeyCache.markRevoked): on a
 * loaded database that read was most of a revocation's latency on other nodes (#11, p99 goal).
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function nextOnFeed(kw: Keyward, match: (m: Invalidation) => boolean, withinMs = 10_000): Promise<Invalidation | 'timeout'> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve('timeout'), withinMs);
    const off = kw.feed.subscribe((m) => {
      if (!match(m)) return;
      off();
      clearTimeout(t);
      resolve(m);
    });
  });
}

describe.each(SHARED_BACKENDS)('a key revoked on another instance is refused from the cache (%s)', (backend) => {
  it('the change arrives as a revocation and the next verification reads nothing from the store', async () => {
    // PostgreSQL: NOTIFY alone (poll off); SQLite: the poll.
    const s = await twoInstances({ changePollIntervalMs: backend === 'postgres' ? 0 : 20 }, backend);
    cleanups.push(s.close);
    const app = await s.a.apps.create({ name: 'r' }, CLI);
    const k = await s.a.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'r' }, CLI);
    expect(await s.b.verifier.verify(k.secret)).toMatchObject({ valid: true }); // cached on b
    // The key's creation may still be on its way to b as a plain `key` change: wait for the revocation.
    const heard = nextOnFeed(s.b, (m) => m.type === 'key' && m.keyId === k.key.id && 'revoked' in m);
    await s.a.keys.revoke(k.key.id, 'leaked', CLI);
    expect(await heard).toEqual({ type: 'key', keyId: k.key.id, revoked: true });
    let reads = 0;
    const original = s.b.store.findKeyByHash.bind(s.b.store);
    s.b.store.findKeyByHash = async (hash) => {
      reads++;
      return original(hash);
    };
    expect(await s.b.verifier.verify(k.secret)).toMatchObject({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'REVOKED' });
    expect(reads).toBe(0);
  });

  it('other key changes (disable, update) still drop the entry and re-read it', async () => {
    const s = await twoInstances({ changePollIntervalMs: backend === 'postgres' ? 0 : 20 }, backend);
    cleanups.push(s.close);
    const app = await s.a.apps.create({ name: 'r' }, CLI);
    const k = await s.a.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'r' }, CLI);
    expect(await s.b.verifier.verify(k.secret)).toMatchObject({ valid: true });
    const next = () => nextOnFeed(s.b, (m) => m.type === 'key' && m.keyId === k.key.id);
    let heard = next();
    await s.a.keys.update(k.key.id, { enabled: false }, CLI);
    // The key's creation may reach b first as the same plain `key` change (each drops the entry):
    // take changes until b refuses, each of them not a revocation; a feed that stops times out.
    for (;;) {
      expect(await heard).toEqual({ type: 'key', keyId: k.key.id }); // not a revocation
      heard = next();
      if (!(await s.b.verifier.verify(k.secret)).valid) break;
    }
    expect(await s.b.verifier.verify(k.secret)).toMatchObject({ valid: false, code: 'CREDENTIAL_DISABLED' });
  });
});

describe('the change log names a revocation stamped this very millisecond a revocation', () => {
  it.each(SHARED_BACKENDS)('%s: 200 revocations at Date.now(), each logged as key_revoked', async (backend) => {
    // SQLite's trigger clock is cut to the millisecond below; before migration 440 about one such
    // revocation in three was logged as a plain `key` change.
    const s = await twoInstances({ changePollIntervalMs: 0 }, backend);
    cleanups.push(s.close);
    const app = await s.a.apps.create({ name: 'r' }, CLI);
    const kinds: string[] = [];
    for (let i = 0; i < 200; i++) {
      const k = await s.a.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: `r${i}` }, CLI);
      await s.a.keys.revoke(k.key.id, 'leaked', CLI);
      kinds.push(await lastChangeKind(s.a, k.key.id));
    }
    expect(kinds.filter((k) => k !== 'key_revoked')).toEqual([]);
  }, 60_000);
});

async function lastChangeKind(kw: Keyward, keyId: string): Promise<string> {
  const db = (kw.store as unknown as { db: Kysely<never> }).db;
  const rows = await sql<{ kind: string }>`SELECT kind FROM change_log WHERE entity_id = ${keyId} ORDER BY seq DESC LIMIT 1`.execute(db);
  return rows.rows[0]?.kind ?? 'none';
}

describe('KeyCache.markRevoked', () => {
  const record = (revokedAtMs: number | null) =>
    ({ key: { id: 'key_1', revokedAtMs }, secret: { hash: 'h' } }) as unknown as Parameters<KeyCache['set']>[1] & object;

  it('marks every cached secret revoked, keeps an earlier revocation time, and drops loads in flight', () => {
    const cache = new KeyCache({ ttlMs: 60_000, negativeTtlMs: 5_000, maxEntries: 10, now: () => 1_000 });
    cache.set('h1', record(null), cache.beginLoad());
    cache.set('h2', record(500), cache.beginLoad());
    const inFlight = cache.beginLoad(); // a read of the old, valid row that began before the mark
    cache.markRevoked('key_1', 900);
    expect(cache.get('h1')?.key.revokedAtMs).toBe(900);
    expect(cache.get('h2')?.key.revokedAtMs).toBe(500);
    cache.set('h1', record(null), inFlight); // returns after the mark: must not put the valid record back
    expect(cache.get('h1')?.key.revokedAtMs).toBe(900);
  });
});
