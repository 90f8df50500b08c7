// Services' slots kept in memory for lookups (live-slots.ts): what this process changes is seen by
// its next lookup (bookings, cancellations, leases, replaced slots), a lease's expiry is seen
// without a write, one merchant's slots are never answered for another's, and another replica's
// booking is seen once the day kept is older than READ_MODEL_CHECK_MS, while a replica that still
// shows the spot cannot oversell it. "Now" is Monday 2026-01-05 12:00 New York; the demo merchant
// 1001 has 30-minute slots 09:00-16:30 with two spots each.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedDemo } from '../demo/seed.js';
import { closedAfterSuite, DIALECTS, forDialect, startApp as startAnyApp, type TestApp } from '../test-support/app.js';
import {
  DEMO_M,
  DEMO_S,
  addMerchant,
  addService,
  book,
  bookingCause,
  createLease,
  googleOk,
  holdingBookings,
  ny,
  putSlots,
  updateBooking,
} from '../test-support/bookings.js';
import { until } from '../test-support/poll.js';
import type { SlotQuery } from './matching.js';

/** Long enough that no day kept is read again by age during a test: only this process's writes drop one. */
const NO_CHECK = { READ_MODEL_CHECK_MS: '3600000' };

/** CheckAvailability's count_available for a slot (party of 2, 30 minutes) of the demo service unless told. */
async function count(t: TestApp, start: number, merchantId = DEMO_M, serviceId = DEMO_S): Promise<number> {
  const body = await googleOk(t, 'CheckAvailability', {
    slot: { merchant_id: merchantId, service_id: serviceId, start_sec: String(start), duration_sec: '1800', resources: { party_size: 2 } },
  });
  return Number(body.count_available ?? 0);
}

