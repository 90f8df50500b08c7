// A fresh PostgreSQL database per test (file), on the server scripts/test.sh starts
// (TEST_PG_URL). Without TEST_PG_URL, PostgreSQL variants are skipped with a visible reason.
// Each database is a copy of one template migrated once per server (CREATE DATABASE ... TEMPLATE),
// which is much cheaper than running every migration again for each test database.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openStore } from '../store/database.js';

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

function databaseUrl(name: string): string {
  const url = new URL(TEST_PG_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

const MIGRATIONS_DIR = fileURLToPath(new URL('../store/migrations/', import.meta.url));
/** Any change to a migration file makes a new template (a server kept between runs never serves a stale schema). */
function templateName(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS_DIR).sort()) hash.update(file).update(readFileSync(join(MIGRATIONS_DIR, file)));
  return `t_template_${hash.digest('hex').slice(0, 16)}`;
}

let template: Promise<string> | null = null;
/** The migrated template's name; the first test process to ask builds it (under an advisory lock), the others wait. */
function migratedTemplate(): Promise<string> {
  template ??= admin(async (c) => {
    const name = templateName();
    await c.query('select pg_advisory_lock(hashtext($1))', [name]);
    try {
      if ((await c.query('select 1 from pg_database where datname = $1', [name])).rowCount === 0) {
        // Built under another name and renamed when complete, so a half-migrated template is never copied.
        const building = `${name}_${randomBytes(4).toString('hex')}`;
        await c.query(`create database ${building}`);
        const store = await openStore({ kind: 'postgres', url: databaseUrl(building), poolMax: 1 });
        await store.close();
        await c.query(`alter database ${building} rename to ${name}`);
      }
    } finally {
      await c.query('select pg_advisory_unlock(hashtext($1))', [name]);
    }
    return name;
  });
  return template;
}

/** A new database: empty, or (`migrated`) a copy of the migrated template, as the test app uses. */
export async function createPgDatabase(options: { readonly migrated?: boolean } = {}): Promise<PgDatabase> {
  const name = `t_${randomBytes(8).toString('hex')}`;
  const from = options.migrated === true ? await migratedTemplate() : null;
  await admin((c) => c.query(from === null ? `create database ${name}` : `create database ${name} template ${from}`));
  return {
    url: databaseUrl(name),
    drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

/** Whether a server process (backend) is still running. */
export async function backendAlive(pid: number): Promise<boolean> {
  const result = await admin((c) => c.query('select 1 from pg_stat_activity where pid = $1', [pid]));
  return (result.rowCount ?? 0) > 0;
}

/** Ends every connection to the database at `databaseUrl` (as a failover or an administrator would); how many. */
export async function terminateConnections(databaseUrl: string): Promise<number> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const result = await admin((c) => c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]));
  return result.rowCount ?? 0;
}
