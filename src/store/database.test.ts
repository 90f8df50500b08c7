// PostgreSQL connections that die under the server: idle in the pool, or checked out in the
// middle of a transaction (a failover, a terminated backend). The transaction fails with an error
// the HTTP layer answers with 503, the process lives on, and the next transaction gets a new
// connection.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { isStoreUnavailable } from '../http/error-mapping.js';
import { backendAlive, PG_SKIP, terminateConnections } from '../test-support/postgres.js';
import { forDialect } from '../test-support/app.js';
import { until } from '../test-support/poll.js';

describe('postgres connections that die', { skip: PG_SKIP }, () => {
  const startApp = forDialect('postgres');

  test('lost in the middle of a transaction: that transaction fails (503-class), the process lives, the next one works', async () => {
    const t = await startApp();
    try {
      const url = t.config.database.kind === 'postgres' ? t.config.database.url : assert.fail('postgres');
      let caught: unknown = null;
      let terminated = 0;
      await t.store
        .transaction(async (trx) => {
          const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]?.pid ?? assert.fail('no backend pid');
          terminated = await terminateConnections(url);
          assert.ok(terminated >= 1);
          // The backend is gone while this transaction holds its connection between two queries.
          await until(async () => !(await backendAlive(pid)), 'the terminated backend to exit');
          await sql`select 2`.execute(trx);
        })
        .catch((error: unknown) => (caught = error));
      assert.ok(caught instanceof Error, 'the transaction failed');
      assert.ok(isStoreUnavailable(caught), `answered as the store being unavailable: ${String(caught)}`);
      // The pool's other (idle) connections were terminated too: the next transaction runs once the pool has dropped them.
      await until(() => t.idleConnectionErrors() >= terminated - 1, 'the pool to drop its dead idle connections');
      const rows = await t.store.transaction(async (trx) => (await sql<{ n: number }>`select 3 as n`.execute(trx)).rows);
      assert.deepEqual(rows, [{ n: 3 }]);
    } finally {
      await t.close();
    }
  });

  test('idle in the pool: replaced without the caller noticing', async () => {
    const t = await startApp();
    try {
      const url = t.config.database.kind === 'postgres' ? t.config.database.url : assert.fail('postgres');
      await Promise.all([1, 2, 3].map(() => sql`select pg_sleep(0.05)`.execute(t.store.db)));
      const terminated = await terminateConnections(url);
      assert.ok(terminated >= 1);
      await until(() => t.idleConnectionErrors() >= terminated, 'the pool to drop its dead idle connections');
      const rows = await t.store.transaction(async (trx) => (await sql<{ n: number }>`select 4 as n`.execute(trx)).rows);
      assert.deepEqual(rows, [{ n: 4 }]);
    } finally {
      await t.close();
    }
  });
});
