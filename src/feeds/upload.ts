// Uploads generated feed files to Google's SFTP dropboxes (docs/FEEDS.md): one SFTP user per feed
// type, key authentication, each file written under a temporary name and renamed once complete,
// so Google never picks up half a file. A failed file (connection dropped, timeout, server error)
// is retried on a new connection with exponential backoff; an uploaded file moves to `uploaded/`
// so that a later run never sends the same feed twice.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import ssh2, { type SFTPWrapper } from 'ssh2';
import type { FeedsConfig } from '../config.js';
import { FEED_KINDS, feedKindOf, type FeedKind } from './generate.js';

type SftpConfig = FeedsConfig['sftp'];

export const UPLOADED_DIR = 'uploaded';
/** Uploaded files older than this are deleted from `uploaded/` after an upload. */
const KEEP_UPLOADED_MS = 7 * 86_400_000;
const MAX_BACKOFF_MS = 60_000;
// ssh2 is CommonJS: its named exports are reached through the default export.
const { Client } = ssh2;
type Client = InstanceType<typeof Client>;

export class UploadConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UploadConfigError';
  }
}

export interface UploadedFile {
  readonly kind: FeedKind;
  readonly fileName: string;
  readonly bytes: number;
  /** Tries it took (1: no retry). */
  readonly attempts: number;
}

export interface UploadOptions {
  readonly dir: string;
  readonly sftp: SftpConfig;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
}

/** "SHA256:<base64 without padding>" of a host key, as OpenSSH prints it. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** Feed files waiting in `dir`, merchants first, then services, then availability, each by name. */
export async function pendingFeedFiles(dir: string): Promise<{ kind: FeedKind; fileName: string }[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const files = names.map((fileName) => ({ fileName, kind: feedKindOf(fileName) })).filter((f): f is { fileName: string; kind: FeedKind } => f.kind !== null);
  return files.sort((a, b) => FEED_KINDS.indexOf(a.kind) - FEED_KINDS.indexOf(b.kind) || (a.fileName < b.fileName ? -1 : 1));
}

/** One SSH connection with its SFTP channel; every operation fails if the connection goes away. */
class Session {
  private constructor(
    private readonly client: Client,
    private readonly sftp: SFTPWrapper,
    private readonly closed: Promise<never>,
  ) {}

