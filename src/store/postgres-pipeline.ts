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
//
// Statements are prepared once per connection: a statement with parameters whose text this
// process has sent before goes as a named prepared statement (node-postgres parses it on a
// connection the first time and then only binds and executes it), so that PostgreSQL neither
// parses nor analyses it again, and plans it again only while it keeps custom plans (its plan
// cache uses a generic plan once that costs no more). The benchmark's pg_stat_statements showed
// planning taking more time than execution on the hot writes. See `PreparedStatements` below for
// the bounds and for what happens when a migration changes what a statement returns.
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

/** How many distinct statement texts get a name (the process's statements are a few hundred shapes). */
const MAX_NAMED = 400;
/** Texts seen once are remembered up to this many (a text gets a name at its second use), then forgotten all at once. */
const MAX_SEEN = 10_000;

/**
 * The names of the statements prepared on the connections of one pool. A text gets a name the
 * second time it is sent (a one-off text, e.g. a migration's, is never prepared), up to
 * MAX_NAMED texts; later texts run unnamed, as before, so that neither this map nor any backend's
 * prepared statements grow without bound (texts that vary, such as IN lists of every length, are
 * the risk). Each connection prepares a named statement the first time it runs it.
 *
 * A migration that changes what a prepared statement returns (a `select *` on a table that gained
 * a column) makes PostgreSQL refuse to run it ("cached plan must not change result type"). The
 * first such error bumps `generation`: every connection then drops all its prepared statements
 * (DEALLOCATE ALL) before it is used again, a statement run outside a transaction is sent once
 * more at once, and a transaction is retried by the Store (isStalePlan). A connection that was
 * checked out at the time fails at most once more, and is cleaned when it next leaves the pool.
 */
export class PreparedStatements {
  readonly #names = new Map<string, string>();
  readonly #seen = new Set<string>();
  #generation = 0;

  /** `enabled` false: every statement is sent unnamed (DATABASE_PREPARED_STATEMENTS=off). */
  constructor(private readonly enabled = true) {}

  /** The name to send `text` under, or undefined to send it unnamed. */
  nameOf(text: string, parameters: number): string | undefined {
    if (parameters === 0 || !this.enabled) return undefined;
    const name = this.#names.get(text);
    if (name !== undefined || this.#names.size >= MAX_NAMED) return name;
    if (!this.#seen.has(text)) {
      if (this.#seen.size >= MAX_SEEN) this.#seen.clear();
      this.#seen.add(text);
      return undefined;
    }
    this.#seen.delete(text);
    const named = `p${this.#names.size + 1}`;
    this.#names.set(text, named);
    return named;
  }

  get generation(): number {
    return this.#generation;
  }

  /** A statement prepared by a connection of `generation` no longer fits the schema. */
  stale(generation: number): void {
    if (generation === this.#generation) this.#generation += 1;
  }
}

/** PostgreSQL's refusal to run a prepared statement whose result's columns a schema change has changed. */
export function isStalePlan(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === '0A000' && typeof message === 'string' && message.includes('cached plan must not change result type');
}

/** node-postgres's record of the statements parsed on a connection (not in its types). */
interface ParsedStatements {
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
}

/** A pooled connection in pipeline mode; counts round trips (a query sent while nothing else was in flight). */
export class PipelinedConnection implements DatabaseConnection {
  #inFlight = 0;
  #corked = false;
  /** The statements' generation this connection's prepared statements belong to (PreparedStatements). */
  #generation: number;
  /** Set by runPipelined while a transaction runs on it: a statement that fails then is not sent again. */
  inTransaction = false;

  constructor(
    readonly client: pg.PoolClient,
    private readonly onRoundTrip: (() => void) | undefined,
    private readonly statements: PreparedStatements,
  ) {
    this.#generation = statements.generation;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    let result: pg.QueryResult;
    try {
      result = await this.send(compiledQuery.sql, compiledQuery.parameters);
    } catch (error) {
      // Outside a transaction nothing else was undone: the statement is prepared again and sent once more.
      if (this.inTransaction || !isStalePlan(error)) throw error;
      await this.dropStaleStatements();
      result = await this.send(compiledQuery.sql, compiledQuery.parameters);
    }
    const { command, rowCount, rows } = result;
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
    const name = this.statements.nameOf(text, parameters.length);
    const generation = this.#generation;
    const sent = name === undefined ? this.client.query(text, [...parameters]) : this.client.query({ name, text, values: [...parameters] });
    return sent
      .catch((error: unknown) => {
        if (isStalePlan(error)) this.statements.stale(generation);
        throw error;
      })
      .finally(() => {
        this.#inFlight -= 1;
      });
  }

  /**
   * When a statement prepared on some connection no longer fits the schema (PreparedStatements),
   * drops every statement prepared on this one before it is used again: DEALLOCATE ALL, then
   * node-postgres forgets them, so that each is parsed again at its next use.
   */
  async dropStaleStatements(): Promise<void> {
    if (this.#generation === this.statements.generation) return;
    const generation = this.statements.generation;
    await this.client.query('deallocate all');
    const parsed = (this.client as unknown as { connection: ParsedStatements }).connection;
    parsed.parsedStatements = {};
    parsed.submittedNamedStatements = {};
    this.#generation = generation;
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
  readonly #connections: WeakMap<pg.PoolClient, PipelinedConnection>;
  #pool: pg.Pool | null;

  constructor(
    pool: pg.Pool,
    private readonly onRoundTrip: (() => void) | undefined,
    private readonly statements: PreparedStatements,
    connections: WeakMap<pg.PoolClient, PipelinedConnection>,
  ) {
    this.#pool = pool;
    this.#connections = connections;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#pool === null) throw new Error('the PostgreSQL driver has already been destroyed');
    const client = await this.#pool.connect();
    let connection = this.#connections.get(client);
    if (connection === undefined) {
      connection = new PipelinedConnection(client, this.onRoundTrip, this.statements);
      this.#connections.set(client, connection);
    }
    try {
      await connection.dropStaleStatements();
    } catch (error) {
      // The connection is broken: the pool discards it.
      client.release(error as Error);
      throw error;
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
  /** The statements prepared on this pool's connections (shared by every driver of the dialect). */
  readonly statements: PreparedStatements;
  readonly #connections = new WeakMap<pg.PoolClient, PipelinedConnection>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly onRoundTrip?: () => void,
    preparedStatements = true,
  ) {
    super({ pool });
    this.statements = new PreparedStatements(preparedStatements);
  }
  override createDriver(): Driver {
    return new PipelinedDriver(this.pool, this.onRoundTrip, this.statements, this.#connections);
  }
  /** What a Transaction's props name as its driver (a Transaction never uses it: no nested transactions, no destroy). */
  get transactionDriver(): Driver {
    return new PipelinedDriver(this.pool, this.onRoundTrip, this.statements, this.#connections);
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
    (connection as PipelinedConnection).inTransaction = true;
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
    } finally {
      (connection as PipelinedConnection).inTransaction = false;
    }
  });
}
