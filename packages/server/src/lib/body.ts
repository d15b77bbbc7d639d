import type { IncomingMessage } from 'node:http';

/** Largest body buffered to check a signature's Content-Digest (middleware default). */
export const MAX_SIGNED_BODY_BYTES = 1024 * 1024;

/** The request carries a proof that covers its body (an RFC 9421 signature, or an attestation assertion): the body must be read first. */
export function hasSignature(headers: IncomingMessage['headers']): boolean {
  return headers['signature-input'] !== undefined || headers.signature !== undefined || headers['keyward-assertion'] !== undefined;
}

export function hasBody(headers: IncomingMessage['headers']): boolean {
  const cl = headers['content-length'];
  return (cl !== undefined && cl !== '0') || headers['transfer-encoding'] !== undefined;
}

/** The body options every middleware takes (Express, Fastify, Hono), with one default. */
export interface BodyCapOptions {
  /**
   * Largest signed body read to check its Content-Digest, in bytes (default 1 MiB). A larger one is
   * refused with 413 PAYLOAD_TOO_LARGE, and reading stops at the cap: no more is buffered.
   */
  readonly maxBodyBytes?: number;
}

export function bodyCap(options: BodyCapOptions): number {
  const max = options.maxBodyBytes ?? MAX_SIGNED_BODY_BYTES;
  if (!Number.isInteger(max) || max < 1) throw new TypeError(`maxBodyBytes must be a whole number of bytes ≥ 1, got ${max}`);
  return max;
}

/**
 * Reads a request body up to `max` bytes; `too_large` past that (or when Content-Length says so,
 * before reading anything). At the cap it stops listening and pauses the stream rather than
 * destroying it, so the 413 can still be written on the socket (send it with `connection: close`).
 */
export function readBody(req: IncomingMessage, max = MAX_SIGNED_BODY_BYTES): Promise<Buffer | 'too_large'> {
  if (Number(req.headers['content-length'] ?? 0) > max) return Promise.resolve('too_large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        stop();
        req.pause();
        chunks.length = 0;
        resolve('too_large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      stop();
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** The same for a Web stream (Hono): cancels the stream at the cap instead of reading on. */
export async function readWebBody(body: ReadableStream<Uint8Array>, contentLength: string | null, max = MAX_SIGNED_BODY_BYTES): Promise<Uint8Array | 'too_large'> {
  if (Number(contentLength ?? 0) > max) {
    await body.cancel().catch(() => undefined);
    return 'too_large';
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return 'too_large';
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** The 413 every middleware answers, as the guard shapes its refusals. */
export const PAYLOAD_TOO_LARGE_BODY = { type: 'urn:keyward:problem:payload-too-large', title: 'The body is too large', status: 413, code: 'PAYLOAD_TOO_LARGE' } as const;
export const PAYLOAD_TOO_LARGE_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/problem+json', 'x-keyward-code': 'PAYLOAD_TOO_LARGE', connection: 'close' };
