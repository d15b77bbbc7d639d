import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-in-process.js';
import { freshSchema, PG_URL } from '../store/pg-harness.js';
import { Agent, request } from 'undici';
import { spawnServing, type ClusterProcess } from '../cluster/launch.js';

/**
 * #11: a node killed with SIGKILL in the middle of 10^4 mutations (creates, revokes, rotations,
 * 32 at a time, through the HTTP API) loses no acknowledged revocation, key or audit record, and
 * the audit chain still verifies. All 10^4 mutations are sent: the kill comes at a random point
 * between 30% and 70% of them, a new node is started on the same database, and the rest go to
 * it. "Acknowledged" means the client got the 2xx answer; requests in flight at the kill may or
 * may not have happened, and either is correct.
 *
 * What makes 10^4 fit: every mutation appends to the one audit chain, whose head row is locked
 * from the append to the commit, so mutations serialise on it; on PostgreSQL the append is one
 * statement (store/sql/audited-write.ts), so the lock spans one round trip and the commit. The
 * client side is a keep-alive undici pool and the node logs at warn (a log line per request is
 * most of a loaded node's CPU).
 */
const PLANNED = 10_000;
const CONCURRENCY = 32;
/** Where the kill lands, as a share of PLANNED acknowledged mutations: random in this range, logged. */
const KILL_BETWEEN = [0.3, 0.7] as const;
const MASTER = `m1:${randomBytes(32).toString('base64')}`;
const nodes: ClusterProcess[] = [];
afterAll(async () => {
  for (const n of nodes) n.child.kill('SIGKILL');
});

interface Acked {
  created: Map<string, string>; // key id → its first secret
  revoked: Set<string>;
  rotated: Map<string, { secret: string; count: number }>; // key id → latest secret, acknowledged rotations
}

