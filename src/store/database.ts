// Opens the store (SQLite embedded, or PostgreSQL for several replicas), applies pragmas, runs
// migrations, and gives services one way to run (and, on PostgreSQL, retry) a transaction.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  sql,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type LogEvent,
  type CompiledQuery,
  type MigrationProvider,
  type SqliteDatabase as KyselySqliteDatabase,
  type SqliteStatement,
  type Transaction,
} from 'kysely';
import type { DatabaseConfig } from '../config.js';
import { migrations } from './migrations/index.js';
import { sqliteDriver, type SqliteDatabase } from './sqlite-driver.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

export interface Store {
  readonly db: Db;
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs `work` in one transaction; everything a use case changes commits or rolls back together. */
  transaction<T>(work: (trx: Tx) => Promise<T>): Promise<T>;
  /**
   * Serialises transactions that name the same key until they end (e.g. one user's bookings).
   * SQLite write transactions are serialised already; PostgreSQL takes an advisory lock.
   */
  lockKey(trx: Tx, key: string): Promise<void>;
  /**
   * Runs a compiled read outside any transaction and returns each row as an array of its column
   * values, in the select's order: for bulk reads (the feeds read millions of rows), where a
   * JavaScript object per row costs more than the rest of the work on it.
   */
  selectArrays(query: CompiledQuery): Promise<unknown[][]>;
  /**
   * PostgreSQL only: calls `onMessage` with the payload of every NOTIFY on `channel` (delivered
   * after the notifying transaction commits), over a connection of its own that close() ends. A
   * lost connection is opened again after a second; `onListening` is called each time the channel
   * is listened to, since notifications sent while nobody listened are lost.
   */
  listen?(channel: string, handlers: NotificationHandlers): void;
  close(): Promise<void>;
}

export interface NotificationHandlers {
  onMessage(payload: string): void;
  onListening(): void;
}

/**
 * SQLite's default BEGIN is DEFERRED: two writers can both start reading and then one fails with
 * SQLITE_BUSY on upgrade. BEGIN IMMEDIATE takes the write lock up front, so writers queue instead.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery({ sql: 'begin immediate', parameters: [], query: { kind: 'RawNode' } as never, queryId: { queryId: 'begin' } });
  }

  /**
   * After some errors (SQLITE_FULL, SQLITE_IOERR) SQLite has already rolled the transaction back;
   * a second rollback would fail and hide the error that matters.
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection);
    } catch (error) {
      if (error instanceof Error && /no transaction is active/.test(error.message)) return;
      throw error;
    }
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
  override createAdapter(): SqliteAdapter {
    return new SqliteAdapter();
  }
}

/** Kysely's log option for StoreOptions.onQuery. */
function queryLog(onQuery: ((sql: string) => void) | undefined): { log?: (event: LogEvent) => void } {
  return onQuery === undefined ? {} : { log: (event) => onQuery(event.query.sql) };
}

export function openSqlite(path: string): Db {
  return openSqliteConnection(path).db;
}

function openSqliteConnection(path: string, onQuery?: (sql: string) => void): { db: Db; sqlite: SqliteDatabase } {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const SqliteConnection = sqliteDriver();
  const sqlite = new SqliteConnection(path);
  sqlite.pragma('journal_mode = WAL');
  // FULL: an acknowledged write is on disk (fsync of the WAL at every commit) and survives power loss.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 10000');
  return { db: new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }), ...queryLog(onQuery) }), sqlite };
}

/**
 * SQLite rows as arrays: statements of their own (in raw mode), run while holding the one
 * connection like any query, so never inside someone else's open transaction.
 */
function sqliteArrays(db: Db, sqlite: SqliteDatabase): (query: CompiledQuery) => Promise<unknown[][]> {
  const statements = new Map<string, ReturnType<SqliteDatabase['prepare']>>();
  return (query) =>
    db.connection().execute(async () => {
      let statement = statements.get(query.sql);
      if (statement === undefined) {
        statement = sqlite.prepare(query.sql).raw(true);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
        statements.set(query.sql, statement);
      }
      return statement.all(query.parameters as unknown[]) as unknown[][];
    });
}

