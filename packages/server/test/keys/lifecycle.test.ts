import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/crypto.js';
import { CLI, makeKeyward } from '../helpers.js';

async function setup() {
  const { kw, clock } = await makeKeyward();
  const app = await kw.apps.create({ name: 'demo' }, CLI);
  return { kw, clock, app };
}

describe('key lifecycle', () => {
  it('shows the secret once and stores only its SHA-256 hash and a display prefix', async () => {
    const { kw, app } = await setup();
    const issued = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'backend' }, CLI);
    expect(issued.secret).toMatch(/^kw_sk_live_/);
    const sqlite = (kw.store as unknown as { db: { selectFrom(t: string): { selectAll(): { execute(): Promise<Record<string, unknown>[]> } } } }).db;
    const rows = [...(await sqlite.selectFrom('keys').selectAll().execute()), ...(await sqlite.selectFrom('key_secrets').selectAll().execute()), ...(await sqlite.selectFrom('audit_log').selectAll().execute())];
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(issued.secret);
    expect(dump).not.toContain(issued.secret.slice(15));
    expect(dump).toContain(sha256Hex(issued.secret));
    expect(JSON.stringify(await kw.keys.get(issued.key.id))).not.toContain(issued.secret);
    await kw.close();
  });

  it('rotate: the old secret works until the grace period ends, counters carry over', async () => {
    const { kw, clock, app } = await setup();
    const first = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'backend' }, CLI);
    for (let i = 0; i < 3; i++) expect((await kw.verifier.verify(first.secret)).valid).toBe(true);
    await kw.usage.flush();
    const rotated = await kw.keys.rotate(first.key.id, 60, CLI);
    expect(rotated.key.id).toBe(first.key.id);
    expect(rotated.secret).not.toBe(first.secret);
    expect((await kw.verifier.verify(rotated.secret)).valid).toBe(true);
    clock.advance(59_999);
    expect((await kw.verifier.verify(first.secret)).valid).toBe(true);
    clock.advance(1);
    expect(await kw.verifier.verify(first.secret)).toMatchObject({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'ROTATED_OUT' });
    expect((await kw.verifier.verify(rotated.secret)).valid).toBe(true);
    await kw.usage.flush();
    expect((await kw.keys.get(first.key.id)).usageCount).toBe(6);
    await kw.close();
  });

  it('rotate with no grace stops the old secret at once, even when it was cached', async () => {
    const { kw, app } = await setup();
    const first = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'backend' }, CLI);
    expect((await kw.verifier.verify(first.secret)).valid).toBe(true);
    await kw.keys.rotate(first.key.id, 0, CLI);
    expect((await kw.verifier.verify(first.secret)).valid).toBe(false);
    await kw.close();
  });

  it('revoke takes effect at once for a cached key, is idempotent, and is audited with its reason', async () => {
    const { kw, app } = await setup();
    const k = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'restricted', name: 'etl', scopes: ['users:read'] }, CLI);
    expect((await kw.verifier.verify(k.secret)).valid).toBe(true);
    await kw.keys.revoke(k.key.id, 'leaked in a screenshot', CLI);
    await kw.keys.revoke(k.key.id, 'again', CLI);
    expect(await kw.verifier.verify(k.secret)).toMatchObject({ valid: false, code: 'INVALID_CREDENTIAL', reason: 'REVOKED' });
    const revokes = (await kw.store.listAudit({ limit: 100, target: k.key.id })).filter((r) => r.action === 'key.revoke');
    expect(revokes).toHaveLength(1);
    expect(revokes[0]!.data).toEqual({ reason: 'leaked in a screenshot' });
    await expect(kw.keys.rotate(k.key.id, 0, CLI)).rejects.toMatchObject({ code: 'CONFLICT' });
    await kw.close();
  });

  it('reissue: a new key with the same settings, and the old one revoked', async () => {
    const { kw, app } = await setup();
    const k = await kw.keys.create({ appId: app.id, environment: 'test', kind: 'restricted', name: 'etl', scopes: ['users:read'], meta: { team: 'data' } }, CLI);
    const re = await kw.keys.reissue(k.key.id, CLI);
    expect(re.key.id).not.toBe(k.key.id);
    expect(re.key).toMatchObject({ kind: 'restricted', environment: 'test', scopes: ['users:read'], meta: { team: 'data' }, reissuedFromId: k.key.id });
    expect((await kw.verifier.verify(k.secret)).valid).toBe(false);
    expect((await kw.verifier.verify(re.secret)).valid).toBe(true);
    await kw.close();
  });

  it('disable and enable; expiry; update of scopes applies at once', async () => {
    const { kw, clock, app } = await setup();
    const k = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'restricted', name: 'etl', scopes: ['users:read'], expiresAtMs: clock() + 10_000 }, CLI);
    expect((await kw.verifier.verify(k.secret, { scopes: ['users:read'] })).valid).toBe(true);
    await kw.keys.update(k.key.id, { enabled: false }, CLI);
    expect(await kw.verifier.verify(k.secret)).toMatchObject({ code: 'CREDENTIAL_DISABLED' });
    await kw.keys.update(k.key.id, { enabled: true, scopes: ['users:write'] }, CLI);
    expect(await kw.verifier.verify(k.secret, { scopes: ['users:read'] })).toMatchObject({ code: 'INSUFFICIENT_SCOPES' });
    clock.advance(10_000);
    expect(await kw.verifier.verify(k.secret)).toMatchObject({ code: 'CREDENTIAL_EXPIRED' });
    await kw.close();
  });

  it('IP allow-lists accept IPv4, IPv6 and IPv4-mapped addresses inside the ranges only', async () => {
    const { kw, app } = await setup();
    const k = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 's', ipAllowList: ['203.0.113.0/24', '2001:db8::/32'] }, CLI);
    expect((await kw.verifier.verify(k.secret, { ip: '203.0.113.9' })).valid).toBe(true);
    expect((await kw.verifier.verify(k.secret, { ip: '::ffff:203.0.113.9' })).valid).toBe(true);
    expect((await kw.verifier.verify(k.secret, { ip: '2001:db8:1::5' })).valid).toBe(true);
    expect(await kw.verifier.verify(k.secret, { ip: '203.0.114.1' })).toMatchObject({ code: 'IP_NOT_ALLOWED' });
    expect(await kw.verifier.verify(k.secret, { ip: '2001:db9::1' })).toMatchObject({ code: 'IP_NOT_ALLOWED' });
    await kw.close();
  });

  it('refuses bad settings with field pointers and creates nothing', async () => {
    const { kw, app } = await setup();
    const attempts = [
      { kind: 'restricted' as const, scopes: [] },
      { kind: 'export' as const, scopes: ['users:write'] },
      { kind: 'secret' as const, scopes: ['NOT A SCOPE'] },
      { kind: 'secret' as const, ipAllowList: ['10.0.0.0/33'] },
      { kind: 'device' as const },
      { kind: 'secret' as const, meta: { big: 'x'.repeat(5000) } },
    ];
    for (const a of attempts) {
      await expect(kw.keys.create({ appId: app.id, environment: 'live', name: 'x', ...a }, CLI)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect((await kw.keys.list({ appId: app.id, includeRevoked: true }, { limit: 10 })).items).toHaveLength(0);
    expect((await kw.store.listAudit({ limit: 10 })).map((r) => r.action)).toEqual(['app.create']);
    await kw.close();
  });

  it('last-used time and usage counts are written in batches, not per verification', async () => {
    const { kw, clock, app } = await setup();
    const k = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 's' }, CLI);
    for (let i = 0; i < 5; i++) await kw.verifier.verify(k.secret);
    expect((await kw.store.getKey(k.key.id))!.usageCount).toBe(0);
    expect(kw.usage.pendingCount(k.key.id)).toBe(5);
    clock.advance(1000);
    await kw.verifier.verify(k.secret);
    await kw.usage.flush();
    const stored = (await kw.store.getKey(k.key.id))!;
    expect(stored.usageCount).toBe(6);
    expect(stored.lastUsedAtMs).toBe(clock());
    await kw.close();
  });
});

