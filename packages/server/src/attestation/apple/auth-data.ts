/**
 * WebAuthn authenticator data (W3C WebAuthn §6.1) as App Attest uses it.
 *
 * Layout: rpIdHash (32) ‖ flags (1) ‖ signCount (4, big-endian) ‖ [attested credential data:
 * aaguid (16) ‖ credentialIdLength (2) ‖ credentialId ‖ COSE public key] ‖ [extensions].
 * Only the fields App Attest checks are read. Whatever follows the credential id (the COSE key and
 * the extension data newer iOS versions append, with or without the ED flag) is tolerated and
 * unread: every byte of authData is bound by the nonce in the certificate anyway, and the key the
 * verifier uses is the leaf certificate's.
 */
export interface AuthData {
  readonly rpIdHash: Uint8Array;
  readonly flags: number;
  readonly counter: number;
  /** Present when the AT flag (0x40) is set. */
  readonly attested?: { readonly aaguid: Uint8Array; readonly credentialId: Uint8Array };
}

export const FLAG_ATTESTED_CREDENTIAL = 0x40;

/**
 * Undefined when the bytes are too short for what the flags announce. `credential: false` for
 * assertions: App Attest sets the AT flag in assertion authenticator data too (the recorded iOS
 * 14 assertions carry flags 0x40 and 37 bytes), so only the first 37 bytes are read there.
 */
export function parseAuthData(b: Uint8Array, credential = true): AuthData | undefined {
  if (b.length < 37) return undefined;
  const flags = b[32]!;
  const counter = ((b[33]! << 24) >>> 0) + (b[34]! << 16) + (b[35]! << 8) + b[36]!;
  const base = { rpIdHash: b.subarray(0, 32), flags, counter };
  if (!credential || (flags & FLAG_ATTESTED_CREDENTIAL) === 0) return base;
  if (b.length < 37 + 18) return undefined;
  const len = (b[53]! << 8) + b[54]!;
  if (b.length < 55 + len) return undefined;
  return { ...base, attested: { aaguid: b.subarray(37, 53), credentialId: b.subarray(55, 55 + len) } };
}
