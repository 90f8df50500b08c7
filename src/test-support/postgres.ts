// A fresh PostgreSQL database per test (file), on the server scripts/test.sh starts
// (TEST_PG_URL). Without TEST_PG_URL, PostgreSQL variants are skipped with a visible reason.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_PG_URL = process.env.TEST_PG_URL;

export type Dialect = 'sqlite' | 'postgres';

/** The dialects this run covers: both when the suite's PostgreSQL is up. */
export const DIALECTS: readonly Dialect[] = TEST_PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

/** For node:test options: skip PostgreSQL-only tests (visibly) when no test server is running. */
export const PG_SKIP: string | false = TEST_PG_URL ? false : 'TEST_PG_URL is not set (npm test starts a PostgreSQL)';

/** Runs `work` on a connection to the suite's server (its maintenance database). */
export async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  if (!TEST_PG_URL) throw new Error('TEST_PG_URL is not set');
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface PgDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export async function createPgDatabase(): Promise<PgDatabase> {
  const name = `t_${randomBytes(8).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  const url = new URL(TEST_PG_URL!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

/** Ends every connection to the database at `databaseUrl` (as a failover or an administrator would); how many. */
export async function terminateConnections(databaseUrl: string): Promise<number> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const result = await admin((c) => c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]));
  return result.rowCount ?? 0;
}
