/**
 * Certificate chain checks shared by the Apple and Android verifiers, on node:crypto's
 * X509Certificate (signatures, names, CA flag) plus our DER reader (signature algorithms,
 * extensions), with the clock injected so that recorded chains verify at their own time.
 */
import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { DerError, parseCertificate, SUPPORTED_SIGNATURE_ALGORITHMS, type CertificateParts } from './der.js';
import type { AttestationVerdict } from './provider.js';

export type Failure = Extract<AttestationVerdict, { ok: false }>;

export function fail(code: Failure['code'], reason: string): Failure {
  return { ok: false, code, reason };
}

/** Binary input from the app: base64url without padding, standard base64 accepted. Undefined when it is neither. */
export function decodeBase64(text: unknown, maxBytes: number): Buffer | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > Math.ceil((maxBytes * 4) / 3) + 4) return undefined;
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) return undefined;
  const buf = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return buf.length === 0 || buf.length > maxBytes ? undefined : buf;
}

export function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

export function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** The SubjectPublicKeyInfo DER of a key: how trust anchors are compared (by key, never by certificate). */
export function spkiOf(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

export interface ParsedCert {
  readonly x509: X509Certificate;
  /** The subject public key (X509Certificate.publicKey throws on a key it cannot decode; read once here). */
  readonly publicKey: KeyObject;
  readonly parts: CertificateParts;
  readonly der: Buffer;
}

export const MAX_CHAIN_LENGTH = 10;
export const MAX_CERT_BYTES = 16 * 1024;

/** Parses each certificate; unknown signature algorithms are refused as unsupported. */
export function parseChain(ders: readonly Uint8Array[]): ParsedCert[] | Failure {
  if (ders.length === 0) return fail('ATTESTATION_FAILED', 'chain_empty');
  if (ders.length > MAX_CHAIN_LENGTH) return fail('ATTESTATION_FAILED', 'chain_too_long');
  const out: ParsedCert[] = [];
  for (const raw of ders) {
    if (raw.length > MAX_CERT_BYTES) return fail('ATTESTATION_FAILED', 'certificate_too_large');
    const der = Buffer.from(raw);
    let parts: CertificateParts;
    try {
      parts = parseCertificate(der);
    } catch (err) {
      if (err instanceof DerError) return fail('ATTESTATION_FAILED', 'certificate_malformed');
      throw err;
    }
    if (parts.signatureAlgorithm !== parts.tbsSignatureAlgorithm) return fail('ATTESTATION_FAILED', 'signature_algorithm_mismatch');
    if (!SUPPORTED_SIGNATURE_ALGORITHMS.has(parts.signatureAlgorithm)) return fail('ATTESTATION_UNSUPPORTED', 'signature_algorithm_unsupported');
    let x509: X509Certificate;
    let publicKey: KeyObject;
    try {
      x509 = new X509Certificate(der);
      publicKey = x509.publicKey;
    } catch {
      return fail('ATTESTATION_FAILED', 'certificate_malformed');
    }
    out.push({ x509, publicKey, parts, der });
  }
  return out;
}

function validAt(cert: X509Certificate, nowMs: number): boolean {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  return Number.isFinite(from) && Number.isFinite(to) && from <= nowMs && nowMs <= to;
}

function signedBy(cert: X509Certificate, key: KeyObject): boolean {
  try {
    return cert.verify(key);
  } catch {
    return false;
  }
}

export interface ChainRules {
  /**
   * Check every certificate's validity period at nowMs (ATTESTATION_CLOCK_SKEW otherwise). Apple:
   * yes. Android: no — leaf dates are fixed placeholders (1970 to 2048/2106) and the
   * factory-provisioned intermediates outlive their own dates on devices in use (the Sony chain in
   * test-data was made two weeks after its intermediates expired); Google withdraws them through
   * the status list instead.
   */
  readonly checkValidity: boolean;
  /**
   * Allow the leaf's issuer to be an end-entity certificate. Android's attestation key is
   * certified CA:FALSE on many devices (it signs only the keys Keystore generates); every
   * certificate above it must still be a CA.
   */
  readonly leafIssuerMayBeEndEntity: boolean;
}

/**
 * Checks a leaf-first chain against trust anchors given as public keys:
 * - each certificate is signed by the next one's key and names it as issuer, and the next one is
 *   a CA (see `leafIssuerMayBeEndEntity`);
 * - the last certificate is signed by an anchor key (a self-signed root in the chain whose key is an
 *   anchor qualifies, whatever its own validity: Google re-issued a root for the same key, and
 *   chains made before still end in the expired copy);
 * - with `checkValidity`, every other certificate is valid at `nowMs` (else ATTESTATION_CLOCK_SKEW).
 */
export function verifyChain(chain: readonly ParsedCert[], anchors: readonly KeyObject[], nowMs: number, rules: ChainRules): Failure | undefined {
  const anchorSpkis = anchors.map(spkiOf);
  const last = chain[chain.length - 1]!;
  const lastSpki = spkiOf(last.publicKey);
  const lastIsAnchor = anchorSpkis.some((a) => a.equals(lastSpki));
  for (let i = 0; i + 1 < chain.length; i++) {
    const cert = chain[i]!.x509;
    const issuer = chain[i + 1]!;
    const endEntityIssuer = i === 0 && rules.leafIssuerMayBeEndEntity;
    if (!issuer.x509.ca && !endEntityIssuer) return fail('ATTESTATION_FAILED', 'issuer_not_ca');
    // checkIssued (OpenSSL X509_check_issued) also demands keyCertSign, which such an attestation
    // key's certificate lacks (Sony: digitalSignature only); there the names are compared instead.
    const named = endEntityIssuer ? cert.issuer === issuer.x509.subject : cert.checkIssued(issuer.x509);
    if (!named || !signedBy(cert, issuer.publicKey)) return fail('ATTESTATION_FAILED', 'chain_signature_invalid');
  }
  if (lastIsAnchor) {
    if (!signedBy(last.x509, last.publicKey)) return fail('ATTESTATION_FAILED', 'chain_signature_invalid');
  } else if (!anchors.some((a) => signedBy(last.x509, a))) {
    return fail('ATTESTATION_FAILED', 'chain_untrusted');
  }
  const checked = lastIsAnchor ? chain.slice(0, -1) : chain;
  if (rules.checkValidity && !checked.every((c) => validAt(c.x509, nowMs))) return fail('ATTESTATION_CLOCK_SKEW', 'certificate_not_valid_now');
  return undefined;
}
