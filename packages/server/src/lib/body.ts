import type { IncomingMessage } from 'node:http';

/** Largest body buffered to check a signature's Content-Digest (middleware default). */
export const MAX_SIGNED_BODY_BYTES = 1024 * 1024;

export function hasSignature(headers: IncomingMessage['headers']): boolean {
  return headers['signature-input'] !== undefined || headers.signature !== undefined;
}

export function hasBody(headers: IncomingMessage['headers']): boolean {
  const cl = headers['content-length'];
  return (cl !== undefined && cl !== '0') || headers['transfer-encoding'] !== undefined;
}

/** Reads a request body up to `max` bytes; `too_large` past that. */
export async function readBody(req: IncomingMessage, max = MAX_SIGNED_BODY_BYTES): Promise<Buffer | 'too_large'> {
  if (Number(req.headers['content-length'] ?? 0) > max) return 'too_large';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) return 'too_large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
