import { createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { importJWK, type JWK } from 'jose';
import type { Clock } from '../lib/clock.js';
import { isId, newId } from '../lib/ids.js';
import { resealStale, resealValue, type Keyring } from '../lib/sealed.js';
import type { AuditDraft } from '../audit/model.js';
import { acceptsTokens, signingKeyFor } from './lifecycle.js';
import type { JwtAlgorithm, SigningKeyRecord, TokenStore } from './store.js';

/** A signing key ready to use: the public half imported once, the private half opened on first signature. */
export interface LoadedKey {
  readonly record: SigningKeyRecord;
  /**
   * The public key as a KeyObject, verified with synchronous `crypto.verify` under `record.alg`
   * only (tokens/verify.ts pins one algorithm per kid). Not a WebCrypto CryptoKey: WebCrypto's
   * verify goes through libuv's thread pool, which cost more than the signature check itself.
   */
  readonly publicKey: KeyObject;
}

/** Associated data binding a sealed private key to its row, so two rows' ciphertexts cannot be swapped. */
export const sealContext = (kid: string): string => `jwk:${kid}`;

/**
 * A fresh key pair for `alg`, sealed for storage. The kid is a Keyward id (`jwk_…`); the public
 * JWK carries `kid`, `alg` and `use: 'sig'` so a JWKS consumer pins the algorithm too. With an
 * `activatesAtMs` after `nowMs` the key is `pending` (published first, signing from then);
 * otherwise it is `active` and signs at once.
 */
export function generateSigningKey(alg: JwtAlgorithm, keyring: Keyring, nowMs: number, activatesAtMs = nowMs): SigningKeyRecord {
  const kid = newId('jwk');
  const pair = alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pub = pair.publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const publicJwk: Record<string, string> = { kty: pub.kty!, crv: pub.crv!, x: pub.x!, ...(pub.y ? { y: pub.y } : {}), kid, alg, use: 'sig' };
  const sealedPrivateJwk = keyring.seal(JSON.stringify(pair.privateKey.export({ format: 'jwk' })), sealContext(kid));
  const pending = activatesAtMs > nowMs;
  return { kid, alg, publicJwk, sealedPrivateJwk, state: pending ? 'pending' : 'active', createdAtMs: nowMs, activatesAtMs: pending ? activatesAtMs : nowMs, retireAfterMs: null };
}

export interface SigningKeysOptions {
  readonly store: TokenStore;
  readonly keyring: Keyring;
  readonly now: Clock;
  /** How often to re-read keys for signing and the JWKS (rotations made by other nodes), ms. */
  readonly refreshIntervalMs: number;
  /** At most one store read per this many ms on an unknown `jwk_…` kid (a forger's kid spray costs us nothing more), ms. */
  readonly unknownKidRefreshMs?: number;
}

/**
 * The process's view of the signing keys: loaded from the store, never from a token. A kid is
 * looked up in this map only: no URL is fetched and no key embedded in a header is ever used.
 */
export class SigningKeys {
  private keys = new Map<string, LoadedKey>();
  private readonly signers = new Map<string, Promise<CryptoKey>>();
  private loadedAtMs = -Infinity;
  private loading: Promise<void> | undefined;

  constructor(private readonly options: SigningKeysOptions) {}

  /** Re-reads the store when forced or when the refresh interval has passed. Concurrent calls share one read. */
  async refresh(force: boolean): Promise<void> {
    if (!force && this.options.now() - this.loadedAtMs < this.options.refreshIntervalMs) return;
    // A forced refresh must read after the change that forced it: a read already in flight may
    // have started before it, so wait for that one and read again.
    if (force && this.loading) await this.loading.catch(() => {});
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const startedAtMs = this.options.now();
    const records = await this.options.store.listSigningKeys();
    const next = new Map<string, LoadedKey>();
    for (const record of records) {
      const existing = this.keys.get(record.kid);
      const publicKey = existing?.publicKey ?? publicKeyFor(record);
      next.set(record.kid, { record, publicKey });
    }
    for (const kid of this.signers.keys()) if (!next.has(kid)) this.signers.delete(kid);
    this.keys = next;
    this.loadedAtMs = startedAtMs;
  }

  /** The key for `kid` if it still accepts tokens. Synchronous: the verification hot path. */
  lookup(kid: string, nowMs: number): LoadedKey | undefined {
    const key = this.keys.get(kid);
    return key && acceptsTokens(key.record, nowMs) ? key : undefined;
  }

  /** `lookup`, re-reading the store (rate-limited) for a well-formed kid we have not seen: another node may have rotated. */
  async find(kid: string, nowMs: number): Promise<LoadedKey | undefined> {
    const hit = this.lookup(kid, nowMs);
    if (hit || this.keys.has(kid) || !isId(kid, 'jwk')) return hit;
    if (nowMs - this.loadedAtMs < (this.options.unknownKidRefreshMs ?? 1000)) return undefined;
    await this.refresh(true);
    return this.lookup(kid, nowMs);
  }

  /** Every key as last loaded, oldest first. */
  records(): SigningKeyRecord[] {
    return [...this.keys.values()].map((k) => k.record);
  }

  /**
   * The key that signs `alg` now (`signingKeyFor` on the keys as last loaded) and its private
   * CryptoKey, unsealed once per process.
   */
  async signer(alg: JwtAlgorithm): Promise<{ readonly record: SigningKeyRecord; readonly signKey: CryptoKey } | undefined> {
    await this.refresh(false);
    const record = signingKeyFor(this.records(), alg, this.options.now());
    if (!record) return undefined;
    let signKey = this.signers.get(record.kid);
    if (!signKey) {
      const jwk = JSON.parse(this.options.keyring.open(record.sealedPrivateJwk, sealContext(record.kid)).toString('utf8')) as JWK;
      // Non-extractable: the unsealed private key cannot be exported from the CryptoKey again.
      signKey = importJWK(jwk, alg, { extractable: false }) as Promise<CryptoKey>;
      this.signers.set(record.kid, signKey);
      signKey.catch(() => this.signers.delete(record.kid));
    }
    return { record, signKey: await signKey };
  }

  /** True when some key signs `alg` tokens at `nowMs` (as last loaded). */
  canSign(alg: JwtAlgorithm, nowMs: number): boolean {
    return signingKeyFor(this.records(), alg, nowMs) !== undefined;
  }

  /** The JWKS: public JWKs of every key that accepts tokens now, pending ones included (published before they sign). Never a private member. */
  jwks(nowMs: number): { keys: Record<string, string>[] } {
    return { keys: [...this.keys.values()].filter((k) => acceptsTokens(k.record, nowMs)).map((k) => ({ ...k.record.publicJwk })) };
  }
}

/** The record's public JWK as a KeyObject, refusing a key whose type does not fit its algorithm. */
function publicKeyFor(record: SigningKeyRecord): KeyObject {
  const key = createPublicKey({ key: record.publicJwk as unknown as JsonWebKey, format: 'jwk' });
  const fits = record.alg === 'EdDSA' ? key.asymmetricKeyType === 'ed25519' : key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  if (!fits) throw new Error(`signing key ${record.kid}: its public key does not fit ${record.alg}`);
  return key;
}

/**
 * Master-key rotation for token signing keys: re-seals every key's private JWK not under the
 * active master key, retired keys too (they stay in the store), guarded on the value it replaces.
 */
export function resealSigningKeys(store: TokenStore, keyring: Keyring, now: Clock, by: Pick<AuditDraft, 'actor' | 'requestId'>, onProgress?: (done: number) => void): Promise<{ resealed: number }> {
  return resealStale(
    {
      page: (after: string | undefined, limit) => store.listAllSigningKeys(after, limit),
      cursor: (k) => k.kid,
      resealed: (k) => resealValue(keyring, k.sealedPrivateJwk, sealContext(k.kid)),
      write: async (k, sealed) => (await store.resealSigningKey(k.kid, k.sealedPrivateJwk, sealed, now(), { ...by, action: 'signing_key.reseal', target: k.kid, data: { alg: k.alg, masterKeyId: keyring.activeId } })) === 'ok',
    },
    onProgress,
  );
}
