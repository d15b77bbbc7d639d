import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AuditDraft, AuditRecord } from '../../src/audit/model.js';
import { Keyring } from '../../src/lib/sealed.js';
import { generateSigningKey } from '../../src/tokens/signing-keys.js';
import type { JwtAlgorithm, TokenStore } from '../../src/tokens/store.js';

export interface TokenStoreHarness {
  readonly store: TokenStore;
  readonly audit: () => Promise<readonly AuditRecord[]>;
  readonly close: () => Promise<void>;
}

/**
 * The conformance suite every TokenStore backend must pass (the MUST rules in
 * src/tokens/store.ts). Call it with a factory returning a fresh, migrated, empty store.
 */
export function tokenStoreConformance(name: string, make: () => Promise<TokenStoreHarness>): void {
  const T0 = Date.UTC(2026, 0, 1);
  const keyring = new Keyring([{ id: 'k1', key: randomBytes(32) }]);
  const by = { actor: 'test', requestId: 'req_conf' };
  const draft = (kid: string): AuditDraft => ({ ...by, action: 'signing_key.rotate', target: kid });
  const rotate = async (store: TokenStore, alg: JwtAlgorithm, atMs: number, retireAfterMs = atMs + 1000) => {
    const next = generateSigningKey(alg, keyring, atMs);
    return { next, demoted: await store.rotateSigningKey(next, retireAfterMs, draft(next.kid)) };
  };
  /** A scheduled rotation's first step: a key created at `atMs` that signs from `activatesAtMs`. */
  const publish = async (store: TokenStore, alg: JwtAlgorithm, atMs: number, activatesAtMs: number) => {
    const next = generateSigningKey(alg, keyring, atMs, activatesAtMs);
    return { next, outcome: await store.publishSigningKey(next, draft(next.kid)) };
  };
  const OVERLAP_MS = 10_000;

  describe(`TokenStore conformance: ${name}`, () => {
    it('rotation inserts the active key, demotes the previous one of the same alg, and audits both in one record', async () => {
      const h = await make();
      const a = await rotate(h.store, 'EdDSA', T0);
      const es = await rotate(h.store, 'ES256', T0 + 1);
      const b = await rotate(h.store, 'EdDSA', T0 + 2, T0 + 5000);
      expect(a.demoted).toEqual([]);
      expect(b.demoted).toEqual([a.next.kid]);
      const keys = await h.store.listSigningKeys();
      expect(keys).toEqual([{ ...a.next, state: 'published', retireAfterMs: T0 + 5000 }, es.next, b.next]);
      const trail = await h.audit();
      expect(trail.map((r) => [r.action, r.target, r.data.demoted])).toEqual([
        ['signing_key.rotate', a.next.kid, []],
        ['signing_key.rotate', es.next.kid, []],
        ['signing_key.rotate', b.next.kid, [a.next.kid]],
      ]);
      await h.close();
    });

    it('concurrent rotations leave exactly one active key per algorithm', async () => {
      const h = await make();
      await rotate(h.store, 'ES256', T0);
      const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => rotate(h.store, 'EdDSA', T0 + i)));
      expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
      const active = (await h.store.listSigningKeys()).filter((k) => k.state === 'active');
      expect(active.map((k) => k.alg).sort()).toEqual(['ES256', 'EdDSA']);
      await h.close();
    });

    it('a rotation whose audit record cannot be written changes nothing', async () => {
      const h = await make();
      const a = await rotate(h.store, 'EdDSA', T0);
      const next = generateSigningKey('EdDSA', keyring, T0 + 1);
      const unwritable = { ...draft(next.kid), data: { n: 1n } } as unknown as AuditDraft; // BigInt: not serialisable
      await expect(h.store.rotateSigningKey(next, T0 + 10, unwritable)).rejects.toThrow();
      expect(await h.store.listSigningKeys()).toEqual([a.next]);
      expect(await h.audit()).toHaveLength(1);
      await h.close();
    });

    it('retirement: only published keys past retireAfterMs, once each, audited, even when raced', async () => {
      const h = await make();
      // retireAfterMs applies to the key each rotation demotes.
      const a = await rotate(h.store, 'EdDSA', T0);
      await rotate(h.store, 'EdDSA', T0 + 1, T0 + 1000);
      await rotate(h.store, 'EdDSA', T0 + 2, T0 + 2000);
      expect(await h.store.retireSigningKeys(T0 + 999, by)).toEqual([]);
      const raced = await Promise.all(Array.from({ length: 5 }, () => h.store.retireSigningKeys(T0 + 1000, by)));
      expect(raced.flat()).toEqual([a.next.kid]);
      expect((await h.store.listSigningKeys()).map((k) => k.state)).toEqual(['published', 'active']);
      expect((await h.audit()).filter((r) => r.action === 'signing_key.retire').map((r) => r.target)).toEqual([a.next.kid]);
      await h.close();
    });

    it('publish: the pending key is listed with its activation time and audited; one pending key per algorithm', async () => {
      const h = await make();
      const a = await rotate(h.store, 'EdDSA', T0);
      const p = await publish(h.store, 'EdDSA', T0 + 1, T0 + 5000);
      const second = await publish(h.store, 'EdDSA', T0 + 2, T0 + 6000);
      const es = await publish(h.store, 'ES256', T0 + 3, T0 + 7000); // algorithms are independent
      expect([p.outcome, second.outcome, es.outcome]).toEqual(['published', 'pending_exists', 'published']);
      expect(p.next).toMatchObject({ state: 'pending', createdAtMs: T0 + 1, activatesAtMs: T0 + 5000, retireAfterMs: null });
      expect(await h.store.listSigningKeys()).toEqual([a.next, p.next, es.next]);
      expect((await h.audit()).map((r) => r.target)).toEqual([a.next.kid, p.next.kid, es.next.kid]);
      await h.close();
    });

    it('publish: of 10 concurrent publications for one algorithm exactly one succeeds', async () => {
      const h = await make();
      await rotate(h.store, 'EdDSA', T0);
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => publish(h.store, 'EdDSA', T0 + i, T0 + 5000 + i)));
      const won = outcomes.filter((o) => o.outcome === 'published');
      expect(won).toHaveLength(1);
      expect(outcomes.filter((o) => o.outcome === 'pending_exists')).toHaveLength(9);
      expect((await h.store.listSigningKeys()).filter((k) => k.state === 'pending').map((k) => k.kid)).toEqual([won[0]!.next.kid]);
      expect((await h.audit()).filter((r) => r.target === won[0]!.next.kid)).toHaveLength(1);
      expect(await h.audit()).toHaveLength(2);
      await h.close();
    });

    it('a publication whose audit record cannot be written changes nothing', async () => {
      const h = await make();
      const a = await rotate(h.store, 'EdDSA', T0);
      const next = generateSigningKey('EdDSA', keyring, T0 + 1, T0 + 5000);
      const unwritable = { ...draft(next.kid), data: { n: 1n } } as unknown as AuditDraft;
      await expect(h.store.publishSigningKey(next, unwritable)).rejects.toThrow();
      expect(await h.store.listSigningKeys()).toEqual([a.next]);
      expect((await publish(h.store, 'EdDSA', T0 + 2, T0 + 5000)).outcome).toBe('published'); // the slot is free
      await h.close();
    });

    it('activation: nothing before activatesAtMs; then promote, demote with retirement = activatesAtMs + overlap, audit once, even when raced', async () => {
      const h = await make();
      const a = await rotate(h.store, 'EdDSA', T0);
      const p = await publish(h.store, 'EdDSA', T0 + 1, T0 + 5000);
      const es = await publish(h.store, 'ES256', T0 + 2, T0 + 9000); // no active ES256 key, and not due yet
      expect(await h.store.activateSigningKeys(T0 + 4999, OVERLAP_MS, by)).toEqual([]);
      expect((await h.store.listSigningKeys()).map((k) => k.state)).toEqual(['active', 'pending', 'pending']);
      const raced = await Promise.all(Array.from({ length: 10 }, () => h.store.activateSigningKeys(T0 + 5000, OVERLAP_MS, by)));
      expect(raced.flat()).toEqual([p.next.kid]);
      expect(await h.store.listSigningKeys()).toEqual([
        { ...a.next, state: 'published', retireAfterMs: T0 + 5000 + OVERLAP_MS },
        { ...p.next, state: 'active' },
        es.next,
      ]);
      // A pending key of an algorithm without an active key is promoted alone, once due.
      expect(await h.store.activateSigningKeys(T0 + 60_000, OVERLAP_MS, by)).toEqual([es.next.kid]);
      expect((await h.store.listSigningKeys()).find((k) => k.kid === es.next.kid)?.state).toBe('active');
      const trail = (await h.audit()).filter((r) => r.action === 'signing_key.activate');
      expect(trail.map((r) => [r.target, r.data.alg, r.data.demoted])).toEqual([
        [p.next.kid, 'EdDSA', [a.next.kid]],
        [es.next.kid, 'ES256', []],
      ]);
      await h.close();
    });

    it('activation retires nothing itself, and the demoted key is retired at its time', async () => {
      const h = await make();
      const a = await rotate(h.store, 'EdDSA', T0);
      await publish(h.store, 'EdDSA', T0 + 1, T0 + 5000);
      await h.store.activateSigningKeys(T0 + 7000, OVERLAP_MS, by);
      expect(await h.store.retireSigningKeys(T0 + 5000 + OVERLAP_MS - 1, by)).toEqual([]);
      expect(await h.store.retireSigningKeys(T0 + 5000 + OVERLAP_MS, by)).toEqual([a.next.kid]);
      await h.close();
    });

    it('an immediate rotation demotes the pending key too, so nothing scheduled replaces it', async () => {
      const h = await make();
      const a = await rotate(h.store, 'EdDSA', T0);
      const p = await publish(h.store, 'EdDSA', T0 + 1, T0 + 5000);
      const n = await rotate(h.store, 'EdDSA', T0 + 2, T0 + 2);
      expect([...n.demoted].sort()).toEqual([a.next.kid, p.next.kid].sort());
      expect(await h.store.activateSigningKeys(T0 + 5000, OVERLAP_MS, by)).toEqual([]);
      const keys = await h.store.listSigningKeys();
      expect(keys.filter((k) => k.state === 'active').map((k) => k.kid)).toEqual([n.next.kid]);
      expect(keys.filter((k) => k.state === 'published').map((k) => k.retireAfterMs)).toEqual([T0 + 2, T0 + 2]);
      await h.close();
    });

    it('activations raced against immediate rotations and publications: never two active or two pending keys of an algorithm', async () => {
      const h = await make();
      await rotate(h.store, 'EdDSA', T0);
      await publish(h.store, 'EdDSA', T0 + 1, T0 + 100);
      const ops = Array.from({ length: 12 }, (_, i) =>
        i % 3 === 0 ? h.store.activateSigningKeys(T0 + 1000, OVERLAP_MS, by) : i % 3 === 1 ? rotate(h.store, 'EdDSA', T0 + 200 + i) : publish(h.store, 'EdDSA', T0 + 200 + i, T0 + 5000 + i),
      );
      await Promise.allSettled(ops);
      const keys = await h.store.listSigningKeys();
      expect(keys.filter((k) => k.state === 'active')).toHaveLength(1);
      expect(keys.filter((k) => k.state === 'pending').length).toBeLessThanOrEqual(1);
      await h.close();
    });

    it('consumeJti: exactly one of 50 concurrent calls consumes; others see already_used; jtis are independent', async () => {
      const h = await make();
      const outcomes = await Promise.all(Array.from({ length: 50 }, () => h.store.consumeJti('jti-1', T0 + 60_000, T0)));
      expect(outcomes.filter((o) => o === 'consumed')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'already_used')).toHaveLength(49);
      expect(await h.store.consumeJti('jti-2', T0 + 60_000, T0)).toBe('consumed');
      await h.close();
    });

    it('pruneJtis removes only rows at or past their expiry', async () => {
      const h = await make();
      await h.store.consumeJti('a', T0 + 1000, T0);
      await h.store.consumeJti('b', T0 + 2000, T0);
      expect(await h.store.pruneJtis(T0 + 999)).toBe(0);
      expect(await h.store.pruneJtis(T0 + 1000)).toBe(1);
      expect(await h.store.consumeJti('b', T0 + 2000, T0 + 1000)).toBe('already_used');
      await h.close();
    });

    it('revokeToken: of 20 concurrent revocations of one jti in one app exactly one inserts and audits; another app revokes its own', async () => {
      const h = await make();
      const rev = (i: number, appId = 'app_1') => ({ jti: 'jti-r', appId, environment: 'live', reason: null, revokedAtMs: T0 + i, expiresAtMs: T0 + 60_000 });
      const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => h.store.revokeToken(rev(i), { ...by, action: 'token.revoke', target: 'jti-r' })));
      const won = outcomes.filter((o) => o.outcome === 'revoked');
      expect(won).toHaveLength(1);
      for (const o of outcomes) expect(o.revocation).toEqual(won[0]!.revocation);
      expect((await h.audit()).filter((r) => r.action === 'token.revoke')).toHaveLength(1);
      // The same jti in another app is a revocation of its own, not "already revoked".
      expect((await h.store.revokeToken(rev(0, 'app_2'), { ...by, action: 'token.revoke', target: 'jti-r' })).outcome).toBe('revoked');
      expect((await h.store.getRevokedTokens('jti-r')).map((r) => r.appId).sort()).toEqual(['app_1', 'app_2']);
      expect(await h.store.getRevokedTokens('jti-other')).toEqual([]);
      await h.close();
    });

    it('listAllSigningKeys pages through every key, retired ones too; resealSigningKey is guarded on the value it replaces', async () => {
      const h = await make();
      const a = await rotate(h.store, 'EdDSA', T0, T0 + 10);
      await rotate(h.store, 'EdDSA', T0 + 1, T0 + 10);
      await rotate(h.store, 'ES256', T0 + 2);
      await h.store.retireSigningKeys(T0 + 10, by);
      const all = (await h.store.listAllSigningKeys(undefined, 10)).map((k) => k.kid);
      expect(all).toHaveLength(3);
      expect(all).toEqual([...all].sort());
      expect(all).toContain(a.next.kid); // retired, still stored
      expect((await h.store.listSigningKeys()).map((k) => k.kid)).not.toContain(a.next.kid);
      expect((await h.store.listAllSigningKeys(undefined, 2)).map((k) => k.kid)).toEqual(all.slice(0, 2));
      expect((await h.store.listAllSigningKeys(all[1], 2)).map((k) => k.kid)).toEqual(all.slice(2));

      const other = new Keyring([{ id: 'k2', key: randomBytes(32) }]);
      const resealed = other.seal('x', `jwk:${a.next.kid}`);
      const reseal = (from: string) => h.store.resealSigningKey(a.next.kid, from, resealed, T0 + 20, { ...by, action: 'signing_key.reseal', target: a.next.kid });
      expect(await reseal('kws1.k1.stale.value')).toBe('conflict');
      expect(await h.store.resealSigningKey('jwk_unknown', a.next.sealedPrivateJwk, resealed, T0 + 20, { ...by, action: 'signing_key.reseal', target: 'jwk_unknown' })).toBe('not_found');
      expect((await h.audit()).filter((r) => r.action === 'signing_key.reseal')).toEqual([]);
      expect(await reseal(a.next.sealedPrivateJwk)).toBe('ok');
      expect(await reseal(a.next.sealedPrivateJwk)).toBe('conflict');
      const stored = (await h.store.listAllSigningKeys(undefined, 10)).find((k) => k.kid === a.next.kid)!;
      expect(stored).toEqual({ ...a.next, state: 'retired', retireAfterMs: T0 + 10, sealedPrivateJwk: resealed });
      expect((await h.audit()).filter((r) => r.action === 'signing_key.reseal').map((r) => r.target)).toEqual([a.next.kid]);
      await h.close();
    });

    it('listRevokedTokens lists only live revocations; pruneRevokedTokens removes rows at or past their expiry', async () => {
      const h = await make();
      const audit = { ...by, action: 'token.revoke', target: 'x' };
      await h.store.revokeToken({ jti: 'a', appId: 'app_1', environment: 'live', reason: 'leaked', revokedAtMs: T0, expiresAtMs: T0 + 1000 }, audit);
      await h.store.revokeToken({ jti: 'b', appId: 'app_1', environment: 'test', reason: null, revokedAtMs: T0, expiresAtMs: T0 + 2000 }, audit);
      expect((await h.store.listRevokedTokens(T0 + 999)).map((r) => r.jti).sort()).toEqual(['a', 'b']);
      expect((await h.store.listRevokedTokens(T0 + 1000)).map((r) => r.jti)).toEqual(['b']);
      expect(await h.store.pruneRevokedTokens(T0 + 999)).toBe(0);
      expect(await h.store.pruneRevokedTokens(T0 + 1000)).toBe(1);
      expect(await h.store.getRevokedTokens('a')).toEqual([]);
      expect(await h.store.getRevokedTokens('b')).toEqual([{ jti: 'b', appId: 'app_1', environment: 'test', reason: null, revokedAtMs: T0, expiresAtMs: T0 + 2000 }]);
      await h.close();
    });
  });
}
