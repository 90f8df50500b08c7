// Fewer round trips to PostgreSQL (postgres-pipeline.ts) and writes run at commit (at-commit.ts):
// atCommit writes commit or roll back with their transaction on both databases; on PostgreSQL,
// statements issued together in a transaction travel together (BEGIN with the first, atCommit
// writes with the COMMIT), a failure among them rolls the transaction back and leaves the
// connection clean, and a read issued behind a row lock still runs after the lock is granted.
// Statements sent again are prepared once per connection, and one that a migration made stale
// ("cached plan must not change result type") is prepared again: alone at once, in a transaction by
// running the transaction again.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { DIALECTS, forDialect } from '../test-support/app.js';
import { PG_SKIP } from '../test-support/postgres.js';
import { until } from '../test-support/poll.js';
import { atCommit } from './at-commit.js';
import type { Db, Tx } from './database.js';

function record(q: Db | Tx, token: string) {
  return q.insertInto('idempotency_records').values({ scope: 'pipeline-test', token, request_hash: 'h', response_json: '', created_at: 1 });
}

async function tokens(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('idempotency_records').select('token').where('scope', '=', 'pipeline-test').orderBy('token').execute();
  return rows.map((r) => r.token);
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: writes at commit`, () => {
    const startApp = forDialect(dialect);

    test('run with their transaction, after its work, in the order registered', async () => {
      const t = await startApp();
      try {
        await t.store.transaction(async (trx) => {
          atCommit(trx, record(trx, 'b'));
          atCommit(trx, record(trx, 'c'));
          await record(trx, 'a').execute();
          // Not written yet: it runs when the work returns.
          assert.deepEqual((await trx.selectFrom('idempotency_records').select('token').where('scope', '=', 'pipeline-test').execute()).length, 1);
        });
        assert.deepEqual(await tokens(t.store.db), ['a', 'b', 'c']);
      } finally {
        await t.close();
      }
    });

    test('one that fails rolls its whole transaction back and its caller gets the error; others in the same group commit', async () => {
      const t = await startApp();
      try {
        await record(t.store.db, 'taken').execute();
        const failing = t.store.transaction(async (trx) => {
          await record(trx, 'written-by-failing').execute();
          atCommit(trx, record(trx, 'taken'));
        });
        const other = t.store.transaction(async (trx) => {
          atCommit(trx, record(trx, 'written-by-other'));
        });
        const [a, b] = await Promise.allSettled([failing, other]);
        assert.equal(a.status, 'rejected');
        assert.match(String((a as PromiseRejectedResult).reason), /unique|UNIQUE/);
        assert.equal(b.status, 'fulfilled');
        assert.deepEqual(await tokens(t.store.db), ['taken', 'written-by-other']);
      } finally {
        await t.close();
      }
    });

    test('a work that throws discards them', async () => {
      const t = await startApp();
      try {
        await assert.rejects(
          t.store.transaction(async (trx) => {
            atCommit(trx, record(trx, 'never'));
            throw new Error('business failure');
          }),
          /business failure/,
        );
        assert.deepEqual(await tokens(t.store.db), []);
      } finally {
        await t.close();
      }
    });

    test('outside a transaction run by the Store, atCommit throws rather than lose the write', async () => {
      const t = await startApp();
      try {
        assert.throws(() => atCommit(t.store.db, record(t.store.db, 'lost')), /Store\.transaction/);
        let kept: Tx | null = null;
        await t.store.transaction(async (trx) => {
          kept = trx;
        });
        assert.throws(() => atCommit(kept!, record(kept!, 'late')), /Store\.transaction/);
        assert.deepEqual(await tokens(t.store.db), []);
      } finally {
        await t.close();
      }
    });
  });
}

describe('postgres: statements in a pipeline', { skip: PG_SKIP }, () => {
  const startApp = forDialect('postgres');

  test('statements issued together are one round trip, BEGIN goes with the first and atCommit writes with the COMMIT', async () => {
    let roundTrips = 0;
    const t = await startApp({
      onRoundTrip: () => {
        roundTrips += 1;
      },
    });
    try {
      roundTrips = 0;
      const rows = await t.store.transaction(async (trx) => {
        const results = await Promise.all([1, 2, 3].map((n) => sql<{ n: number }>`select ${n}::int as n`.execute(trx)));
        atCommit(trx, record(trx, 'with-commit'));
        return results.map((r) => r.rows[0]?.n);
      });
      assert.deepEqual(rows, [1, 2, 3]);
      // BEGIN and the three selects; the insert and the COMMIT.
      assert.equal(roundTrips, 2);
      assert.deepEqual(await tokens(t.store.db), ['with-commit']);
    } finally {
      await t.close();
    }
  });

  test('a failure among statements issued together rolls the transaction back and leaves the connection clean', async () => {
    // One connection: the next transaction reuses the one that failed.
    const t = await startApp({ env: { DATABASE_POOL_MAX: '1' } });
    try {
      await assert.rejects(
        t.store.transaction(async (trx) => {
          await Promise.all([record(trx, 'rolled-back').execute(), sql`select 1 / 0`.execute(trx), sql`select 1`.execute(trx)]);
        }),
        (error: unknown) => (error as { code?: string }).code === '22012',
      );
      assert.deepEqual(await tokens(t.store.db), []);
      // Not left inside the failed transaction: outside one, and a new one commits.
      const outside = await sql<{ id: string | null }>`select pg_current_xact_id_if_assigned()::text as id`.execute(t.store.db);
      assert.equal(outside.rows[0]?.id, null);
      await t.store.transaction(async (trx) => {
        await record(trx, 'next').execute();
      });
      assert.deepEqual(await tokens(t.store.db), ['next']);
    } finally {
      await t.close();
    }
  });

  test('a read issued right behind a FOR UPDATE runs once the lock is granted and sees what its holder committed', async () => {
    const t = await startApp();
    try {
      await sql`create table pipeline_probe (id int primary key, n int not null)`.execute(t.store.db);
      await sql`insert into pipeline_probe values (1, 0)`.execute(t.store.db);
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked: () => void = () => {};
      const lockTaken = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const holder = t.store.transaction(async (trx) => {
        await sql`select n from pipeline_probe where id = 1 for update`.execute(trx);
        await sql`update pipeline_probe set n = 10 where id = 1`.execute(trx);
        locked();
        await held;
      });
      await lockTaken;
      const waiter = t.store.transaction(async (trx) => {
        const [lock, read] = await Promise.all([
          sql<{ n: number }>`select n from pipeline_probe where id = 1 for update`.execute(trx),
          sql<{ n: number }>`select n from pipeline_probe where id = 1`.execute(trx),
        ]);
        return [lock.rows[0]?.n, read.rows[0]?.n];
      });
      await until(
        async () =>
          (
            await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%pipeline_probe%'`.execute(
              t.store.db,
            )
          ).rows[0]?.n === 1,
        'the second transaction to wait for the row lock',
        30_000,
      );
      release();
      await holder;
      assert.deepEqual(await waiter, [10, 10]);
    } finally {
      await t.close();
    }
  });

  /** The statements prepared on the store's connection (pool of one: the session the store uses). */
  async function preparedOn(db: Db, like: string): Promise<number> {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements where statement like ${like}`.execute(db);
    return rows[0]?.n ?? -1;
  }

  test('a statement sent again is prepared once on its connection and then only executed', async () => {
    const t = await startApp({ env: { DATABASE_POOL_MAX: '1' } });
    try {
      const probe = (q: Db | Tx, n: number) => sql<{ n: number }>`select ${n}::int + 0 as n /* prepared-probe */`.execute(q);
      assert.equal((await probe(t.store.db, 1)).rows[0]?.n, 1);
      // The first use runs unnamed (a one-off text is never prepared).
      assert.equal(await preparedOn(t.store.db, '%prepared-probe%'), 0);
      for (const n of [2, 3, 4]) assert.equal((await probe(t.store.db, n)).rows[0]?.n, n);
      // In a transaction too, several at once (the first of them behind BEGIN).
      const rows = await t.store.transaction(async (trx) => Promise.all([5, 6, 7].map(async (n) => (await probe(trx, n)).rows[0]?.n)));
      assert.deepEqual(rows, [5, 6, 7]);
      assert.equal(await preparedOn(t.store.db, '%prepared-probe%'), 1);
    } finally {
      await t.close();
    }
  });

  test('with DATABASE_PREPARED_STATEMENTS=off nothing is prepared (for a pooler in transaction mode)', async () => {
    const t = await startApp({ env: { DATABASE_POOL_MAX: '1', DATABASE_PREPARED_STATEMENTS: 'off' } });
    try {
      for (const n of [1, 2, 3]) await sql`select ${n}::int + 0 as n /* unprepared-probe */`.execute(t.store.db);
      assert.equal(await preparedOn(t.store.db, '%unprepared-probe%'), 0);
    } finally {
      await t.close();
    }
  });

  test('a migration that changes what a prepared statement returns: alone it is sent again, in a transaction the transaction runs again', async () => {
    const t = await startApp({ env: { DATABASE_POOL_MAX: '1' } });
    try {
      await sql`create table prepared_probe (id int primary key, n int not null)`.execute(t.store.db);
      await sql`insert into prepared_probe values (1, 10)`.execute(t.store.db);
      const read = (q: Db | Tx) => sql<Record<string, unknown>>`select * from prepared_probe where id = ${1}`.execute(q);
      await read(t.store.db);
      await read(t.store.db);
      assert.equal(await preparedOn(t.store.db, '%prepared_probe%'), 1);

      // As another replica's migration would: the prepared `select *` now returns another row type.
      await sql`alter table prepared_probe add column note text not null default 'added'`.execute(t.store.db);
      assert.deepEqual((await read(t.store.db)).rows, [{ id: 1, n: 10, note: 'added' }]);
      await read(t.store.db);

      await sql`alter table prepared_probe add column more int not null default 7`.execute(t.store.db);
      let attempts = 0;
      const row = await t.store.transaction(async (trx) => {
        attempts += 1;
        await record(trx, `attempt-${attempts}`).execute();
        return (await read(trx)).rows[0];
      });
      assert.deepEqual(row, { id: 1, n: 10, note: 'added', more: 7 });
      // The first attempt failed on the stale statement and rolled back; only the second committed.
      assert.equal(attempts, 2);
      assert.deepEqual(await tokens(t.store.db), ['attempt-2']);
      // And the statement is prepared again for what the table is now.
      await read(t.store.db);
      assert.equal(await preparedOn(t.store.db, '%prepared_probe%'), 1);
    } finally {
      await t.close();
    }
  });

  test('another connection of the pool drops its stale statements before it is used again', async () => {
    const t = await startApp({ env: { DATABASE_POOL_MAX: '2' } });
    try {
      await sql`create table prepared_probe2 (id int primary key)`.execute(t.store.db);
      await sql`insert into prepared_probe2 values (1)`.execute(t.store.db);
      const read = (q: Db | Tx) => sql<Record<string, unknown>>`select * from prepared_probe2 where id = ${1}`.execute(q);
      // Both connections prepare the statement: two transactions held open at once, each reading twice.
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let reading = 0;
      const both = [1, 2].map(() =>
        t.store.transaction(async (trx) => {
          await read(trx);
          await read(trx);
          reading += 1;
          if (reading === 2) release();
          await held;
        }),
      );
      await Promise.all(both);
      await sql`alter table prepared_probe2 add column note text not null default 'added'`.execute(t.store.db);
      // Every use after the change answers with the new columns, whichever connection it gets.
      for (let i = 0; i < 4; i++) {
        const rows = await Promise.all([t.store.transaction((trx) => read(trx)), read(t.store.db)]);
        for (const r of rows) assert.deepEqual(r.rows, [{ id: 1, note: 'added' }]);
      }
    } finally {
      await t.close();
    }
  });
});
