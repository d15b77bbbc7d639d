import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { generateDeviceKeyPair } from '../../../client/src/index.js';
import { createSigner } from '../../../client/src/signer.js';
import { ChangeLogSource } from '../../src/cache/change-log.js';
import type { Invalidation } from '../../src/cache/invalidation.js';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { authenticate } from '../../src/credentials/authenticate.js';
import type { Keyward } from '../../src/keyward.js';
import { PostgresChangeListener, parsePayload } from '../../src/store/postgres/change-listener.js';
import type { SqlStore } from '../../src/store/sql/sql-store.js';
import { CLI } from '../helpers.js';
import { gate, signedRequest, twoInstances } from '../state/helpers.js';
import { pgStore, PG_URL } from '../store/pg-harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/**
 * Two instances on one PostgreSQL schema with the change poll switched off: whatever reaches the
 * second one's caches came by LISTEN/NOTIFY (a poll at 0 never runs).
 */
async function pushOnly() {
  const s = await twoInstances({ changePollIntervalMs: 0 }, 'postgres');
  cleanups.push(s.close);
  const app = await s.a.apps.create({ name: 'a' }, CLI);
  return { ...s, app };
}

/** Resolves with the first message on `kw`'s local feed that `match` accepts. */
function nextOnFeed(kw: Keyward, match: (m: Invalidation) => boolean): Promise<Invalidation> {
  return new Promise((resolve) => {
    const off = kw.feed.subscribe((m) => {
      if (!match(m)) return;
      off();
      resolve(m);
    });
  });
}

const WITHIN_MS = 5_000; // generous under CPU load; the cluster suite measures the real figures

async function within<T>(p: Promise<T>, ms = WITHIN_MS): Promise<T | 'timeout'> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (t = setTimeout(() => r('timeout'), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(t);
  }
}

