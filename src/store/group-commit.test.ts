// Group commit on SQLite (store/database.ts GroupCommit): write transactions that arrive together
// share one commit, each in its own savepoint. SQLite only: PostgreSQL shares fsyncs between
// concurrent commits by itself (see docs/PERFORMANCE.md).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { type Durability, GroupCommit, openSqlite, openStore, WalSync, type Tx, whenCommitted } from './database.js';
import { until } from '../test-support/poll.js';

const dirs: string[] = [];
const tempPath = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'group-commit-'));
  dirs.push(dir);
  return join(dir, 'db.sqlite');
};
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function ids(db: ReturnType<typeof openSqlite>): Promise<string[]> {
  return (await sql<{ id: string }>`select id from t order by id`.execute(db)).rows.map((r) => r.id);
}

test('transactions that arrive together share one commit; one that fails rolls back alone and the others commit', async () => {
  const db = openSqlite(tempPath());
  try {
    await sql`create table t (id text primary key)`.execute(db);
    // No time budget: the four are one group however slow the machine is.
    const groups = new GroupCommit(db, null, { budgetMs: Number.POSITIVE_INFINITY });
    const insert = (id: string) => async (trx: Parameters<Parameters<GroupCommit['run']>[0]>[0]) => {
      await sql`insert into t (id) values (${id})`.execute(trx);
      return id;
    };
    const boom = new Error('business rule says no');
    const results = await Promise.allSettled([
      groups.run(insert('a')),
      groups.run(async (trx) => {
        await insert('b')(trx);
        // Sees the write of the transaction before it in the group, as if that one had committed.
        const seen = (await sql<{ n: number }>`select count(*) as n from t where id = 'a'`.execute(trx)).rows[0]?.n;
        assert.equal(seen, 1);
        throw boom;
      }),
      groups.run(async (trx) => {
        await insert('c')(trx);
        // A constraint violation inside: rolls back this transaction's own insert too.
        await sql`insert into t (id) values ('a')`.execute(trx);
      }),
      groups.run(insert('d')),
    ]);
    assert.equal(groups.groups, 1, 'one commit for the four');
    assert.deepEqual(results[0], { status: 'fulfilled', value: 'a' });
    assert.deepEqual(results[1], { status: 'rejected', reason: boom });
    assert.equal(results[2]!.status, 'rejected');
    assert.match(String((results[2] as PromiseRejectedResult).reason), /UNIQUE constraint failed/);
    assert.deepEqual(results[3], { status: 'fulfilled', value: 'd' });
    assert.deepEqual(await ids(db), ['a', 'd']);
    // Later transactions form groups of their own and still work.
    assert.equal(await groups.run(insert('e')), 'e');
    assert.equal(groups.groups, 2);
    assert.deepEqual(await ids(db), ['a', 'd', 'e']);
  } finally {
    await db.destroy();
  }
});

test('when the group transaction itself fails, no caller is told its write succeeded', async () => {
  const db = openSqlite(tempPath());
  try {
    await sql`create table t (id text primary key)`.execute(db);
    const groups = new GroupCommit(db);
    const results = await Promise.allSettled([
      groups.run(async (trx) => {
        await sql`insert into t (id) values ('a')`.execute(trx);
        return 'a';
      }),
      // Ends the group's transaction under it, as SQLite does itself after SQLITE_FULL or an I/O error.
      groups.run(async (trx) => {
        await sql`rollback`.execute(trx);
        throw new Error('disk full');
      }),
      // Not taken into the group that failed: it runs in the next one.
      groups.run(async () => 'after the failed group'),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected', 'fulfilled'],
    );
    assert.match(String((results[0] as PromiseRejectedResult).reason), /disk full/);
    assert.deepEqual(await ids(db), [], 'nothing of the group was kept');
    // The store works on.
    await groups.run(async (trx) => sql`insert into t (id) values ('b')`.execute(trx));
    assert.deepEqual(await ids(db), ['b']);
  } finally {
    await db.destroy();
  }
});

test('the SQLite store groups its transactions (openStore)', async () => {
  const store = await openStore({ kind: 'sqlite', path: tempPath() });
  try {
    await sql`create table t (id text primary key)`.execute(store.db);
    const written = await Promise.all(
      Array.from({ length: 30 }, (_, i) => store.transaction(async (trx) => sql`insert into t (id) values (${`r${i}`})`.execute(trx))),
    );
    assert.equal(written.length, 30);
    assert.equal((await ids(store.db)).length, 30);
  } finally {
    await store.close();
  }
});

test('savepoint journals are kept in memory: a write changing far more than 64 KiB of pages still rolls back alone within its group', async () => {
  const store = await openStore({ kind: 'sqlite', path: tempPath() });
  try {
    const [mode] = (await sql<{ temp_store: number }>`pragma temp_store`.execute(store.db)).rows;
    assert.equal(mode?.temp_store, 2, 'temp_store = MEMORY on the writing connection');
    await sql`create table big (id text primary key, body text not null)`.execute(store.db);
    // Each write: 300 rows of 1 KiB (about 80 pages), so its savepoint's journal is far past SQLite's 64 KiB spill.
    const write = (w: number, fail: boolean) =>
      store.transaction(async (trx) => {
        for (let i = 0; i < 300; i++) await sql`insert into big (id, body) values (${`w${w}-${i}`}, ${'x'.repeat(1024)})`.execute(trx);
        if (fail) throw new Error(`write ${w} fails after its rows`);
      });
    const results = await Promise.allSettled([0, 1, 2, 3, 4].map((w) => write(w, w === 2)));
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
    );
    const counts = (await sql<{ w: string; n: number }>`select substr(id, 1, 2) as w, count(*) as n from big group by 1 order by 1`.execute(store.db)).rows;
    assert.deepEqual(counts, [
      { w: 'w0', n: 300 },
      { w: 'w1', n: 300 },
      { w: 'w3', n: 300 },
      { w: 'w4', n: 300 },
    ]);
  } finally {
    await store.close();
  }
});

