// Opens the store (SQLite embedded, or PostgreSQL for several replicas), applies pragmas, runs
// migrations, and gives services one way to run (and, on PostgreSQL, retry) a transaction.
import { mkdirSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import pg from 'pg';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  sql,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type LogEvent,
  type MigrationProvider,
  type SqliteDatabase as KyselySqliteDatabase,
  type SqliteStatement,
  type Transaction,
} from 'kysely';
import type { DatabaseConfig } from '../config.js';
import { migrations } from './migrations/index.js';
import { BACKSTOP_PAGES, Checkpointer } from './checkpointer.js';
import { sqliteDriver, sqliteDriverPath, type SqliteDatabase } from './sqlite-driver.js';
import { type ArrayReader, openSqliteReader } from './sqlite-reader.js';
import { closeAtCommit, openAtCommit, takeAtCommit } from './at-commit.js';
import { isStalePlan, PipelinedPostgresDialect, runPipelined } from './postgres-pipeline.js';
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
   * SQLite write transactions are serialised already; PostgreSQL takes an advisory lock per key,
   * in the order given (callers give a fixed order, so that two never wait on each other in a
   * cycle), all in one round trip.
   */
  lockKeys(trx: Tx, keys: readonly string[]): Promise<void>;
  /**
   * Runs a compiled read outside any transaction and returns each row as an array of its column
   * values, in the select's order: for bulk reads (the feeds read millions of rows), where a
   * JavaScript object per row costs more than the rest of the work on it.
   */
  selectArrays(query: CompiledQuery): Promise<unknown[][]>;
  /**
   * selectArrays off the calling thread, for long bulk reads: on a SQLite file, a worker thread
   * with a connection of its own (sqlite-reader.ts); on PostgreSQL (whose server does the work
   * anyway) and an in-memory SQLite database, selectArrays itself. Close it when done.
   */
  openReader(): ArrayReader;
  /**
   * PostgreSQL only: calls `onMessage` with the payload of every NOTIFY on `channel` (delivered
   * after the notifying transaction commits), over a connection of its own that close() ends. A
   * lost connection is opened again after a second; `onListening` is called each time the channel
   * is listened to, since notifications sent while nobody listened are lost.
   */
  listen?(channel: string, handlers: NotificationHandlers): void;
  close(): Promise<void>;
}

const commitHooks = new WeakMap<Tx, (() => void)[]>();

/**
 * Calls `hook` once the transaction `trx` belongs to has committed, before its caller goes on:
 * for dropping what a process keeps in memory about what the transaction changed, so that
 * nothing this process has acknowledged is missed by its next read. Never called when the
 * transaction fails or is retried (a retry's own calls count). On SQLite, where a group of
 * transactions shares one commit (GroupCommit), once the group has committed: a hook registered
 * in a transaction rolled back to its savepoint may run too, so a hook must be harmless when
 * nothing changed.
 */
export function afterCommit(trx: Tx, hook: () => void): void {
  const hooks = commitHooks.get(trx);
  if (hooks === undefined) commitHooks.set(trx, [hook]);
  else hooks.push(hook);
}

const commitReturnedHooks = new WeakMap<Tx, (() => void)[]>();

/**
 * Calls `hook` as soon as the commit of `trx`'s work has returned, which on SQLite comes before
 * that commit is durable: GroupCommit calls it right after its group's commit, while the WAL's
 * fsync is still to come, and only when this work was not rolled back to its savepoint. For state
 * kept in memory that mirrors what the connection sees (what any read on it would see from then
 * on), so that the next group can use it without waiting for the fsync. Never for what tells
 * anyone outside the process that the write is kept: its caller is answered after the fsync, and
 * if the fsync fails it gets that error while the hook has already run. Not called when the
 * transaction fails or is retried. Elsewhere (PostgreSQL, a store without group commit) it runs
 * once the transaction has committed, before the afterCommit hooks. A hook must not throw.
 */
export function whenCommitted(trx: Tx, hook: () => void): void {
  const hooks = commitReturnedHooks.get(trx);
  if (hooks === undefined) commitReturnedHooks.set(trx, [hook]);
  else hooks.push(hook);
}