/** Prepared statements kept per connection; queries are few shapes, so this bounds only odd cases (long IN lists, batches). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every query anew, and compiling SQL was the largest single cost
 * of a read in the benchmark's CPU profile. Statements are reused by their SQL text instead (least
 * recently used out first); the driver runs one query at a time on the connection, so a cached
 * statement is never busy. (This is safe on Node 24 only because Node >= 22 loads better-sqlite3
 * 13: see sqlite-driver.ts.)
 */
function withStatementCache(sqlite: SqliteDatabase): KyselySqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare: (text) => {
      let statement = cache.get(text);
      if (statement === undefined) {
        statement = sqlite.prepare(text);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      } else {
        cache.delete(text);
      }
      cache.set(text, statement);
      return statement;
    },
  };
}

interface Waiting {
  readonly work: (trx: Tx) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** At most this many write transactions share one commit, so that reads queued behind a group wait little. */
const MAX_GROUP = 64;

/**
 * Group commit for SQLite. A commit costs an fsync of the WAL (`synchronous=FULL`), the largest
 * part of a durable write, and SQLite has one writer: write transactions that arrive together (the
 * requests parsed in one turn of the event loop) run one after the other inside one transaction,
 * each in its own SAVEPOINT, and share its one commit. A transaction that throws is rolled back to
 * its savepoint alone, and its caller gets its error; the others go on. Every caller is answered
 * only after the commit has returned (after the fsync): an acknowledged write is on disk, and a
 * crash before the commit loses only writes that nobody was told about. If the group's transaction
 * itself fails (the commit, or an I/O error after which SQLite has rolled everything back), every
 * caller whose work had succeeded gets that error: none of their writes were kept.
 * Each transaction still sees the writes of those before it in the group, exactly as if they had
 * committed one after the other, which is the order SQLite's single writer gives them anyway.
 */
export class GroupCommit {
  #queue: Waiting[] = [];
  #active = false;
  /** Groups committed (or failed) so far; for tests and the bench. */
  groups = 0;

  constructor(private readonly db: Db) {}

  run<T>(work: (trx: Tx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#active) {
        this.#active = true;
        // setImmediate, not a microtask: the requests whose bytes arrived in this turn of the event
        // loop are all parsed (and queued here) before the group starts.
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    const group = this.#queue.splice(0, MAX_GROUP);
    try {
      await this.#commit(group);
    } finally {
      if (this.#queue.length > 0) setImmediate(() => void this.#drain());
      else this.#active = false;
    }
  }

  async #commit(group: readonly Waiting[]): Promise<void> {
    type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };
    const outcomes: Outcome[] = [];
    this.groups += 1;
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const { work } of group) {
          await sql`savepoint grouped`.execute(trx);
          try {
            const value = await work(trx);
            await sql`release grouped`.execute(trx);
            outcomes.push({ ok: true, value });
          } catch (error) {
            outcomes.push({ ok: false, error });
            try {
              await sql`rollback to grouped`.execute(trx);
              await sql`release grouped`.execute(trx);
            } catch {
              // SQLite has already rolled the whole transaction back (SQLITE_FULL, SQLITE_IOERR):
              // the group fails, with the error that caused it.
              throw error;
            }
          }
        }
      });
    } catch (error) {
      group.forEach((waiting, i) => {
        const outcome = outcomes[i];
        waiting.reject(outcome !== undefined && !outcome.ok ? outcome.error : error);
      });
      return;
    }
    group.forEach((waiting, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) waiting.resolve(outcome.value);
      else waiting.reject(outcome.error);
    });
  }
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the schema up to date; safe to run at every start (migrations are recorded in the database). */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Migrations this build knows that the database has not applied yet (empty when the schema is current). */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  return (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/** One round trip to the database (`select 1`): reachable and answering. */
export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}

