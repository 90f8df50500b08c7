// Prepared queries (prepared.ts): built and compiled once per database, then run with new values,
// on the store's Db and inside transactions, on SQLite and PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type TestApp, DIALECTS, forDialect } from '../test-support/app.js';
import { arg, prepared, preparedWith } from './prepared.js';

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    let t: TestApp;
    before(async () => {
      t = await startApp();
    });
    after(() => t.close());

    let builds = 0;
    // `now` goes in two columns: each use of a named value is its own parameter.
    const claim = preparedWith<{ scope: string; token: string; now: number }, never>((q, v) => {
      builds += 1;
      return q
        .insertInto('idempotency_records')
        .values({ scope: v.scope, token: v.token, request_hash: 'h', response_json: '', created_at: v.now })
        .onConflict((oc) => oc.columns(['scope', 'token']).doNothing());
    });
    const record = prepared<[scope: string, token: string], { request_hash: string; created_at: number }>((q) =>
      q.selectFrom('idempotency_records').select(['request_hash', 'created_at']).where('scope', '=', arg<string>(0)).where('token', '=', arg<string>(1)),
    );

    test('preparedWith puts each named value where it goes, tells how many rows it changed, and is built once', async () => {
      const first = await claim(t.store.db, { scope: 'prepared', token: 'a', now: 100 });
      assert.equal(Number(first.numAffectedRows), 1);
      const again = await t.store.transaction((trx) => claim(trx, { scope: 'prepared', token: 'a', now: 200 }));
      assert.equal(Number(again.numAffectedRows), 0);
      const other = await t.store.transaction((trx) => claim(trx, { scope: 'prepared', token: 'b', now: 300 }));
      assert.equal(Number(other.numAffectedRows), 1);
      assert.deepEqual(
        (await record(t.store.db, 'prepared', 'a')).map((r) => Number(r.created_at)),
        [100],
      );
      assert.deepEqual(
        (await record(t.store.db, 'prepared', 'b')).map((r) => Number(r.created_at)),
        [300],
      );
      assert.equal(builds, 1);
    });

    test('a transaction that rolls back takes its prepared writes with it', async () => {
      await assert.rejects(
        t.store.transaction(async (trx) => {
          await claim(trx, { scope: 'prepared', token: 'rolled-back', now: 1 });
          throw new Error('no');
        }),
        /no/,
      );
      assert.deepEqual(await record(t.store.db, 'prepared', 'rolled-back'), []);
    });
  });
}
