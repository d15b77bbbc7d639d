import { ConfigError } from '../config/config.js';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Envelope for secrets Keyward must be able to read back (third-party API keys, HMAC signing
 * secrets, JWT private keys): AES-256-GCM under a master key that never touches the database.
 *
 * Format: `kws1.<masterKeyId>.<iv>.<ciphertext‖tag>` (base64url parts). The associated data binds
 * each ciphertext to the row it belongs to (e.g. `secret:sec_…`), so a database attacker cannot
 * swap two sealed values. A keyring holds several master keys: the first seals, all open, which
 * is how the master key rotates (re-seal, then drop the old one).
 */
export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

export class Keyring {
  private readonly byId: Map<string, Buffer>;

  constructor(readonly keys: readonly MasterKey[]) {
    if (keys.length === 0) throw new TypeError('a keyring needs at least one master key');
    for (const k of keys) {
      if (k.key.length !== 32) throw new TypeError(`master key ${k.id} must be 32 bytes`);
      if (!/^[A-Za-z0-9-]{1,32}$/.test(k.id)) throw new TypeError(`master key id ${k.id} must be 1-32 of [A-Za-z0-9-]`);
    }
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  get activeId(): string {
    return this.keys[0]!.id;
  }

  seal(plaintext: Uint8Array | string, associatedData: string): string {
    const { id, key } = this.keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const body = Buffer.concat([cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext) : plaintext), cipher.final(), cipher.getAuthTag()]);
    return `kws1.${id}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /** Throws on any tampering, wrong context or unknown master key: a sealed value either opens exactly or not at all. */
  open(sealed: string, associatedData: string): Buffer {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== 'kws1') throw new Error('not a sealed value');
    const key = this.byId.get(parts[1]!);
    if (!key) throw new Error(`sealed under master key ${parts[1]}, which is not in the keyring`);
    const iv = Buffer.from(parts[2]!, 'base64url');
    const body = Buffer.from(parts[3]!, 'base64url');
    if (iv.length !== 12 || body.length < 16) throw new Error('sealed value is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(associatedData));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
  }

  /** True when `sealed` was made with a master key other than the active one (needs re-sealing). */
  isStale(sealed: string): boolean {
    return sealed.split('.')[1] !== this.activeId;
  }
}

/**
 * One kind of sealed row, as a master-key rotation walks it (server-held secrets, signing
 * credentials' secrets, token signing keys, webhook endpoint secrets, attestation settings): `R` the row, `C` the position after which the next page starts, `N` what
 * is written back.
 */
export interface SealedRows<R, C, N> {
  /** The next page of rows after `after` (every row, in the store's order), at most `limit`. */
  page(after: C | undefined, limit: number): Promise<readonly R[]>;
  cursor(row: R): C;
  /** What the row stores, re-sealed under the active master key; undefined when it already is. */
  resealed(row: R): N | undefined;
  /**
   * Stores it, guarded on the row's version or on the value it replaces: a concurrent change wins
   * and the row is left for the next run. True when written.
   */
  write(row: R, next: N): Promise<boolean>;
}

/**
 * Master-key rotation for one kind of sealed row: re-seals everything not sealed under the active
 * master key. One loop for every kind, so they page, guard and report alike; after a run reports
 * zero, the old master key can leave the keyring. `onProgress` gets the running count per page.
 */
export async function resealStale<R, C, N>(rows: SealedRows<R, C, N>, onProgress?: (done: number) => void): Promise<{ resealed: number }> {
  let after: C | undefined;
  let resealed = 0;
  for (;;) {
    const page = await rows.page(after, 500);
    if (page.length === 0) break;
    for (const row of page) {
      const next = rows.resealed(row);
      if (next !== undefined && (await rows.write(row, next))) resealed++;
    }
    after = rows.cursor(page[page.length - 1]!);
    onProgress?.(resealed);
  }
  return { resealed };
}

/** One sealed value re-sealed under the active master key, or undefined when it already is. */
export function resealValue(keyring: Keyring, sealed: string, associatedData: string): string | undefined {
  return keyring.isStale(sealed) ? keyring.seal(keyring.open(sealed, associatedData), associatedData) : undefined;
}

/**
 * Loads the keyring: `KEYWARD_MASTER_KEYS` (`id:base64,id:base64`, first is active), else
 * `KEYWARD_MASTER_KEY_FILE` (same format), else — embedded mode only — `<dataDir>/master.key`,
 * created with mode 0600 on first start so `npm start` works with no set-up. With a shared store
 * (`shared`: PostgreSQL) there is no embedded fallback.
 */
export function loadKeyring(env: NodeJS.ProcessEnv, dataDir: string | undefined, shared = false): Keyring {
  const parse = (text: string, from: string): Keyring => {
    const keys = text
      .split(/[,\n]/)
      .map((s) => s.trim())
      .filter(Boolean)
      .map((entry) => {
        const i = entry.indexOf(':');
        if (i <= 0) throw new ConfigError([`${from}: each entry must be id:base64key`]);
        return { id: entry.slice(0, i), key: Buffer.from(entry.slice(i + 1), 'base64') };
      });
    try {
      return new Keyring(keys);
    } catch (err) {
      // A bad master key is the operator's input: name the variable, exit 2, create nothing.
      throw new ConfigError([`${from}: ${(err as Error).message}`]);
    }
  };
  if (env.KEYWARD_MASTER_KEYS) return parse(env.KEYWARD_MASTER_KEYS, 'KEYWARD_MASTER_KEYS');
  if (env.KEYWARD_MASTER_KEY_FILE) {
    if (!existsSync(env.KEYWARD_MASTER_KEY_FILE)) throw new ConfigError([`KEYWARD_MASTER_KEY_FILE=${env.KEYWARD_MASTER_KEY_FILE}: no such file`]);
    return parse(readFileSync(env.KEYWARD_MASTER_KEY_FILE, 'utf8'), 'KEYWARD_MASTER_KEY_FILE');
  }
  // A shared store (PostgreSQL) is read by several nodes: one generated file per node would seal
  // each node's secrets with a key the others lack. The operator must give every node the same keys.
  if (shared) throw new ConfigError(['KEYWARD_DATABASE_URL is set: every node sharing the database needs the same master keys; set KEYWARD_MASTER_KEYS or KEYWARD_MASTER_KEY_FILE']);
  if (!dataDir || dataDir === ':memory:') return new Keyring([{ id: 'ephemeral', key: randomBytes(32) }]);
  const file = path.join(dataDir, 'master.key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `m1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  return parse(readFileSync(file, 'utf8'), file);
}
