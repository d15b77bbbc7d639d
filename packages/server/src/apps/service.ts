import { KeywardError } from '../errors/keyward-error.js';
import { newId } from '../lib/ids.js';
import { isOriginEntry } from '../lib/origin.js';
import type { Actor } from '../keys/service.js';
import type { InvalidationBus } from '../cache/invalidation.js';
import type { Page, PageRequest, Store } from '../store/types.js';
import { checkIdentityProviders } from '../oidc/config.js';
import { DEFAULT_APP_SETTINGS, type App, type AppSettings, type AppSettingsInput } from './model.js';
import { LEAK_ACTIONS } from '../leaks/model.js';

export class AppService {
  private readonly cached = new Map<string, { readonly app: App; readonly untilMs: number }>();
  /** Bumped by every {@link forget}/{@link clear}: a read that began before one does not fill the cache. */
  private generation = 0;

  constructor(
    private readonly deps: {
      readonly store: Store;
      readonly now: () => number;
      readonly cacheTtlMs?: number;
      /** How long a deleted app's tokens stay refused, ms (TokenService.revocationLifetimeMs). */
      readonly tokenRevocationMs?: () => number;
      /** Told after a deletion so every cache of this process and its peers drops what it held. */
      readonly bus?: InvalidationBus;
    },
  ) {}

  /**
   * For hot paths (signature policy, gateway, anomaly actions): an app read at most once per
   * `cacheTtlMs` (default 5 s). A settings change made anywhere reaches {@link forget} through the
   * change feed (kind `app`), so the TTL is only the backstop. Fill-race safe: a read that started
   * before an invalidation answers its caller but is not cached, so it cannot bring old settings back.
   */
  async getCached(id: string): Promise<App | undefined> {
    const now = this.deps.now();
    const hit = this.cached.get(id);
    if (hit && hit.untilMs > now) return hit.app;
    const generation = this.generation;
    const app = await this.deps.store.getApp(id);
    if (app && generation === this.generation) {
      if (this.cached.size >= 100_000) this.cached.clear(); // bounded: one entry per app in use
      this.cached.set(id, { app, untilMs: now + (this.deps.cacheTtlMs ?? 5000) });
    }
    return app;
  }

  /** Drops one app's cached record (its settings changed here or on another node). */
  forget(id: string): void {
    this.generation++;
    this.cached.delete(id);
  }

  clear(): void {
    this.generation++;
    this.cached.clear();
  }

  async create(input: { name: string; settings?: AppSettingsInput }, by: Actor): Promise<App> {
    validateName(input.name);
    const now = this.deps.now();
    const app: App = {
      id: newId('app'),
      name: input.name,
      settings: validateSettings({ ...DEFAULT_APP_SETTINGS, ...input.settings }),
      createdAtMs: now,
      updatedAtMs: now,
      version: 1,
    };
    await this.deps.store.createApp(app, { actor: by.actor, requestId: by.requestId, action: 'app.create', target: app.id, data: { name: app.name, settings: app.settings } });
    return app;
  }

  async get(id: string): Promise<App> {
    const app = await this.deps.store.getApp(id);
    if (!app) throw new KeywardError('NOT_FOUND', 'app not found');
    return app;
  }

  list(page: PageRequest): Promise<Page<App>> {
    return this.deps.store.listApps(page);
  }

  async update(id: string, patch: { name?: string; settings?: AppSettingsInput }, by: Actor): Promise<App> {
    if (patch.name !== undefined) validateName(patch.name);
    for (let attempt = 0; attempt < 5; attempt++) {
      const app = await this.get(id);
      const settings = patch.settings ? validateSettings({ ...DEFAULT_APP_SETTINGS, ...app.settings, ...patch.settings }) : undefined;
      const outcome = await this.deps.store.updateApp(
        id,
        { ...(patch.name !== undefined ? { name: patch.name } : {}), ...(settings ? { settings } : {}) },
        app.version,
        this.deps.now(),
        { actor: by.actor, requestId: by.requestId, action: 'app.update', target: id, data: { name: patch.name, settings: patch.settings } },
      );
      if (outcome === 'ok') {
        this.forget(id);
        return this.get(id);
      }
      if (outcome === 'not_found') throw new KeywardError('NOT_FOUND', 'app not found');
    }
    throw new KeywardError('CONFLICT', 'the app changed concurrently; try again');
  }

