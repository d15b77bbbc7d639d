import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import type { Caller } from '../../src/credentials/caller.js';
import { createGatewayPolicy } from '../../src/gateway/policy.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';
import { CLI, makeKeyward } from '../helpers.js';

describe('gateway identity token cache', () => {
  it('a caller whose scopes changed gets a token with the new scopes, not the cached one', async () => {
    const { kw } = await makeKeyward();
    const app = await kw.apps.create({ name: 'a' }, CLI);
    const policy = createGatewayPolicy({ kw, map: compileAccessMap(parseAccessMap('version: 1\nresources:\n  - path: /x\n    allow: [secret]\n')), limits: new MemoryRateLimitStore() });
    const caller: Caller = { scheme: 'key', kind: 'secret', id: 'key_x', appId: app.id, environment: 'live', subject: null, scopes: ['orders:read', 'orders:write'], signed: false, session: false, attested: false };
    const before = decodeJwt(await policy.identityFor(caller));
    const after = decodeJwt(await policy.identityFor({ ...caller, scopes: ['orders:read'] }));
    expect(JSON.stringify(before)).toContain('orders:write');
    expect(JSON.stringify(after)).not.toContain('orders:write');
    const otherKind = decodeJwt(await policy.identityFor({ ...caller, scopes: ['orders:read'], kind: 'publishable' }));
    expect(otherKind.kw_kind).toBe('publishable');
    await kw.close();
  });
});
