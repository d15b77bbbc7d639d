import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** Also request client certificates (for keys bound to a certificate fingerprint). */
  readonly requestClientCert?: boolean;
}

export function readTls(files: TlsFiles): { cert: Buffer; key: Buffer } {
  return { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) };
}

/**
 * Reloads the certificate and key when either file changes (polling, so it also works for
 * renewals that replace files by rename, as certbot and cert-manager do). A bad pair is logged and
 * the server keeps serving the previous one.
 */
export function watchTls(server: HttpsServer, files: TlsFiles, onEvent: (event: 'reloaded' | 'reload_failed', err?: unknown) => void, intervalMs = 2000): () => void {
  const reload = () => {
    try {
      server.setSecureContext(readTls(files));
      onEvent('reloaded');
    } catch (err) {
      onEvent('reload_failed', err);
    }
  };
  watchFile(files.certFile, { interval: intervalMs }, reload);
  watchFile(files.keyFile, { interval: intervalMs }, reload);
  return () => {
    unwatchFile(files.certFile, reload);
    unwatchFile(files.keyFile, reload);
  };
}

/** The TLS client certificate's SHA-256 fingerprint, lowercase hex without colons. */
export function clientCertOf(req: IncomingMessage): { clientCertSha256?: string } {
  const socket = req.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function') return {};
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.fingerprint256) return {};
  return { clientCertSha256: cert.fingerprint256.replace(/:/g, '').toLowerCase() };
}