/** PostgreSQL errors worth retrying the whole transaction for: serialization failure, deadlock. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 6;

async function withRetries<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (n >= MAX_ATTEMPTS || typeof code !== 'string' || !RETRYABLE.has(code)) throw error;
      // Exponential backoff with full jitter: 5, 10, 20, ... ms at most.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * 2 ** (n - 1)));
    }
  }
}

function openPostgres(url: string, poolMax: number, onIdleError: (error: Error) => void, onQuery?: (sql: string) => void): { db: Db; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    // int8 (bigint) as a JS number: epoch seconds and micros stay far below 2^53.
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser },
  });
  // An idle connection that dies (server restart, failover, a terminated backend) is dropped by
  // the pool, which opens a new one when needed; without a listener the error would end the process.
  pool.on('error', onIdleError);
  // A connection that dies while checked out (between two queries of a transaction: a failover, a
  // terminated backend, a network cut) emits 'error' on its client too, where the pool listens
  // only while the client is idle; unheard, it would end the process. The query in flight, or the
  // next one, fails with the error (the request gets a 503) and the pool discards the client when
  // it is released, so there is nothing more to do with the event here.
  pool.on('connect', (client) => client.on('error', () => {}));
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...queryLog(onQuery) }), pool };
}

/** How long a lost LISTEN connection waits before it is opened again. */
const RELISTEN_MS = 1000;

/** One PostgreSQL connection that LISTENs on a channel, opened again whenever it is lost, until closed. */
class PgListener {
  #client: pg.Client | null = null;
  #retry: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly handlers: NotificationHandlers,
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a plain channel name: ${channel}`);
    void this.#connect();
  }

  async #connect(): Promise<void> {
    this.#retry = null;
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.url });
    this.#client = client;
    const lost = (): void => this.#lost(client);
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.handlers.onMessage(message.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`listen ${this.channel}`);
    } catch {
      lost();
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    if (this.#client === client) this.handlers.onListening();
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = null;
    void client.end().catch(() => {});
    if (this.#closed || this.#retry !== null) return;
    this.#retry = setTimeout(() => void this.#connect(), RELISTEN_MS);
    this.#retry.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry !== null) clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = null;
    if (client !== null) await client.end().catch(() => {});
  }
}

export interface StoreOptions {
  readonly migrate?: boolean;
  /** Told about idle PostgreSQL connections that died; they are replaced transparently. */
  readonly onIdleError?: (error: Error) => void;
  /** Called with the SQL of every query the store runs (tests count queries with it). */
  readonly onQuery?: (sql: string) => void;
}

export async function openStore(config: DatabaseConfig, options: StoreOptions = {}): Promise<Store> {
  if (config.kind === 'postgres') {
    const { db, pool } = openPostgres(config.url, config.poolMax, options.onIdleError ?? (() => {}), options.onQuery);
    const listeners: PgListener[] = [];
    if (options.migrate !== false) await migrateToLatest(db);
    return {
      db,
      dialect: 'postgres',
      transaction: (work) => withRetries(() => db.transaction().execute(work)),
      lockKey: async (trx, key) => {
        await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(trx);
      },
      selectArrays: async (query) => (await pool.query({ text: query.sql, values: [...query.parameters], rowMode: 'array' })).rows as unknown[][],
      listen: (channel, handlers) => void listeners.push(new PgListener(config.url, channel, handlers)),
      close: async () => {
        await Promise.all(listeners.splice(0).map((l) => l.close()));
        await db.destroy();
      },
    };
  }
  const { db, sqlite } = openSqliteConnection(config.path, options.onQuery);
  if (options.migrate !== false) await migrateToLatest(db);
  const groups = new GroupCommit(db);
  return {
    db,
    dialect: 'sqlite',
    transaction: (work) => groups.run(work),
    lockKey: async () => {},
    selectArrays: sqliteArrays(db, sqlite),
    close: () => db.destroy(),
  };
}
