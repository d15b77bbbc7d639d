import { createHash, timingSafeEqual } from 'node:crypto';
import {
  ComponentError,
  parseContentDigest,
  parseSignatureField,
  parseSignatureInput,
  signatureBase,
  StructuredFieldError,
  SignatureHeaderError,
  fieldValues,
  type HttpMessageView,
  type SignatureInput,
} from '@keyward/protocol';
import type { DenyCode } from '../errors/catalogue.js';
import { verifySignatureBytes, type SignatureAlgorithm, type VerificationKey } from './algorithms.js';
import type { NonceStore } from './nonce-store.js';

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
 */
export async function verifyRequestSignature<Owner>(view: HttpMessageView, body: Uint8Array | undefined, options: VerifyRequestOptions<Owner>): Promise<SignatureVerification<Owner>> {
  const inputLines = fieldValues(view, 'signature-input');
  const sigLines = fieldValues(view, 'signature');
  if (inputLines.length === 0 && sigLines.length === 0) return no('SIGNATURE_REQUIRED', 'NO_SIGNATURE');
  if (inputLines.length === 0 || sigLines.length === 0) return no('SIGNATURE_INVALID', 'INCOMPLETE_SIGNATURE_HEADERS');
  let inputs: SignatureInput[];
  let signatures: Map<string, Uint8Array>;
  try {
    inputs = parseSignatureInput(joinLines(inputLines));
    signatures = parseSignatureField(joinLines(sigLines));
  } catch (err) {
    if (err instanceof StructuredFieldError || err instanceof SignatureHeaderError) return no('SIGNATURE_INVALID', `MALFORMED_HEADERS: ${err.message}`);
    throw err;
  }
  if (inputs.length === 0) return no('SIGNATURE_REQUIRED', 'EMPTY_SIGNATURE_INPUT');
  if (inputs.length > 8) return no('SIGNATURE_INVALID', 'TOO_MANY_SIGNATURES');
  let first: SignatureVerification<Owner> | undefined;
  for (const input of inputs) {
    const result = await verifyOne(view, body, input, signatures.get(input.label), options);
    if (result.valid) return result;
    first ??= result;
  }
  return first!;
}

async function verifyOne<Owner>(
  view: HttpMessageView,
  body: Uint8Array | undefined,
  input: SignatureInput,
  signature: Uint8Array | undefined,
  options: VerifyRequestOptions<Owner>,
): Promise<SignatureVerification<Owner>> {
  if (!signature) return no('SIGNATURE_INVALID', 'LABEL_WITHOUT_SIGNATURE');
  if (input.keyid === undefined) return no('SIGNATURE_INVALID', 'NO_KEYID');
  if (input.created === undefined) return no('SIGNATURE_INVALID', 'NO_CREATED');
  const requireNonce = options.requireNonce ?? true;
  if (requireNonce && (input.nonce === undefined || input.nonce.length < 8 || input.nonce.length > 128)) return no('SIGNATURE_INVALID', 'NO_USABLE_NONCE');
  if (options.tag !== undefined && input.tag !== options.tag) return no('SIGNATURE_INVALID', 'WRONG_TAG');

  const coveredIds = input.componentIds;
  const hasBody = body !== undefined && body.length > 0;
  const required = requiredIds(options.requiredComponents ?? DEFAULT_REQUIRED_COMPONENTS);
  for (const id of required) if (!coveredIds.includes(id)) return no('SIGNATURE_COVERAGE', `NOT_COVERED: ${id.slice(1, -1)}`);
  const coversDigest = coveredIds.includes('"content-digest"');
  if (hasBody && !coversDigest) return no('SIGNATURE_COVERAGE', 'NOT_COVERED: content-digest');

  const nowSeconds = Math.floor(options.now() / 1000);
  const skew = options.skewSeconds ?? 300;
  const maxAge = options.maxAgeSeconds ?? 300;
  if (input.created > nowSeconds + skew) return no('SIGNATURE_EXPIRED', 'CREATED_IN_FUTURE');
  if (input.created < nowSeconds - maxAge - skew) return no('SIGNATURE_EXPIRED', 'TOO_OLD');
  if (input.expires !== undefined && input.expires <= nowSeconds - skew) return no('SIGNATURE_EXPIRED', 'EXPIRED');

  const resolved = options.resolveKey(input.keyid);
  const key = resolved instanceof Promise ? await resolved : resolved;
  if (!key) return no('INVALID_CREDENTIAL', 'UNKNOWN_KEYID');
  if (input.alg !== undefined && input.alg !== key.alg) return no('SIGNATURE_INVALID', 'ALG_MISMATCH');

  let base: string;
  try {
    base = signatureBase(view, input);
  } catch (err) {
    if (err instanceof ComponentError) return no(err.reason === 'MISSING_COMPONENT' ? 'SIGNATURE_INVALID' : 'SIGNATURE_INVALID', `${err.reason}: ${err.message}`);
    throw err;
  }
  if (!verifySignatureBytes(key, base, signature)) return no('SIGNATURE_INVALID', 'BAD_SIGNATURE');

  if (hasBody || coversDigest) {
    const digest = checkDigest(view, body ?? new Uint8Array());
    if (digest !== 'OK') return no('DIGEST_MISMATCH', digest);
  }

  if (input.nonce !== undefined) {
    const windowEndSeconds = Math.min(input.expires ?? Infinity, input.created + maxAge) + skew;
    const outcome = options.nonces.checkAndRemember(key.keyId, input.nonce, windowEndSeconds * 1000);
    const remembered = outcome instanceof Promise ? await outcome : outcome;
    if (remembered === 'replayed') return no('SIGNATURE_REPLAYED', 'NONCE_SEEN');
    if (remembered === 'over_capacity') return no('SIGNATURE_REPLAYED', 'NONCE_CACHE_FULL_FOR_KEY');
  }
  return {
    valid: true,
    code: 'VALID',
    keyId: key.keyId,
    label: input.label,
    alg: key.alg,
    owner: key.owner,
    components: coveredIds,
    created: input.created,
    nonce: input.nonce,
  };
}

/** Field lines combined as RFC 9110 §5.3 says; the usual single line needs no array work. */
function joinLines(lines: readonly string[]): string {
  return lines.length === 1 ? lines[0]!.trim() : lines.map((l) => l.trim()).join(', ');
}

function checkDigest(view: HttpMessageView, body: Uint8Array): 'OK' | 'NO_CONTENT_DIGEST' | 'MALFORMED_CONTENT_DIGEST' | 'NO_SUPPORTED_ALGORITHM' | 'DIGEST_DIFFERS' {
  const lines = fieldValues(view, 'content-digest');
  if (lines.length === 0) return 'NO_CONTENT_DIGEST';
  let digests;
  try {
    digests = parseContentDigest(joinLines(lines));
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
