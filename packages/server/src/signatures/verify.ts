import { createHash, timingSafeEqual } from 'node:crypto';
import {
  buildSignatureBase,
  parseContentDigest,
  parseSignatureFieldText,
  parseSignatureInput,
  StructuredFieldError,
  SignatureHeaderError,
  fieldValues,
  type HttpMessageView,
  type SignatureInput,
} from '@keyward/protocol';
import type { DenyCode } from '../errors/catalogue.js';
import { verifySignature, type SignatureAlgorithm, type VerificationKey } from './algorithms.js';
import type { NonceOutcome, NonceStore } from './nonce-store.js';

/** A key a signature may name, as registered with Keyward. `owner` is opaque to the verifier. */
export type ResolvedSigningKey<Owner> = VerificationKey & { readonly keyId: string; readonly owner: Owner };

export interface SignaturePolicy {
  /** Components every accepted signature must cover. Default: @method @authority @path @query (+ content-digest with a body). */
  readonly requiredComponents?: readonly string[];
  /** Allowed clock difference, seconds (default 300). */
  readonly skewSeconds?: number;
  /** How old `created` may be, seconds (default 300). */
  readonly maxAgeSeconds?: number;
  /** Require a `nonce` (default true): without one, replay protection is impossible. */
  readonly requireNonce?: boolean;
  /** Require this `tag` parameter (application-specific signatures, RFC 9421 §2.3). */
  readonly tag?: string;
}

export const DEFAULT_REQUIRED_COMPONENTS = ['@method', '@authority', '@path', '@query'] as const;

/** Required components as they appear serialised in `componentIds` (`"@method"`), computed once per list. */
const quotedIds = new WeakMap<readonly string[], readonly string[]>();
function requiredIds(names: readonly string[]): readonly string[] {
  let ids = quotedIds.get(names);
  if (!ids) quotedIds.set(names, (ids = names.map((n) => `"${n}"`)));
  return ids;
}

/**
 * Which required component a covered list lacks (the first, in required order) and whether it
 * covers content-digest. Parsed inputs of a known head share one `componentIds` array, so the
 * answer is kept per array and required list instead of searched again on every request.
 */
const coverage = new WeakMap<readonly string[], { readonly required: readonly string[]; readonly missing: string | undefined; readonly digest: boolean }>();
function coverageOf(covered: readonly string[], required: readonly string[]) {
  let c = coverage.get(covered);
  if (c === undefined || c.required !== required) {
    c = { required, missing: required.find((id) => !covered.includes(id)), digest: covered.includes('"content-digest"') };
    coverage.set(covered, c);
  }
  return c;
}

export type SignatureVerification<Owner> =
  | {
      readonly valid: true;
      readonly code: 'VALID';
      readonly keyId: string;
      readonly label: string;
      readonly alg: SignatureAlgorithm;
      readonly owner: Owner;
      readonly components: readonly string[];
      readonly created: number;
      readonly nonce: string | undefined;
    }
  | { readonly valid: false; readonly code: DenyCode; readonly reason: string };

export interface VerifyRequestOptions<Owner> extends SignaturePolicy {
  /** May answer synchronously (a cache hit); only a promise is awaited. */
  readonly resolveKey: (keyId: string) => ResolvedSigningKey<Owner> | undefined | Promise<ResolvedSigningKey<Owner> | undefined>;
  readonly nonces: NonceStore;
  /** ms since the epoch. */
  readonly now: () => number;
}

const no = (code: DenyCode, reason: string) => ({ valid: false as const, code, reason });

/**
 * Verifies the RFC 9421 signature(s) on a request. Every "no" is a value with a catalogue code
 * and a precise reason; nothing here throws for bad input.
 *
 * Contract for callers: a request that must be signed and carries no signature gets
 * SIGNATURE_REQUIRED — never fall back to another credential (signature stripping).
 *
 * Order: headers parse (duplicates refused) → each labelled signature: params present and typed →
 * required coverage → time window → key resolved (unknown keyid = INVALID_CREDENTIAL) → `alg`
 * consistent with the key's registered algorithm → base built from the raw message → signature
 * bytes → Content-Digest against the body → nonce remembered (only now, after the signature held).
 * With several signatures, the first label that verifies wins; if none does, the first failure is
 * reported.
 *
 * Answers synchronously when the key resolver and the nonce store do (a warm cache, the memory
 * replay cache): the hot path then allocates no promise. `await` works on either.
 */
