// HTTPS material, and reloading it when the files change (certificate renewals need no restart).
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import type { Logger } from 'pino';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export function readTls(files: TlsFiles): { cert: Buffer; key: Buffer } {
  return { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) };
}

/**
 * Polls both files (polling also sees renames and symlink swaps, as certbot and Kubernetes do them)
 * and swaps the server's secure context. A half-written pair fails to load and is retried on the
 * next change; the old certificate stays in use meanwhile.
 */
export function watchTls(server: HttpsServer, files: TlsFiles, log: Logger, intervalMs = 2000): () => void {
  const reload = (): void => {
    try {
      server.setSecureContext(readTls(files));
      log.info('TLS certificate reloaded');
    } catch (error) {
      log.warn({ err: error }, 'TLS certificate reload failed; keeping the previous certificate');
    }
  };
  const onChange = (current: { mtimeMs: number }, previous: { mtimeMs: number }): void => {
    if (current.mtimeMs !== previous.mtimeMs) reload();
  };
  watchFile(files.certFile, { interval: intervalMs }, onChange);
  watchFile(files.keyFile, { interval: intervalMs }, onChange);
  return () => {
    unwatchFile(files.certFile, onChange);
    unwatchFile(files.keyFile, onChange);
  };
}
