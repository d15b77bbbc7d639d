import type { JwtAlgorithm, SigningKeyRecord } from './store.js';

/**
 * `Cache-Control: max-age` of /.well-known/jwks.json, seconds. Five minutes: short enough that a
 * verifier caching the JWKS sees a new key soon, long enough to spare us a fetch per token.
 */
export const JWKS_MAX_AGE_SECONDS = 300;

/**
 * Default time between publishing a rotated key and signing with it, seconds: the JWKS max-age
 * (a verifier may have fetched the old set just before the new key appeared) plus a minute for
 * each node's key refresh (30 s by default: a node may serve a JWKS that lacks the new key that
 * long) and clock differences between nodes.
 */
export const DEFAULT_SIGNING_KEY_PUBLISH_DELAY_SECONDS = JWKS_MAX_AGE_SECONDS + 60;

/**
 * Pure decisions about signing keys, from the records and a clock alone. Every node sharing a
 * store runs the same functions on the same rows, so they agree on which key signs and which
 * verify without coordinating: a pending key starts signing on every node at its
 * `activatesAtMs`, whether or not any node has yet recorded the activation in the store
 * (`TokenStore.activateSigningKeys`, which only does the bookkeeping: demoting the old key and
 * setting its retirement).
 */

/**
 * Does this key verify tokens at `nowMs`? Active and pending keys do (a pending key is published
 * before it signs; a node whose clock runs a little ahead may already sign with it); published
 * ones until their retirement time; retired ones never.
 */
export function acceptsTokens(record: SigningKeyRecord, nowMs: number): boolean {
  if (record.state === 'active' || record.state === 'pending') return true;
  return record.state === 'published' && (record.retireAfterMs === null || nowMs < record.retireAfterMs);
}

/**
 * The key that signs `alg` tokens at `nowMs`, or undefined when none can.
 *
 * Candidates are the `active` key (always: the store says it signs, even if this node's clock is
 * behind its `activatesAtMs`, so a slow clock never leaves a node without a signer) and every
 * `pending` key whose `activatesAtMs <= nowMs`. The one that activated last wins; ties go to the
 * `active` key, then to the greater kid, so the answer never depends on the records' order.
 */
export function signingKeyFor(records: Iterable<SigningKeyRecord>, alg: JwtAlgorithm, nowMs: number): SigningKeyRecord | undefined {
  let best: SigningKeyRecord | undefined;
  for (const r of records) {
    if (r.alg !== alg) continue;
    if (r.state !== 'active' && !(r.state === 'pending' && r.activatesAtMs <= nowMs)) continue;
    if (!best || outranks(r, best)) best = r;
  }
  return best;
}

function outranks(a: SigningKeyRecord, b: SigningKeyRecord): boolean {
  if (a.activatesAtMs !== b.activatesAtMs) return a.activatesAtMs > b.activatesAtMs;
  if ((a.state === 'active') !== (b.state === 'active')) return a.state === 'active';
  return a.kid > b.kid;
}

/** One signing key's place in the publish-first schedule, for operators (`GET /v1/signing-keys`). */
export interface SigningKeyScheduleEntry {
  readonly kid: string;
  readonly alg: JwtAlgorithm;
  readonly state: SigningKeyRecord['state'];
  /** When it appeared in the JWKS (its creation), ms since the epoch. */
  readonly publishedAtMs: number;
  /** When it signs (or signed) from, ms. */
  readonly activatesAtMs: number;
  /** When its tokens stop being accepted (a replaced key), ms; null while it signs or waits to. */
  readonly retiresAtMs: number | null;
  /** It is the key `signingKeyFor` picks now. */
  readonly signsNow: boolean;
  /** Tokens it signed verify now (`acceptsTokens`). */
  readonly verifiesNow: boolean;
}

/**
 * The schedule as every node sees it at `nowMs`, newest first (then the latest to activate): derived from the rows and the clock
 * by the same two functions that decide signing and verification, so what an operator reads is
 * what the servers do, even before `activateSigningKeys` has recorded a due activation.
 */
export function signingKeySchedule(records: readonly SigningKeyRecord[], nowMs: number): SigningKeyScheduleEntry[] {
  const signers = new Set<string>();
  for (const alg of new Set(records.map((r) => r.alg))) {
    const s = signingKeyFor(records, alg, nowMs);
    if (s) signers.add(s.kid);
  }
  return [...records]
    .sort((a, b) => b.createdAtMs - a.createdAtMs || b.activatesAtMs - a.activatesAtMs || (a.kid < b.kid ? 1 : -1))
    .map((r) => ({
      kid: r.kid,
      alg: r.alg,
      state: r.state,
      publishedAtMs: r.createdAtMs,
      activatesAtMs: r.activatesAtMs,
      retiresAtMs: r.retireAfterMs,
      signsNow: signers.has(r.kid),
      verifiesNow: acceptsTokens(r, nowMs),
    }));
}
