import { generateKey, parseKey, type Environment } from '@keyward/protocol';
import type { AuditDraft } from '../audit/model.js';
import type { InvalidationBus } from '../cache/invalidation.js';
import type { KeyCache } from '../cache/key-cache.js';
import { KeywardError } from '../errors/keyward-error.js';
import { sha256Hex } from '../lib/crypto.js';
import { resealStale, resealValue, type Keyring } from '../lib/sealed.js';
import { newId } from '../lib/ids.js';
import type { Page, PageRequest, Store, KeyFilter } from '../store/types.js';
import type { WebhookEvent, WebhookEventType } from '../webhooks/model.js';
import type { KeyKind, KeyPatch, KeyRecord, KeySecret } from './model.js';
import { LIMITS, validateKeySettings } from './validate.js';

/** Who is acting, for the audit log. */
export interface Actor {
  readonly actor: string;
  readonly requestId: string;
}

export interface CreateKeyInput {
  readonly appId: string | null;
  readonly environment: Environment | null;
  readonly kind: KeyKind;
  readonly name: string;
  readonly scopes?: readonly string[];
  readonly meta?: Readonly<Record<string, unknown>>;
  readonly subject?: string | null;
  readonly expiresAtMs?: number | null;
  readonly ipAllowList?: readonly string[];
  readonly clientCertSha256?: string | null;
  readonly ratelimit?: KeyRecord['ratelimit'];
  readonly credits?: KeyRecord['credits'];
  /** Root keys only (checked by rootkeys/service.ts): default `["*"]`, full power, for trusted callers (`keyward init`). */
  readonly permissions?: readonly string[];
  /** Root keys only: null or missing, every app. */
  readonly appIds?: readonly string[] | null;
  /** An identity of the same app. */
  readonly identityId?: string | null;
}

/** A key together with its secret: returned exactly once, at creation, rotation or reissue. */
export interface IssuedKey {
  readonly key: KeyRecord;
  readonly secret: string;
}

const MAX_CAS_RETRIES = 5;

/**
 * Key lifecycle. Each operation decides from the current record, then applies one guarded,
 * audited store write; on a version conflict it re-reads and decides again.
 */
export class KeyService {
  constructor(
    private readonly deps: {
      readonly store: Store;
      readonly cache: KeyCache;
      readonly bus: InvalidationBus;
      readonly now: () => number;
      /** Seals the secrets of signing credentials (HMAC needs the secret itself). */
      readonly keyring?: Keyring;
      /** Looks an identity up, so a key is attached only to an existing identity of its own app. */
      readonly identityApp?: (identityId: string) => Promise<string | undefined>;
      /**
       * Called after a change that carried webhook events (created, revoked, rotated, disabled,
       * exposed) committed, so the dispatcher delivers without waiting for its next poll. The
       * events themselves are queued by the store in the change's transaction (`AuditDraft.events`).
       */
      readonly onEventsQueued?: () => void;
    },
  ) {}

  async create(input: CreateKeyInput, by: Actor): Promise<IssuedKey> {
    const now = this.deps.now();
    if (input.kind === 'root' ? input.appId !== null || input.environment !== null : input.appId === null || input.environment === null) {
      throw new TypeError('root keys have no app or environment; every other kind has both');
    }
    if (input.appId !== null && !(await this.deps.store.getApp(input.appId))) throw new KeywardError('NOT_FOUND', 'app not found');
    validateKeySettings({ ...input }, now);
    if (input.identityId) await this.assertIdentity(input.identityId, input.appId);
    const secret = generateKey(input.kind, input.environment);
    const { key, secretRow } = buildKey(input, secret, now, this.deps.keyring);
    await this.deps.store.createKey(key, secretRow, audit(by, 'key.create', key.id, describe(key), [keyEvent('key.created', key, { name: key.name })]));
    this.deps.cache.invalidateHash(secretRow.hash);
    this.deps.onEventsQueued?.();
    return { key, secret };
  }

