// HTTPS material, and reloading it when the files change (certificate renewals need no restart).
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export function readTls(files: TlsFiles): { cert: Buffer; key: Buffer } {
  return { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) };
}

/** A TLS file that cannot be used at start-up; `variable` names the setting to fix. */
export class TlsFilesError extends Error {
  constructor(
    readonly variable: 'TLS_CERT_FILE' | 'TLS_KEY_FILE' | 'TLS_CERT_FILE/TLS_KEY_FILE',
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'TlsFilesError';
  }
}

/**
 * Reads the pair and checks that it makes a secure context (PEM parses, key matches certificate),
 * so that a bad file stops start-up with a message naming the variable instead of a stack trace.
 */
export function loadTls(files: TlsFiles): { cert: Buffer; key: Buffer } {
  const read = (variable: 'TLS_CERT_FILE' | 'TLS_KEY_FILE', path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new TlsFilesError(variable, `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const material = { cert: read('TLS_CERT_FILE', files.certFile), key: read('TLS_KEY_FILE', files.keyFile) };
  try {
    createSecureContext(material);
  } catch (error) {
    throw new TlsFilesError(
      'TLS_CERT_FILE/TLS_KEY_FILE',
      `not a usable PEM certificate and matching key: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return material;
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
