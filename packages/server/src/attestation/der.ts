/**
 * A small, strict DER reader (X.690) for the parts of certificates the attestation verifiers read
 * themselves: Apple's nonce extension, Android's KeyDescription, signature algorithm OIDs.
 *
 * Why our own: node:crypto's X509Certificate verifies signatures and validity but does not expose
 * arbitrary extensions, and an ASN.1 library would be a large dependency for four structures.
 * Why strict: attestation data is attacker-supplied. Every length is checked against the bytes
 * that hold it (a huge length is an error, never an allocation), indefinite lengths and
 * non-minimal encodings are refused (DER has exactly one encoding), and nothing walks the tree
 * recursively: callers descend only as deep as the structure they expect, so deep nesting costs
 * one level and an error.
 * Malformed input throws DerError; the verifiers turn it into a verdict at their boundary.
 */

export class DerError extends Error {
  constructor(readonly reason: string) {
    super(`malformed DER: ${reason}`);
  }
}

export const CLASS_UNIVERSAL = 0;
export const CLASS_CONTEXT = 2;

export const TAG = { BOOLEAN: 1, INTEGER: 2, BIT_STRING: 3, OCTET_STRING: 4, NULL: 5, OID: 6, ENUMERATED: 10, UTF8: 12, SEQUENCE: 16, SET: 17 } as const;

export interface Tlv {
  /** 0 universal, 1 application, 2 context-specific, 3 private. */
  readonly cls: number;
  readonly constructed: boolean;
  readonly tag: number;
  /** The content octets (a view into the input). */
  readonly value: Uint8Array;
  /** The whole element, header included (a view into the input). */
  readonly raw: Uint8Array;
}

