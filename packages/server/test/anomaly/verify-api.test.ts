import { generateKey } from '@keyward/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import type { Server } from '../../src/http/types.js';
import { manualClock } from '../../src/lib/clock.js';
import { createKeyward, type Keyward } from '../../src/keyward.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { bearer, CLI } from '../helpers.js';
import { rng } from './traffic.js';

/**
 * Anomaly detection fed by POST /v1/verify (not only by the gateway and the middlewares): a
 * seeded recording of verification traffic against real credentials of one app, with two
 * injected anomalies (a burst of failed verifications, a session used from many networks at once)
 * and two hard negatives (a failure blip below the threshold, a session that changes network once),
 * replayed through the HTTP API on a frozen clock. Precision and recall are computed over the labels.
 */
const T0 = Date.UTC(2026, 5, 1);
const MIN = 60_000;
const MINUTES = 100;
const BURST_AT = 70;
const STOLEN_AT = 80;
const BLIP_AT = 40;

let kw: Keyward;
let server: Server;
let clock: ReturnType<typeof manualClock>;
let appId: string;
let caller: string;
let publishable: string;
let session: { id: string; key: string };
let roamer: { id: string; key: string };

beforeAll(async () => {
  clock = manualClock(T0);
  kw = await createKeyward({ store: openSqliteStore({ dataDir: ':memory:' }), now: clock, config: { logLevel: 'silent', changePollIntervalMs: 0, usageFlushIntervalMs: 0, webhookPollIntervalMs: 0, anomalySnapshotIntervalMs: 0, sessionKeyTtlSeconds: 86_400 } });
  server = await buildServer(kw);
  appId = (await kw.apps.create({ name: 'verify-api' }, CLI)).id;
  // The app's backend calls /v1/verify with its secret key: the app of every verification is its own.
  caller = (await kw.keys.create({ appId, environment: 'live', kind: 'secret', name: 'backend' }, CLI)).secret;
  publishable = (await kw.keys.create({ appId, environment: 'live', kind: 'publishable', name: 'ios' }, CLI)).secret;
  const s1 = await kw.sessions.create({ appId, environment: 'live', subject: 'user_1' }, CLI);
  const s2 = await kw.sessions.create({ appId, environment: 'live', subject: 'user_2' }, CLI);
  session = { id: s1.session.id, key: s1.sessionKey };
  roamer = { id: s2.session.id, key: s2.sessionKey };
});
afterAll(async () => {
  await server.close();
  await kw.close();
});

const verify = (body: Record<string, unknown>) => server.inject({ method: 'POST', url: '/v1/verify', headers: bearer(caller), payload: body });

function poisson(rand: () => number, lambda: number): number {
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rand();
  } while (p > l);
  return k - 1;
}

/** The recording: per minute, what the backend asks /v1/verify, in order. */
function recording(seed: number) {
  const rand = rng(seed);
  const minutes: Record<string, unknown>[][] = [];
  for (let m = 0; m < MINUTES; m++) {
    const calls: Record<string, unknown>[] = [];
    for (let n = poisson(rand, 6); n > 0; n--) calls.push({ credential: publishable, subject: `user_${Math.floor(rand() * 50)}`, clientIp: `198.51.100.${Math.floor(rand() * 250)}`, userAgent: 'MyApp/3.2 (iOS 18.1)' });
    // The user's phone: one network, a move between Wi-Fi and mobile once (hard negative).
    for (let n = poisson(rand, 1.5); n > 0; n--) calls.push({ credential: session.key, clientIp: m < 50 ? '10.20.30.4' : '100.64.7.9', userAgent: 'MyApp/3.2 (iOS 18.1)' });
    for (let n = poisson(rand, 1.5); n > 0; n--) calls.push({ credential: roamer.key, clientIp: m < STOLEN_AT ? '10.9.8.7' : `${20 + Math.floor(rand() * 200)}.${Math.floor(rand() * 250)}.7.1`, userAgent: 'MyApp/3.2 (Android 15)' });
    // The usual trickle of mistyped or stale keys; a blip below the threshold; the enumeration burst.
    const failures = poisson(rand, 1.5) + (m === BLIP_AT ? 15 : 0) + (m === BURST_AT ? 150 : 0);
    for (let n = failures; n > 0; n--) calls.push({ credential: generateKey('publishable', 'live'), clientIp: `203.0.113.${Math.floor(rand() * 250)}`, userAgent: 'curl/8.5.0' });
    // The stolen session: its own user keeps calling, and an attacker from many networks at once.
    if (m >= STOLEN_AT && m < STOLEN_AT + 3) for (let i = 0; i < 6; i++) calls.push({ credential: roamer.key, clientIp: `${40 + i * 30}.1.${m}.2`, userAgent: 'python-requests/2.32' });
    // Shuffle within the minute (seeded): interleaved, as traffic is.
    for (let i = calls.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [calls[i], calls[j]] = [calls[j]!, calls[i]!];
    }
    minutes.push(calls);
  }
  return minutes;
}

describe('POST /v1/verify feeds anomaly detection', () => {
  it('a recording with an enumeration burst and a stolen session: every injected anomaly found, nothing else (precision and recall 1)', { timeout: 180_000 }, async () => {
    const labels = [
      { rule: 'verification_failures', entity: appId, fromMs: T0 + BURST_AT * MIN, toMs: T0 + (BURST_AT + 1) * MIN },
      { rule: 'many_networks', entity: roamer.id, fromMs: T0 + STOLEN_AT * MIN, toMs: T0 + (STOLEN_AT + 3) * MIN },
    ];
    const valid = { true: 0, false: 0 };
    for (const [m, calls] of recording(7).entries()) {
      const step = Math.floor(MIN / (calls.length + 1));
      clock.set(T0 + m * MIN);
      for (const body of calls) {
        clock.advance(step);
        const res = await verify(body);
        expect(res.statusCode).toBe(200);
        valid[String(res.json().valid) as 'true' | 'false']++;
      }
    }
    expect(valid.true).toBeGreaterThan(500);
    expect(valid.false).toBeGreaterThan(150);
    await kw.anomalies.drain();
    const alerts = (await kw.anomalies.list({ appId }, { limit: 100 })).items.filter((a) => a.rule === 'verification_failures' || a.rule === 'many_networks');
    const hit = (a: (typeof alerts)[number], l: (typeof labels)[number]) => a.rule === l.rule && a.entity === l.entity && a.detectedAtMs >= l.fromMs && a.detectedAtMs <= l.toMs;
    const precision = alerts.filter((a) => labels.some((l) => hit(a, l))).length / Math.max(alerts.length, 1);
    const recall = labels.filter((l) => alerts.some((a) => hit(a, l))).length / labels.length;
    expect({ precision, recall, alerts: alerts.map((a) => [a.rule, a.entity, (a.detectedAtMs - T0) / MIN]) }).toMatchObject({ precision: 1, recall: 1 });
    // Detection kept its state in memory: no baseline was written per request (snapshots are periodic; 0 here).
    const baselines = await kw.store.db.selectFrom('anomaly_baselines').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(baselines.n)).toBe(0);
  });

  it('clientIp must be an IP address; it never changes the verification itself', async () => {
    const bad = await verify({ credential: publishable, subject: 'user_1', clientIp: 'not-an-ip' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('VALIDATION_FAILED');
    const ok = await verify({ credential: publishable, subject: 'user_1', clientIp: '2001:db8::1', userAgent: 'MyApp/3.2' });
    expect(ok.json()).toMatchObject({ valid: true, code: 'VALID' });
  });
});