/** BatchAvailabilityLookup's answers for slots of the demo service. */
async function available(t: TestApp, starts: readonly number[], merchantId = DEMO_M): Promise<boolean[]> {
  const body = await googleOk(t, 'BatchAvailabilityLookup', {
    merchant_id: merchantId,
    slot_time: starts.map((s) => ({ service_id: DEMO_S, start_sec: String(s), duration_sec: '1800', resource_ids: { party_size: 2 } })),
  });
  return body.slot_time_availability.map((a: { available?: boolean }) => a.available ?? false);
}

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    const keep = closedAfterSuite();
    const start = async (env: Record<string, string>): Promise<TestApp> => keep(await startApp({ env }));
    /** Another replica on `t`'s database: its own store, service graph and memory. */
    const replica = async (t: TestApp, env: Record<string, string>): Promise<TestApp> => {
      const database = t.config.database;
      const r =
        database.kind === 'postgres'
          ? await startAnyApp({ dialect: 'postgres', databaseUrl: database.url, env })
          : await startAnyApp({ env: { ...env, DATABASE_URL: `sqlite:${database.path}` } });
      return keep(r);
    };

    test('what this process changes is seen by its next lookup, and otherwise the day comes from memory', async () => {
      const t = await start(NO_CHECK);
      await seedDemo(t.services, t.clock);
      const live = t.services.availability.liveSlots!;
      const nine = ny('2026-01-06 09:00');
      const ten = ny('2026-01-06 10:00');
      const otherDay = ny('2026-01-07 09:00');
      assert.equal(await count(t, nine), 2);
      assert.deepEqual(await available(t, [nine, ten, otherDay]), [true, true, true]);
      const loads = live.loads;
      assert.equal(await count(t, nine), 2);
      assert.deepEqual(await available(t, [nine, ten, otherDay]), [true, true, true]);
      assert.equal(live.loads, loads, 'served from memory');

      const booking = await book(t, { start: nine });
      assert.equal(await count(t, nine), 1, 'a booking is seen at once');
      assert.equal(live.loads, loads + 1, "only the booking's day is read again");
      await createLease(t, nine, 'lease-holder', ny('2026-01-05 12:10'));
      assert.equal(await count(t, nine), 0, 'a lease is seen at once');
      assert.deepEqual(await available(t, [nine, ten, otherDay]), [false, true, true]);
      await updateBooking(t, { booking_id: booking.booking_id, status: 'CANCELED' });
      assert.equal(await count(t, nine), 1, 'a cancellation is seen at once');

      // Replacing the day's slots (here: three spots at 10:00, and 09:00 gone) is seen at once too.
      await putSlots(t, DEMO_M, DEMO_S, [ny('2026-01-06 00:00'), ny('2026-01-07 00:00')], [{ start: ten, duration: 1800, spots: 3 }]);
      assert.equal(await count(t, ten), 3);
      assert.equal(await count(t, nine), 0);
      assert.equal(await count(t, otherDay), 2, 'another day is untouched');
    });

    test('a lookup is answered at once (lookupKept) only when every service day it names is kept, with what lookup() answers', async () => {
      const t = await start(NO_CHECK);
      await seedDemo(t.services, t.clock);
      const availability = t.services.availability;
      const query = (start: number): SlotQuery => ({ serviceId: DEMO_S, startSec: start, durationSec: 1800, staffId: '', roomId: '', partySize: 2 });
      const tuesday = [query(ny('2026-01-06 09:00')), query(ny('2026-01-06 16:30')), query(ny('2026-01-06 17:00'))];
      const wednesday = query(ny('2026-01-07 09:00'));
      // Nothing read yet.
      assert.equal(availability.lookupKept(DEMO_M, tuesday), null);
      await available(t, [ny('2026-01-06 09:00')]);
      if (t.config.database.kind === 'postgres') {
        // The first read starts listening; once it listens, the next read checks the stamps again.
        const configs = t.services.merchants.configs;
        await until(async () => configs.notified, 'the configuration cache to listen', 30_000);
        await available(t, [ny('2026-01-06 09:00')]);
      }
      const kept = availability.lookupKept(DEMO_M, tuesday);
      assert.deepEqual(kept, [2, 2, 0]);
      assert.deepEqual(kept, await availability.lookup(DEMO_M, tuesday));
      // A day not kept yet: not answered at once, until a lookup has read it.
      assert.equal(availability.lookupKept(DEMO_M, [...tuesday, wednesday]), null);
      assert.deepEqual(await availability.lookup(DEMO_M, [...tuesday, wednesday]), [2, 2, 0, 2]);
      assert.deepEqual(availability.lookupKept(DEMO_M, [...tuesday, wednesday]), [2, 2, 0, 2]);
      // A booking made through this process: the next answer has it, at once or not.
      await book(t, { start: ny('2026-01-06 09:00') });
      assert.deepEqual(await availability.lookup(DEMO_M, tuesday), [1, 2, 0]);
      assert.deepEqual(availability.lookupKept(DEMO_M, tuesday), [1, 2, 0]);
      // An unknown merchant is never answered from memory (lookup() refuses it).
      assert.equal(availability.lookupKept('nobody', tuesday), null);
    });

    test("a lease's expiry is seen without any write", async () => {
      const t = await start(NO_CHECK);
      await seedDemo(t.services, t.clock);
      const slot = ny('2026-01-08 11:00');
      const expires = ny('2026-01-05 12:05');
      await createLease(t, slot, 'lease-expiring', expires);
      assert.equal(await count(t, slot), 1);
      assert.equal(await count(t, slot), 1);
      t.clock.set(expires * 1000);
      assert.equal(await count(t, slot), 2, 'the lease no longer holds a spot once it expires');
    });

    test("one merchant's slots are never answered for another's with the same service id and times", async () => {
      const t = await start(NO_CHECK);
      await seedDemo(t.services, t.clock);
      const other = 'live-slots-other';
      await addMerchant(t, other);
      await addService(t, other, DEMO_S);
      const slot = ny('2026-01-06 09:00');
      await putSlots(t, other, DEMO_S, [ny('2026-01-06 00:00'), ny('2026-01-07 00:00')], [{ start: slot, duration: 1800, spots: 5 }]);
      for (let round = 0; round < 2; round++) {
        assert.equal(await count(t, slot), 2);
        assert.equal(await count(t, slot, other), 5);
      }
      await book(t, { merchantId: other, start: slot });
      assert.equal(await count(t, slot, other), 4);
      assert.equal(await count(t, slot), 2);
      assert.deepEqual(await available(t, [ny('2026-01-06 09:30')], other), [false], 'the other merchant has no 09:30 slot');
      assert.deepEqual(await available(t, [ny('2026-01-06 09:30')]), [true]);
    });

    test("another replica's booking is seen once the day kept is older than READ_MODEL_CHECK_MS; a replica still showing the spot cannot oversell it", async () => {
      const a = await start(NO_CHECK);
      await seedDemo(a.services, a.clock);
      const checking = await replica(a, { READ_MODEL_CHECK_MS: '100' });
      const stale = await replica(a, NO_CHECK);
      const uncached = await replica(a, { READ_MODEL_CHECK_MS: '0' });
      assert.equal(uncached.services.availability.liveSlots, null, 'READ_MODEL_CHECK_MS=0 keeps no slots');
      const slot = ny('2026-01-06 14:00');
      for (const r of [a, checking, stale, uncached]) assert.equal(await count(r, slot), 2);

      await book(a, { start: slot });
      assert.equal(await count(a, slot), 1);
      assert.equal(await count(uncached, slot), 1, 'a replica that keeps nothing sees it at once');
      await until(async () => (await count(checking, slot)) === 1, "the checking replica to see the other replica's booking", 30_000);
      assert.equal(await count(stale, slot), 2, 'a replica whose day is not yet due still answers from memory');

      await book(a, { start: slot });
      assert.equal(await count(stale, slot), 2);
      assert.equal(await bookingCause(stale, { start: slot }), 'SLOT_UNAVAILABLE', 'the booking is checked in its transaction');
      assert.equal((await holdingBookings(a, slot)).length, 2, 'never more bookings than spots');
      await until(async () => (await count(checking, slot)) === 0, 'the checking replica to see the slot full', 30_000);
    });
  });
}
