// The live floor in memory (live-floors.ts): it never serves one merchant's queue to another, a
// change made through this process is seen by the very next read, a change made through another
// replica is seen once the floor is older than READ_MODEL_CHECK_MS (and at once by the entry it
// created), and with READ_MODEL_CHECK_MS=0 every read goes to the store. On SQLite and PostgreSQL.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closedAfterSuite, DIALECTS, forDialect, seedMerchant, type TestApp } from '../test-support/app.js';
import { until } from '../test-support/poll.js';

/** Long enough that no floor gets old during a test: only this process's writes drop one. */
const NO_CHECK = { READ_MODEL_CHECK_MS: '3600000' };
const TWO_TOPS = [
  { id: 'two-a', name: 'Two-top A', minSeats: 1, seats: 2 },
  { id: 'two-b', name: 'Two-top B', minSeats: 1, seats: 2 },
];

let guests = 0;
async function join(t: TestApp, merchantId: string): Promise<string> {
  guests += 1;
  const result = await t.services.waitlist.join(
    {
      merchantId,
      serviceId: 'waitlist',
      partySize: 2,
      guest: { givenName: `Guest ${guests}`, familyName: '', telephone: null, email: `live-floor-${guests}@example.com`, googleUserId: null },
      additionalRequest: null,
      source: 'merchant',
    },
    null,
  );
  assert.ok('entryId' in result, JSON.stringify(result));
  return result.entryId;
}