export function verifyRequestSignature<Owner>(view: HttpMessageView, body: Uint8Array | undefined, options: VerifyRequestOptions<Owner>): MaybePromise<SignatureVerification<Owner>> {
  const inputLines = fieldValues(view, 'signature-input');
  const sigLines = fieldValues(view, 'signature');
  if (inputLines.length === 0 && sigLines.length === 0) return no('SIGNATURE_REQUIRED', 'NO_SIGNATURE');
  if (inputLines.length === 0 || sigLines.length === 0) return no('SIGNATURE_INVALID', 'INCOMPLETE_SIGNATURE_HEADERS');
  let inputs: SignatureInput[];
  let signatures: Map<string, string>;
  try {
    inputs = parseSignatureInput(joinLines(inputLines));
    signatures = parseSignatureFieldText(joinLines(sigLines));
  } catch (err) {
    if (err instanceof StructuredFieldError || err instanceof SignatureHeaderError) return no('SIGNATURE_INVALID', `MALFORMED_HEADERS: ${err.message}`);
    throw err;
  }
  if (inputs.length === 0) return no('SIGNATURE_REQUIRED', 'EMPTY_SIGNATURE_INPUT');
  if (inputs.length > 8) return no('SIGNATURE_INVALID', 'TOO_MANY_SIGNATURES');
  return firstValid(view, body, inputs, signatures, options, 0, undefined);
}

type MaybePromise<T> = T | Promise<T>;

/** Tries the labels from `from` on, in order; the first that verifies wins, else the first failure. */
function firstValid<Owner>(
  view: HttpMessageView,
  body: Uint8Array | undefined,
  inputs: readonly SignatureInput[],
  signatures: ReadonlyMap<string, string>,
  options: VerifyRequestOptions<Owner>,
  from: number,
  first: SignatureVerification<Owner> | undefined,
): MaybePromise<SignatureVerification<Owner>> {
  for (let i = from; i < inputs.length; i++) {
    const result = verifyOne(view, body, inputs[i]!, signatures.get(inputs[i]!.label), options);
    if (result instanceof Promise) return result.then((r) => (r.valid ? r : firstValid(view, body, inputs, signatures, options, i + 1, first ?? r)));
    if (result.valid) return result;
    first ??= result;
  }
  return first!;
}

function verifyOne<Owner>(
  view: HttpMessageView,
  body: Uint8Array | undefined,
  input: SignatureInput,
  signature: string | undefined,
  options: VerifyRequestOptions<Owner>,
): MaybePromise<SignatureVerification<Owner>> {
  if (signature === undefined) return no('SIGNATURE_INVALID', 'LABEL_WITHOUT_SIGNATURE');
  if (input.keyid === undefined) return no('SIGNATURE_INVALID', 'NO_KEYID');
  if (input.created === undefined) return no('SIGNATURE_INVALID', 'NO_CREATED');
  const requireNonce = options.requireNonce ?? true;
  if (requireNonce && (input.nonce === undefined || input.nonce.length < 8 || input.nonce.length > 128)) return no('SIGNATURE_INVALID', 'NO_USABLE_NONCE');
  if (options.tag !== undefined && input.tag !== options.tag) return no('SIGNATURE_INVALID', 'WRONG_TAG');

  const hasBody = body !== undefined && body.length > 0;
  const covered = coverageOf(input.componentIds, requiredIds(options.requiredComponents ?? DEFAULT_REQUIRED_COMPONENTS));
  if (covered.missing !== undefined) return no('SIGNATURE_COVERAGE', `NOT_COVERED: ${covered.missing.slice(1, -1)}`);
  const coversDigest = covered.digest;
  if (hasBody && !coversDigest) return no('SIGNATURE_COVERAGE', 'NOT_COVERED: content-digest');

  const nowSeconds = Math.floor(options.now() / 1000);
  const skew = options.skewSeconds ?? 300;
  const maxAge = options.maxAgeSeconds ?? 300;
  if (input.created > nowSeconds + skew) return no('SIGNATURE_EXPIRED', 'CREATED_IN_FUTURE');
  if (input.created < nowSeconds - maxAge - skew) return no('SIGNATURE_EXPIRED', 'TOO_OLD');
  if (input.expires !== undefined && input.expires <= nowSeconds - skew) return no('SIGNATURE_EXPIRED', 'EXPIRED');

  const resolved = options.resolveKey(input.keyid);
  if (resolved instanceof Promise) return resolved.then((key) => withKey(view, body, input, signature, options, key, hasBody || coversDigest, maxAge, skew));
  return withKey(view, body, input, signature, options, resolved, hasBody || coversDigest, maxAge, skew);
}

