import { randomBytes } from 'node:crypto';
import { KeywardError } from '../errors/keyward-error.js';
import type { Environment } from '../keys/model.js';
import type { Actor } from '../keys/service.js';
import type { Clock } from '../lib/clock.js';
import { sha256Hex } from '../lib/crypto.js';
import { newId } from '../lib/ids.js';
import type { Store } from '../store/types.js';
import type { AttestationRequestGate } from './gate.js';
import { DEBUG_TOKEN_CAP, type AppInstance, type DebugToken } from './model.js';
import type { AttestationSettings } from './settings.js';
import type { AttestationStore } from './store.js';

export type DebugTokenView = Omit<DebugToken, 'tokenHash'>;

const view = ({ tokenHash: _hash, ...rest }: DebugToken): DebugTokenView => rest;

/**
 * Operator and app-facing attestation work that is not the flow itself: debug tokens, the
 * instance registry, runtime secrets. Knows nothing about HTTP.
 */
export class AttestationAdmin {
  constructor(
    private readonly deps: {
      readonly store: AttestationStore;
      readonly core: Pick<Store, 'appendAudit'>;
      readonly settings: AttestationSettings;
      readonly gate: AttestationRequestGate;
      readonly secrets: { reveal(appId: string, environment: Environment, name: string): Promise<string | undefined> };
      readonly now: Clock;
    },
  ) {}

  /** A new debug token: the plaintext is returned once, only its SHA-256 is stored. CONFLICT at the cap. */
  async createDebugToken(appId: string, name: string, by: Actor): Promise<{ token: string; debugToken: DebugTokenView }> {
    if (typeof name !== 'string' || !/^[\w .-]{1,64}$/.test(name)) throw new KeywardError('VALIDATION_FAILED', 'name: 1 to 64 letters, digits, spaces, dots, dashes or underscores', { errors: [{ pointer: '/body/name', message: '1 to 64 characters of [A-Za-z0-9_ .-]' }] });
    const token = `kwdbg_${randomBytes(32).toString('base64url')}`;
    const record: DebugToken = { id: newId('dbg'), appId, name, tokenHash: sha256Hex(token), createdAtMs: this.deps.now(), revokedAtMs: null };
    const outcome = await this.deps.store.insertDebugToken(record, DEBUG_TOKEN_CAP, { ...by, action: 'attestation.debug_token.create', target: record.id, data: { appId, name } });
    if (outcome === 'cap_reached') throw new KeywardError('CONFLICT', `an app holds at most ${DEBUG_TOKEN_CAP} debug tokens; revoke one first`);
    return { token, debugToken: view(record) };
  }

  async listDebugTokens(appId: string): Promise<DebugTokenView[]> {
    return (await this.deps.store.listDebugTokens(appId)).map(view);
  }

  async revokeDebugToken(appId: string, id: string, by: Actor): Promise<DebugTokenView> {
    const t = await this.deps.store.getDebugToken(id);
    if (!t || t.appId !== appId) throw new KeywardError('NOT_FOUND', 'debug token not found');
    const outcome = await this.deps.store.revokeDebugToken(id, this.deps.now(), { ...by, action: 'attestation.debug_token.revoke', target: id, data: { appId } });
    if (outcome === 'not_found') throw new KeywardError('NOT_FOUND', 'debug token not found');
    return view((await this.deps.store.getDebugToken(id))!);
  }

  listInstances(appId: string, environment: Environment, limit = 100): Promise<readonly AppInstance[]> {
    return this.deps.store.listInstances(appId, environment, limit);
  }

  async getInstance(id: string): Promise<AppInstance> {
    const i = await this.deps.store.getInstance(id);
    if (!i) throw new KeywardError('NOT_FOUND', 'instance not found');
    return i;
  }

  /** Its app tokens fail with REATTESTATION_REQUIRED from now on (other nodes: through the change feed). */
  async revokeInstance(id: string, by: Actor): Promise<AppInstance> {
    const outcome = await this.deps.store.revokeInstance(id, this.deps.now(), { ...by, action: 'attestation.instance.revoke', target: id });
    if (outcome === 'not_found') throw new KeywardError('NOT_FOUND', 'instance not found');
    this.deps.gate.forget(id);
    return this.getInstance(id);
  }

  /**
   * The runtime secrets an attested instance may fetch: the names its app's settings list for the
   * environment, the ones that are set. Every fetch is audited (names only, never values).
   */
  async runtimeSecrets(instance: { readonly appId: string; readonly environment: Environment; readonly instanceId: string }, requestId: string): Promise<Record<string, string>> {
    const settings = await this.deps.settings.get(instance.appId, instance.environment);
    const out: Record<string, string> = {};
    for (const name of settings.runtimeSecrets) {
      const value = await this.deps.secrets.reveal(instance.appId, instance.environment, name);
      if (value !== undefined) out[name] = value;
    }
    await this.deps.core.appendAudit({ actor: instance.instanceId, requestId, action: 'attestation.runtime_secrets.fetch', target: instance.instanceId, data: { appId: instance.appId, environment: instance.environment, names: Object.keys(out) } }, this.deps.now());
    return out;
  }
}