/** Parties ahead of a new party of two, as BatchGetWaitEstimates answers it. */
async function ahead(t: TestApp, merchantId: string): Promise<number> {
  const res = await t.google('BatchGetWaitEstimates', { merchant_id: merchantId, service_id: 'waitlist', party_size: [2] });
  assert.equal(res.statusCode, 200, res.body);
  const estimates = res.json().wait_estimate as { wait_length: { parties_ahead_count?: number } }[];
  assert.equal(estimates.length, 1, res.body);
  return estimates[0]!.wait_length.parties_ahead_count ?? 0;
}

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    const keep = closedAfterSuite();
    const start = async (...args: Parameters<typeof startApp>): Promise<TestApp> => keep(await startApp(...args));
    const urlOf = (t: TestApp): string => (t.config.database.kind === 'postgres' ? t.config.database.url : `sqlite:${t.config.database.path}`);

    test('never serves one merchant the queue of another with the same service id', async () => {
      const t = await start({ env: NO_CHECK });
      await seedMerchant(t.services, { id: 'three-waiting', tables: TWO_TOPS });
      await seedMerchant(t.services, { id: 'one-waiting', tables: TWO_TOPS });
      const three = [await join(t, 'three-waiting'), await join(t, 'three-waiting'), await join(t, 'three-waiting')];
      const one = [await join(t, 'one-waiting')];
      for (let round = 0; round < 2; round++) {
        assert.equal(await ahead(t, 'three-waiting'), 3);
        assert.equal(await ahead(t, 'one-waiting'), 1);
      }
      const floors = t.services.waitlist.floors;
      const since = 0;
      assert.deepEqual(
        (await floors.get('three-waiting', 'waitlist', since)).queue.map((p) => p.id),
        three,
      );
      assert.deepEqual(
        (await floors.get('one-waiting', 'waitlist', since)).queue.map((p) => p.id),
        one,
      );
      assert.deepEqual((await floors.get('nobody', 'waitlist', since)).queue, []);
      // An entry read names its own merchant's queue: the first of "one-waiting" has nobody ahead.
      const entry = await t.google('GetWaitlistEntry', { waitlist_entry_id: one[0] });
      assert.equal(entry.statusCode, 200, entry.body);
      assert.equal(entry.json().waitlist_entry.wait_estimate.wait_length.parties_ahead_count ?? 0, 0, entry.body);
    });

    test('a change made through this process is seen by the very next read; otherwise the floor is served from memory', async () => {
      const t = await start({ env: NO_CHECK });
      await seedMerchant(t.services, { id: 'busy', tables: TWO_TOPS });
      await seedMerchant(t.services, { id: 'bystander', tables: TWO_TOPS });
      const floors = t.services.waitlist.floors;
      assert.equal(await ahead(t, 'busy'), 0);
      assert.equal(await ahead(t, 'bystander'), 0);
      const loads = floors.loads;
      assert.equal(await ahead(t, 'busy'), 0);
      assert.equal(floors.loads, loads, 'a second read is served from memory');

      const first = await join(t, 'busy');
      assert.equal(await ahead(t, 'busy'), 1, 'a join');
      const second = await join(t, 'busy');
      assert.equal(await ahead(t, 'busy'), 2);
      await t.services.waitlist.act(first, 'cancel');
      assert.equal(await ahead(t, 'busy'), 1, 'a cancel');
      await t.services.waitlist.act(second, 'seat', { tableId: 'two-a' });
      assert.equal(await ahead(t, 'busy'), 0, 'a seat');
      const waiting = [await join(t, 'busy'), await join(t, 'busy')];
      assert.equal(await ahead(t, 'busy'), 2);
      // Both tables taken (one by the party seated above), nobody waiting: a new party waits for a table to clear.
      await t.services.waitlist.act(waiting[0]!, 'seat', { tableId: 'two-b' });
      await t.services.waitlist.act(waiting[1]!, 'cancel');
      assert.equal(await ahead(t, 'busy'), 0);
      const taken = (await t.services.waitlist.estimates('busy', 'waitlist', [2])).estimates[0]!.estimate.seatAt;
      await t.services.waitlist.leave(second, 'busy');
      const cleared = (await t.services.waitlist.estimates('busy', 'waitlist', [2])).estimates[0]!.estimate.seatAt;
      assert.ok(cleared < taken, `a table cleared makes the wait shorter (${cleared} < ${taken})`);
      // A deactivation cancels the queue in the removal service's transaction.
      await join(t, 'busy');
      assert.equal(await ahead(t, 'busy'), 1);
      await t.services.removal.deactivate({ merchantId: 'busy', serviceId: null }, 'keep');
      assert.deepEqual((await floors.get('busy', 'waitlist', 0)).queue, [], 'the deactivation cancelled the queue');

      const before = floors.loads;
      assert.equal(await ahead(t, 'bystander'), 0);
      assert.equal(floors.loads, before, "another merchant's changes leave the bystander's floor in memory");
    });

    test("another replica's join: the entry's own read has its estimate at once; the estimates see it once the floor is older than READ_MODEL_CHECK_MS", async () => {
      const writer = await start();
      await seedMerchant(writer.services, { id: 'shared', tables: TWO_TOPS });
      // A reader that keeps floors for an hour, and one that keeps them for 200 ms.
      const keeping = await start({ databaseUrl: urlOf(writer), env: NO_CHECK });
      const checking = await start({ databaseUrl: urlOf(writer), env: { READ_MODEL_CHECK_MS: '200' } });
      assert.equal(await ahead(keeping, 'shared'), 0);
      assert.equal(await ahead(checking, 'shared'), 0);

      const entryId = await join(writer, 'shared');
      assert.equal(await ahead(writer, 'shared'), 1, 'the writer sees its own join at once');
      // The entry read finds the entry in the queue although the floor in memory predates it.
      for (const reader of [keeping, checking]) {
        const entry = await reader.google('GetWaitlistEntry', { waitlist_entry_id: entryId });
        assert.equal(entry.statusCode, 200, entry.body);
        const body = entry.json().waitlist_entry;
        assert.equal(body.waitlist_entry_state, 'WAITING', entry.body);
        assert.equal(body.wait_estimate.wait_length.parties_ahead_count ?? 0, 0, entry.body);
      }
      assert.equal(await ahead(keeping, 'shared'), 1, 'the entry read refreshed the floor');

      const second = await join(writer, 'shared');
      await until(async () => (await ahead(checking, 'shared')) === 2, "the other replica's join to reach a reader checking every 200 ms", 30_000);
      await writer.services.waitlist.act(second, 'cancel');
      await until(async () => (await ahead(checking, 'shared')) === 1, "the other replica's cancel to reach a reader checking every 200 ms", 30_000);
    });

    /** GetWaitlistEntry's answer, the number of queries it made, and the same entry's answer read from the store. */
    const entryRead = async (t: TestApp, queries: string[], entryId: string) => {
      queries.length = 0;
      const res = await t.google('GetWaitlistEntry', { waitlist_entry_id: entryId });
      assert.equal(res.statusCode, 200, res.body);
      // Queries of entries (the entry, the floor); the merchant's configuration may be checked again
      // on PostgreSQL when the read model's LISTEN connection comes up (merchants/configs.ts), which is not this read's doing.
      const made = queries.filter((q) => q.includes('waitlist_entries')).length;
      const body = res.json().waitlist_entry;
      // The store's answer: with the merchant's floors dropped, the entry is read from the store.
      const merchantId = (await t.services.waitlist.get(entryId)).entry.merchantId;
      t.services.waitlist.dropFloors(merchantId);
      const stored = await t.google('GetWaitlistEntry', { waitlist_entry_id: entryId });
      assert.equal(stored.statusCode, 200, stored.body);
      return { body, made, stored: stored.json().waitlist_entry };
    };

    /**
     * Loads the merchant's floor into memory, then reads the entry as `entryRead` does, until the read
     * made no entry query. A floor may be dropped between the two by something this read does not
     * control (on PostgreSQL a notification of the test's own set-up writes can arrive late and drop
     * it); a read that never answers from memory in 20 tries fails, naming the queries it made.
     */
    const entryReadFromMemory = async (t: TestApp, queries: string[], merchantId: string, entryId: string) => {
      const seen: string[] = [];
      for (let attempt = 0; attempt < 20; attempt += 1) {
        await ahead(t, merchantId); // the floor in memory
        const read = await entryRead(t, queries, entryId);
        if (read.made === 0) return read;
        seen.push(queries.join(' | '));
      }
      assert.fail(`${entryId}: never answered from memory in 20 tries; queries made: ${seen.join(' || ')}`);
    };

    test('GetWaitlistEntry of a queued party is answered from the floor in memory, as the store would answer it; own changes are seen at once', async () => {
      const queries: string[] = [];
      const t = await start({ env: NO_CHECK, onQuery: (sql) => queries.push(sql) });
      await seedMerchant(t.services, { id: 'entries-a', tables: TWO_TOPS });
      await seedMerchant(t.services, { id: 'entries-b', tables: TWO_TOPS });
      const a = [await join(t, 'entries-a'), await join(t, 'entries-a'), await join(t, 'entries-a')];
      const b = [await join(t, 'entries-b')];
      for (const [merchantId, ids] of [
        ['entries-a', a],
        ['entries-b', b],
      ] as const) {
        for (const [k, id] of ids.entries()) {
          const { body, made, stored } = await entryReadFromMemory(t, queries, merchantId, id);
          assert.equal(made, 0, `${id}: answered from memory`);
          assert.deepEqual(body, stored, 'the same answer as from the store');
          assert.equal(body.waitlist_entry_state, 'WAITING');
          // Its own merchant's queue: k parties ahead in "entries-a", none in "entries-b".
          assert.equal(body.wait_estimate.wait_length.parties_ahead_count ?? 0, k, JSON.stringify(body));
          assert.equal((await t.services.waitlist.entryStatus(id)).entry.merchantId, merchantId);
        }
      }
      // Changes made through this process: the next read sees them.
      await ahead(t, 'entries-a');
      await t.services.waitlist.act(a[0]!, 'cancel');
      const canceled = await t.google('GetWaitlistEntry', { waitlist_entry_id: a[0] });
      assert.equal(canceled.json().waitlist_entry.waitlist_entry_state, 'CANCELED', canceled.body);
      assert.ok(canceled.json().waitlist_entry.waitlist_entry_state_times.canceled_time_seconds, canceled.body);
      await ahead(t, 'entries-a');
      await t.services.waitlist.act(a[1]!, 'notify');
      const ready = await entryRead(t, queries, a[1]!);
      assert.equal(ready.body.waitlist_entry_state, 'SERVICE_READY', JSON.stringify(ready.body));
      assert.deepEqual(ready.body, ready.stored);
      const again = await entryReadFromMemory(t, queries, 'entries-a', a[1]!);
      assert.equal(again.made, 0, 'a party still in the queue is answered from memory again');
      assert.equal(again.body.waitlist_entry_state, 'SERVICE_READY');
      assert.ok(again.body.waitlist_entry_state_times.service_readied_time_seconds, JSON.stringify(again.body));
      assert.deepEqual(again.body, again.stored);
      await ahead(t, 'entries-a');
      await t.services.waitlist.act(a[2]!, 'seat', { tableId: 'two-a' });
      const seated = await t.google('GetWaitlistEntry', { waitlist_entry_id: a[2] });
      assert.equal(seated.json().waitlist_entry.waitlist_entry_state, 'SEATED', seated.body);
      assert.equal((await t.google('GetWaitlistEntry', { waitlist_entry_id: 'no-such-entry' })).statusCode, 404);
    });

    test("GetWaitlistEntry: another replica's change is seen once the floor is older than READ_MODEL_CHECK_MS", async () => {
      const writer = await start();
      await seedMerchant(writer.services, { id: 'entry-shared', tables: TWO_TOPS });
      const keeping = await start({ databaseUrl: urlOf(writer), env: NO_CHECK });
      const checking = await start({ databaseUrl: urlOf(writer), env: { READ_MODEL_CHECK_MS: '200' } });
      const entryId = await join(writer, 'entry-shared');
      const state = async (reader: TestApp): Promise<string> => {
        const res = await reader.google('GetWaitlistEntry', { waitlist_entry_id: entryId });
        assert.equal(res.statusCode, 200, res.body);
        return res.json().waitlist_entry.waitlist_entry_state as string;
      };
      for (const reader of [keeping, checking]) {
        assert.equal(await ahead(reader, 'entry-shared'), 1);
        assert.equal(await state(reader), 'WAITING');
      }
      // Still in the queue: the reader reads its floor again once it is too old, and answers from it.
      await writer.services.waitlist.act(entryId, 'notify');
      await until(async () => (await state(checking)) === 'SERVICE_READY', "the other replica's notify to reach a reader checking every 200 ms", 30_000);
      await writer.services.waitlist.act(entryId, 'cancel');
      await until(async () => (await state(checking)) === 'CANCELED', "the other replica's cancel to reach a reader checking every 200 ms", 30_000);
      // A reader whose floor is younger than its bound still answers from memory: the bound is what a read may lag.
      assert.equal(await state(keeping), 'WAITING');
      keeping.services.waitlist.dropFloors('entry-shared');
      assert.equal(await state(keeping), 'CANCELED');
    });

    test('READ_MODEL_CHECK_MS=0: every read reads the floor from the store', async () => {
      const t = await start({ env: { READ_MODEL_CHECK_MS: '0' } });
      await seedMerchant(t.services, { id: 'unkept', tables: TWO_TOPS });
      const floors = t.services.waitlist.floors;
      assert.equal(await ahead(t, 'unkept'), 0);
      const loads = floors.loads;
      assert.equal(await ahead(t, 'unkept'), 0);
      assert.equal(await ahead(t, 'unkept'), 0);
      assert.equal(floors.loads, loads + 2);
    });
  });
}
