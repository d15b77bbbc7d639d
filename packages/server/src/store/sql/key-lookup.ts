import type { Kysely } from 'kysely';
import type { KeyRecord, KeySecret } from '../../keys/model.js';
import { identityOfKey, keyFromRow, secretFromRow } from './rows.js';
import type { Database } from './schema.js';

/**
 * The verification lookup (`Store.findKeyByHash`): one query whether or not the hash exists (a
 * found key must not take a second round trip that an unknown one skips; verify-timing.bench.ts
 * compares the two), with the key's identity in the same query so it is cached with the key.
 *
 * The key's columns are named one by one rather than `keys.*`: on PostgreSQL this query runs as
 * a named prepared statement (planned once per connection, not on every cache miss), and a
 * prepared `*` fails with "cached plan must not change result type" as soon as another node's
 * migration adds a column to `keys`. A named list keeps its result type, and the check below
 * fails type-checking when `keys` gains a column this list does not name.
 */
export const KEY_COLUMNS = [
  'id', 'app_id', 'environment', 'kind', 'name', 'scopes', 'subject', 'meta', 'ip_allow_list', 'enabled', 'expires_at_ms', 'revoked_at_ms', 'revoked_reason',
  'exposed_at_ms', 'start', 'reissued_from_id', 'created_at_ms', 'updated_at_ms', 'version', 'usage_count', 'last_used_at_ms', 'client_cert_sha256', 'ratelimit',
  'credits', 'credits_remaining', 'credits_period_start_ms', 'permissions', 'app_ids', 'identity_id',
] as const satisfies readonly (keyof Database['keys'])[];

type Unlisted = Exclude<keyof Database['keys'], (typeof KEY_COLUMNS)[number]>;
/** Compile-time: every column of `keys` is in KEY_COLUMNS. */
export const KEY_COLUMNS_COMPLETE: [Unlisted] extends [never] ? true : { missing: Unlisted } = true;

/** The name of the prepared statement on PostgreSQL; its text never changes within one build. */
export const KEY_LOOKUP_STATEMENT = 'kw_find_key_by_hash';

export function keyLookupQuery(db: Kysely<Database>, hash: string) {
  return db
    .selectFrom('key_secrets')
    .innerJoin('keys', 'keys.id', 'key_secrets.key_id')
    .leftJoin('identities', 'identities.id', 'keys.identity_id')
    .select(KEY_COLUMNS.map((c) => `keys.${c}` as const))
    .select(['key_secrets.hash as s_hash', 'key_secrets.start as s_start', 'key_secrets.created_at_ms as s_created_at_ms', 'key_secrets.expires_at_ms as s_expires_at_ms', 'key_secrets.sealed_secret as s_sealed_secret'])
    .select(['identities.external_id as i_external_id', 'identities.meta as i_meta', 'identities.ratelimit as i_ratelimit', 'identities.credits as i_credits'])
    .where('key_secrets.hash', '=', hash);
}

export type KeyLookupRow = NonNullable<Awaited<ReturnType<ReturnType<typeof keyLookupQuery>['executeTakeFirst']>>>;

export function foundFromRow(row: KeyLookupRow): { key: KeyRecord; secret: KeySecret } {
  const { s_hash, s_start, s_created_at_ms, s_expires_at_ms, s_sealed_secret, i_external_id, i_meta, i_ratelimit, i_credits, ...keyRow } = row;
  const key = keyFromRow(keyRow);
  const identity = keyRow.identity_id && i_external_id !== null ? identityOfKey(keyRow.identity_id, { external_id: i_external_id, meta: i_meta!, ratelimit: i_ratelimit, credits: i_credits }) : null;
  return { key: identity ? { ...key, identity } : key, secret: secretFromRow({ hash: s_hash, key_id: keyRow.id, start: s_start, created_at_ms: s_created_at_ms, expires_at_ms: s_expires_at_ms, sealed_secret: s_sealed_secret ?? null }) };
}