  async get(keyId: string): Promise<KeyRecord> {
    const key = await this.deps.store.getKey(keyId);
    if (!key) throw new KeywardError('NOT_FOUND', 'key not found');
    return key;
  }

  list(filter: KeyFilter, page: PageRequest): Promise<Page<KeyRecord>> {
    return this.deps.store.listKeys(filter, page);
  }

  async update(keyId: string, patch: Omit<KeyPatch, 'revokedAtMs' | 'revokedReason' | 'exposedAtMs'>, by: Actor): Promise<KeyRecord> {
    if (patch.identityId) await this.assertIdentity(patch.identityId, (await this.get(keyId)).appId);
    return this.guarded(keyId, by, (key) => {
      if (key.revokedAtMs !== null) throw new KeywardError('CONFLICT', 'a revoked key cannot be changed; reissue it');
      validateKeySettings({ ...patch, kind: key.kind }, this.deps.now(), 'update');
      if (key.kind !== 'root' && (patch.permissions !== undefined || patch.appIds !== undefined)) throw new TypeError('only root keys carry permissions and apps');
      if (key.kind === 'root' && patch.identityId) throw new TypeError('root keys belong to no identity');
      return {
        patch,
        action: patch.enabled === false ? 'key.disable' : patch.enabled === true ? 'key.enable' : 'key.update',
        data: { fields: Object.keys(patch) },
        ...(patch.enabled === false && key.enabled ? { events: [{ type: 'key.disabled' as const }] } : {}),
      };
    });
  }

  /**
   * Revokes at once. Idempotent: revoking a revoked key succeeds without a second audit record.
   * Every cached secret is dropped locally before this returns, and on peers via the bus.
   */
  async revoke(keyId: string, reason: string, by: Actor): Promise<KeyRecord> {
    if (reason.length === 0 || reason.length > LIMITS.reasonMaxChars) throw new KeywardError('VALIDATION_FAILED', `reason must be 1 to ${LIMITS.reasonMaxChars} characters`);
    return this.guarded(keyId, by, (key) => {
      if (key.revokedAtMs !== null) return undefined;
      return { patch: { revokedAtMs: this.deps.now(), revokedReason: reason }, action: 'key.revoke', data: { reason }, events: [{ type: 'key.revoked', data: { reason } }] };
    });
  }