  /**
   * Deletes an app. While it has live keys, sessions or devices the deletion is refused with
   * APP_HAS_CREDENTIALS (nothing changes) unless `force`: then every one of them, and every token
   * of the app, is revoked in the same transaction as the deletion and its one `app.delete` audit
   * record. The app is then gone from get and list (NOT_FOUND), and its keys verify as
   * INVALID_CREDENTIAL (revoked) in every process on the store (the change log), at once here.
   */
  async delete(id: string, options: { readonly force?: boolean; readonly reason?: string }, by: Actor): Promise<AppDeleted> {
    const reason = options.reason ?? 'app deleted';
    if (reason.length === 0 || reason.length > 512) throw new KeywardError('VALIDATION_FAILED', 'reason must be 1 to 512 characters', { errors: [{ pointer: '/body/reason', message: 'must be 1 to 512 characters' }] });
    const force = options.force === true;
    const nowMs = this.deps.now();
    const r = await this.deps.store.deleteApp({ appId: id, force, reason, nowMs, tokensRevokedUntilMs: nowMs + (this.deps.tokenRevocationMs?.() ?? 7 * 86_400_000) }, (revoked) => ({
      actor: by.actor,
      requestId: by.requestId,
      action: 'app.delete',
      target: id,
      data: { force, reason, revokedKeys: revoked.keys.slice(0, 100), revokedKeyCount: revoked.keys.length, revokedSessions: revoked.sessions, revokedDevices: revoked.devices },
    }));
    if (r.outcome === 'not_found') throw new KeywardError('NOT_FOUND', 'app not found');
    if (r.outcome === 'has_credentials') {
      const { keys, sessions, devices } = r.live;
      throw new KeywardError('APP_HAS_CREDENTIALS', `the app still has ${keys} live key(s), ${sessions} session(s) and ${devices} device(s): revoke them, or delete with force to revoke them with the app`);
    }
    this.cached.delete(id);
    // Many keys at once: every cache drops everything rather than one message per key.
    await this.deps.bus?.publish({ type: 'all' });
    return { id, revokedKeys: r.revoked.keys, revokedSessions: r.revoked.sessions, revokedDevices: r.revoked.devices };
  }
}

/** What `AppService.delete` revoked. */
export interface AppDeleted {
  readonly id: string;
  readonly revokedKeys: readonly string[];
  readonly revokedSessions: number;
  readonly revokedDevices: number;
}

function validateName(name: string): void {
  if (name.trim().length === 0 || name.length > 128) {
    throw new KeywardError('VALIDATION_FAILED', 'name must be 1 to 128 characters', { errors: [{ pointer: '/body/name', message: 'must be 1 to 128 characters' }] });
  }
}

const COMPONENT_RE = /^(@[a-z-]+|[a-z0-9!#$%&'*+.^_`|~-]+)$/;

function validateSettings(settings: Omit<AppSettings, 'identityProviders'> & { readonly identityProviders: unknown }): AppSettings {
  const bad = settings.signatureRequiredComponents.filter((c) => !COMPONENT_RE.test(c));
  if (bad.length) {
    throw new KeywardError('VALIDATION_FAILED', `signatureRequiredComponents: not component names: ${bad.join(', ')}`, {
      errors: [{ pointer: '/body/settings/signatureRequiredComponents', message: 'lowercase header names or derived components like @path' }],
    });
  }
  const badPins = settings.certificatePins.filter((p) => !/^sha256\/[A-Za-z0-9+/]{43}=$/.test(p));
  if (badPins.length) throw new KeywardError('VALIDATION_FAILED', 'certificatePins are sha256/<base64 of the SPKI SHA-256>', { errors: [{ pointer: '/body/settings/certificatePins', message: 'sha256/<44 base64 characters>' }] });
  if (!LEAK_ACTIONS.includes(settings.leakAction)) throw new KeywardError('VALIDATION_FAILED', 'leakAction is auto, revoke or flag', { errors: [{ pointer: '/body/settings/leakAction', message: 'auto, revoke or flag' }] });
  const badOrigins = settings.corsOrigins.filter((o) => !isOriginEntry(o));
  if (badOrigins.length) throw new KeywardError('VALIDATION_FAILED', 'corsOrigins are origins like https://app.example.com (lowercase, no path) or *', { errors: [{ pointer: '/body/settings/corsOrigins', message: 'an origin like https://app.example.com, or *' }] });
  const idps = checkIdentityProviders(settings.identityProviders);
  if (idps.problems.length) {
    throw new KeywardError('VALIDATION_FAILED', `identityProviders: ${idps.problems.map((p) => `${p.pointer.replace('/identityProviders', '')} ${p.message}`).join('; ')}`, {
      errors: idps.problems.map((p) => ({ pointer: `/body/settings${p.pointer}`, message: p.message })),
    });
  }
  return { ...settings, identityProviders: idps.providers };
}