describe('every authority change reaches another node by NOTIFY alone (poll off)', () => {
  it('revoke, disable and rotate of a key, each refused on the other node', async () => {
    const s = await pushOnly();
    for (const change of ['revoke', 'disable', 'rotate'] as const) {
      const k = await s.a.keys.create({ appId: s.app.id, environment: 'live', kind: 'secret', name: change }, CLI);
      expect(await s.b.verifier.verify(k.secret)).toMatchObject({ valid: true }); // cached on b
      const heard = nextOnFeed(s.b, (m) => m.type === 'key' && m.keyId === k.key.id);
      if (change === 'revoke') await s.a.keys.revoke(k.key.id, 'leaked', CLI);
      else if (change === 'disable') await s.a.keys.update(k.key.id, { enabled: false }, CLI);
      else await s.a.keys.rotate(k.key.id, 0, CLI);
      expect(await within(heard)).not.toBe('timeout');
      expect(await s.b.verifier.verify(k.secret)).toMatchObject({ valid: false });
    }
  });

  it('a rotated HMAC signing secret (a secret change): the old secret is refused on the other node', async () => {
    const s = await pushOnly();
    const k = await s.a.keys.create({ appId: s.app.id, environment: 'live', kind: 'signing', name: 'b2b' }, CLI);
    const old = createSigner({ keyId: k.key.id, alg: 'hmac-sha256', key: k.secret });
    expect(await authenticate(await signedRequest(old), s.b.credentials)).toMatchObject({ valid: true });
    const heard = nextOnFeed(s.b, (m) => m.type === 'key' && m.keyId === k.key.id);
    const rotated = await s.a.keys.rotate(k.key.id, 0, CLI);
    expect(await within(heard)).not.toBe('timeout');
    expect(await authenticate(await signedRequest(old), s.b.credentials)).toMatchObject({ valid: false, code: 'SIGNATURE_INVALID' });
    const fresh = createSigner({ keyId: k.key.id, alg: 'hmac-sha256', key: rotated.secret });
    expect(await authenticate(await signedRequest(fresh), s.b.credentials)).toMatchObject({ valid: true });
  });

  it('device and session revocations', async () => {
    const s = await pushOnly();
    const { privateKey, publicJwk } = await generateDeviceKeyPair('ed25519');
    const { device } = await s.a.devices.register({ appId: s.app.id, environment: 'live', platform: 'ios', publicKey: publicJwk as unknown as Record<string, unknown> }, CLI);
    const signer = createSigner({ keyId: device.id, alg: 'ed25519', key: privateKey });
    expect(await authenticate(await signedRequest(signer), s.b.credentials)).toMatchObject({ valid: true });
    const issued = await s.a.sessions.create({ appId: s.app.id, environment: 'live', subject: 'u1' }, CLI);
    expect(await s.b.sessions.verify(issued.sessionKey)).toMatchObject({ valid: true });

    const heardDevice = nextOnFeed(s.b, (m) => m.type === 'device' && m.deviceId === device.id);
    await s.a.devices.revoke(device.id, CLI);
    expect(await within(heardDevice)).not.toBe('timeout');
    expect(await authenticate(await signedRequest(signer), s.b.credentials)).toMatchObject({ valid: false, code: 'INVALID_CREDENTIAL' });

    const heardSession = nextOnFeed(s.b, (m) => m.type === 'session' && m.sessionId === issued.session.id);
    await s.a.sessions.revoke(issued.session.id, 'logout', CLI);
    expect(await within(heardSession)).not.toBe('timeout');
    expect(await s.b.sessions.verify(issued.sessionKey)).toMatchObject({ valid: false, code: 'INVALID_CREDENTIAL' });
  });

  it('a JWT signing-key change: a token of the revoked key stops verifying on the other node', async () => {
    const s = await pushOnly();
    const minted = await s.a.tokens.mint({ appId: s.app.id, environment: 'live', subject: 'u1', scopes: [], audience: 'api', ttlSeconds: 600 });
    expect(await s.b.tokens.verify(minted.token, { audience: 'api' })).toMatchObject({ valid: true });
    const heard = nextOnFeed(s.b, (m) => m.type === 'signing_keys');
    await s.a.tokens.rotate('EdDSA', CLI, { immediate: true, revokePrevious: true });
    expect(await within(heard)).not.toBe('timeout');
    // The feed triggers a re-read of the keys; the answer changes once it is done.
    let last: unknown;
    for (let i = 0; i < 200; i++) {
      last = await s.b.tokens.verify(minted.token, { audience: 'api' });
      if (!(last as { valid: boolean }).valid) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(last).toMatchObject({ valid: false, code: 'TOKEN_INVALID' });
  });
});

/** A listener on `store`'s channel, listening when this resolves; what it hears lands in the array. */
async function listenTo(store: SqlStore): Promise<(Invalidation | undefined)[]> {
  const heard: (Invalidation | undefined)[] = [];
  let listening!: () => void;
  const ready = new Promise<void>((r) => (listening = r));
  const listener = new PostgresChangeListener({ client: store.postgresClient!, onNotify: (m) => heard.push(m), onListening: () => listening() });
  cleanups.push(() => listener.close());
  await listener.start();
  await ready;
  return heard;
}

describe('the NOTIFY channel', () => {
  it('announces only committed changes, after commit, and never one that rolled back', async () => {
    const store = await pgStore();
    cleanups.push(() => store.close());
    const heard = await listenTo(store);
    const writer = new pg.Client({ ...store.postgresClient! });
    await writer.connect();
    cleanups.push(() => writer.end());
    await writer.query(`INSERT INTO change_log (kind, entity_id, at_ms) VALUES ('key', 'key_before', 0)`);
    const deadline = Date.now() + WITHIN_MS;
    while (heard.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(heard).toHaveLength(1);
    // A row written in an open transaction: nothing may be heard of it before the transaction ends.
    await writer.query('BEGIN');
    await writer.query(`INSERT INTO change_log (kind, entity_id, at_ms) VALUES ('key', 'key_in_tx', 0)`);
    await writer.query(`SELECT pg_sleep(0.05)`); // the server's own wait, not the test's: gives a premature NOTIFY time to show
    expect(heard).toHaveLength(1);
    await writer.query('ROLLBACK');
    await writer.query(`INSERT INTO change_log (kind, entity_id, at_ms) VALUES ('device', 'dev_committed', 0)`);
    while (heard.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(heard).toEqual([
      { type: 'key', keyId: 'key_before' },
      { type: 'device', deviceId: 'dev_committed' },
    ]);
  });

  it('another schema of the same database does not wake this store', async () => {
    const mine = await pgStore();
    const other = await pgStore();
    cleanups.push(() => mine.close(), () => other.close());
    const heard = await listenTo(mine);
    const log = (s: typeof mine, id: string) => sql`INSERT INTO change_log (kind, entity_id, at_ms) VALUES ('key', ${id}, 0)`.execute(s.db);
    await log(other, 'key_other');
    await log(mine, 'key_mine');
    const deadline = Date.now() + WITHIN_MS;
    while (heard.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    // Notifications arrive in commit order: had key_other been heard, it would have come first.
    expect(heard).toEqual([{ type: 'key', keyId: 'key_mine' }]);
  });

  it('the poll backstop is on by default, at most 1 s (the bound on a lost notification)', () => {
    expect(DEFAULT_CONFIG.changePollIntervalMs).toBeGreaterThan(0);
    expect(DEFAULT_CONFIG.changePollIntervalMs).toBeLessThanOrEqual(1000);
  });

  it('payloads: the change itself, or a bare wake-up for any other shape', () => {
    expect(parsePayload('12 key key_abc')).toEqual({ type: 'key', keyId: 'key_abc' });
    expect(parsePayload('13 signing_key jwk_1')).toEqual({ type: 'signing_keys' });
    expect(parsePayload('14 something_new x')).toEqual({ type: 'all' });
    expect(parsePayload('15')).toBeUndefined();
  });

  it('a dropped LISTEN connection is reopened, and a change made while it was down is read from the log', async () => {
    const store = await pgStore();
    cleanups.push(() => store.close());
    const log = new ChangeLogSource(store.db, {});
    await log.init();
    const delivered: Invalidation[] = [];
    const pushed: (Invalidation | undefined)[] = [];
    let dropped!: () => void;
    const down = new Promise<void>((r) => (dropped = r));
    let listens = 0;
    let relistened!: () => void;
    const back = new Promise<void>((r) => (relistened = r));
    const listener = new PostgresChangeListener({
      client: store.postgresClient!,
      onNotify: (m) => pushed.push(m),
      onListening: () => {
        listens++;
        // What the change watcher does on every (re)connection: read the log.
        void log.read().then((ms) => {
          delivered.push(...ms);
          if (listens > 1) relistened();
        });
      },
      onError: () => dropped(),
      reconnectMinMs: 1_000, // at least 500 ms down: the change below lands while nobody listens
    });
    cleanups.push(() => listener.close());
    await listener.start();
    expect(listener.listening).toBe(true);
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    cleanups.push(() => admin.end());
    await admin.query('SELECT pg_terminate_backend($1)', [listener.backendPid]);
    await down;
    expect(listener.listening).toBe(false);
    await sql`INSERT INTO change_log (kind, entity_id, at_ms) VALUES ('key', 'key_while_down', ${Date.now()})`.execute(store.db);
    await back;
    expect(listener.listening).toBe(true);
    expect(pushed).toEqual([]); // nobody heard the NOTIFY…
    expect(delivered).toContainEqual({ type: 'key', keyId: 'key_while_down' }); // …and the re-read found the row
  });
});

describe('no cache-fill race when the revocation arrives by NOTIFY from another node', () => {
  it('key verification cache: a lookup that read the key before the revoke does not refill the cache after it', async () => {
    const s = await pushOnly();
    const k = await s.a.keys.create({ appId: s.app.id, environment: 'live', kind: 'secret', name: 'race' }, CLI);
    const original = s.b.store.findKeyByHash.bind(s.b.store);
    const read = gate();
    const held = gate();
    let hold = true;
    s.b.store.findKeyByHash = async (h) => {
      const r = await original(h); // reads the key while it is still valid…
      if (hold) {
        hold = false;
        read.release();
        await held.wait; // …and answers only after the revocation reached this node
      }
      return r;
    };
    const inFlight = s.b.verifier.verify(k.secret);
    await read.wait; // the store read is done (pre-revoke state)
    const heard = nextOnFeed(s.b, (m) => m.type === 'key' && m.keyId === k.key.id);
    await s.a.keys.revoke(k.key.id, 'leaked', CLI); // on the other node
    expect(await within(heard)).not.toBe('timeout'); // b's caches got the NOTIFY
    held.release();
    expect(await inFlight).toMatchObject({ valid: true }); // linearised before the revoke
    expect(s.b.cache.size).toBe(0); // the racing read put nothing into the cache
    expect(await s.b.verifier.verify(k.secret)).toMatchObject({ valid: false, reason: 'REVOKED' });
  });
});
