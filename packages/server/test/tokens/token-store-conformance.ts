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
  });
}