/** Reads one element at `offset`; returns it and the offset after it. */
export function readTlv(buf: Uint8Array, offset: number): { tlv: Tlv; next: number } {
  let p = offset;
  if (p >= buf.length) throw new DerError('truncated');
  const first = buf[p++]!;
  const cls = first >> 6;
  const constructed = (first & 0x20) !== 0;
  let tag = first & 0x1f;
  if (tag === 0x1f) {
    // High tag number form (Android's AuthorizationList uses tags up to ~730).
    tag = 0;
    for (let i = 0; ; i++) {
      if (p >= buf.length) throw new DerError('truncated');
      if (i >= 4) throw new DerError('tag_too_large');
      const b = buf[p++]!;
      if (i === 0 && b === 0x80) throw new DerError('non_minimal_tag');
      tag = tag * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
    if (tag < 0x1f) throw new DerError('non_minimal_tag');
  }
  if (p >= buf.length) throw new DerError('truncated');
  let len = buf[p++]!;
  if (len === 0x80) throw new DerError('indefinite_length');
  if (len > 0x80) {
    const n = len & 0x7f;
    if (n > 4) throw new DerError('length_too_large');
    if (p + n > buf.length) throw new DerError('truncated');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
    if (len < 0x80 || (n > 1 && buf[p - n] === 0)) throw new DerError('non_minimal_length');
  }
  if (len > buf.length - p) throw new DerError('length_exceeds_input');
  return { tlv: { cls, constructed, tag, value: buf.subarray(p, p + len), raw: buf.subarray(offset, p + len) }, next: p + len };
}

/** Parses `buf` as exactly one element (trailing bytes are an error). */
export function parseDer(buf: Uint8Array): Tlv {
  const { tlv, next } = readTlv(buf, 0);
  if (next !== buf.length) throw new DerError('trailing_bytes');
  return tlv;
}

/** The elements inside a constructed element. */
export function children(tlv: Tlv): Tlv[] {
  if (!tlv.constructed) throw new DerError('not_constructed');
  const out: Tlv[] = [];
  let p = 0;
  while (p < tlv.value.length) {
    const r = readTlv(tlv.value, p);
    out.push(r.tlv);
    p = r.next;
    if (out.length > 10_000) throw new DerError('too_many_elements');
  }
  return out;
}

/** Asserts a universal tag (and constructedness) and returns the element. */
export function expect(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (tlv === undefined || tlv.cls !== CLASS_UNIVERSAL || tlv.tag !== tag) throw new DerError(`expected_${what}`);
  const shouldBeConstructed = tag === TAG.SEQUENCE || tag === TAG.SET;
  if (tlv.constructed !== shouldBeConstructed) throw new DerError(`expected_${what}`);
  return tlv;
}

/**
 * A DER INTEGER (or ENUMERATED) as a bigint. Minimal two's-complement encoding is required;
 * negative values are allowed by DER and returned as such.
 */
export function readBigInt(tlv: Tlv): bigint {
  const v = tlv.value;
  if (v.length === 0) throw new DerError('empty_integer');
  if (v.length > 1 && ((v[0] === 0 && (v[1]! & 0x80) === 0) || (v[0] === 0xff && (v[1]! & 0x80) !== 0))) throw new DerError('non_minimal_integer');
  if (v.length > 64) throw new DerError('integer_too_large');
  let n = 0n;
  for (const b of v) n = (n << 8n) | BigInt(b);
  if ((v[0]! & 0x80) !== 0) n -= 1n << BigInt(v.length * 8);
  return n;
}

/** DER BOOLEAN: one octet, 0x00 or 0xFF (BER's other non-zero values are not DER). */
export function readBoolean(tlv: Tlv): boolean {
  expect(tlv, TAG.BOOLEAN, 'boolean');
  if (tlv.value.length !== 1 || (tlv.value[0] !== 0 && tlv.value[0] !== 0xff)) throw new DerError('malformed_boolean');
  return tlv.value[0] === 0xff;
}

/** Dotted OID string. */
export function readOid(tlv: Tlv): string {
  expect(tlv, TAG.OID, 'oid');
  const v = tlv.value;
  if (v.length === 0 || v.length > 64 || (v[v.length - 1]! & 0x80) !== 0) throw new DerError('malformed_oid');
  const arcs: number[] = [];
  let n = 0;
  let start = true;
  for (const b of v) {
    if (start && b === 0x80) throw new DerError('malformed_oid');
    n = n * 128 + (b & 0x7f);
    if (n > Number.MAX_SAFE_INTEGER / 256) throw new DerError('malformed_oid');
    start = (b & 0x80) === 0;
    if (start) {
      if (arcs.length === 0) arcs.push(n < 80 ? Math.floor(n / 40) : 2, n < 80 ? n % 40 : n - 80);
      else arcs.push(n);
      n = 0;
    }
  }
  return arcs.join('.');
}

/** The parts of an X.509 certificate (RFC 5280 §4.1) the verifiers read. */
export interface CertificateParts {
  /** signatureAlgorithm of the outer Certificate. */
  readonly signatureAlgorithm: string;
  /** signature inside the TBSCertificate; must equal the outer one (RFC 5280 §4.1.1.2). */
  readonly tbsSignatureAlgorithm: string;
  /** Extension values (the OCTET STRING contents) by OID. A repeated OID is an error (§4.2). */
  readonly extensions: ReadonlyMap<string, Uint8Array>;
}

export function parseCertificate(der: Uint8Array): CertificateParts {
  const cert = children(expect(parseDer(der), TAG.SEQUENCE, 'certificate'));
  if (cert.length !== 3) throw new DerError('certificate_shape');
  const tbs = children(expect(cert[0], TAG.SEQUENCE, 'tbs'));
  const algOf = (t: Tlv | undefined): string => readOid(children(expect(t, TAG.SEQUENCE, 'algorithm'))[0]!);
  let i = 0;
  if (tbs[0]?.cls === CLASS_CONTEXT && tbs[0].tag === 0) i = 1; // version
  const tbsSignatureAlgorithm = algOf(tbs[i + 1]);
  const extensions = new Map<string, Uint8Array>();
  for (const part of tbs.slice(i + 6)) {
    if (part.cls !== CLASS_CONTEXT || part.tag !== 3) continue;
    const list = children(part);
    if (list.length !== 1) throw new DerError('extensions_shape');
    for (const ext of children(expect(list[0], TAG.SEQUENCE, 'extensions'))) {
      const f = children(expect(ext, TAG.SEQUENCE, 'extension'));
      const oid = readOid(f[0]!);
      const value = expect(f[f.length - 1], TAG.OCTET_STRING, 'extension_value');
      if (extensions.has(oid)) throw new DerError('duplicate_extension');
      extensions.set(oid, value.value);
    }
  }
  return { signatureAlgorithm: algOf(cert[1]), tbsSignatureAlgorithm, extensions };
}

/**
 * Signature algorithms the verifiers accept, all of which node:crypto verifies. Anything else
 * (a post-quantum OID, a new curve) is refused as unsupported before any verification is tried:
 * "Node could not check it" must never read as "it checked out".
 */
export const SUPPORTED_SIGNATURE_ALGORITHMS: ReadonlySet<string> = new Set([
  '1.2.840.113549.1.1.11', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12', // sha384WithRSAEncryption
  '1.2.840.113549.1.1.13', // sha512WithRSAEncryption
  '1.2.840.10045.4.3.2', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3', // ecdsa-with-SHA384
  '1.2.840.10045.4.3.4', // ecdsa-with-SHA512
  '1.3.101.112', // Ed25519
]);
