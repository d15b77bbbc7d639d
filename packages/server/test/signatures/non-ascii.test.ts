import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromRawHeaders, parseSignatureInput, signatureBase } from '@keyward/protocol';
import { createSigner } from '../../../client/src/signer.js';
import { verifyRequestSignature } from '../../src/signatures/verify.js';
import { NOW_MS, verifyOptions } from './helpers.js';

/**
 * RFC 9421 §2.5 end to end: a real Node HTTP server on loopback (which hands header bytes through
 * as latin1) verifies requests written byte for byte on a socket.
 */
const KEY_ID = 'key_test0000000000000000001';
const SECRET = 'kw_hk_live_0123456789abcdefghijABCDEFGHIJ012345';
const verifyKey = { alg: 'hmac-sha256' as const, secrets: [new TextEncoder().encode(SECRET)] };

let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer((req, res) => {
    const view = fromRawHeaders(req.method!, 'https', req.url!, req.rawHeaders);
    void Promise.resolve(verifyRequestSignature(view, undefined, verifyOptions(verifyKey, KEY_ID))).then((r) => res.end(JSON.stringify(r)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Sends one request with raw header bytes; answers the verifier's JSON. */
function send(headers: [string, Buffer | string][]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const parts: Buffer[] = [Buffer.from('GET /x?a=1 HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n')];
    for (const [n, v] of headers) parts.push(Buffer.from(`${n}: `), typeof v === 'string' ? Buffer.from(v) : v, Buffer.from('\r\n'));
    parts.push(Buffer.from('\r\n'));
    socket.end(Buffer.concat(parts));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      resolve(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>);
    });
  });
}

/**
 * Signature headers whose signature is right for the base a latin1-naive verifier would build: the
 * SDK signs an ASCII placeholder, and the HMAC is recomputed with the placeholder replaced by the
 * value as Node will hand it over. Without the §2.5 check this verifies.
 */
async function signedFor(value: Buffer, cover: boolean): Promise<[string, string][]> {
  const headers = new Headers({ 'x-name': 'PLACEHOLDER' });
  const signer = createSigner({ keyId: KEY_ID, alg: 'hmac-sha256', key: SECRET, ...(cover ? { coverHeaders: ['x-name'] } : {}) });
  const added = await signer.sign({ method: 'GET', url: new URL('https://api.example.com/x?a=1'), headers }, Math.floor(NOW_MS / 1000));
  if (!cover) return [['signature-input', added['signature-input']!], ['signature', added.signature!]];
  const input = parseSignatureInput(added['signature-input']!)[0]!;
  const view = fromRawHeaders('GET', 'https', '/x?a=1', ['Host', 'api.example.com', 'x-name', 'PLACEHOLDER']);
  const base = signatureBase(view, input).replace('"x-name": PLACEHOLDER', `"x-name": ${value.toString('latin1')}`);
  const mac = createHmac('sha256', SECRET).update(base, 'utf8').digest('base64');
  return [['signature-input', added['signature-input']!], ['signature', `kw=:${mac}:`]];
}

const VALUES: [string, Buffer][] = [
  ['UTF-8 é', Buffer.from('caf\u00e9', 'utf8')],
  ['a latin1 byte', Buffer.from([0x63, 0x61, 0x66, 0xe9])],
];

describe('RFC 9421 §2.5: a signature base with non-ASCII characters is an error', () => {
  it.each(VALUES)('a covered header holding %s is refused: SIGNATURE_INVALID / NON_ASCII', async (_label, value) => {
    const sig = await signedFor(value, true);
    expect(await send([['x-name', value], ...sig])).toEqual({ valid: false, code: 'SIGNATURE_INVALID', reason: 'NON_ASCII' });
  });

  it.each(VALUES)('the same header holding %s, not covered, passes', async (_label, value) => {
    const sig = await signedFor(value, false);
    expect(await send([['x-name', value], ...sig])).toMatchObject({ valid: true, code: 'VALID' });
  });

  it('an ASCII value signed the same way verifies (the forged-looking signature is a real one)', async () => {
    const value = Buffer.from('cafe');
    expect(await send([['x-name', value], ...(await signedFor(value, true))])).toMatchObject({ valid: true, code: 'VALID' });
  });

  it('the SDK signer refuses to sign a non-ASCII covered header (same shared code)', async () => {
    const signer = createSigner({ keyId: KEY_ID, alg: 'hmac-sha256', key: SECRET, coverHeaders: ['x-name'] });
    const headers = { forEach: (f: (v: string, n: string) => void) => f('caf\u00e9', 'x-name') } as unknown as Headers;
    await expect(signer.sign({ method: 'GET', url: new URL('https://api.example.com/x'), headers }, 1)).rejects.toMatchObject({ reason: 'NON_ASCII' });
  });
});
