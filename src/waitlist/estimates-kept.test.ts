// Wait estimates and entries answered at once from memory (WaitlistService.estimatesKept and
// entryStatusKept, issue 17): only when
// what a read would take from memory is there and current, always what `estimates` answers at that
// moment, the same result object again only for the same inputs in the same second, never another
// merchant's, and never with READ_MODEL_CHECK_MS=0 (every read goes to the store). On SQLite and
// PostgreSQL.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closedAfterSuite, DIALECTS, forDialect, seedMerchant, type TestApp } from '../test-support/app.js';
import { until } from '../test-support/poll.js';
import type { EstimatesResult } from './service.js';

/** Long enough that nothing kept gets old during a test: only this process's writes drop it. */
const NO_CHECK = { READ_MODEL_CHECK_MS: '3600000' };
const TABLES = [
  { id: 'two-a', name: 'Two-top A', minSeats: 1, seats: 2 },
  { id: 'four-a', name: 'Four-top A', minSeats: 2, seats: 4 },
];
const SIZES = [2, 4];

let guests = 0;
async function join(t: TestApp, merchantId: string, partySize = 2): Promise<string> {
  guests += 1;
  const result = await t.services.waitlist.join(
    {
      merchantId,
      serviceId: 'waitlist',
      partySize,
      guest: { givenName: `Guest ${guests}`, familyName: '', telephone: null, email: `kept-${guests}@example.com`, googleUserId: null },
      additionalRequest: null,
      source: 'merchant',
    },
    null,
  );
  assert.ok('entryId' in result, JSON.stringify(result));
  return result.entryId;
}

/**
 * A read of the merchant's estimates, the way they come to be kept. On PostgreSQL the first read also
 * starts listening for changes, and once it listens the next read checks the stamps again (what
 * changed while it was not listening): the read is repeated after that.
 */