/** Takes (and forgets) the whenCommitted hooks registered in `trx` so far. */
function takeWhenCommitted(trx: Tx): (() => void)[] {
  const hooks = commitReturnedHooks.get(trx);
  if (hooks === undefined) return [];
  commitReturnedHooks.delete(trx);
  return hooks;
}

/**
 * Runs `work` through `run`, then the hooks its transaction registered (whenCommitted, then
 * afterCommit), once `run` has succeeded. Under GroupCommit the whenCommitted hooks have already
 * run, at the group's commit, and none are left here.
 */
async function withCommitHooks<T>(run: (work: (trx: Tx) => Promise<T>) => Promise<T>, work: (trx: Tx) => Promise<T>): Promise<T> {
  let used: Tx | undefined;
  const value = await run((trx) => {
    used = trx;
    return work(trx);
  });
  if (used !== undefined) for (const hook of takeWhenCommitted(used)) hook();
  const hooks = used === undefined ? undefined : commitHooks.get(used);
  if (hooks !== undefined) {
    commitHooks.delete(used!);
    for (const hook of hooks) hook();
  }
  return value;
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

type Outcome = { readonly ok: true; readonly value: unknown; readonly committed: readonly (() => void)[] } | { readonly ok: false; readonly error: unknown };

/** The group commit's own statements, compiled once: they run around every grouped transaction. */
const SAVEPOINT = CompiledQuery.raw('savepoint grouped');
const RELEASE = CompiledQuery.raw('release grouped');
const ROLLBACK_TO = CompiledQuery.raw('rollback to grouped');
const SYNCHRONOUS_NORMAL = CompiledQuery.raw('pragma synchronous = normal');
const SYNCHRONOUS_FULL = CompiledQuery.raw('pragma synchronous = full');

/** At most this many write transactions share one commit. */
const MAX_GROUP = 64;
/**
 * A group stops taking transactions after this much time running them: the event loop is blocked
 * while it runs (better-sqlite3 is synchronous), reads wait for the connection, and nobody in the
 * group is answered before its commit, so a long group is latency for all of them. Those left
 * form the next group, after the event loop has had a turn. Far above what a group of ordinary
 * writes takes (about a millisecond each): it bounds the pathological cases (a slow transaction,
 * a machine starved of CPU), where a group of 64 was seen to block the event loop for 350 ms.
 */
const GROUP_BUDGET_MS = 50;

/** What makes a group's commit durable after it returned (WalSync; tests hold it to see the order). */
export interface Durability {
  /** Call right after a commit returned: resolves once that commit is on disk. */
  durable(): Promise<void>;
}

/**
 * Makes commits durable off the event loop: fsyncs the database's WAL file in libuv's thread pool.
 * One fsync serves every commit that returned before it started; commits that return while it
 * runs wait for the next one. SQLite replays the WAL's complete commits at the next open, so a
 * commit whose frames are on disk survives a crash or a power loss, as with synchronous=FULL.
 */
export class WalSync implements Durability {
  #handle: FileHandle | null = null;
  #inode = 0;
  #committed = 0;
  #waiting: { readonly upTo: number; readonly resolve: () => void; readonly reject: (error: unknown) => void }[] = [];
  #running: Promise<void> | null = null;
  /** fsyncs done so far; for tests. */
  syncs = 0;

  constructor(private readonly walPath: string) {}

  /** Call right after a commit returned: resolves once that commit is on disk. */
  durable(): Promise<void> {
    const upTo = ++this.#committed;
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ upTo, resolve, reject });
      this.#running ??= this.#syncAll().finally(() => {
        this.#running = null;
      });
    });
  }

  async #syncAll(): Promise<void> {
    while (this.#waiting.length > 0) {
      const upTo = this.#committed;
      try {
        await this.#sync();
      } catch (cause) {
        // Whether those commits are on disk is unknown: nobody is told they succeeded (a retry with
        // the same idempotency token finds the result if the commit was kept).
        const failed = this.#waiting;
        this.#waiting = [];
        const error = new Error(`the database could not make its commit durable (fsync of ${this.walPath}): ${(cause as Error).message}`, { cause });
        for (const w of failed) w.reject(error);
        return;
      }
      this.syncs += 1;
      const done = this.#waiting.filter((w) => w.upTo <= upTo);
      this.#waiting = this.#waiting.filter((w) => w.upTo > upTo);
      for (const w of done) w.resolve();
    }
  }

  async #sync(): Promise<void> {
    // The file SQLite writes now: a WAL deleted and created again (after the last connection of
    // another process closed it) is another file. Read on the event loop: a stat of the file just
    // written takes microseconds, where the asynchronous one was a second trip through the thread
    // pool before every fsync.
    const inode = statSync(this.walPath).ino;
    if (this.#handle === null || inode !== this.#inode) {
      await this.#handle?.close();
      this.#handle = null;
      this.#handle = await open(this.walPath, 'r');
      this.#inode = (await this.#handle.stat()).ino;
    }
    await this.#handle.sync();
  }

  async close(): Promise<void> {
    await this.#running;
    await this.#handle?.close();
    this.#handle = null;
  }
}

