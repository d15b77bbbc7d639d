/**
 * The Android KeyDescription extension (OID 1.3.6.1.4.1.11129.2.1.17), decoded with our DER reader
 * into the JSON shape github.com/android/keyattestation uses for its fixtures: integers as decimal
 * strings, byte strings as base64, enums by name, NULL-typed flags as `true`.
 *
 * Schema: https://source.android.com/docs/security/features/keystore/attestation#schema
 * Each AuthorizationList entry is `[tag] EXPLICIT`; DER requires them in ascending tag order, and a
 * list out of order is refused (an encoder that reorders is not the one Keymaster/KeyMint ships).
 * Tags not listed here are skipped, so a newer KeyMint does not break older servers.
 */
import { CLASS_CONTEXT, children, DerError, expect, parseDer, readBigInt, readBoolean, TAG, type Tlv } from '../der.js';

export const KEY_DESCRIPTION_OID = '1.3.6.1.4.1.11129.2.1.17';

export type SecurityLevelName = 'SOFTWARE' | 'TRUSTED_ENVIRONMENT' | 'STRONG_BOX';
const SECURITY_LEVELS: readonly SecurityLevelName[] = ['SOFTWARE', 'TRUSTED_ENVIRONMENT', 'STRONG_BOX'];
const BOOT_STATES = ['VERIFIED', 'SELF_SIGNED', 'UNVERIFIED', 'FAILED'] as const;
const ORIGINS = ['GENERATED', 'DERIVED', 'IMPORTED', 'RESERVED', 'SECURELY_IMPORTED'] as const;

export interface RootOfTrust {
  readonly verifiedBootKey: string;
  readonly deviceLocked: boolean;
  readonly verifiedBootState: (typeof BOOT_STATES)[number];
  readonly verifiedBootHash?: string;
}

export interface ApplicationId {
  readonly packages: readonly { readonly name: string; readonly version: string }[];
  /** base64 of the signing certificate SHA-256 digests. */
  readonly signatures: readonly string[];
}

export type AuthorizationList = Record<string, string | boolean | readonly string[] | RootOfTrust | ApplicationId> & {
  readonly rootOfTrust?: RootOfTrust;
  readonly attestationApplicationId?: ApplicationId;
  readonly creationDateTime?: string;
};

export interface KeyDescription {
  readonly attestationVersion: string;
  readonly attestationSecurityLevel: SecurityLevelName;
  readonly keyMintVersion: string;
  readonly keyMintSecurityLevel: SecurityLevelName;
  readonly attestationChallenge: string;
  readonly uniqueId: string;
  readonly softwareEnforced: AuthorizationList;
  readonly hardwareEnforced: AuthorizationList;
}

type Kind = 'int' | 'intSet' | 'null' | 'utf8' | 'bytes' | 'origin' | 'rot' | 'appId';
const FIELDS: ReadonlyMap<number, readonly [string, Kind]> = new Map([
  [1, ['purposes', 'intSet']],
  [2, ['algorithms', 'int']],
  [3, ['keySize', 'int']],
  [4, ['blockModes', 'intSet']],
  [5, ['digests', 'intSet']],
  [6, ['paddings', 'intSet']],
  [10, ['ecCurve', 'int']],
  [200, ['rsaPublicExponent', 'int']],
  [203, ['rsaOaepMgfDigests', 'intSet']],
  [303, ['rollbackResistant', 'null']],
  [305, ['earlyBootOnly', 'null']],
  [400, ['activeDateTime', 'int']],
  [401, ['originationExpireDateTime', 'int']],
  [402, ['usageExpireDateTime', 'int']],
  [405, ['usageCountLimit', 'int']],
  [503, ['noAuthRequired', 'null']],
  [504, ['userAuthType', 'int']],
  [505, ['authTimeout', 'int']],
  [506, ['allowWhileOnBody', 'null']],
  [507, ['trustedUserPresenceRequired', 'null']],
  [508, ['trustedConfirmationRequired', 'null']],
  [509, ['unlockedDeviceRequired', 'null']],
  [701, ['creationDateTime', 'int']],
  [702, ['origin', 'origin']],
  // Keymaster 2–3 (attestation versions 1–2) put rollback resistance here; later versions at 303.
  [703, ['rollbackResistant', 'null']],
  [704, ['rootOfTrust', 'rot']],
  [705, ['osVersion', 'int']],
  [706, ['osPatchLevel', 'int']],
  [709, ['attestationApplicationId', 'appId']],
  [710, ['attestationIdBrand', 'utf8']],
  [711, ['attestationIdDevice', 'utf8']],
  [712, ['attestationIdProduct', 'utf8']],
  [713, ['attestationIdSerial', 'utf8']],
  [714, ['attestationIdImei', 'utf8']],
  [715, ['attestationIdMeid', 'utf8']],
  [716, ['attestationIdManufacturer', 'utf8']],
  [717, ['attestationIdModel', 'utf8']],
  [718, ['vendorPatchLevel', 'int']],
  [719, ['bootPatchLevel', 'int']],
  [720, ['deviceUniqueAttestation', 'null']],
  [723, ['attestationIdSecondImei', 'utf8']],
  [724, ['moduleHash', 'bytes']],
]);

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const int = (t: Tlv | undefined, what: string): string => readBigInt(expect(t, TAG.INTEGER, what)).toString();

