import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { request as httpsRequest } from 'node:https';
import tls, { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { createGatewayPolicy } from '../../src/gateway/policy.js';
import { createGateway } from '../../src/gateway/proxy.js';
import { readTls } from '../../src/lib/tls.js';
import { compileAccessMap } from '../../src/policy/evaluate.js';
import { parseAccessMap } from '../../src/policy/load.js';
import { MemoryRateLimitStore } from '../../src/ratelimit/store.js';
import { CLI, makeKeyward } from '../helpers.js';
import { startUpstream } from './upstream.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Self-signed certificates made with the system's openssl, for real TLS on loopback. */
function makeCert(dir: string, name: string, cn: string): { cert: string; key: string; sha256: string } {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${cn}`, '-addext', `subjectAltName=IP:127.0.0.1`], { stdio: 'ignore' });
  return { cert, key, sha256: new X509Certificate(readFileSync(cert)).fingerprint256.replace(/:/g, '').toLowerCase() };
}

describe('gateway over TLS', () => {
  it('serves HTTPS, binds a secret key to a client certificate, and reloads its own certificate when the files change', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-tls-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const server1 = makeCert(dir, 'server1', 'gateway-1');
    const server2 = makeCert(dir, 'server2', 'gateway-2');
    const clientA = makeCert(dir, 'clientA', 'backend-a');
    const clientB = makeCert(dir, 'clientB', 'backend-b');
    const live = { cert: path.join(dir, 'live.pem'), key: path.join(dir, 'live.key') };
    copyFileSync(server1.cert, live.cert);
    copyFileSync(server1.key, live.key);

    const { kw, clock } = await makeKeyward();
    clock.set(Date.now());
    cleanups.push(() => kw.close());
    const app = await kw.apps.create({ name: 'a' }, CLI);
    const sk = await kw.keys.create({ appId: app.id, environment: 'live', kind: 'secret', name: 'backend', clientCertSha256: clientA.sha256 }, CLI);
    const up = await startUpstream();
    cleanups.push(up.close);
    const policy = createGatewayPolicy({ kw, map: compileAccessMap(parseAccessMap('version: 1\nresources:\n  - path: /x\n    allow: [secret]\n')), limits: new MemoryRateLimitStore() });
    const gw = createGateway({ upstreamUrl: up.url, policy, clientIp: () => '127.0.0.1', tls: { certFile: live.cert, keyFile: live.key, requestClientCert: true } });
    await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => gw.close());
    const url = `https://127.0.0.1:${(gw.server.address() as AddressInfo).port}/x`;

    const call = (client?: { cert: string; key: string }) =>
      new Promise<{ status: number; code: string | undefined; peerCert: string }>((resolve, reject) => {
        const req = httpsRequest(url, { headers: { authorization: `Bearer ${sk.secret}` }, rejectUnauthorized: false, agent: false, ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}) }, (res) => {
          const peerCert = String((res.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '');
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, code: res.headers['x-keyward-code'] as string | undefined, peerCert }));
        });
        req.on('error', reject);
        req.end();
      });

    expect(await call(clientA)).toMatchObject({ status: 200, peerCert: 'gateway-1' });
    // The certificate the gateway saw is passed on under its own name; the client's claims are not.
    expect(up.seen[0]!.headers['x-keyward-client-cert-sha256']).toBe(clientA.sha256);
    expect(up.seen[0]!.headers['x-forwarded-proto']).toBe('https');
    expect(await call(clientB)).toMatchObject({ status: 403, code: 'CLIENT_CERT_MISMATCH' });
    expect(await call()).toMatchObject({ status: 403, code: 'CLIENT_CERT_MISMATCH' });

    copyFileSync(server2.key, live.key);
    copyFileSync(server2.cert, live.cert);
    await new Promise((r) => setTimeout(r, 4500));
    expect(await call(clientA)).toMatchObject({ status: 200, peerCert: 'gateway-2' });
  }, 30_000);

  it('refuses TLS 1.1 even when the process defaults allow it, also after a certificate reload', async () => {
    const saved = { min: tls.DEFAULT_MIN_VERSION, ciphers: tls.DEFAULT_CIPHERS };
    // What `node --tls-min-v1.0 --tls-cipher-list=DEFAULT@SECLEVEL=0` would do to the whole process.
    tls.DEFAULT_MIN_VERSION = 'TLSv1';
    tls.DEFAULT_CIPHERS = 'DEFAULT@SECLEVEL=0';
    cleanups.push(() => {
      tls.DEFAULT_MIN_VERSION = saved.min;
      tls.DEFAULT_CIPHERS = saved.ciphers;
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-tls-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const server = makeCert(dir, 'server', 'gateway');
    const up = await startUpstream();
    cleanups.push(up.close);
    const policy = { needsBody: () => false, decide: async () => ({ allow: true as const, upstreamHeaders: {}, responseHeaders: {} }) };
    const gw = createGateway({ upstreamUrl: up.url, policy, clientIp: () => '127.0.0.1', tls: { certFile: server.cert, keyFile: server.key } });
    await new Promise<void>((r) => gw.server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => gw.close());
    const port = (gw.server.address() as AddressInfo).port;
    const handshake = (maxVersion: 'TLSv1.1' | 'TLSv1.2') =>
      new Promise<string>((resolve) => {
        const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false, minVersion: 'TLSv1', maxVersion, ciphers: 'DEFAULT@SECLEVEL=0' }, () => {
          resolve(socket.getProtocol() ?? 'none');
          socket.destroy();
        });
        socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      });
    expect(await handshake('TLSv1.1')).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    expect(await handshake('TLSv1.2')).toBe('TLSv1.2');
    (gw.server as unknown as { setSecureContext(o: object): void }).setSecureContext(readTls({ certFile: server.cert, keyFile: server.key }));
    expect(await handshake('TLSv1.1')).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
  });
});