test('a group stops taking transactions at its time budget; those left form the next groups, in order', async () => {
  const db = openSqlite(tempPath());
  try {
    await sql`create table t (id text primary key)`.execute(db);
    // A budget of 0: every group takes one transaction (a group always takes at least one).
    const groups = new GroupCommit(db, null, { budgetMs: 0 });
    const order: string[] = [];
    const written = await Promise.all(
      ['a', 'b', 'c', 'd'].map((id) =>
        groups.run(async (trx) => {
          order.push(id);
          await sql`insert into t (id) values (${id})`.execute(trx);
          return id;
        }),
      ),
    );
    assert.deepEqual(written, ['a', 'b', 'c', 'd']);
    assert.deepEqual(order, ['a', 'b', 'c', 'd'], 'arrival order');
    assert.equal(groups.groups, 4);
    assert.deepEqual(await ids(db), ['a', 'b', 'c', 'd']);
  } finally {
    await db.destroy();
  }
});

/** A durability step the test decides about: each call waits until the test settles it. */
class HeldDurability implements Durability {
  readonly pending: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  durable(): Promise<void> {
    return new Promise<void>((resolve, reject) => this.pending.push({ resolve, reject }));
  }
}

test("callers are answered only once their commit is durable; the next group commits meanwhile; a failed fsync fails the group's successes", async () => {
  const db = openSqlite(tempPath());
  try {
    await sql`create table t (id text primary key)`.execute(db);
    const durability = new HeldDurability();
    const groups = new GroupCommit(db, durability, { budgetMs: Number.POSITIVE_INFINITY });
    const settled: string[] = [];
    const insert = (id: string) => (trx: Tx) => sql`insert into t (id) values (${id})`.execute(trx).then(() => id);
    const track = <T>(name: string, p: Promise<T>) =>
      p.then(
        (v) => {
          settled.push(`${name} ok`);
          return v;
        },
        (e: unknown) => {
          settled.push(`${name} failed`);
          throw e;
        },
      );
    const first = [track('a', groups.run(insert('a'))), track('b', groups.run(insert('b')))];
    await until(() => durability.pending.length === 1, 'the first group to commit and wait for its fsync', 30_000);
    assert.deepEqual(await ids(db), ['a', 'b'], 'committed (visible on the connection)');
    assert.deepEqual(settled, [], 'but nobody answered before the fsync');
    // A second group runs and commits while the first one's fsync is still in flight.
    const second = [
      track('c', groups.run(insert('c'))),
      track(
        'd',
        groups.run(async () => Promise.reject(new Error('rule says no'))),
      ),
    ];
    await until(() => durability.pending.length === 2, 'the second group to commit while the first fsync is in flight', 30_000);
    assert.deepEqual(await ids(db), ['a', 'b', 'c']);
    assert.deepEqual(settled, []);
    durability.pending[0]!.resolve();
    assert.deepEqual(await Promise.all(first), ['a', 'b']);
    assert.deepEqual(settled, ['a ok', 'b ok']);
    // The second group's fsync fails: its success is not reported as one; its own failure keeps its own error.
    durability.pending[1]!.reject(new Error('EIO'));
    const [c, d] = await Promise.allSettled(second);
    assert.equal(c!.status, 'rejected');
    assert.match(String((c as PromiseRejectedResult).reason), /EIO/);
    assert.match(String((d as PromiseRejectedResult).reason), /rule says no/);
  } finally {
    await db.destroy();
  }
});

