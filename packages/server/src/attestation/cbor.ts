/**
 * CBOR (RFC 8949) decoding for App Attest objects, bounded before it is parsed.
 *
 * cborg decodes recursively, so a few hundred kilobytes of nested arrays overflow the stack, and
 * a header may announce a length of 2^64. A cheap iterative pre-scan of the item headers checks
 * nesting depth, every announced length against the bytes left, and that exactly one item fills
 * the input; only then does cborg build values, in its strict mode (canonical integers and
 * lengths, no indefinite lengths, no undefined, no duplicate or non-string map keys, no tags).
 * Malformed input throws CborError; verifiers turn it into a verdict.
 */
import { decode } from 'cborg';

export class CborError extends Error {
  constructor(readonly reason: string) {
    super(`malformed CBOR: ${reason}`);
  }
}

export const MAX_CBOR_DEPTH = 16;

/** Offset just after the data item starting at `offset`, after checking depth and lengths. */
export function cborItemEnd(b: Uint8Array, offset = 0, maxDepth = MAX_CBOR_DEPTH): number {
  const remaining: number[] = [1];
  let p = offset;
  while (remaining.length > 0) {
    if (remaining[remaining.length - 1] === 0) {
      remaining.pop();
      continue;
    }
    remaining[remaining.length - 1]!--;
    if (p >= b.length) throw new CborError('truncated');
    const ib = b[p++]!;
    const major = ib >> 5;
    const ai = ib & 0x1f;
    let arg: number;
    if (ai < 24) arg = ai;
    else if (ai <= 27) {
      const n = 1 << (ai - 24);
      if (p + n > b.length) throw new CborError('truncated');
      arg = 0;
      for (let i = 0; i < n; i++) arg = arg * 256 + b[p++]!;
    } else throw new CborError(ai === 31 ? 'indefinite_length' : 'reserved_additional_info');
    const left = b.length - p;
    switch (major) {
      case 2:
      case 3:
        if (arg > left) throw new CborError('length_exceeds_input');
        p += arg;
        break;
      case 4:
      case 5: {
        const items = major === 5 ? arg * 2 : arg;
        if (items > left) throw new CborError('length_exceeds_input');
        remaining.push(items);
        break;
      }
      case 6:
        remaining.push(1);
        break;
      default:
        break;
    }
    if (remaining.length > maxDepth + 1) throw new CborError('too_deep');
  }
  return p;
}

/** Decodes exactly one CBOR item filling `bytes`. */
export function decodeCbor(bytes: Uint8Array, maxBytes: number): unknown {
  if (bytes.length > maxBytes) throw new CborError('too_large');
  if (cborItemEnd(bytes) !== bytes.length) throw new CborError('trailing_bytes');
  try {
    return decode(bytes, { strict: true, allowIndefinite: false, allowUndefined: false, rejectDuplicateMapKeys: true, useMaps: false, tags: [] });
  } catch {
    throw new CborError('decode_failed');
  }
}

/** An own property of a decoded map (never one reached through the prototype chain, e.g. via a `__proto__` key). */
export function field(map: unknown, key: string): unknown {
  if (map === null || typeof map !== 'object' || Array.isArray(map) || map instanceof Uint8Array) return undefined;
  return Object.hasOwn(map, key) ? (map as Record<string, unknown>)[key] : undefined;
}

export function bytesField(map: unknown, key: string): Uint8Array | undefined {
  const v = field(map, key);
  return v instanceof Uint8Array ? v : undefined;
}
