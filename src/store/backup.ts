// Backup and restore of the embedded SQLite database. A backup is an online, consistent copy taken
// with SQLite's backup API (better-sqlite3's `backup()`) from a second connection while the server
// runs: in WAL mode the copy reads one snapshot and writers carry on. A restore puts a verified
// copy in place of a database that no process has open, and keeps the database it replaces.
// PostgreSQL has its own tools (pg_dump, base backups with WAL archiving): docs/DEPLOYMENT.md.
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { migrations } from './migrations/index.js';
import { sqliteDriver, type SqliteDatabase } from './sqlite-driver.js';

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

export interface CopyCheck {
  /** `PRAGMA integrity_check`: "ok", or the first problems it found. */
  readonly integrity: string;
  /** Migrations recorded in the copy. */
  readonly migrations: readonly string[];
  readonly bytes: number;
}

function open(path: string, options: { readonly?: boolean } = {}): SqliteDatabase {
  const Database = sqliteDriver();
  // fileMustExist: a mistyped path must not create an empty database (and back that up).
  const db = new Database(path, { fileMustExist: true, readonly: options.readonly ?? false });
  db.pragma('busy_timeout = 10000');
  return db;
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDirectory(path: string): void {
  try {
    fsyncFile(path);
  } catch {
    // Some platforms cannot open a directory for fsync; the rename is then as durable as the OS makes it.
  }
}

/** Integrity and migrations of a database file (a backup, or one about to be restored). */
export function checkCopy(path: string): CopyCheck {
  if (!existsSync(path)) throw new BackupError(`${path} does not exist`);
  let db: SqliteDatabase;
  try {
    db = open(path, { readonly: true });
  } catch (error) {
    throw new BackupError(`${path} is not a SQLite database: ${(error as Error).message}`);
  }
  try {
    let integrity: string;
    try {
      integrity = (db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
    } catch (error) {
      throw new BackupError(`${path} is not a SQLite database: ${(error as Error).message}`);
    }
    const hasLedger = db.prepare("select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'").get() !== undefined;
    const applied = hasLedger ? (db.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map((r) => r.name) : [];
    return { integrity, migrations: applied, bytes: statSync(path).size };
  } finally {
    db.close();
  }
}

export interface BackupResult extends CopyCheck {
  readonly file: string;
  readonly pages: number;
}

/**
 * Copies the database at `source` to `destination` (which must not exist) while other processes
 * keep writing. Every transaction committed before the copy's read snapshot is in it. The copy is
 * written beside the destination, fsynced and renamed into place, then checked.
 */
export async function backupSqlite(source: string, destination: string): Promise<BackupResult> {
  if (existsSync(destination)) throw new BackupError(`${destination} exists already; choose a new file (a backup never overwrites)`);
  const partial = join(dirname(destination), `.${basename(destination)}.partial`);
  rmSync(partial, { force: true });
  let db: SqliteDatabase;
  try {
    db = open(source);
  } catch (error) {
    throw new BackupError(`cannot open the database ${source}: ${(error as Error).message}`);
  }
  let pages = 0;
  try {
    // All remaining pages in one step: SQLite restarts a backup whose source another connection
    // changed between steps, which under steady writes could go on for ever. One step copies from
    // one read snapshot (WAL readers do not block writers, nor writers them).
    const metadata = await db.backup(partial, {
      progress: ({ totalPages }) => Math.max(totalPages, 1) * 2,
    });
    pages = metadata.totalPages;
  } catch (error) {
    rmSync(partial, { force: true });
    throw new BackupError(`backup of ${source} failed: ${(error as Error).message}`);
  } finally {
    db.close();
  }
  // The copy is a stand-alone file: rollback journal, no WAL beside it to lose.
  const copy = open(partial);
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
  fsyncFile(partial);
  renameSync(partial, destination);
  fsyncDirectory(dirname(destination));
  const check = checkCopy(destination);
  if (check.integrity !== 'ok') throw new BackupError(`the copy at ${destination} failed its integrity check: ${check.integrity}`);
  return { file: destination, pages, ...check };
}

export interface RestoreResult {
  readonly restored: CopyCheck;
  /** Where the database that was there before now is (null when there was none). */
  readonly previous: string | null;
}

/**
 * Puts the backup at `backup` in place of the database at `target`. Refuses a backup that fails its
 * integrity check, is not a booking-server database, or has migrations this build does not know;
 * refuses a target that a process has open (a running server). The database it replaces is kept
 * as `<target>.before-restore-<time>`.
 */
export function restoreSqlite(backup: string, target: string, now: Date = new Date()): RestoreResult {
  const check = checkCopy(backup);
  if (check.integrity !== 'ok') throw new BackupError(`${backup} failed its integrity check: ${check.integrity}`);
  if (check.migrations.length === 0) throw new BackupError(`${backup} is not a booking-server database (it has no migration ledger)`);
  const unknown = check.migrations.filter((name) => !(name in migrations));
  if (unknown.length > 0) throw new BackupError(`${backup} was written by a newer version (migrations ${unknown.join(', ')}); restore it with that version`);

  let previous: string | null = null;
  if (existsSync(target)) {
    // Leaving WAL mode needs the only connection to the database: it fails while a server has it open.
    const db = open(target);
    try {
      db.pragma('journal_mode = DELETE');
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
        throw new BackupError(`${target} is in use (a running booking-server?): stop every process using it, then restore`);
      }
      throw error;
    } finally {
      db.close();
    }
    previous = `${target}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
    renameSync(target, previous);
    for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
  }
  const partial = join(dirname(target), `.${basename(target)}.restoring`);
  rmSync(partial, { force: true });
  // Copied with SQLite itself (not a byte copy): the result is a consistent database file.
  const source = open(backup, { readonly: true });
  try {
    source.exec(`vacuum into '${partial.replace(/'/g, "''")}'`);
  } finally {
    source.close();
  }
  fsyncFile(partial);
  renameSync(partial, target);
  fsyncDirectory(dirname(target));
  return { restored: checkCopy(target), previous };
}
