import { base64Encode, ByteSequence, isInnerList, parseDictionary, StructuredFieldError } from './structured-fields.js';
import { webCrypto } from './web.js';

/**
 * RFC 9530 Content-Digest. Only sha-256 and sha-512 are accepted: the RFC's other registered
 * algorithms are deprecated or insecure.
 */
export type DigestAlgorithm = 'sha-256' | 'sha-512';

/** Parses the header into algorithm → digest bytes; unknown algorithms are skipped, malformed input throws. */
export function parseContentDigest(fieldValue: string): Map<DigestAlgorithm, Uint8Array> {
  const out = new Map<DigestAlgorithm, Uint8Array>();
  for (const [alg, member] of parseDictionary(fieldValue)) {
    if (isInnerList(member) || !(member.value instanceof ByteSequence)) throw new StructuredFieldError(`Content-Digest ${alg} is not a byte sequence`);
    if (alg === 'sha-256' || alg === 'sha-512') out.set(alg, member.value.bytes);
  }
  return out;
}

/** `sha-256=:…:` for a body, with WebCrypto (browsers, React Native with a polyfill, Node). */
export async function contentDigest(body: Uint8Array, algorithm: DigestAlgorithm = 'sha-256'): Promise<string> {
  const digest = new Uint8Array(await webCrypto().subtle.digest(algorithm === 'sha-256' ? 'SHA-256' : 'SHA-512', body));
  return `${algorithm}=:${base64Encode(digest)}:`;
}