/**
 * Group commit for SQLite. A commit costs an fsync of the WAL, the largest part of a durable
 * write, and SQLite has one writer: write transactions that arrive together (the requests parsed
 * in one turn of the event loop) run one after the other inside one transaction, each in its own
 * SAVEPOINT, and share its one commit. A transaction that throws is rolled back to its savepoint
 * alone, and its caller gets its error; the others go on. Each transaction still sees the writes
 * of those before it in the group, exactly as if they had committed one after the other, which is
 * the order SQLite's single writer gives them anyway.
 *
 * Every caller is answered only after the commit is on disk: an acknowledged write survives a
 * crash, and a crash before that loses only writes that nobody was told about. With a `WalSync`
 * the group commits with synchronous=NORMAL (no fsync on the event loop) and the fsync runs in the
 * thread pool while the next group already runs; the callers are answered when it is done. Other
 * writes on the connection keep synchronous=FULL. Without one (an in-memory database), the
 * connection's own setting applies. If the group's transaction itself fails (the commit, or an
 * I/O error after which SQLite has rolled everything back), or its fsync fails, every caller whose
 * work had succeeded gets that error.
 *
 * A group takes the waiting transactions in arrival order, at most MAX_GROUP of them and for at
 * most GROUP_BUDGET_MS: under load the rest form the next group after the event loop has had a
 * turn (to read requests and write answers), rather than everyone waiting for one long group.
 */
export class GroupCommit {
  #queue: Waiting[] = [];
  #active = false;
  /** Groups committed (or failed) so far; for tests and the bench. */
  groups = 0;

  readonly #budgetMs: number;
  readonly #afterCommit: () => void;