test('whenCommitted hooks run at the group commit, before its fsync, in the group order, and not for work rolled back to its savepoint', async () => {
  const db = openSqlite(tempPath());
  try {
    await sql`create table t (id text primary key)`.execute(db);
    const durability = new HeldDurability();
    const groups = new GroupCommit(db, durability, { budgetMs: Number.POSITIVE_INFINITY });
    const ran: string[] = [];
    const work = (id: string, fail: boolean) => async (trx: Tx) => {
      await sql`insert into t (id) values (${id})`.execute(trx);
      whenCommitted(trx, () => ran.push(id));
      if (fail) throw new Error(`${id} fails`);
      return id;
    };
    const results = Promise.allSettled([groups.run(work('a', false)), groups.run(work('b', true)), groups.run(work('c', false))]);
    await until(() => durability.pending.length === 1, 'the group to commit and wait for its fsync', 30_000);
    assert.deepEqual(ran, ['a', 'c'], 'before the fsync, for the two that committed, in order');
    assert.deepEqual(await ids(db), ['a', 'c']);
    durability.pending[0]!.resolve();
    assert.deepEqual(
      (await results).map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
  } finally {
    await db.destroy();
  }
});

test('WalSync: one fsync of the WAL serves every commit that returned before it started', async () => {
  const path = tempPath();
  const db = openSqlite(path);
  const wal = new WalSync(`${path}-wal`);
  try {
    await sql`create table t (id text primary key)`.execute(db);
    // Three commits return before the first fsync can finish: the first fsync started with one of
    // them done, the second covers the other two.
    await Promise.all([wal.durable(), wal.durable(), wal.durable()]);
    assert.equal(wal.syncs, 2);
    await wal.durable();
    assert.equal(wal.syncs, 3);
  } finally {
    await wal.close();
    await db.destroy();
  }
  const missing = new WalSync(join(tempPath(), 'none-wal'));
  await assert.rejects(missing.durable(), /could not make its commit durable/);
  await missing.close();
});

test('the SQLite store commits its groups durably through WalSync (synchronous=NORMAL only inside a group)', async () => {
  const path = tempPath();
  const store = await openStore({ kind: 'sqlite', path });
  try {
    await sql`create table t (id text primary key)`.execute(store.db);
    await Promise.all(['a', 'b', 'c'].map((id) => store.transaction(async (trx) => sql`insert into t (id) values (${id})`.execute(trx))));
    // Outside a group the connection is back to FULL: writes made without the group commit fsync at commit.
    assert.equal((await sql<{ synchronous: number }>`pragma synchronous`.execute(store.db)).rows[0]?.synchronous, 2);
  } finally {
    await store.close();
  }
  const reopened = openSqlite(path);
  try {
    assert.deepEqual(await ids(reopened), ['a', 'b', 'c']);
  } finally {
    await reopened.destroy();
  }
});

for (const checkpoints of ['connection', 'worker'] as const) {
  test(`a crash in the middle of groups loses no acknowledged write, and no failed write is kept (checkpoints: ${checkpoints})`, async () => {
    const path = tempPath();
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'group-commit-writer.ts'), path, checkpoints], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    try {
      // Killed once it has acknowledged 300 writes and, with SQLITE_CHECKPOINTS=worker, its worker
      // thread has copied some of them into the database file (store/checkpointer.ts): checkpoints go
      // on while it dies.
      const checkpointed = () => checkpoints === 'connection' || out.match(/^checkpoint [1-9]/m) !== null;
      await until(
        () => ((out.match(/^ack /gm)?.length ?? 0) >= 300 && checkpointed()) || child.exitCode !== null,
        'the writer to acknowledge 300 writes and checkpoint',
        120_000,
      );
      assert.equal(child.exitCode, null, `the writer died on its own: ${err}`);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    // Only complete lines: the kill may cut the last one.
    const lines = out.split('\n').slice(0, -1);
    const acked = lines.filter((l) => l.startsWith('ack ')).map((l) => l.slice(4));
    const failed = lines.filter((l) => l.startsWith('failed ')).map((l) => l.slice(7));
    assert.ok(failed.length > 0);
    const db = openSqlite(path);
    try {
      const stored = new Set((await sql<{ id: string }>`select id from crash_test`.execute(db)).rows.map((r) => r.id));
      const lost = acked.filter((id) => !stored.has(id));
      assert.deepEqual(lost, [], 'every acknowledged write is on disk');
      assert.deepEqual(
        failed.filter((id) => stored.has(id)),
        [],
        'no failed write was kept',
      );
    } finally {
      await db.destroy();
    }
  });
}