function enumerated(t: Tlv | undefined, names: readonly string[], what: string): string {
  const n = readBigInt(expect(t, TAG.ENUMERATED, what));
  const name = n >= 0n && n < BigInt(names.length) ? names[Number(n)] : undefined;
  if (name === undefined) throw new DerError(`unknown_${what}`);
  return name;
}

function utf8(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DerError(`malformed_${what}`);
  }
}

function rootOfTrust(t: Tlv): RootOfTrust {
  try {
    const f = children(expect(t, TAG.SEQUENCE, 'root_of_trust'));
    if (f.length < 3 || f.length > 4) throw new DerError('root_of_trust_shape');
    const hash = f[3] && expect(f[3], TAG.OCTET_STRING, 'verified_boot_hash').value;
    return {
      verifiedBootKey: b64(expect(f[0], TAG.OCTET_STRING, 'verified_boot_key').value),
      deviceLocked: readBoolean(f[1]!),
      verifiedBootState: enumerated(f[2], BOOT_STATES, 'verified_boot_state') as RootOfTrust['verifiedBootState'],
      ...(hash ? { verifiedBootHash: b64(hash) } : {}),
    };
  } catch (err) {
    if (err instanceof DerError) throw new DerError(`malformed_root_of_trust`);
    throw err;
  }
}

function applicationId(octets: Uint8Array): ApplicationId {
  const f = children(expect(parseDer(octets), TAG.SEQUENCE, 'application_id'));
  const packages = children(expect(f[0], TAG.SET, 'package_infos')).map((p) => {
    const [name, version] = children(expect(p, TAG.SEQUENCE, 'package_info'));
    return { name: utf8(expect(name, TAG.OCTET_STRING, 'package_name').value, 'package_name'), version: int(version, 'package_version') };
  });
  const signatures = children(expect(f[1], TAG.SET, 'signature_digests')).map((s) => b64(expect(s, TAG.OCTET_STRING, 'signature_digest').value));
  return { packages, signatures };
}

function authorizationList(t: Tlv | undefined): AuthorizationList {
  const out: Record<string, unknown> = {};
  let previous = -1;
  for (const entry of children(expect(t, TAG.SEQUENCE, 'authorization_list'))) {
    if (entry.cls !== CLASS_CONTEXT || !entry.constructed) throw new DerError('malformed_authorization_list');
    if (entry.tag <= previous) throw new DerError('tags_not_in_ascending_order');
    previous = entry.tag;
    const spec = FIELDS.get(entry.tag);
    const inner = children(entry);
    if (inner.length !== 1) throw new DerError('malformed_authorization_list');
    if (spec === undefined) continue;
    const [name, kind] = spec;
    const v = inner[0]!;
    switch (kind) {
      case 'int':
        out[name] = int(v, name);
        break;
      case 'intSet':
        out[name] = children(expect(v, TAG.SET, name)).map((i) => int(i, name));
        break;
      case 'null':
        if (expect(v, TAG.NULL, name).value.length !== 0) throw new DerError(`malformed_${name}`);
        out[name] = true;
        break;
      case 'utf8':
        out[name] = utf8(expect(v, TAG.OCTET_STRING, name).value, name);
        break;
      case 'bytes':
        out[name] = b64(expect(v, TAG.OCTET_STRING, name).value);
        break;
      case 'origin': {
        const n = readBigInt(expect(v, TAG.INTEGER, name));
        out[name] = n >= 0n && n < BigInt(ORIGINS.length) ? ORIGINS[Number(n)] : n.toString();
        break;
      }
      case 'rot':
        out[name] = rootOfTrust(v);
        break;
      case 'appId':
        out[name] = applicationId(expect(v, TAG.OCTET_STRING, name).value);
        break;
    }
  }
  return out as AuthorizationList;
}

/** Throws DerError (with a short reason) on anything that is not a well-formed KeyDescription. */
export function parseKeyDescription(ext: Uint8Array): KeyDescription {
  const f = children(expect(parseDer(ext), TAG.SEQUENCE, 'key_description'));
  if (f.length < 8) throw new DerError('key_description_shape');
  return {
    attestationVersion: int(f[0], 'attestation_version'),
    attestationSecurityLevel: enumerated(f[1], SECURITY_LEVELS, 'security_level') as SecurityLevelName,
    keyMintVersion: int(f[2], 'keymint_version'),
    keyMintSecurityLevel: enumerated(f[3], SECURITY_LEVELS, 'security_level') as SecurityLevelName,
    attestationChallenge: b64(expect(f[4], TAG.OCTET_STRING, 'challenge').value),
    uniqueId: b64(expect(f[5], TAG.OCTET_STRING, 'unique_id').value),
    softwareEnforced: authorizationList(f[6]),
    hardwareEnforced: authorizationList(f[7]),
  };
}
