// A join on SQLite takes its service's live floor from memory instead of reading it in its
// transaction when the floor is the database's at the data version the transaction reads
// (LiveFloors.claimForJoin), and leaves the floor it decided on, with its party, for the next join
// (keepAfterJoin). Whatever was written in between (another connection, a write of this process,
// another join of the same group commit), the next join reads the floor in its transaction, and the
// floor kept after a join is always the one the database holds. On PostgreSQL every join reads it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nowSeconds } from '../clock.js';
import { closedAfterSuite, DIALECTS, forDialect, heldDurability, seedMerchant, type TestApp } from '../test-support/app.js';
import { until } from '../test-support/poll.js';

/** No floor or configuration gets old during a test: only writes drop them. */
const NO_CHECK = { READ_MODEL_CHECK_MS: '3600000' };
/** The floor's query (waitlist/repository.ts buildFloorQuery). */
const FLOOR_QUERY = 'select 0 as "kind"';
/** As WaitlistService.load: the seated parties of the last six hours. */
const since = (t: TestApp): number => nowSeconds(t.clock) - 6 * 3600;

let guests = 0;

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    const keep = closedAfterSuite();
    const queries: string[] = [];
    const start = async (...args: Parameters<typeof startApp>): Promise<TestApp> => keep(await startApp(...args));
    const urlOf = (t: TestApp): string => (t.config.database.kind === 'postgres' ? t.config.database.url : `sqlite:${t.config.database.path}`);

    /** Joins through Google's call; whether the join read the floor in its transaction. */
    const join = async (t: TestApp, merchantId: string): Promise<{ entryId: string; readFloor: boolean }> => {
      guests += 1;
      queries.length = 0;
      const res = await t.google('CreateWaitlistEntry', {
        merchant_id: merchantId,
        service_id: 'waitlist',
        party_size: 2,
        idempotency_token: `join-floor-${guests}`,
        user_information: { user_id: `join-floor-${guests}`, given_name: 'Ada', family_name: 'Lovelace', telephone: '+1 212-736-5000' },
      });
      assert.equal(res.statusCode, 200, res.body);
      const entryId = res.json().waitlist_entry_id as string;
      assert.ok(entryId, res.body);
      return { entryId, readFloor: queries.some((q) => q.includes(FLOOR_QUERY)) };
    };

    /** The floor kept in memory equals the one read from the database now; the queue's ids. */
    const keptIsTheDatabases = async (t: TestApp, merchantId: string): Promise<string[]> => {
      const floors = t.services.waitlist.floors;
      const kept = await floors.get(merchantId, 'waitlist', since(t));
      const read = await floors.fresh(merchantId, 'waitlist', since(t));
      assert.deepEqual(kept, read);
      return read.queue.map((p) => p.id);
    };

    test('from the second join on, the floor comes from memory on SQLite, and the floor kept is the database’s', async () => {
      const t = await start({ env: NO_CHECK, onQuery: (sql) => queries.push(sql) });
      await seedMerchant(t.services, { id: 'row' });
      const hitsBefore = t.services.waitlist.floors.joinHits;
      const joined: { entryId: string; readFloor: boolean }[] = [];
      for (let i = 0; i < 4; i++) joined.push(await join(t, 'row'));
      assert.deepEqual(
        joined.map((j) => j.readFloor),
        dialect === 'sqlite' ? [true, false, false, false] : [true, true, true, true],
      );
      assert.equal(t.services.waitlist.floors.joinHits - hitsBefore, dialect === 'sqlite' ? 3 : 0);
      if (dialect === 'sqlite') {
        assert.deepEqual(
          await keptIsTheDatabases(t, 'row'),
          joined.map((j) => j.entryId),
        );
      }
    });

    if (dialect === 'sqlite') {
      test('a join in the group after one whose fsync is still in flight takes its floor from memory', async () => {
        // The fsync of each group commit held while `holding`: the next group runs meanwhile.
        const fsyncs = heldDurability();
        const t = await start({ env: NO_CHECK, onQuery: (sql) => queries.push(sql), durability: fsyncs.durability });
        await seedMerchant(t.services, { id: 'inflight' });
        const first = await join(t, 'inflight');
        fsyncs.holding = true;
        const second = join(t, 'inflight');
        await until(() => fsyncs.held === 1, 'the second join to commit and wait for its fsync', 30_000);
        const hitsBefore = t.services.waitlist.floors.joinHits;
        const third = join(t, 'inflight');
        await until(() => fsyncs.held === 2, 'the third join to commit while the second one’s fsync is in flight', 30_000);
        assert.equal(t.services.waitlist.floors.joinHits - hitsBefore, 1, 'the third join took the floor the second one kept at its commit');
        fsyncs.releaseAll();
        const [two, three] = await Promise.all([second, third]);
        assert.equal(three.readFloor, false);
        const position = await t.google('GetWaitlistEntry', { waitlist_entry_id: three.entryId });
        assert.equal(position.json().waitlist_entry.wait_estimate.wait_length.parties_ahead_count, 2, position.body);
        assert.deepEqual(await keptIsTheDatabases(t, 'inflight'), [first.entryId, two.entryId, three.entryId]);
      });
    }

    test('a join after another connection wrote reads the floor in its transaction, and sees that write', async () => {
      const t = await start({ env: NO_CHECK, onQuery: (sql) => queries.push(sql) });
      await seedMerchant(t.services, { id: 'shared' });
      const first = await join(t, 'shared');
      const second = await join(t, 'shared');
      // Another replica (on SQLite another connection to the same file) joins the same queue.
      const other = await start({ databaseUrl: urlOf(t), env: NO_CHECK });
      const theirs = await join(other, 'shared');
      const next = await join(t, 'shared');
      assert.equal(next.readFloor, true, 'the floor kept in memory does not hold the other connection’s join');
      const position = await t.google('GetWaitlistEntry', { waitlist_entry_id: next.entryId });
      assert.equal(position.statusCode, 200, position.body);
      assert.equal(position.json().waitlist_entry.wait_estimate.wait_length.parties_ahead_count, 3, position.body);
      if (dialect === 'sqlite') assert.deepEqual(await keptIsTheDatabases(t, 'shared'), [first.entryId, second.entryId, theirs.entryId, next.entryId]);
    });

    test('a join after a write of this process (a cancel) reads the floor in its transaction', async () => {
      const t = await start({ env: NO_CHECK, onQuery: (sql) => queries.push(sql) });
      await seedMerchant(t.services, { id: 'cancels' });
      const first = await join(t, 'cancels');
      const second = await join(t, 'cancels');
      await t.services.waitlist.act(first.entryId, 'cancel');
      const next = await join(t, 'cancels');
      assert.equal(next.readFloor, true);
      const position = await t.google('GetWaitlistEntry', { waitlist_entry_id: next.entryId });
      assert.equal(position.json().waitlist_entry.wait_estimate.wait_length.parties_ahead_count, 1, position.body);
      if (dialect === 'sqlite') assert.deepEqual(await keptIsTheDatabases(t, 'cancels'), [second.entryId, next.entryId]);
    });

    test('a write of this process in the same group commit as a join, just before it: the join reads the floor, and keeps the database’s', async () => {
      const t = await start({ env: NO_CHECK, onQuery: (sql) => queries.push(sql) });
      await seedMerchant(t.services, { id: 'interleaved' });
      const first = await join(t, 'interleaved');
      const second = await join(t, 'interleaved');
      guests += 1;
      // Both enter the store's queue in this turn of the event loop: on SQLite one group, the cancel first.
      const [, joined] = await Promise.all([
        t.services.waitlist.act(first.entryId, 'cancel'),
        t.services.waitlist.join(
          {
            merchantId: 'interleaved',
            serviceId: 'waitlist',
            partySize: 2,
            guest: { givenName: 'Ada', familyName: 'Lovelace', telephone: null, email: null, googleUserId: `join-floor-${guests}` },
            additionalRequest: null,
            source: 'google',
          },
          { scope: 'join-floor-test', token: `join-floor-${guests}`, requestHash: 'test' },
        ),
      ]);
      assert.ok('entryId' in joined, JSON.stringify(joined));
      const position = await t.google('GetWaitlistEntry', { waitlist_entry_id: joined.entryId });
      assert.equal(position.json().waitlist_entry.wait_estimate.wait_length.parties_ahead_count, 1, position.body);
      if (dialect === 'sqlite') assert.deepEqual(await keptIsTheDatabases(t, 'interleaved'), [second.entryId, joined.entryId]);
    });

    test('joins of one merchant arriving together (one group commit on SQLite) each see those before them', async () => {
      const t = await start({ env: NO_CHECK, onQuery: (sql) => queries.push(sql) });
      await seedMerchant(t.services, { id: 'rush' });
      await join(t, 'rush');
      const together = await Promise.all(Array.from({ length: 6 }, () => join(t, 'rush')));
      const after = await join(t, 'rush');
      const ids = new Set([...together.map((j) => j.entryId), after.entryId]);
      assert.equal(ids.size, 7);
      const position = await t.google('GetWaitlistEntry', { waitlist_entry_id: after.entryId });
      assert.equal(position.json().waitlist_entry.wait_estimate.wait_length.parties_ahead_count, 7, position.body);
      if (dialect === 'sqlite') assert.equal((await keptIsTheDatabases(t, 'rush')).length, 8);
    });
  });
}
