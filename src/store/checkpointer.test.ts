// WAL checkpoints in a worker thread (store/checkpointer.ts): the worker's connection copies the
// commits of the writer's connection into the database file, and the SQLite store runs its
// checkpoints there. Whether they happened is read from a copy of the database file alone (without
// its WAL): it holds a commit only once a checkpoint has copied it there.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { Checkpointer } from './checkpointer.js';
import { openSqlite, openStore } from './database.js';
import { sqliteDriver, sqliteDriverPath } from './sqlite-driver.js';
import { until } from '../test-support/poll.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'checkpointer-'));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Rows of table t in the database file alone, as a copy without the WAL sees them (null: no table there yet). */
function rowsInDatabaseFile(path: string): number | null {
  const copy = join(tempDir(), 'copy.sqlite');
  copyFileSync(path, copy);
  const Database = sqliteDriver();
  const db = new Database(copy);
  try {
    const table = db.prepare("select name from sqlite_master where type = 'table' and name = 't'").get();
    if (table === undefined) return null;
    return (db.prepare('select count(*) as n from t').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

test("the worker's checkpoint copies the writer's commits into the database file; the writer's connection checkpoints none itself", async () => {
  const path = join(tempDir(), 'db.sqlite');
  const db = openSqlite(path);
  const checkpointer = new Checkpointer(path, sqliteDriverPath(), { intervalMs: 0 });
  try {
    await sql`pragma wal_autocheckpoint = 0`.execute(db);
    await sql`create table t (id integer primary key, body text not null)`.execute(db);
    for (let i = 0; i < 200; i++) await sql`insert into t (body) values (${'x'.repeat(500)})`.execute(db);
    assert.equal(rowsInDatabaseFile(path), null, 'before a checkpoint, the commits are in the WAL only');
    checkpointer.request();
    await until(() => checkpointer.checkpoints >= 1, 'a checkpoint in the worker', 30_000);
    assert.equal(rowsInDatabaseFile(path), 200);
    assert.ok(checkpointer.last !== null && checkpointer.last.copied === checkpointer.last.walPages, JSON.stringify(checkpointer.last));
    // Later commits reach the file with the next checkpoint asked for.
    await sql`insert into t (body) values ('later')`.execute(db);
    checkpointer.request();
    await until(() => checkpointer.checkpoints >= 2, 'a second checkpoint', 30_000);
    assert.equal(rowsInDatabaseFile(path), 201);
  } finally {
    await checkpointer.close();
    await db.destroy();
  }
});

test('requests made while a checkpoint runs or waits out its interval are served by one more checkpoint', async () => {
  const path = join(tempDir(), 'db.sqlite');
  const db = openSqlite(path);
  const checkpointer = new Checkpointer(path, sqliteDriverPath(), { intervalMs: 50 });
  try {
    await sql`create table t (id integer primary key, body text not null)`.execute(db);
    checkpointer.request();
    checkpointer.request();
    checkpointer.request();
    await until(() => !checkpointer.busy, 'the checkpointer to be idle again', 30_000);
    // The first, and one more for the two requests made while it ran.
    assert.equal(checkpointer.checkpoints, 2);
  } finally {
    await checkpointer.close();
    await db.destroy();
  }
});

test("with SQLITE_CHECKPOINTS=connection (or a config that names neither) the SQLite store starts no worker: checkpoints stay SQLite's own, every 1,000 WAL pages", async () => {
  const path = join(tempDir(), 'db.sqlite');
  const store = await openStore({ kind: 'sqlite', path });
  try {
    await sql`create table t (id integer primary key, body text not null)`.execute(store.db);
    await Promise.all(Array.from({ length: 20 }, () => store.transaction(async (trx) => sql`insert into t (body) values ('z')`.execute(trx))));
    assert.equal((await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db)).rows[0]?.wal_autocheckpoint, 1000);
    // Far below 1,000 pages: nothing has been copied into the database file.
    assert.equal(rowsInDatabaseFile(path), null);
  } finally {
    await store.close();
  }
});

test('with SQLITE_CHECKPOINTS=worker the SQLite store checkpoints its group commits in the worker, and closes it with the store', async () => {
  const path = join(tempDir(), 'db.sqlite');
  const store = await openStore({ kind: 'sqlite', path, checkpoints: 'worker' });
  try {
    await sql`create table t (id integer primary key, body text not null)`.execute(store.db);
    for (let round = 0; round < 10; round++) {
      await Promise.all(Array.from({ length: 20 }, () => store.transaction(async (trx) => sql`insert into t (body) values (${'y'.repeat(500)})`.execute(trx))));
    }
    // 200 rows are far below the connection's own backstop (10,000 WAL pages): only the worker copies them.
    // (A copy taken while a checkpoint writes the file may be torn: it counts as not yet.)
    await until(
      () => {
        try {
          return rowsInDatabaseFile(path) === 200;
        } catch {
          return false;
        }
      },
      'the committed rows in the database file',
      30_000,
    );
  } finally {
    await store.close();
  }
  const reopened = openSqlite(path);
  try {
    assert.equal((await sql<{ n: number }>`select count(*) as n from t`.execute(reopened)).rows[0]?.n, 200);
  } finally {
    await reopened.destroy();
  }
});