describe('bearer tokens for API consumers and team tools', () => {
  it('are created, listed and revoked at will', async () => {
    const { kw, app } = await setup();
    const a = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'bearer', name: 'zapier integration', scopes: ['orders:read'] }, CLI);
    const b = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'bearer', name: 'support dashboard', scopes: ['users:read'] }, CLI);
    expect(a.secret).toMatch(/^kw_bt_live_/);
    expect((await kw.keys.list({ appId: app.id, kind: 'bearer' }, { limit: 10 })).items.map((k) => k.name).sort()).toEqual(['support dashboard', 'zapier integration']);
    expect((await kw.verifier.verify(a.secret, { scopes: ['orders:read'] })).valid).toBe(true);
    await kw.keys.revoke(a.key.id, 'integration removed', CLI);
    expect((await kw.verifier.verify(a.secret)).valid).toBe(false);
    expect((await kw.verifier.verify(b.secret)).valid).toBe(true);
    await kw.close();
  });
});

describe('rate limits carried by a key', () => {
  it('limit verifications of that key (GCRA, frozen clock) and answer RATE_LIMITED', async () => {
    const { kw, clock, app } = await setup();
    const k = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'metered', ratelimit: { rate: 2, windowSeconds: 60, burst: 2 } }, CLI);
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await kw.verifier.verify(k.secret)).code);
    expect(codes).toEqual(['VALID', 'VALID', 'RATE_LIMITED']);
    clock.advance(30_000);
    expect((await kw.verifier.verify(k.secret)).code).toBe('VALID');
    await expect(kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'bad', ratelimit: { rate: 0, windowSeconds: 60, burst: 1 } }, CLI)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await kw.close();
  });
});