  /**
   * Rotation: a new secret for the same key id (so usage counters, scopes and history carry
   * over); the old secret keeps working for `gracePeriodSeconds`, then stops.
   */
  async rotate(keyId: string, gracePeriodSeconds: number, by: Actor): Promise<IssuedKey> {
    if (!Number.isInteger(gracePeriodSeconds) || gracePeriodSeconds < 0 || gracePeriodSeconds > 90 * 86400) {
      throw new KeywardError('VALIDATION_FAILED', 'gracePeriodSeconds must be an integer from 0 to 7776000 (90 days)');
    }
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      const key = await this.get(keyId);
      if (key.revokedAtMs !== null) throw new KeywardError('CONFLICT', 'a revoked key cannot be rotated; reissue it');
      const now = this.deps.now();
      const secret = generateKey(key.kind, key.environment);
      const secretRow = secretFor(secret, key.id, now, key.kind, this.deps.keyring);
      const oldHashes = await this.deps.store.listSecretHashes(key.id);
      const outcome = await this.deps.store.rotateKey(
        { keyId, expectedVersion: key.version, newSecret: secretRow, oldSecretsExpireAtMs: now + gracePeriodSeconds * 1000, nowMs: now },
        audit(by, 'key.rotate', key.id, { gracePeriodSeconds, previousSecrets: oldHashes.length }, [keyEvent('key.rotated', key, { gracePeriodSeconds })]),
      );
      if (outcome === 'not_found') throw new KeywardError('NOT_FOUND', 'key not found');
      if (outcome === 'ok') {
        await this.invalidate(key.id);
        this.deps.onEventsQueued?.();
        return { key: await this.get(keyId), secret };
      }
    }
    throw new KeywardError('CONFLICT', 'the key changed concurrently; try again');
  }

  /**
   * Reissue: a new key (new id, new secret) with the old one's settings; the old one is revoked
   * at once if it was not already. For a key that leaked: rotation's grace period would keep the
   * leaked secret alive.
   */
  async reissue(keyId: string, by: Actor): Promise<IssuedKey> {
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      const old = await this.get(keyId);
      const now = this.deps.now();
      const input: CreateKeyInput = {
        appId: old.appId,
        environment: old.environment,
        kind: old.kind,
        name: old.name,
        scopes: old.scopes,
        meta: old.meta,
        subject: old.subject,
        ipAllowList: old.ipAllowList,
        clientCertSha256: old.clientCertSha256 ?? null,
        ratelimit: old.ratelimit ?? null,
        // A reissued key starts a fresh balance: the old key's spend does not follow it.
        credits: old.credits ?? null,
        identityId: old.identityId ?? null,
        ...(old.kind === 'root' ? { permissions: old.permissions ?? [], appIds: old.appIds ?? null } : {}),
        expiresAtMs: old.expiresAtMs !== null && old.expiresAtMs > now ? old.expiresAtMs : null,
      };
      const secret = generateKey(input.kind, input.environment);
      const built = buildKey(input, secret, now, this.deps.keyring);
      const key = { ...built.key, reissuedFromId: old.id };
      const reason = `reissued as ${key.id}`;
      // One transaction: the new key, the old key's revocation and both audit records commit
      // together, so a failure can never leave two live keys or none.
      const outcome = await this.deps.store.reissueKey(
        key,
        built.secretRow,
        old.revokedAtMs === null ? { keyId: old.id, expectedVersion: old.version, reason, nowMs: now } : undefined,
        {
          reissue: audit(by, 'key.reissue', key.id, { from: old.id }, [keyEvent('key.created', key, { name: key.name, reissuedFromId: old.id })]),
          revoke: audit(by, 'key.revoke', old.id, { reason }, [keyEvent('key.revoked', old, { reason })]),
        },
      );
      if (outcome === 'not_found') throw new KeywardError('NOT_FOUND', 'key not found');
      if (outcome !== 'ok') continue;
      this.deps.cache.invalidateHash(built.secretRow.hash);
      if (old.revokedAtMs === null) await this.invalidate(old.id);
      this.deps.onEventsQueued?.();
      return { key, secret };
    }
    throw new KeywardError('CONFLICT', 'the key changed concurrently; try again');
  }

  /**
   * What each plaintext is (for `keyward scan --verify`): the key it belongs to and whether it
   * still works, or undefined for a string that is no key of this store. Read-only, by hash: the
   * plaintexts are neither stored nor logged. A rotated-out secret past its grace, and an expired
   * key, count as revoked (neither is accepted any more).
   */
  async lookupSecrets(plaintexts: readonly string[]): Promise<({ readonly key: KeyRecord; readonly status: 'active' | 'revoked' } | undefined)[]> {
    const now = this.deps.now();
    return Promise.all(
      plaintexts.map(async (plaintext) => {
        const found = await this.deps.store.findKeyByHash(sha256Hex(plaintext));
        if (!found) return undefined;
        const dead = found.key.revokedAtMs !== null || (found.secret.expiresAtMs !== null && found.secret.expiresAtMs <= now) || (found.key.expiresAtMs !== null && found.key.expiresAtMs <= now);
        return { key: found.key, status: dead ? ('revoked' as const) : ('active' as const) };
      }),
    );
  }

  /**
   * Plaintexts found in a request URL: each one that is a real key is marked exposed (and revoked
   * when its app's `revokeKeysSeenInUrls` says so), with the request id in its audit record.
   * Strings that are not keys are ignored: the caller refuses the request either way.
   */
  /** Marks every real key among `plaintexts` exposed (and revokes per its app); returns the keys marked. */
  async reportSeenInUrl(plaintexts: readonly string[], seen: { readonly where: string; readonly requestId: string }): Promise<KeyRecord[]> {
    const marked: KeyRecord[] = [];
    for (const plaintext of plaintexts) {
      const found = await this.deps.store.findKeyByHash(sha256Hex(plaintext));
      if (!found) continue;
      const app = found.key.appId ? await this.deps.store.getApp(found.key.appId) : undefined;
      marked.push(await this.markExposed(found.key.id, `url (${seen.where})`, app?.settings.revokeKeysSeenInUrls ?? false, { actor: 'system', requestId: seen.requestId }));
    }
    return marked;
  }

  /**
   * A key was seen somewhere public (a URL query string, a leak report). Marks it exposed, audits
   * where, and revokes it when `revoke` is true.
   */
  async markExposed(keyId: string, where: string, revoke: boolean, by: Actor, reason = `exposed: ${where}`): Promise<KeyRecord> {
    return this.guarded(keyId, by, (key) => {
      const now = this.deps.now();
      const revokes = revoke && key.revokedAtMs === null;
      const patch: KeyPatch = {
        ...(key.exposedAtMs === null ? { exposedAtMs: now } : {}),
        ...(revokes ? { revokedAtMs: now, revokedReason: reason } : {}),
      };
      return {
        patch,
        action: revokes ? 'key.exposed_revoked' : 'key.exposed',
        data: { where, revoked: revoke },
        events: [{ type: 'key.exposed', data: { where, revoked: revokes } }, ...(revokes ? [{ type: 'key.revoked' as const, data: { reason } }] : [])],
      };
    });
  }

  /** The identity exists and belongs to the key's app (an identity groups one app's keys). */
  private async assertIdentity(identityId: string, appId: string | null): Promise<void> {
    const owner = this.deps.identityApp ? await this.deps.identityApp(identityId) : undefined;
    if (owner === undefined || owner !== appId) {
      throw new KeywardError('VALIDATION_FAILED', 'identityId must name an identity of the same app', { errors: [{ pointer: '/body/identityId', message: 'no such identity in this app' }] });
    }
  }

  private async guarded(
    keyId: string,
    by: Actor,
    decide: (key: KeyRecord) => { patch: KeyPatch; action: string; data: Record<string, unknown>; events?: readonly { type: WebhookEventType; data?: Record<string, unknown> }[] } | undefined,
  ): Promise<KeyRecord> {
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      const key = await this.get(keyId);
      const change = decide(key);
      if (!change) return key;
      // Root keys: the store also keeps one full-power root key, whichever path revokes, disables
      // or weakens one (the admin API, the CLI, a key seen in a URL).
      const draft = audit(by, change.action, keyId, change.data, (change.events ?? []).map((e) => keyEvent(e.type, key, e.data)));
      const outcome =
        key.kind === 'root'
          ? await this.deps.store.updateKeyKeepingFullRoot(keyId, change.patch, key.version, this.deps.now(), draft)
          : await this.deps.store.updateKey(keyId, change.patch, key.version, this.deps.now(), draft);
      if (outcome === 'last_full_root') throw new KeywardError('LAST_ROOT_KEY', 'this is the last root key with full power (every permission, every app, no expiry); create another one before revoking, disabling or reducing it');
      if (outcome === 'not_found') throw new KeywardError('NOT_FOUND', 'key not found');
      if (outcome === 'ok') {
        await this.invalidate(keyId);
        if (change.events?.length) this.deps.onEventsQueued?.();
        return this.get(keyId);
      }
    }
    throw new KeywardError('CONFLICT', 'the key changed concurrently; try again');
  }

  private async invalidate(keyId: string): Promise<void> {
    this.deps.cache.invalidateKey(keyId);
    await this.deps.bus.publish({ type: 'key', keyId });
  }

  /**
   * Master-key rotation for signing credentials: re-seals every signing secret's sealed copy not
   * under the active master key (guarded on the copy it replaces; run again after a conflict). The
   * secret itself, its hash and every cached entry stay as they are.
   */
  async resealSigningSecrets(by: Actor, onProgress?: (done: number) => void): Promise<{ resealed: number }> {
    const { store, keyring } = this.deps;
    if (keyring === undefined) throw new TypeError('resealing signing secrets needs the keyring');
    return resealStale(
      {
        page: (after: string | undefined, limit) => store.listSealedKeySecrets(after, limit),
        cursor: (s) => s.hash,
        resealed: (s) => resealValue(keyring, s.sealedSecret, signingSecretContext(s.hash)),
        write: async (s, sealed) =>
          (await store.resealKeySecret(s.hash, s.sealedSecret, sealed, this.deps.now(), { ...by, action: 'key.secret.reseal', target: s.keyId, data: { masterKeyId: keyring.activeId } })) === 'ok',
      },
      onProgress,
    );
  }
}