  constructor(
    private readonly db: Db,
    private readonly wal: Durability | null = null,
    options: { readonly budgetMs?: number; readonly afterCommit?: () => void } = {},
  ) {
    this.#budgetMs = options.budgetMs ?? GROUP_BUDGET_MS;
    this.#afterCommit = options.afterCommit ?? (() => {});
  }

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
    let group: Waiting[] = [];
    let outcomes: Outcome[] = [];
    let failure: { error: unknown } | null = null;
    try {
      ({ group, outcomes } = await this.#commit());
    } catch (error) {
      failure = { error };
    } finally {
      // The next group may run while this one's fsync is in flight.
      if (this.#queue.length > 0) setImmediate(() => void this.#drain());
      else this.#active = false;
    }
    if (failure === null && outcomes.some((o) => o.ok)) this.#afterCommit();
    if (failure === null && this.wal !== null && outcomes.some((o) => o.ok)) {
      try {
        await this.wal.durable();
      } catch (error) {
        failure = { error };
      }
    }
    group.forEach((waiting, i) => {
      const outcome = outcomes[i];
      if (outcome !== undefined && !outcome.ok) waiting.reject(outcome.error);
      else if (failure !== null) waiting.reject(failure.error);
      else waiting.resolve(outcome!.value);
    });
  }

  /** Runs one group in one transaction and commits it; the transactions taken and their outcomes. */
  async #commit(): Promise<{ group: Waiting[]; outcomes: Outcome[] }> {
    const group: Waiting[] = [];
    const outcomes: Outcome[] = [];
    this.groups += 1;
    const waitingAtStart = Math.min(this.#queue.length, MAX_GROUP);
    const started = performance.now();
    const transaction = async (db: Db) =>
      db.transaction().execute(async (trx) => {
        // Statements registered with atCommit run when each one's work returns, inside its savepoint.
        openAtCommit(trx);
        while (this.#queue.length > 0 && group.length < MAX_GROUP && (group.length === 0 || performance.now() - started < this.#budgetMs)) {
          const waiting = this.#queue.shift()!;
          group.push(waiting);
          await trx.executeQuery(SAVEPOINT);
          try {
            const value = await waiting.work(trx);
            for (const query of takeAtCommit(trx)) await trx.executeQuery(query);
            await trx.executeQuery(RELEASE);
            outcomes.push({ ok: true, value, committed: takeWhenCommitted(trx) });
          } catch (error) {
            takeAtCommit(trx);
            takeWhenCommitted(trx);
            outcomes.push({ ok: false, error });
            try {
              await trx.executeQuery(ROLLBACK_TO);
              await trx.executeQuery(RELEASE);
            } catch {
              // SQLite has already rolled the whole transaction back (SQLITE_FULL, SQLITE_IOERR):
              // the group fails, with the error that caused it.
              throw error;
            }
          }
        }
        closeAtCommit(trx);
      });
    try {
      if (this.wal === null) {
        await transaction(this.db);
      } else {
        // One connection, held from the first pragma to the last: only this commit skips the fsync.
        await this.db.connection().execute(async (connection) => {
          await connection.executeQuery(SYNCHRONOUS_NORMAL);
          try {
            await transaction(connection);
          } finally {
            await connection.executeQuery(SYNCHRONOUS_FULL);
          }
        });
      }
    } catch (error) {
      // The transaction could not even begin (a read-only or locked database): those that were
      // waiting for this group get its error, as they would have had it once in it.
      if (group.length === 0) group.push(...this.#queue.splice(0, waitingAtStart));
      // Callers whose own work failed get their own error; the others get the group's.
      for (const [i, waiting] of group.entries()) {
        const outcome = outcomes[i];
        waiting.reject(outcome !== undefined && !outcome.ok ? outcome.error : error);
      }
      return { group: [], outcomes: [] };
    }
    // Committed (not yet durable): the whenCommitted hooks of the works kept, in the group's order,
    // before the next group can begin.
    for (const outcome of outcomes) if (outcome.ok) for (const hook of outcome.committed) hook();
    return { group, outcomes };
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

/**
 * PostgreSQL errors worth retrying the whole transaction for: serialization failure, deadlock, and
 * a prepared statement that a migration made stale (postgres-pipeline.ts: the retry prepares it again).
 */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 6;

async function withRetries<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (n >= MAX_ATTEMPTS || typeof code !== 'string' || !(RETRYABLE.has(code) || isStalePlan(error))) throw error;
      // Exponential backoff with full jitter: 5, 10, 20, ... ms at most.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * 2 ** (n - 1)));
    }
  }
}

function openPostgres(
  url: string,
  poolMax: number,
  preparedStatements: boolean,
  onIdleError: (error: Error) => void,
  onQuery?: (sql: string) => void,
  onRoundTrip?: () => void,
): { db: Db; pool: pg.Pool; dialect: PipelinedPostgresDialect } {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    // Queries are sent without waiting for the answers to those before them (postgres-pipeline.ts).
    pipeline: true,
    // int8 (bigint) as a JS number: epoch seconds and micros stay far below 2^53.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
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
  const dialect = new PipelinedPostgresDialect(pool, onRoundTrip, preparedStatements);
  return { db: new Kysely<Database>({ dialect, ...queryLog(onQuery) }), pool, dialect };
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
  /** PostgreSQL: called for every round trip to the database (a query sent while none of its connection's was in flight). */
  readonly onRoundTrip?: () => void;
  /** SQLite: told about a WAL checkpoint of the worker thread that failed (the connection's own backstop still bounds the WAL). */
  readonly onCheckpointError?: (message: string) => void;
  /** SQLite: told about each WAL checkpoint of the worker thread (the WAL's pages, and how many are in the database file now). */
  readonly onCheckpoint?: (walPages: number, copied: number) => void;
  /** SQLite in a file: wraps what makes each group's commit durable (tests hold the fsync with it). */
  readonly durability?: (wal: Durability) => Durability;
}

export async function openStore(config: DatabaseConfig, options: StoreOptions = {}): Promise<Store> {
  if (config.kind === 'postgres') {
    const { db, pool, dialect } = openPostgres(
      config.url,
      config.poolMax,
      config.preparedStatements ?? true,
      options.onIdleError ?? (() => {}),
      options.onQuery,
      options.onRoundTrip,
    );
    const selectArrays = async (query: CompiledQuery) =>
      (await pool.query({ text: query.sql, values: [...query.parameters], rowMode: 'array' })).rows as unknown[][];
    const listeners: PgListener[] = [];
    if (options.migrate !== false) await migrateToLatest(db);
    return {
      db,
      dialect: 'postgres',
      transaction: (work) => withRetries(() => withCommitHooks((w) => runPipelined(db, dialect, w), work)),
      lockKeys: async (trx, keys) => {
        if (keys.length === 0) return;
        if (keys.length === 1) {
          await sql`select pg_advisory_xact_lock(hashtextextended(${keys[0]}, 0))`.execute(trx);
          return;
        }
        // One statement; the select list is evaluated left to right, so the locks are taken in order.
        await sql`select ${sql.join(keys.map((key) => sql`pg_advisory_xact_lock(hashtextextended(${key}, 0))`))}`.execute(trx);
      },
      selectArrays,
      openReader: () => ({ selectArrays, close: async () => {} }),
      listen: (channel, handlers) => void listeners.push(new PgListener(config.url, channel, handlers)),
      close: async () => {
        await Promise.all(listeners.splice(0).map((l) => l.close()));
        await db.destroy();
      },
    };
  }
  const { db, sqlite } = openSqliteConnection(config.path, options.onQuery);
  if (options.migrate !== false) await migrateToLatest(db);
  const inFile = config.path !== ':memory:' && config.path !== '';
  const wal = inFile ? new WalSync(`${sqlite.name}-wal`) : null;
  // SQLITE_CHECKPOINTS=worker: checkpoints in a worker thread (checkpointer.ts); this connection's own only as a backstop.
  const checkpointer =
    inFile && config.checkpoints === 'worker'
      ? new Checkpointer(sqlite.name, sqliteDriverPath(), { onError: options.onCheckpointError, onCheckpoint: options.onCheckpoint })
      : null;
  if (checkpointer !== null) sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  // Savepoints' journals in memory. Each write of a group commit runs in a savepoint of the group's
  // one transaction, and SQLite keeps the pages it changes for a rollback to that savepoint in a
  // sub-journal; past 64 KiB (one join changes more pages than that) the sub-journal is written to
  // a temporary file, a write() a page on the event loop, and stays a file until the group commits.
  // With temp_store=MEMORY it stays in memory and is emptied at each savepoint's release, so it
  // holds one write's pages at most (docs/PERFORMANCE.md, "Savepoint journals in memory"). Only on
  // this connection, whose statements are small; the readers keep SQLite's default.
  sqlite.pragma('temp_store = MEMORY');
  const groups = new GroupCommit(db, wal !== null && options.durability ? options.durability(wal) : wal, { afterCommit: () => checkpointer?.request() });
  const selectArrays = sqliteArrays(db, sqlite);
  return {
    db,
    dialect: 'sqlite',
    transaction: (work) => withCommitHooks((w) => groups.run(w), work),
    lockKeys: async () => {},
    selectArrays,
    openReader: () => (wal === null ? { selectArrays, close: async () => {} } : openSqliteReader(sqlite.name)),
    close: async () => {
      await checkpointer?.close();
      await wal?.close();
      await db.destroy();
    },
  };
}