/** The rest of `verifyOne`, once the key id is resolved. */
function withKey<Owner>(
  view: HttpMessageView,
  body: Uint8Array | undefined,
  input: SignatureInput,
  signature: string,
  options: VerifyRequestOptions<Owner>,
  key: ResolvedSigningKey<Owner> | undefined,
  checksDigest: boolean,
  maxAge: number,
  skew: number,
): MaybePromise<SignatureVerification<Owner>> {
  if (!key) return no('INVALID_CREDENTIAL', 'UNKNOWN_KEYID');
  if (input.alg !== undefined && input.alg !== key.alg) return no('SIGNATURE_INVALID', 'ALG_MISMATCH');

  const built = buildSignatureBase(view, input);
  // NON_ASCII is reported bare (RFC 9421 §2.5); the other reasons carry which component failed.
  if (!built.ok) return no('SIGNATURE_INVALID', built.reason === 'NON_ASCII' ? 'NON_ASCII' : `${built.reason}: ${built.message}`);
  const base = built.base;
  if (!verifySignature(key, base, signature)) return no('SIGNATURE_INVALID', 'BAD_SIGNATURE');

  if (checksDigest) {
    const digest = checkDigest(view, body ?? new Uint8Array());
    if (digest !== 'OK') return no('DIGEST_MISMATCH', digest);
  }

  const verified: SignatureVerification<Owner> = {
    valid: true,
    code: 'VALID',
    keyId: key.keyId,
    label: input.label,
    alg: key.alg,
    owner: key.owner,
    components: input.componentIds,
    created: input.created!,
    nonce: input.nonce,
  };
  if (input.nonce === undefined) return verified;
  const windowEndSeconds = Math.min(input.expires ?? Infinity, input.created! + maxAge) + skew;
  const outcome = options.nonces.checkAndRemember(key.keyId, input.nonce, windowEndSeconds * 1000);
  return outcome instanceof Promise ? outcome.then((o) => afterNonce(o, verified)) : afterNonce(outcome, verified);
}

function afterNonce<Owner>(outcome: NonceOutcome, verified: SignatureVerification<Owner>): SignatureVerification<Owner> {
  if (outcome === 'replayed') return no('SIGNATURE_REPLAYED', 'NONCE_SEEN');
  if (outcome === 'over_capacity') return no('SIGNATURE_REPLAYED', 'NONCE_CACHE_FULL_FOR_KEY');
  return verified;
}

/** Field lines combined as RFC 9110 §5.3 says; the usual single line needs no array work. */
function joinLines(lines: readonly string[]): string {
  return lines.length === 1 ? lines[0]!.trim() : lines.map((l) => l.trim()).join(', ');
}

function checkDigest(view: HttpMessageView, body: Uint8Array): ContentDigestCheck {
  const lines = fieldValues(view, 'content-digest');
  if (lines.length === 0) return 'NO_CONTENT_DIGEST';
  return checkContentDigest(joinLines(lines), body);
}

export type ContentDigestCheck = 'OK' | 'NO_CONTENT_DIGEST' | 'MALFORMED_CONTENT_DIGEST' | 'NO_SUPPORTED_ALGORITHM' | 'DIGEST_DIFFERS';

/** A Content-Digest field value (RFC 9530) against the body; shared with the attestation assertions. */
export function checkContentDigest(fieldValue: string, body: Uint8Array): ContentDigestCheck {
  let digests;
  try {
    digests = parseContentDigest(fieldValue);
  } catch {
    return 'MALFORMED_CONTENT_DIGEST';
  }
  if (digests.size === 0) return 'NO_SUPPORTED_ALGORITHM';
  // Every supported digest present must match: an attacker must not pair a right one with a wrong one.
  for (const [alg, expected] of digests) {
    const actual = createHash(alg === 'sha-256' ? 'sha256' : 'sha512').update(body).digest();
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return 'DIGEST_DIFFERS';
  }
  return 'OK';
}
