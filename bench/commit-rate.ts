// The write baseline: how many durable single-row commits the database does on this disk, with
// nothing else in the way (no HTTP, no server). Run as its own process: reads a CommitSpec (JSON)
// on stdin, prints a CommitResult (JSON). SQLite is opened as the server opens it (WAL,
// synchronous=FULL: an fsync of the WAL at every commit), in the same directory as the server's
// database, and commits one row at a time (SQLite has one writer). PostgreSQL commits from
// `connections` clients at once, each one row per transaction (autocommit inserts), so that
// concurrent commits can share an fsync as they do under the server's pool.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sqliteDriver } from '../src/store/sqlite-driver.js';

export type CommitSpec =
  | { readonly kind: 'sqlite'; readonly path: string; readonly durationSec: number }
  | { readonly kind: 'postgres'; readonly url: string; readonly connections: number; readonly durationSec: number };

export interface CommitResult {
  readonly commits: number;
  readonly durationSec: number;
  readonly rate: number;
}

const ROW = 'x'.repeat(200);

function sqliteRate(path: string, durationSec: number): CommitResult {
  const Sqlite = sqliteDriver();
  const db = new Sqlite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('create table if not exists bench_commit (id integer primary key, body text not null)');
  const insert = db.prepare('insert into bench_commit (body) values (?)');
  const start = performance.now();
  const end = start + durationSec * 1000;
  let commits = 0;
  while (performance.now() < end) {
    insert.run(ROW);
    commits += 1;
  }
  const seconds = (performance.now() - start) / 1000;
  db.close();
  return { commits, durationSec: seconds, rate: commits / seconds };
}

async function postgresRate(url: string, connections: number, durationSec: number): Promise<CommitResult> {
  const table = `bench_commit_${randomBytes(4).toString('hex')}`;
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    }),
  );
  try {
    await clients[0]!.query(`create table ${table} (id bigserial primary key, body text not null)`);
    const start = performance.now();
    const end = start + durationSec * 1000;
    let commits = 0;
    await Promise.all(
      clients.map(async (client) => {
        while (performance.now() < end) {
          await client.query(`insert into ${table} (body) values ($1)`, [ROW]);
          commits += 1;
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    await clients[0]!.query(`drop table ${table}`);
    return { commits, durationSec: seconds, rate: commits / seconds };
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const spec = JSON.parse(Buffer.concat(chunks).toString('utf8')) as CommitSpec;
const result = spec.kind === 'sqlite' ? sqliteRate(spec.path, spec.durationSec) : await postgresRate(spec.url, spec.connections, spec.durationSec);
process.stdout.write(`${JSON.stringify(result)}\n`);
