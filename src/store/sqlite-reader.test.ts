// Store.openReader on a SQLite file: reads in a worker thread on a connection of its own answer
// what selectArrays answers on the store's connection (committed rows, as arrays, in order, many
// at once); a bad query fails alone with SQLite's message; after close() reads fail, never hang.
// In memory, the reader is the store's own selectArrays.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openStore } from './database.js';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-reader-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a SQLite file reader answers as selectArrays does, off the calling thread, until closed', async () => {
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'db.sqlite') });
  const reader = store.openReader();
  try {
    await sql`create table t (id integer primary key, name text, n bigint)`.execute(store.db);
    await store.transaction(async (trx) => {
      for (let i = 1; i <= 300; i++) await sql`insert into t (id, name, n) values (${i}, ${`n${i} é`}, ${i * 1000})`.execute(trx);
    });
    const query = (from: number) => sql<unknown>`select id, name, n from t where id >= ${from} order by id`.compile(store.db);
    const direct = await store.selectArrays(query(1));
    assert.equal(direct.length, 300);
    assert.deepEqual(direct[0], [1, 'n1 é', 1000]);
    assert.deepEqual(await reader.selectArrays(query(1)), direct);
    // Many reads at once: each gets its own answer.
    const answers = await Promise.all([250, 1, 299, 100].map((from) => reader.selectArrays(query(from))));
    assert.deepEqual(
      answers.map((rows) => rows.length),
      [51, 300, 2, 201],
    );
    // A bad query fails with SQLite's message; the next read still works.
    await assert.rejects(reader.selectArrays(sql`select x from nowhere`.compile(store.db)), /no such table: nowhere/);
    // Rows committed since are seen (a read transaction per query).
    await store.transaction((trx) => sql`insert into t (id, name, n) values (301, 'late', 0)`.execute(trx));
    assert.equal((await reader.selectArrays(query(1))).length, 301);
  } finally {
    await reader.close();
  }
  await assert.rejects(reader.selectArrays(sql`select 1`.compile(store.db)), /closed/);
  await store.close();
});

test('an in-memory SQLite store reads on its own connection', async () => {
  const store = await openStore({ kind: 'sqlite', path: ':memory:' });
  const reader = store.openReader();
  await sql`create table t (id integer primary key)`.execute(store.db);
  await sql`insert into t (id) values (7)`.execute(store.db);
  assert.deepEqual(await reader.selectArrays(sql`select id from t`.compile(store.db)), [[7]]);
  await reader.close();
  await store.close();
});
