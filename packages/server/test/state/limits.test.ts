import { describe, expect, it } from 'vitest';
import type { Caller } from '../../src/credentials/caller.js';
import { compileAccessMap, evaluate } from '../../src/policy/evaluate.js';
import { enforceLimits } from '../../src/policy/limits.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';

const MAP = `
version: 1
limits:
  wide: { rate: 10, windowSeconds: 60, burst: 10, by: credential }
  tight: { rate: 1, windowSeconds: 60, burst: 1, by: credential }
resources:
  - path: /both
    methods: [GET]
    allow: [secret]
    rateLimits: [wide, tight]
  - path: /wide
    methods: [GET]
    allow: [secret]
    rateLimits: [wide]
`;

describe('enforceLimits with several named limits', () => {
  it('a refusal by the second limit spends nothing from the first', async () => {
    const map = compileAccessMap(parseAccessMap(MAP));
    const caller: Caller = { scheme: 'key', kind: 'secret', id: 'key_1', appId: 'app_1', environment: 'live', subject: null, scopes: [], signed: false, session: false, attested: false };
    const store = new MemoryRateLimitStore();
    const T = Date.UTC(2026, 5, 1);
    const res = (path: string) => {
      const d = evaluate(map, { method: 'GET', path }, caller);
      if (!d.allowed) throw new Error('map refused');
      return d.resource;
    };
    expect(await enforceLimits(map, res('/both'), caller, '127.0.0.1', store, T)).toMatchObject({ ok: true });
    for (let i = 0; i < 5; i++) expect(await enforceLimits(map, res('/both'), caller, '127.0.0.1', store, T)).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
    // `wide` spent 1 (the first call), not 6: 9 calls are left on it.
    let admitted = 0;
    for (let i = 0; i < 12; i++) if ((await enforceLimits(map, res('/wide'), caller, '127.0.0.1', store, T)).ok) admitted++;
    expect(admitted).toBe(9);
  });
});
