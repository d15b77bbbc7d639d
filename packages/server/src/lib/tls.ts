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

/**
 * The oldest TLS version served. Set in code rather than left to Node's default, which
 * `--tls-min-v1.0` / `--tls-min-v1.1` or NODE_OPTIONS can lower for the whole process.
 */
export const TLS_MIN_VERSION = 'TLSv1.2' as const;

/**
 * The secure-context options of every TLS server Keyward creates (gateway and admin API), used at
 * creation and on each certificate reload (`setSecureContext` replaces the whole context, so a
 * reload without the minimum version would silently fall back to Node's default).
 */
export function readTls(files: TlsFiles): { cert: Buffer; key: Buffer; minVersion: typeof TLS_MIN_VERSION } {
  return { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile), minVersion: TLS_MIN_VERSION };
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

