import { KeywardError } from '../errors/keyward-error.js';
import { newId } from '../lib/ids.js';
import { resealStale, resealValue, type Keyring } from '../lib/sealed.js';
import type { Environment } from '../keys/model.js';
import type { Actor } from '../keys/service.js';
import { SECRET_NAME_RE, SECRET_VALUE_MAX_BYTES, SECRET_VALUE_RE, type ServerSecret } from './model.js';
import type { SecretStore } from './store.js';

/** What operators see: never the value, only a hint. */
export type SecretView = Omit<ServerSecret, 'sealedValue'>;

export function secretView(s: ServerSecret): SecretView {
  const { sealedValue: _sealed, ...rest } = s;
  return rest;
}

const associatedData = (id: string) => `secret:${id}`;

/**
 * Server-held secrets: sealed with the master keyring on write, opened only by the gateway at the
 * moment it injects one upstream. Every change is audited (name and hint, never the value).
 */
export class SecretService {
  constructor(private readonly deps: { readonly store: SecretStore; readonly keyring: Keyring; readonly now: () => number }) {}

  async set(
    input: { appId: string; environment: Environment; name: string; value: string; description?: string },
    by: Actor,
  ): Promise<{ secret: SecretView; created: boolean }> {
    validate(input.name, input.value);
    const now = this.deps.now();
    const hint = input.value.length >= 12 ? `…${input.value.slice(-4)}` : '…';
    const existing = await this.deps.store.findSecretByName(input.appId, input.environment, input.name);
    if (!existing) {
      const id = newId('sec');
      const secret: ServerSecret = {
        id,
        appId: input.appId,
        environment: input.environment,
        name: input.name,
        description: input.description ?? '',
        sealedValue: this.deps.keyring.seal(input.value, associatedData(id)),
        hint,
        createdAtMs: now,
        updatedAtMs: now,
        version: 1,
      };
      try {
        await this.deps.store.createSecret(secret, { ...by, action: 'secret.create', target: id, data: { appId: input.appId, environment: input.environment, name: input.name, hint } });
      } catch (err) {
        // A concurrent set created the name first (the store's uniqueness rule): a lost race, which
        // is a conflict to retry, not a broken store. Anything else is rethrown as it is.
        if (await this.deps.store.findSecretByName(input.appId, input.environment, input.name)) throw new KeywardError('CONFLICT', 'the secret changed concurrently; try again');
        throw err;
      }
      return { secret: secretView(secret), created: true };
    }
    const outcome = await this.deps.store.updateSecret(
      existing.id,
      { sealedValue: this.deps.keyring.seal(input.value, associatedData(existing.id)), hint, ...(input.description !== undefined ? { description: input.description } : {}) },
      existing.version,
      now,
      { ...by, action: 'secret.update', target: existing.id, data: { name: existing.name, hint } },
    );
    if (outcome !== 'ok') throw new KeywardError('CONFLICT', 'the secret changed concurrently; try again');
    return { secret: secretView((await this.deps.store.getSecret(existing.id))!), created: false };
  }

  async list(appId: string, environment?: Environment): Promise<SecretView[]> {
    return (await this.deps.store.listSecrets(appId, environment)).map(secretView);
  }

  async delete(id: string, by: Actor): Promise<void> {
    const s = await this.deps.store.getSecret(id);
    if (!s) throw new KeywardError('NOT_FOUND', 'secret not found');
    const outcome = await this.deps.store.deleteSecret(id, this.deps.now(), { ...by, action: 'secret.delete', target: id, data: { name: s.name } });
    if (outcome !== 'ok') throw new KeywardError('NOT_FOUND', 'secret not found');
  }

  /** The plaintext, for the gateway only. Never log or return it. */
  async reveal(appId: string, environment: Environment, name: string): Promise<string | undefined> {
    const s = await this.deps.store.findSecretByName(appId, environment, name);
    return s ? this.deps.keyring.open(s.sealedValue, associatedData(s.id)).toString('utf8') : undefined;
  }

  /**
   * Master-key rotation: re-seals every secret not sealed under the active master key. After it
   * reports zero stale secrets, the old master key can be removed from the keyring.
   */
  async reseal(by: Actor, onProgress?: (done: number) => void): Promise<{ resealed: number }> {
    const { store, keyring } = this.deps;
    return resealStale(
      {
        page: (after: string | undefined, limit) => store.listAllSecrets(after, limit),
        cursor: (s) => s.id,
        resealed: (s) => resealValue(keyring, s.sealedValue, associatedData(s.id)),
        write: async (s, sealedValue) =>
          (await store.updateSecret(s.id, { sealedValue }, s.version, this.deps.now(), { ...by, action: 'secret.reseal', target: s.id, data: { masterKeyId: keyring.activeId } })) === 'ok',
      },
      onProgress,
    );
  }
}

function validate(name: string, value: string): void {
  const errors = [];
  if (!SECRET_NAME_RE.test(name)) errors.push({ pointer: '/body/name', message: 'lowercase letters, digits, - and _, starting with a letter, at most 64' });
  if (value.length === 0 || Buffer.byteLength(value) > SECRET_VALUE_MAX_BYTES) errors.push({ pointer: '/body/value', message: `1 to ${SECRET_VALUE_MAX_BYTES} bytes` });
  else if (!SECRET_VALUE_RE.test(value)) errors.push({ pointer: '/body/value', message: 'printable ASCII only, no leading or trailing space: a header cannot carry control characters (CR, LF, NUL …) or non-ASCII' });
  if (errors.length) throw new KeywardError('VALIDATION_FAILED', errors.map((e) => `${e.pointer}: ${e.message}`).join('; '), { errors });
}
