import { describe, expect, it } from 'vitest';
import { KeyCache, type CachedKey } from '../../src/cache/key-cache.js';
import { ChangeWatcher, KeyVersionSource } from '../../src/cache/change-watcher.js';
import { createKeyward } from '../../src/keyward.js';
import { manualClock } from '../../src/lib/clock.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI, makeKeyward } from '../helpers.js';

describe('verification cache', () => {
  it('serves repeats from memory: one store read for many verifications', async () => {
    const { kw } = await makeKeyward();
    const app = await kw.apps.create({ name: 'a' }, CLI);
    const k = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 's' }, CLI);
    let reads = 0;
    const original = kw.store.findKeyByHash.bind(kw.store);
    kw.store.findKeyByHash = async (h) => {
      reads++;
      return original(h);
    };
    for (let i = 0; i < 50; i++) await kw.verifier.verify(k.secret);
    expect(reads).toBe(1);
    await kw.close();
  });

  it('a load that started before a revocation does not put the revoked key back (fill race)', async () => {
    const { kw } = await makeKeyward();
    const app = await kw.apps.create({ name: 'a' }, CLI);
    const k = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 's' }, CLI);
    const original = kw.store.findKeyByHash.bind(kw.store);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let first = true;
    let readDone!: () => void;
    const read = new Promise<void>((r) => (readDone = r));
    kw.store.findKeyByHash = async (h) => {
      const result = await original(h); // reads the key while still valid
      if (first) {
        first = false;
        readDone();
        await gate; // …and is slow to come back
      }
      return result;
    };
    const slow = kw.verifier.verify(k.secret);
    await read; // the read is done and held: the revoke comes strictly after it
    await kw.keys.revoke(k.key.id, 'compromised', CLI);
    release();
    await slow; // linearised before the revoke: may say valid
    expect(await kw.verifier.verify(k.secret)).toMatchObject({ valid: false, reason: 'REVOKED' });
    await kw.close();
  });

  it('negative entries expire and a new key is never shadowed by one', () => {
    const clock = manualClock();
    const cache = new KeyCache({ ttlMs: 1000, negativeTtlMs: 100, maxEntries: 10, now: clock });
    cache.set('h', null, cache.beginLoad());
    expect(cache.get('h')).toBeNull();
    clock.advance(100);
    expect(cache.get('h')).toBeUndefined();
    cache.set('h', null, cache.beginLoad());
    cache.invalidateHash('h');
    expect(cache.get('h')).toBeUndefined();
  });

  it('bounded: never holds more than maxEntries', () => {
    const cache = new KeyCache({ ttlMs: 1000, negativeTtlMs: 1000, maxEntries: 100, now: manualClock() });
    for (let i = 0; i < 1000; i++) cache.set(`h${i}`, null, cache.beginLoad());
    expect(cache.size).toBeLessThanOrEqual(100);
  });

  it('bounded: the by-id index leaves with its entries (evicted, expired, replaced), so a large store cycling through a small cache holds no more ids than entries', () => {
    const clock = manualClock();
    const cache = new KeyCache({ ttlMs: 1000, negativeTtlMs: 1000, maxEntries: 100, now: clock });
    const entry = (i: number) => ({ key: { id: `key_${i}` }, secret: { hash: `h${i}` } }) as unknown as CachedKey;
    for (let i = 0; i < 10_000; i++) cache.set(`h${i}`, entry(i), cache.beginLoad()); // eviction
    expect(cache.size).toBeLessThanOrEqual(100);
    expect(cache.indexedKeyIds).toBeLessThanOrEqual(cache.size);
    clock.advance(1000);
    for (let i = 9_900; i < 10_000; i++) expect(cache.get(`h${i}`)).toBeUndefined(); // expiry
    expect(cache.indexedKeyIds).toBe(0);
    cache.set('h1', entry(1), cache.beginLoad());
    cache.set('h1', null, cache.beginLoad()); // replaced by a negative entry (the secret was deleted)
    expect(cache.indexedKeyIds).toBe(0);
    cache.set('h2', entry(2), cache.beginLoad());
    cache.invalidateHash('h2');
    expect(cache.indexedKeyIds).toBe(0);
  });

  it('another process revoking on the same SQLite file is noticed by the change watcher', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-watch-'));
    const clock = manualClock();
    const opts = { config: { logLevel: 'silent' as const, changePollIntervalMs: 0, usageFlushIntervalMs: 0 }, now: clock };
    const server = await createKeyward({ ...opts, store: openSqliteStore({ dataDir: dir }) });
    const cli = await createKeyward({ ...opts, store: openSqliteStore({ dataDir: dir }) });
    const app = await cli.apps.create({ name: 'a' }, CLI);
    const k = await cli.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 's' }, CLI);
    const watcher = new ChangeWatcher(new KeyVersionSource(server.store, { lookBackMs: 5000, now: clock }), (m) => m.type === 'key' && server.cache.invalidateKey(m.keyId), { pollIntervalMs: 0 });
    await watcher.poll();
    expect((await server.verifier.verify(k.secret)).valid).toBe(true);
    clock.advance(10);
    await cli.keys.revoke(k.key.id, 'from the CLI', CLI);
    expect((await server.verifier.verify(k.secret)).valid).toBe(true); // stale until the poll
    await watcher.poll();
    expect(await server.verifier.verify(k.secret)).toMatchObject({ valid: false, reason: 'REVOKED' });
    await server.close();
    await cli.close();
  });
});
