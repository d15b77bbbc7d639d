import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { createSigner } from '../../../client/src/signer.js';
import type { AuthRequest } from '../../src/credentials/authenticate.js';
import { createKeyward, type Keyward } from '../../src/keyward.js';
import { openPostgresStore } from '../../src/store/postgres/open.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { freshSchema, PG_URL } from '../store/pg-harness.js';

export const POLL_MS = 20;

/** Every backend the cross-process suites run on. */
export const SHARED_BACKENDS = ['sqlite', 'postgres'] as const;
export type SharedBackend = (typeof SHARED_BACKENDS)[number];

/**
 * Two Keyward instances on one store, as `keyward start` and `keyward gateway` (or two nodes)
 * run: separate stores, caches and connections, sharing only the SQLite file or the PostgreSQL
 * schema. Real clock (signatures are time-bound).
 */
export async function twoInstances(config: Record<string, unknown> = {}, backend: SharedBackend = 'sqlite', aNow?: () => number): Promise<{ a: Keyward; b: Keyward; dir: string; close: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-shared-'));
  const opts = { config: { logLevel: 'silent' as const, changePollIntervalMs: POLL_MS, usageFlushIntervalMs: 0, ...config } };
  const schema = backend === 'postgres' ? await freshSchema() : undefined;
  const open = () => (schema ? openPostgresStore({ url: PG_URL, poolSize: 4, schema }) : openSqliteStore({ dataDir: dir }));
  const a = await createKeyward({ ...opts, store: open(), ...(aNow ? { now: aNow } : {}) });
  const b = await createKeyward({ ...opts, store: open(), keyring: a.keyring });
  return {
    a,
    b,
    dir,
    close: async () => {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A GET signed now with the SDK signer, as the gateway's `authenticate()` receives it. */
export async function signedRequest(signer: ReturnType<typeof createSigner>, target = '/orders'): Promise<AuthRequest> {
  const url = new URL(target, 'http://api.test');
  const added = await signer.sign({ method: 'GET', url, headers: new Headers() }, Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = { host: url.host };
  const rawHeaders = ['Host', url.host];
  for (const [n, v] of Object.entries(added)) {
    headers[n.toLowerCase()] = v;
    rawHeaders.push(n, v);
  }
  return { method: 'GET', rawTarget: url.pathname, headers, rawHeaders, clientIp: '127.0.0.1' };
}

/** Polls `check` until it holds or `withinMs` passed; returns whether it held (the caller asserts). */
export async function eventually(check: () => Promise<boolean>, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A promise to hold a store read on, released by the test. */
export function gate(): { wait: Promise<void>; release: () => void } {
  let release!: () => void;
  const wait = new Promise<void>((r) => (release = r));
  return { wait, release };
}
