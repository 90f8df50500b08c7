// The outboxes' claim (outbox-queue.ts), on both databases: which entities a worker may take (every
// pending row due, none claimed by another worker), all of an entity's pending rows in id order,
// and a claim that looks at a bounded window of due rows without starving an entity behind rows
// it cannot take.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { DIALECTS, forDialect, type TestApp } from '../test-support/app.js';
import { sql } from 'kysely';
import type { Store } from './database.js';
import { claim, dueEntities, retryDelaySeconds } from './outbox-queue.js';

const NOW = 1_800_000_000;

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    let t: TestApp;
    before(async () => {
      t = await startApp();
    });
    after(() => t.close());
    beforeEach(async () => {
      await t.store.db.deleteFrom('outbox').execute();
    });

    /** Adds pending rows for an entity (available now unless told), returning their ids. */
    async function add(entity: string, count: number, row: { availableAt?: number; claimedBy?: string; claimedUntil?: number } = {}): Promise<number[]> {
      const ids: number[] = [];
      for (let i = 0; i < count; i++) {
        const inserted = await t.store.db
          .insertInto('outbox')
          .values({
            kind: 'booking',
            entity_key: entity,
            payload: '{}',
            status: 'pending',
            attempts: 0,
            available_at: row.availableAt ?? NOW - 10,
            claimed_by: row.claimedBy ?? null,
            claimed_until: row.claimedUntil ?? null,
            last_error: null,
            created_at: NOW - 10,
            delivered_at: null,
            merchant_id: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        ids.push(Number(inserted.id));
      }
      return ids;
    }

    test('takes every pending row of the oldest due entities, in id order, up to the number asked for', async () => {
      const a = await add('a', 2);
      const b = await add('b', 1);
      const a2 = await add('a', 1);
      await add('c', 1);
      const rows = await claim(t.store, 'outbox', 'w1', NOW, 60, 2);
      assert.deepEqual(
        rows.map((r) => [r.entityKey, r.id]),
        [
          ['a', a[0]],
          ['a', a[1]],
          ['b', b[0]],
          ['a', a2[0]],
        ].sort((x, y) => Number(x[1]) - Number(y[1])),
      );
      // Claimed rows are not taken again until their lease lapses; the rest is.
      assert.deepEqual(
        (await claim(t.store, 'outbox', 'w2', NOW, 60, 5)).map((r) => r.entityKey),
        ['c'],
      );
      assert.deepEqual((await claim(t.store, 'outbox', 'w2', NOW + 30, 60, 5)).length, 0);
      const lapsed = await claim(t.store, 'outbox', 'w2', NOW + 61, 60, 5);
      assert.deepEqual([...new Set(lapsed.map((r) => r.entityKey))].sort(), ['a', 'b', 'c']);
    });

    test('an entity with a row not yet due, or a row claimed by another worker, is not taken at all', async () => {
      await add('later', 1);
      await add('later', 1, { availableAt: NOW + 100 });
      await add('busy', 1);
      await add('busy', 1, { claimedBy: 'other', claimedUntil: NOW + 30 });
      const free = await add('free', 1);
      const rows = await claim(t.store, 'outbox', 'w1', NOW, 60, 10);
      assert.deepEqual(
        rows.map((r) => r.id),
        free,
      );
    });

    test('rows it cannot take ahead in the queue do not hide an entity it can take', async () => {
      // More untakeable due rows than the claim's window (8 per entity asked for), all older.
      for (let i = 0; i < 30; i++) {
        await add(`waiting-${i}`, 1);
        await add(`waiting-${i}`, 1, { availableAt: NOW + 100 });
      }
      const free = await add('free', 1);
      const rows = await claim(t.store, 'outbox', 'w1', NOW, 60, 1);
      assert.deepEqual(
        rows.map((r) => r.id),
        free,
      );
    });

    test('a backlog larger than the window is taken in rounds, oldest first, every row once', async () => {
      const all: number[] = [];
      for (let i = 0; i < 120; i++) all.push(...(await add(`e${i}`, 1 + (i % 3))));
      const taken: number[] = [];
      for (let round = 0; round < 20; round++) {
        const rows = await claim(t.store, 'outbox', 'w1', NOW, 60, 10);
        if (rows.length === 0) break;
        taken.push(...rows.map((r) => r.id));
        await t.store.transaction((trx) =>
          trx
            .updateTable('outbox')
            .set({ status: 'done' })
            .where(
              'id',
              'in',
              rows.map((r) => r.id),
            )
            .execute(),
        );
      }
      assert.deepEqual(taken, all);
    });

    if (dialect === 'postgres') {
      test("on PostgreSQL the claim reads due rows in the pending index's order before PostgreSQL has gathered the table's statistics", async () => {
        // A table of delivered rows and a backlog of pending ones, whose statistics PostgreSQL has
        // not gathered yet (as after a burst of joins on a new install, before autovacuum analyzes):
        // its statistics are removed, as superuser (the test's PostgreSQL), to make that state.
        // Planned without them, the claim read every pending row by a bitmap scan and sorted them,
        // its cost growing with the backlog.
        await t.store.db
          .insertInto('outbox')
          .columns(['kind', 'entity_key', 'payload', 'status', 'attempts', 'available_at', 'created_at', 'delivered_at'])
          .expression(
            sql`select 'booking', 'd' || g, '{}', 'done', 1, ${NOW - 100}::bigint, ${NOW - 100}::bigint, ${NOW - 50}::bigint from generate_series(1, 20000) g`,
          )
          .execute();
        await t.store.db
          .insertInto('outbox')
          .columns(['kind', 'entity_key', 'payload', 'status', 'attempts', 'available_at', 'created_at'])
          .expression(sql`select 'booking', 'b' || g, '{}', 'pending', 0, ${NOW - 10}::bigint + g / 1000, ${NOW - 10}::bigint from generate_series(1, 5000) g`)
          .execute();
        await sql`delete from pg_statistic where starelid = 'outbox'::regclass`.execute(t.store.db);
        await sql`update pg_class set reltuples = -1, relpages = 0 where oid = 'outbox'::regclass`.execute(t.store.db);
        const plans: string[] = [];
        // The plan the claim's own transaction gets for its first read, taken right after its lock.
        const watched: Store = {
          ...t.store,
          lockKeys: async (trx, keys) => {
            await t.store.lockKeys(trx, keys);
            const query = dueEntities(trx, 'outbox', NOW, 2).compile();
            // Its values written in (numbers and plain strings), so that it is planned for them as the claim's is.
            const literal = (n: string): string => {
              const value = query.parameters[Number(n) - 1];
              return typeof value === 'number' ? String(value) : `'${String(value).replaceAll("'", "''")}'`;
            };
            const explained = await sql<{ 'QUERY PLAN': string }>`explain ${sql.raw(query.sql.replace(/\$(\d+)/g, (_, n: string) => literal(n)))}`.execute(trx);
            plans.push(explained.rows.map((r) => r['QUERY PLAN']).join('\n'));
          },
        };
        const rows = await claim(watched, 'outbox', 'w1', NOW, 60, 2);
        assert.equal(rows.length, 2);
        assert.equal(plans.length, 1);
        assert.match(plans[0]!, /Index Scan using outbox_pending_idx on outbox m/, plans[0]);
        assert.doesNotMatch(plans[0]!, /Bitmap|Seq Scan/, plans[0]);
      });
    }
  });
}

describe('retryDelaySeconds (both outboxes’ workers)', () => {
  test('a Retry-After wins, rounded up, at least a second and at most an hour', () => {
    assert.equal(retryDelaySeconds(0.2, 9, 300), 1);
    assert.equal(retryDelaySeconds(0, 9, 300), 1);
    assert.equal(retryDelaySeconds(4.01, 1, 300), 5);
    assert.equal(retryDelaySeconds(86_400, 1, 300), 3600);
  });

  test('without one: full jitter over 2^attempts seconds, capped, never under a second', () => {
    for (let i = 0; i < 200; i++) {
      const first = retryDelaySeconds(null, 1, 300);
      assert.ok(first >= 1 && first <= 2, `attempt 1 waited ${first}`);
      const capped = retryDelaySeconds(null, 30, 300);
      assert.ok(capped >= 1 && capped <= 300 && Number.isInteger(capped), `attempt 30 waited ${capped}`);
    }
    // Spread over the window, not a fixed delay.
    assert.ok(new Set(Array.from({ length: 200 }, () => retryDelaySeconds(null, 8, 300))).size > 10);
  });
});