  static open(config: SftpConfig, username: string, privateKey: Buffer, logger?: Logger): Promise<Session> {
    return new Promise((resolve, reject) => {
      const client = new Client();
      let closedReject: (error: Error) => void = () => {};
      const closed = new Promise<never>((_, r) => (closedReject = r));
      closed.catch(() => {});
      let ready = false;
      const fail = (error: Error) => {
        if (!ready) reject(error);
        closedReject(error);
      };
      client.on('error', fail);
      client.on('close', () => fail(new Error('SFTP connection closed')));
      client.on('ready', () => {
        client.sftp((error, sftp) => {
          if (error) {
            client.end();
            fail(error);
            return;
          }
          ready = true;
          resolve(new Session(client, sftp, closed));
        });
      });
      client.connect({
        host: config.host,
        port: config.port,
        username,
        privateKey,
        readyTimeout: config.timeoutMs,
        keepaliveInterval: Math.max(1000, Math.min(10_000, Math.floor(config.timeoutMs / 3))),
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          const seen = hostKeyFingerprint(key);
          if (config.hostKeySha256 === null) {
            logger?.warn({ host: config.host, fingerprint: seen }, 'FEEDS_SFTP_HOST_KEY_SHA256 is not set: the SFTP host key is not checked');
            return true;
          }
          return seen === config.hostKeySha256.replace(/=+$/, '');
        },
      });
    });
  }

  /** Runs one SFTP call, failing if the connection closes first or it takes longer than `timeoutMs`. */
  private call<T>(timeoutMs: number, work: (done: (error: Error | null | undefined, value?: T) => void) => void): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`SFTP operation timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    const op = new Promise<T>((resolve, reject) => work((error, value) => (error ? reject(error) : resolve(value as T))));
    return Promise.race([op, this.closed, timeout]).finally(() => clearTimeout(timer));
  }

  /** Size of a remote file, or null if there is none. */
  async size(path: string, timeoutMs: number): Promise<number | null> {
    try {
      const attrs = await this.call<{ size: number }>(timeoutMs, (done) => this.sftp.stat(path, done));
      return attrs.size;
    } catch (error) {
      if ((error as { code?: unknown }).code === 2) return null; // SSH_FX_NO_SUCH_FILE
      throw error;
    }
  }

  /** Uploads; the whole transfer may take `timeoutMs` per 10 MB (at least `timeoutMs`). */
  put(local: string, remote: string, bytes: number, timeoutMs: number): Promise<void> {
    const budget = timeoutMs * Math.max(1, Math.ceil(bytes / 10_000_000));
    return this.call<void>(budget, (done) => this.sftp.fastPut(local, remote, (error) => done(error)));
  }

  rename(from: string, to: string, timeoutMs: number): Promise<void> {
    return this.call<void>(timeoutMs, (done) => this.sftp.rename(from, to, (error) => done(error)));
  }

  close(): void {
    this.client.end();
  }
}

function backoff(retry: number, baseMs: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** Uploads one file: temporary name, check the size, rename. Idempotent if a previous try got as far as the rename. */
async function putAtomically(session: Session, local: string, fileName: string, bytes: number, config: SftpConfig): Promise<void> {
  const remote = config.remoteDir === '' ? fileName : posix.join(config.remoteDir, fileName);
  const temporary = `${remote}.tmp`;
  const existing = await session.size(remote, config.timeoutMs);
  if (existing === bytes) return; // renamed by a try whose connection dropped before it heard back
  if (existing !== null) throw new Error(`${remote} already exists on the SFTP server with another size (${existing} bytes, ours ${bytes})`);
  await session.put(local, temporary, bytes, config.timeoutMs);
  const sent = await session.size(temporary, config.timeoutMs);
  if (sent !== bytes) throw new Error(`${temporary} has ${sent ?? 'no'} bytes after the upload, expected ${bytes}`);
  await session.rename(temporary, remote, config.timeoutMs);
}

/**
 * Uploads every feed file waiting in `dir` with the user of its feed type, then moves it to
 * `dir/uploaded/`. Throws after `attempts` failed tries of one file (files already uploaded stay
 * uploaded; the rest stay in `dir` for the next run).
 */
export async function uploadFeeds(o: UploadOptions): Promise<UploadedFile[]> {
  const files = await pendingFeedFiles(o.dir);
  if (files.length === 0) return [];
  const config = o.sftp;
  if (config.privateKeyFile === null) throw new UploadConfigError('FEEDS_SFTP_PRIVATE_KEY_FILE is not set');
  const envName: Record<FeedKind, string> = {
    merchants: 'FEEDS_SFTP_USER_MERCHANTS',
    services: 'FEEDS_SFTP_USER_SERVICES',
    availability: 'FEEDS_SFTP_USER_AVAILABILITY',
  };
  for (const kind of new Set(files.map((f) => f.kind))) {
    if (config.usernames[kind] === null) throw new UploadConfigError(`${envName[kind]} is not set (the SFTP user of the ${kind} dropbox)`);
  }
  const privateKey = await readFile(config.privateKeyFile).catch((error: Error) => {
    throw new UploadConfigError(`cannot read FEEDS_SFTP_PRIVATE_KEY_FILE: ${error.message}`);
  });
  await mkdir(join(o.dir, UPLOADED_DIR), { recursive: true });

  const uploaded: UploadedFile[] = [];
  let session: Session | null = null;
  let sessionUser: string | null = null;
  try {
    for (const file of files) {
      const username = config.usernames[file.kind]!;
      const local = join(o.dir, file.fileName);
      const bytes = (await stat(local)).size;
      for (let attempt = 1; ; attempt++) {
        o.signal?.throwIfAborted();
        try {
          if (session === null || sessionUser !== username) {
            session?.close();
            session = null;
            session = await Session.open(config, username, privateKey, o.logger);
            sessionUser = username;
          }
          await putAtomically(session, local, file.fileName, bytes, config);
          uploaded.push({ kind: file.kind, fileName: file.fileName, bytes, attempts: attempt });
          break;
        } catch (error) {
          session?.close();
          session = null;
          if (attempt >= config.attempts)
            throw new Error(`uploading ${file.fileName} failed after ${attempt} tries: ${(error as Error).message}`, { cause: error });
          const delay = backoff(attempt, config.retryBaseMs);
          o.logger?.warn({ file: file.fileName, attempt, retryInMs: delay, err: error }, 'feed upload failed; retrying');
          await sleep(delay, undefined, o.signal ? { signal: o.signal } : {});
        }
      }
      await rename(local, join(o.dir, UPLOADED_DIR, file.fileName));
      o.logger?.info({ file: file.fileName, user: username, bytes }, 'feed file uploaded');
    }
  } finally {
    (session as Session | null)?.close();
  }
  await pruneUploaded(join(o.dir, UPLOADED_DIR), Date.now() - KEEP_UPLOADED_MS);
  return uploaded;
}

async function pruneUploaded(dir: string, olderThanMs: number): Promise<void> {
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (info?.isFile() && info.mtimeMs < olderThanMs) await rm(path, { force: true });
  }
}
