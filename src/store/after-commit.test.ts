// afterCommit (store/database.ts): a hook registered in a transaction runs once it has committed
// (a read started by the hook sees what the transaction wrote) and before its caller goes on, and
// never when the transaction fails; on SQLite a transaction that fails inside a group leaves the
// others' hooks to run. On both databases.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { DIALECTS, forDialect, type TestApp } from '../test-support/app.js';
import { afterCommit, type Store, type Tx, whenCommitted } from './database.js';

async function ids(store: Store): Promise<string[]> {
  return (await sql<{ id: string }>`select id from after_commit_t order by id`.execute(store.db)).rows.map((r) => r.id);
}

async function insert(trx: Tx, id: string): Promise<void> {
  await sql`insert into after_commit_t (id) values (${id})`.execute(trx);
}

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    let t: TestApp | undefined;
    after(() => t?.close());
    const store = async (): Promise<Store> => {
      if (t === undefined) {
        t = await forDialect(dialect)();
        await sql`create table after_commit_t (id text primary key)`.execute(t.store.db);
      }
      return t.store;
    };

    test('a hook runs after the commit (a read it starts sees the write) and before the caller goes on', async () => {
      const s = await store();
      const events: string[] = [];
      let read: Promise<string[]> | undefined;
      await s.transaction(async (trx) => {
        await insert(trx, 'committed');
        afterCommit(trx, () => {
          events.push('hook');
          read = ids(s);
        });
        events.push('work');
      });
      events.push('caller');
      assert.deepEqual(events, ['work', 'hook', 'caller']);
      assert.ok((await read!).includes('committed'));
    });

    test('a transaction that fails runs none of its hooks', async () => {
      const s = await store();
      let ran = false;
      const boom = new Error('rolled back');
      await assert.rejects(
        s.transaction(async (trx) => {
          await insert(trx, 'rolled-back');
          afterCommit(trx, () => {
            ran = true;
          });
          throw boom;
        }),
        boom,
      );
      assert.equal(ran, false);
      assert.ok(!(await ids(s)).includes('rolled-back'));
    });

    test('transactions that arrive together: one failing leaves the hooks of those that commit to run', async () => {
      const s = await store();
      const ran: string[] = [];
      const work = (id: string, fail: boolean) => async (trx: Tx) => {
        await insert(trx, id);
        afterCommit(trx, () => ran.push(id));
        if (fail) throw new Error(`${id} fails`);
      };
      const results = await Promise.allSettled([
        s.transaction(work('together-a', false)),
        s.transaction(work('together-b', true)),
        s.transaction(work('together-c', false)),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.ok(ran.includes('together-a') && ran.includes('together-c'), ran.join());
      const stored = await ids(s);
      assert.ok(stored.includes('together-a') && stored.includes('together-c') && !stored.includes('together-b'));
    });

    test('whenCommitted: runs after the commit and before the afterCommit hooks and the caller; only for work that committed', async () => {
      const s = await store();
      const events: string[] = [];
      const work = (id: string, fail: boolean) => async (trx: Tx) => {
        await insert(trx, id);
        afterCommit(trx, () => events.push(`after ${id}`));
        whenCommitted(trx, () => events.push(`when ${id}`));
        if (fail) throw new Error(`${id} fails`);
      };
      const results = await Promise.allSettled([
        s.transaction(work('when-a', false)).then(() => events.push('caller when-a')),
        s.transaction(work('when-b', true)),
        s.transaction(work('when-c', false)).then(() => events.push('caller when-c')),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      // (An afterCommit hook of work rolled back to its savepoint may run on SQLite; whenCommitted's never does.)
      assert.ok(!events.includes('when when-b'), events.join());
      for (const id of ['when-a', 'when-c']) {
        assert.ok(events.indexOf(`when ${id}`) >= 0 && events.indexOf(`when ${id}`) < events.indexOf(`after ${id}`), events.join());
        assert.ok(events.indexOf(`after ${id}`) < events.indexOf(`caller ${id}`), events.join());
      }
    });
  });
}