/** Associated data binding a sealed signing secret to its hash (a swapped row will not open). */
export const signingSecretContext = (hash: string): string => `hk:${hash}`;

function secretFor(secret: string, keyId: string, now: number, kind: KeyKind, keyring: Keyring | undefined): KeySecret {
  const parsed = parseKey(secret);
  if (typeof parsed === 'string') throw new Error('generated key failed its own parser');
  const hash = sha256Hex(secret);
  let sealedSecret: string | null = null;
  if (kind === 'signing') {
    if (!keyring) throw new TypeError('signing credentials need a keyring to seal their secret');
    sealedSecret = keyring.seal(secret, signingSecretContext(hash));
  }
  return { hash, keyId, start: parsed.start, createdAtMs: now, expiresAtMs: null, sealedSecret };
}

function buildKey(input: CreateKeyInput, secret: string, now: number, keyring: Keyring | undefined): { key: KeyRecord; secretRow: KeySecret } {
  const id = newId('key');
  const secretRow = secretFor(secret, id, now, input.kind, keyring);
  const key: KeyRecord = {
    id,
    appId: input.appId,
    environment: input.environment,
    kind: input.kind,
    name: input.name,
    scopes: input.scopes ?? (input.kind === 'export' ? ['*:read'] : []),
    subject: input.subject ?? null,
    meta: input.meta ?? {},
    ipAllowList: input.ipAllowList ?? [],
    clientCertSha256: input.clientCertSha256 ?? null,
    ratelimit: input.ratelimit ?? null,
    credits: input.credits ?? null,
    creditsRemaining: input.credits ? input.credits.amount : null,
    enabled: true,
    expiresAtMs: input.expiresAtMs ?? null,
    revokedAtMs: null,
    revokedReason: null,
    exposedAtMs: null,
    start: secretRow.start,
    reissuedFromId: null,
    createdAtMs: now,
    updatedAtMs: now,
    version: 1,
    usageCount: 0,
    lastUsedAtMs: null,
    identityId: input.identityId ?? null,
    ...(input.kind === 'root' ? { permissions: input.permissions ?? ['*'], appIds: input.appIds ?? null } : {}),
  };
  return { key, secretRow };
}

function describe(key: KeyRecord): Record<string, unknown> {
  const d: Record<string, unknown> = { appId: key.appId, environment: key.environment, kind: key.kind, name: key.name, scopes: key.scopes, subject: key.subject, start: key.start };
  if (key.kind === 'root') Object.assign(d, { permissions: key.permissions, appIds: key.appIds ?? null });
  if (key.identityId) d.identityId = key.identityId;
  return d;
}

function audit(by: Actor, action: string, target: string, data: Record<string, unknown>, events: readonly WebhookEvent[] = []): AuditDraft {
  return { actor: by.actor, requestId: by.requestId, action, target, data, ...(events.length ? { events } : {}) };
}

/** A key event as webhooks carry it: ids and kinds, never the secret. */
function keyEvent(type: WebhookEventType, key: Pick<KeyRecord, 'id' | 'appId' | 'kind' | 'environment'>, data: Record<string, unknown> = {}): WebhookEvent {
  return { type, appId: key.appId, data: { keyId: key.id, kind: key.kind, environment: key.environment, ...data } };
}
