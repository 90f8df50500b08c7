// PostgreSQL with fewer round trips. node-postgres in pipeline mode sends a query without waiting
// for the answers to those before it (each query still ends with its own Sync, so a failing one
// fails alone; inside a transaction the ones after it fail as the aborted transaction makes them,
// exactly as if they had been sent one by one). The backend runs them in the order sent, so a
// select sent behind a `FOR UPDATE` still runs after the lock is granted, with a fresh snapshot.
// On top of that, a transaction run by `runPipelined`:
// - sends its BEGIN together with its first statement instead of waiting for BEGIN's answer;
// - lets the statements its work issues at once (a Promise.all of reads) travel together, where
//   Kysely's own transactions send one statement only after the previous one has answered;
// - sends the statements registered with `atCommit` (writes whose result nobody reads: outbox rows,
//   the idempotency record's answer) together with its COMMIT.
// Queries issued in one turn of the event loop leave in one write to the socket (the stream is
// corked until the turn ends), so the backend wakes once for them.
import type pg from 'pg';
import { closeAtCommit, openAtCommit, takeAtCommit } from './at-commit.js';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresDialect,
  PostgresIntrospector,
  PostgresQueryCompiler,
  Transaction,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

/** A pooled connection in pipeline mode; counts round trips (a query sent while nothing else was in flight). */
export class PipelinedConnection implements DatabaseConnection {
  #inFlight = 0;
  #corked = false;

  constructor(
    readonly client: pg.PoolClient,
    private readonly onRoundTrip: (() => void) | undefined,
  ) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { command, rowCount, rows } = await this.send(compiledQuery.sql, compiledQuery.parameters);
    return {
      numAffectedRows: command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE' ? BigInt(rowCount ?? 0) : undefined,
      rows: (rows ?? []) as R[],
    };
  }

  /** Sends a query at once (behind any in flight) and resolves with its result. */
  send(text: string, parameters: readonly unknown[]): Promise<pg.QueryResult> {
    this.#cork();
    if (this.#inFlight === 0) this.onRoundTrip?.();
    this.#inFlight += 1;
    return this.client.query(text, [...parameters]).finally(() => {
      this.#inFlight -= 1;
    });
  }

  /** Holds the socket's writes until the current turn of the event loop ends: the queries issued in it leave together. */
  #cork(): void {
    if (this.#corked) return;
    const stream = (this.client as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;
    if (stream?.cork === undefined || stream.uncork === undefined) return;
    stream.cork();
    this.#corked = true;
    // After the promise continuations of this turn (which issue the queries that go together).
    process.nextTick(() => {
      this.#corked = false;
      stream.uncork?.();
    });
  }

  // biome-ignore lint/correctness/useYield: streaming is not supported; the store never streams from PostgreSQL.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported by this PostgreSQL driver');
  }
}

const BEGIN = 'begin';
const COMMIT = 'commit';
const ROLLBACK = 'rollback';

class PipelinedDriver implements Driver {
  readonly #connections = new WeakMap<pg.PoolClient, PipelinedConnection>();
  #pool: pg.Pool | null;

  constructor(
    pool: pg.Pool,
    private readonly onRoundTrip: (() => void) | undefined,
  ) {
    this.#pool = pool;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#pool === null) throw new Error('the PostgreSQL driver has already been destroyed');
    const client = await this.#pool.connect();
    let connection = this.#connections.get(client);
    if (connection === undefined) {
      connection = new PipelinedConnection(client, this.onRoundTrip);
      this.#connections.set(client, connection);
    }
    return connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let text = BEGIN;
    if (settings.isolationLevel !== undefined || settings.accessMode !== undefined) {
      text = `start transaction${settings.isolationLevel !== undefined ? ` isolation level ${settings.isolationLevel}` : ''}${settings.accessMode !== undefined ? ` ${settings.accessMode}` : ''}`;
    }
    await connection.executeQuery(CompiledQuery.raw(text));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(COMMIT));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(ROLLBACK));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as PipelinedConnection).client.release();
  }

  async destroy(): Promise<void> {
    const pool = this.#pool;
    this.#pool = null;
    await pool?.end();
  }
}

/** Kysely's PostgreSQL dialect over a pool in pipeline mode (see the top of this file). */
export class PipelinedPostgresDialect extends PostgresDialect {
  constructor(
    private readonly pool: pg.Pool,
    private readonly onRoundTrip?: () => void,
  ) {
    super({ pool });
  }
  override createDriver(): Driver {
    return new PipelinedDriver(this.pool, this.onRoundTrip);
  }
  /** What a Transaction's props name as its driver (a Transaction never uses it: no nested transactions, no destroy). */
  get transactionDriver(): Driver {
    return new PipelinedDriver(this.pool, this.onRoundTrip);
  }
  override createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
  override createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

function noop(): void {}

/**
 * Runs `work` in one transaction on one pooled connection (see the top of this file): BEGIN leaves
 * with the first statement, statements issued together travel together, atCommit statements leave
 * with the COMMIT. Commits when `work` returns, rolls back when it (or any of its statements, or
 * an atCommit statement) fails; the connection goes back to the pool only when everything it was
 * sent has answered.
 */
export async function runPipelined<DB, T>(db: Kysely<DB>, dialect: PipelinedPostgresDialect, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  const base = db.getExecutor();
  return base.provideConnection(async (connection) => {
    // Unlike Kysely's transactions, statements are not made to wait for each other's answers.
    const executor = base.withConnectionProvider({ provideConnection: (consumer) => consumer(connection) });
    const trx = new Transaction<DB>({ config: { dialect }, executor, dialect, driver: dialect.transactionDriver });
    openAtCommit(trx);
    // Not awaited: the first statement of `work` is sent right behind it.
    const begun = connection.executeQuery(CompiledQuery.raw(BEGIN));
    begun.catch(noop);
    try {
      const result = await work(trx);
      await begun;
      const trailing = takeAtCommit(trx).map((query) => connection.executeQuery(query));
      closeAtCommit(trx);
      const committed = connection.executeQuery(CompiledQuery.raw(COMMIT));
      committed.catch(noop);
      // A failed trailing statement aborts the transaction, so the COMMIT behind it rolls it back.
      await Promise.all(trailing);
      await committed;
      return result;
    } catch (error) {
      closeAtCommit(trx);
      await connection.executeQuery(CompiledQuery.raw(ROLLBACK)).catch(noop);
      throw error;
    }
  });
}
