import { KeywardError, type FieldError } from '../errors/keyward-error.js';
import type { Environment } from '../keys/model.js';
import type { Keyring } from '../lib/sealed.js';
import type { AttestationConfig } from './model.js';

type Policy = AttestationConfig['policy'];

/**
 * The fields of an app's attestation policy that are key material: sealed with the master keyring
 * before they reach the store (like server-held secrets, lib/sealed.ts), opened only into the
 * settings cache the verifiers read, and shown to operators only as `SEALED_MASK`.
 *
 * Play Integrity's verification key is a public key, but it decides which verdicts are believed:
 * sealing it too means a database writer cannot swap in a key of their own without the master
 * key (the associated data binds each value to its app, environment and field). External
 * providers carry no secret today (issuer, audience and a JWKS URL); a secret field added to any
 * section goes in this list and is sealed, masked and re-sealed with no other change.
 */
export const SEALED_POLICY_FIELDS = [
  ['playIntegrity', 'decryptionKey'],
  ['playIntegrity', 'verificationKey'],
] as const satisfies readonly (readonly [keyof Policy, string])[];

/** What GET shows instead of a sealed value; sent back in a PUT, it keeps the stored value. */
export const SEALED_MASK = '<sealed>';
const SEALED_PREFIX = 'kws1.';
const MAX_KEY_CHARS = 4096;

const ad = (appId: string, environment: Environment, section: string, field: string) => `attestation-policy:${appId}:${environment}:${section}.${field}`;

type Section = Record<string, unknown>;

/** A copy of `policy` with each present sealed field replaced by `f(value, section, field)`. */
function mapSealed(policy: Policy, f: (value: unknown, section: string, field: string) => unknown): Policy {
  const out: Record<string, unknown> = { ...policy };
  for (const [section, field] of SEALED_POLICY_FIELDS) {
    const s = out[section] as Section | undefined;
    if (s === null || typeof s !== 'object' || !(field in s)) continue;
    out[section] = { ...s, [field]: f(s[field], section, field) };
  }
  return out as Policy;
}

export function sealPolicy(policy: Policy, keyring: Keyring, appId: string, environment: Environment): Policy {
  return mapSealed(policy, (v, section, field) => keyring.seal(String(v), ad(appId, environment, section, field)));
}

/** Opens every sealed field. A value stored before sealing existed (plain text) is taken as it is until `reseal` seals it. */
export function openPolicy(policy: Policy, keyring: Keyring, appId: string, environment: Environment): Policy {
  return mapSealed(policy, (v, section, field) => (typeof v === 'string' && v.startsWith(SEALED_PREFIX) ? keyring.open(v, ad(appId, environment, section, field)).toString('utf8') : v));
}

/** The stored policy re-sealed under the active master key, or undefined when every sealed field already is. */
export function resealPolicy(stored: Policy, keyring: Keyring, appId: string, environment: Environment): Policy | undefined {
  let changed = false;
  const next = mapSealed(stored, (v, section, field) => {
    const text = String(v);
    const sealed = text.startsWith(SEALED_PREFIX);
    if (sealed && !keyring.isStale(text)) return v;
    changed = true;
    const plain = sealed ? keyring.open(text, ad(appId, environment, section, field)).toString('utf8') : text;
    return keyring.seal(plain, ad(appId, environment, section, field));
  });
  return changed ? next : undefined;
}

/** For operators: the policy with every sealed field shown as `SEALED_MASK`. */
export function maskPolicy(policy: Policy): Policy {
  return mapSealed(policy, () => SEALED_MASK);
}

/**
 * A policy from a PUT, made whole: a sealed field sent as `SEALED_MASK` keeps the value of the
 * same field in `current` (so a form can send back what GET showed). VALIDATION_FAILED for a mask
 * with nothing behind it, and for a sealed field that is not a non-empty string.
 */
export function resolveMasks(next: Policy, current: Policy): Policy {
  const errors: FieldError[] = [];
  const resolved = mapSealed(next, (v, section, field) => {
    const pointer = `/body/policy/${section}/${field}`;
    if (v === SEALED_MASK) {
      const kept = (current[section as keyof Policy] as Section | undefined)?.[field];
      if (typeof kept !== 'string') errors.push({ pointer, message: `${SEALED_MASK} keeps a stored value, and none is stored` });
      return kept;
    }
    if (typeof v !== 'string' || v.length === 0 || v.length > MAX_KEY_CHARS) errors.push({ pointer, message: `a non-empty string of at most ${MAX_KEY_CHARS} characters` });
    return v;
  });
  if (errors.length) throw new KeywardError('VALIDATION_FAILED', errors.map((e) => `${e.pointer}: ${e.message}`).join('; '), { errors });
  return resolved;
}