describe('SIGKILL in the middle of 10^4 mutations (PostgreSQL)', () => {
  it('every acknowledged key, revocation, rotation and audit record survives and the chain verifies', async () => {
    const schema = await freshSchema();
    const url = `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const env: Record<string, string> = { ...(process.env as Record<string, string>), KEYWARD_DATABASE_URL: url, KEYWARD_MASTER_KEYS: MASTER, KEYWARD_LOG_LEVEL: 'warn', KEYWARD_LOG_FORMAT: 'json', KEYWARD_HOST: '' };
    delete env.KEYWARD_REDIS_URL;
    const init = await runCli(['init', '--json'], { KEYWARD_DATABASE_URL: url, KEYWARD_MASTER_KEYS: MASTER });
    expect(init.code).toBe(0);
    const root = JSON.parse(init.stdout).rootKey as string;
    const refusedCodes = new Map<string, number>();
    const http = new Agent({ connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 30_000 });
    let node = await spawnServing('node', ['start'], env, '/readyz');
    nodes.push(node);
    const post = async (path: string, body: unknown) => {
      const res = await request(`${node.base}${path}`, { method: 'POST', dispatcher: http, headersTimeout: 30_000, bodyTimeout: 30_000, headers: { authorization: `Bearer ${root}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const answer = { status: res.statusCode, body: (await res.body.json()) as { id?: string; key?: { id: string }; secret?: string; code?: string } };
      if (answer.status >= 300) refusedCodes.set(`${answer.status} ${answer.body.code}`, (refusedCodes.get(`${answer.status} ${answer.body.code}`) ?? 0) + 1);
      return answer;
    };
    const app = (await post('/v1/apps', { name: 'kill' })).body;

    const t0 = Date.now();
    const killAt = Math.floor(PLANNED * (KILL_BETWEEN[0] + Math.random() * (KILL_BETWEEN[1] - KILL_BETWEEN[0])));
    const acked: Acked = { created: new Map(), revoked: new Set(), rotated: new Map() };
    const live: string[] = []; // created, not revoked, not being revoked
    const revokeSent = new Set<string>(); // acknowledged or not
    let issued = 0;
    let acks = 0;
    let acksBeforeKill = 0;
    let errors = 0;
    let refused = 0; // answered, but not 2xx (a rotation racing a revocation of the same key): not acknowledged
    /** While set, the node is down: workers wait for the restarted one. */
    let restarting: Promise<void> | undefined;
    let killedAtMs = 0;
    const killAndRestart = async () => {
      acksBeforeKill = acks;
      killedAtMs = Date.now() - t0;
      await new Promise<void>((resolve) => {
        node.child.once('exit', () => resolve());
        node.child.kill('SIGKILL'); // no shutdown hook runs
      });
      node = await spawnServing('node', ['start'], env, '/readyz');
      nodes.push(node);
    };
    const worker = async (w: number) => {
      while (issued < PLANNED) {
        if (restarting) await restarting;
        const n = issued++;
        const pick = live.length > 20 ? n % 4 : 0; // 0,1: create; 2: revoke; 3: rotate
        let ok = false;
        try {
          if (pick <= 1) {
            const r = await post(`/v1/apps/${app.id}/keys`, { kind: 'secret', environment: 'live', name: `k${w}-${n}` });
            if (r.status === 201) {
              acked.created.set(r.body.key!.id, r.body.secret!);
              live.push(r.body.key!.id);
              acks++;
              ok = true;
            }
          } else if (pick === 2) {
            const id = live.splice(n % live.length, 1)[0]!;
            revokeSent.add(id);
            const r = await post(`/v1/keys/${id}/revoke`, { reason: 'sigkill test' });
            if (r.status === 200) {
              acked.revoked.add(id);
              acks++;
              ok = true;
            }
          } else {
            const id = live[Math.floor(Math.random() * live.length)]!; // spread, so rotations rarely race on one key
            const r = await post(`/v1/keys/${id}/rotate`, { gracePeriodSeconds: 3600 });
            if (r.status === 200) {
              acked.rotated.set(id, { secret: r.body.secret!, count: (acked.rotated.get(id)?.count ?? 0) + 1 });
              acks++;
              ok = true;
            }
          }
          if (!ok) refused++;
        } catch {
          errors++; // the connection died with the node: not acknowledged
        }
        if (acks >= killAt && !restarting && killedAtMs === 0) restarting = killAndRestart().finally(() => (restarting = undefined));
      }
    };
    const progress = setInterval(() => process.stderr.write(`sigkill test: ${Date.now() - t0} ms: ${acks} acks, ${issued} issued, ${errors} errors\n`), 10_000);
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
    clearInterval(progress);
    await http.close();
    const elapsedMs = Date.now() - t0;
    expect(killedAtMs).toBeGreaterThan(0);
    process.stderr.write(
      `SIGKILL after ${acksBeforeKill} acknowledged mutations (planned at ${killAt}) at ${killedAtMs} ms; ${issued} mutations sent in all, ${acks} acknowledged (${acked.created.size} keys, ${acked.revoked.size} revocations, ${acked.rotated.size} rotated keys) in ${elapsedMs} ms (${Math.round(acks / (elapsedMs / 1000))}/s); ${errors} connection errors at the kill, ${refused} refused (${JSON.stringify([...refusedCodes])})\n`,
    );
    expect(issued).toBe(PLANNED);
    expect(acks + refused + errors).toBe(PLANNED);
    expect(errors).toBeLessThanOrEqual(CONCURRENCY); // only requests in flight at the kill go unanswered
    expect(refused).toBeLessThan(PLANNED / 20); // 409 CONFLICT after repeated races on one key is a refusal, not a loss
    expect(acksBeforeKill).toBeGreaterThanOrEqual(killAt);
    expect(acksBeforeKill).toBeLessThan(PLANNED);

    // What the database holds, read directly (no Keyward code in between).
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const keys = new Map((await db.query<{ id: string; revoked_at_ms: string | null }>(`SELECT id, revoked_at_ms FROM keys`)).rows.map((r) => [r.id, r.revoked_at_ms]));
      const audit = new Map<string, number>();
      for (const r of (await db.query<{ action: string; target: string; n: string }>(`SELECT action, target, count(*) AS n FROM audit_log GROUP BY action, target`)).rows) audit.set(`${r.action} ${r.target}`, Number(r.n));
      const lost: string[] = [];
      for (const id of acked.created.keys()) {
        if (!keys.has(id)) lost.push(`key ${id}`);
        if (!audit.get(`key.create ${id}`)) lost.push(`key.create record of ${id}`);
      }
      for (const id of acked.revoked) {
        if (keys.get(id) == null) lost.push(`revocation of ${id}`);
        if (!audit.get(`key.revoke ${id}`)) lost.push(`key.revoke record of ${id}`);
      }
      for (const [id, r] of acked.rotated) if ((audit.get(`key.rotate ${id}`) ?? 0) < r.count) lost.push(`key.rotate records of ${id}`);
      expect(lost).toEqual([]);
    } finally {
      await db.end();
    }

    // The chain verifies end to end (the CLI, as an operator would check it) …
    const verified = await runCli(['audit', 'verify', '--json'], env);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true });

    // … and a restarted node answers for what was acknowledged (the one that took the second half).
    const verify = async (key: string) => ((await (await fetch(`${node.base}/v1/keys/verify`, { method: 'POST', headers: { authorization: `Bearer ${root}`, 'content-type': 'application/json' }, body: JSON.stringify({ key }) })).json()) as { valid: boolean; code?: string });
    // (A revoked key answers INVALID_CREDENTIAL to callers, like an unknown one.)
    for (const id of [...acked.revoked].slice(0, 50)) expect(await verify(acked.created.get(id)!)).toMatchObject({ valid: false });
    const rotatedLive = [...acked.rotated].filter(([id]) => !revokeSent.has(id)).slice(0, 50);
    expect(rotatedLive.length).toBeGreaterThan(0);
    for (const [, r] of rotatedLive) expect(await verify(r.secret)).toMatchObject({ valid: true });
    // No time bound is asserted: the rate is the machine's (CPU-bound over HTTP on a loaded 2-core
    // host, see bench/RESULTS.md); the line above reports it.
  }, 900_000);
});