async function read(t: TestApp, merchantId: string, sizes = SIZES): Promise<void> {
  await t.services.waitlist.estimates(merchantId, 'waitlist', sizes);
  if (t.config.database.kind === 'postgres') {
    const configs = t.services.merchants.configs;
    await until(async () => configs.notified, 'the configuration cache to listen', 30_000);
    await t.services.waitlist.estimates(merchantId, 'waitlist', sizes);
  }
}

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    const keep = closedAfterSuite();
    const start = async (env: Record<string, string>): Promise<TestApp> => keep(await startApp({ env }));

    test('answers at once only from what is kept, and always what estimates() answers then', async () => {
      const t = await start(NO_CHECK);
      const waitlist = t.services.waitlist;
      await seedMerchant(t.services, { id: 'kept', tables: TABLES });
      // Nothing read yet: nothing to answer from.
      assert.equal(waitlist.estimatesKept('kept', 'waitlist', SIZES), null);
      await read(t, 'kept');
      const first = await waitlist.estimates('kept', 'waitlist', SIZES);
      const kept = waitlist.estimatesKept('kept', 'waitlist', SIZES);
      assert.ok(kept !== null, 'kept after a read');
      assert.deepEqual(kept, first);
      // The same inputs in the same second: the same object (printed once by the route).
      assert.equal(waitlist.estimatesKept('kept', 'waitlist', SIZES), kept);
      // Other sizes: computed for them.
      assert.deepEqual(waitlist.estimatesKept('kept', 'waitlist', [4]), await waitlist.estimates('kept', 'waitlist', [4]));

      // A join changes the floor: the next answer has the party, as estimates() does.
      await join(t, 'kept');
      await join(t, 'kept', 4);
      const afterJoins = await waitlist.estimates('kept', 'waitlist', SIZES);
      assert.deepEqual(
        afterJoins.estimates.map((e) => e.estimate.partiesAhead),
        [2, 2],
      );
      const keptAfterJoins = waitlist.estimatesKept('kept', 'waitlist', SIZES);
      assert.ok(keptAfterJoins !== null);
      assert.notEqual(keptAfterJoins, kept);
      assert.deepEqual(keptAfterJoins, afterJoins);

      // A minute later: computed again for the new time (the seat times move with it).
      t.clock.advanceSeconds(60);
      const later = waitlist.estimatesKept('kept', 'waitlist', SIZES);
      assert.ok(later !== null);
      assert.notEqual(later, keptAfterJoins);
      assert.deepEqual(later, await waitlist.estimates('kept', 'waitlist', SIZES));
    });

    test("an entry's status is answered at once only for a party of a kept floor, and always what entryStatus() answers then", async () => {
      const t = await start(NO_CHECK);
      const waitlist = t.services.waitlist;
      await seedMerchant(t.services, { id: 'entries', tables: TABLES });
      await seedMerchant(t.services, { id: 'entries-other', tables: TABLES });
      const first = await join(t, 'entries');
      const second = await join(t, 'entries', 4);
      const elsewhere = await join(t, 'entries-other');
      await read(t, 'entries');
      for (const id of [first, second]) {
        const kept = waitlist.entryStatusKept(id);
        assert.ok(kept !== null, `${id} answered at once`);
        assert.deepEqual(kept, await waitlist.entryStatus(id));
        assert.equal(kept.entry.merchantId, 'entries');
      }
      assert.equal(waitlist.entryStatusKept(second)?.estimate?.partiesAhead, 1);
      // A floor nobody read since its join changed it, and an id no floor holds: read from the store.
      assert.equal(waitlist.entryStatusKept('no-such-entry'), null);
      const other = waitlist.entryStatusKept(elsewhere);
      assert.ok(other === null || other.entry.merchantId === 'entries-other', JSON.stringify(other));
      // Cancelled through this process: out of the queue, so never answered from a floor.
      await waitlist.act(first, 'cancel', { idempotentCancel: true });
      assert.equal(waitlist.entryStatusKept(first), null);
      assert.equal((await waitlist.entryStatus(first)).entry.state, 'CANCELED');
      // The index of queued parties forgot it then: its next reads go to the store straight away.
      assert.equal(waitlist.floors.queued(first), undefined);
      assert.deepEqual(waitlist.floors.queued(second), { merchantId: 'entries', serviceId: 'waitlist' });
      await read(t, 'entries');
      assert.equal(waitlist.entryStatusKept(first), null);
      assert.equal(waitlist.entryStatusKept(second)?.estimate?.partiesAhead, 0);
      assert.deepEqual(waitlist.entryStatusKept(second), await waitlist.entryStatus(second));
    });

    test('joins that decide on the floor kept in memory index their own party: every party of the queue is answered at once', async () => {
      const t = await start(NO_CHECK);
      const waitlist = t.services.waitlist;
      await seedMerchant(t.services, { id: 'chain', tables: TABLES });
      const ids = [await join(t, 'chain')];
      await read(t, 'chain');
      const hits = waitlist.floors.joinHits;
      for (let i = 0; i < 4; i++) ids.push(await join(t, 'chain'));
      if (dialect === 'sqlite') {
        // Each join decided on the floor the one before it kept (LiveFloors.claimForJoin), and kept it again with its party.
        assert.equal(waitlist.floors.joinHits, hits + 4);
      } else {
        // PostgreSQL keeps no floor after a join: a read keeps it again, indexing its whole queue.
        await read(t, 'chain');
      }
      for (const [i, id] of ids.entries()) {
        assert.deepEqual(waitlist.floors.queued(id), { merchantId: 'chain', serviceId: 'waitlist' }, id);
        const kept = waitlist.entryStatusKept(id);
        assert.ok(kept !== null, `${id} answered at once`);
        assert.equal(kept.estimate?.partiesAhead, i);
        assert.deepEqual(kept, await waitlist.entryStatus(id));
      }
    });

    test('never answers one merchant with the estimates of another with the same service id', async () => {
      const t = await start(NO_CHECK);
      const waitlist = t.services.waitlist;
      await seedMerchant(t.services, { id: 'busy-one', tables: TABLES });
      await seedMerchant(t.services, { id: 'quiet-one', tables: TABLES });
      for (let i = 0; i < 3; i++) await join(t, 'busy-one');
      await read(t, 'busy-one');
      await read(t, 'quiet-one');
      for (let round = 0; round < 2; round++) {
        const busy = waitlist.estimatesKept('busy-one', 'waitlist', SIZES);
        const quiet = waitlist.estimatesKept('quiet-one', 'waitlist', SIZES);
        assert.deepEqual(
          busy?.estimates.map((e) => e.estimate.partiesAhead),
          [3, 3],
        );
        assert.deepEqual(
          quiet?.estimates.map((e) => e.estimate.partiesAhead),
          [0, 0],
        );
      }
      // An unknown merchant or service is never answered from memory (estimates() refuses it).
      assert.equal(waitlist.estimatesKept('nobody', 'waitlist', SIZES), null);
      assert.equal(waitlist.estimatesKept('quiet-one', 'no-such-service', SIZES), null);
      await assert.rejects(waitlist.estimates('quiet-one', 'no-such-service', SIZES), /unknown service_id/);
    });

    test('a change of the merchant made through this process is answered at once; with READ_MODEL_CHECK_MS=0 nothing is answered from memory', async () => {
      const t = await start(NO_CHECK);
      const waitlist = t.services.waitlist;
      await seedMerchant(t.services, { id: 'pausing', tables: TABLES });
      await read(t, 'pausing');
      assert.equal(waitlist.estimatesKept('pausing', 'waitlist', SIZES)?.status, 'OPEN');
      await t.services.merchants.updateService('pausing', 'waitlist', (s) => ({ ...s, waitlist: { ...s.waitlist, paused: true } }));
      // The configuration changed: not kept until a read loads it again, then the new rules.
      assert.equal(waitlist.estimatesKept('pausing', 'waitlist', SIZES), null);
      const paused = await waitlist.estimates('pausing', 'waitlist', SIZES);
      assert.equal(paused.status, 'CLOSED_OTHER');
      // On PostgreSQL the change's notification may arrive after that read and drop the
      // configuration once more (merchants/configs.ts): read until it is kept again.
      let kept: EstimatesResult | null = null;
      await until(
        async () => {
          await waitlist.estimates('pausing', 'waitlist', SIZES);
          kept = waitlist.estimatesKept('pausing', 'waitlist', SIZES);
          return kept !== null;
        },
        'the changed configuration kept',
        30_000,
      );
      assert.deepEqual(kept, paused);

      const always = await start({ READ_MODEL_CHECK_MS: '0' });
      await seedMerchant(always.services, { id: 'uncached', tables: TABLES });
      for (let i = 0; i < 2; i++) {
        await always.services.waitlist.estimates('uncached', 'waitlist', SIZES);
        assert.equal(always.services.waitlist.estimatesKept('uncached', 'waitlist', SIZES), null);
      }
    });
  });
}
