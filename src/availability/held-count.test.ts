// The spots held on a slot, counted at every booking (heldOnSlot): bookings of that slot in a
// holding status, and live leases. Migration 0018 gave the bookings' count an index holding the
// slot's whole key and the status, so the count reads no table row.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledQuery } from 'kysely';
import { type TestApp, DIALECTS, forDialect } from '../test-support/app.js';
import { book, DEMO_M, DEMO_S, ny, updateBooking } from '../test-support/bookings.js';
import { seedDemo } from '../demo/seed.js';
import { heldOnSlot, heldOnSlotQuery } from './repository.js';
import { type SlotKey, slotKeyFromRow } from './slot.js';

const NINE = ny('2026-01-06 09:00');
const TEN = ny('2026-01-06 10:00');

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    let t: TestApp;
    const keyAt = async (start: number): Promise<SlotKey> => {
      const row = await t.store.db
        .selectFrom('availability_slots')
        .selectAll()
        .where('merchant_id', '=', DEMO_M)
        .where('service_id', '=', DEMO_S)
        .where('start_sec', '=', start)
        .executeTakeFirstOrThrow();
      return slotKeyFromRow(row, row.party_size);
    };
    const held = async (start: number): Promise<number> => {
      const key = await keyAt(start);
      return t.store.transaction((trx) => heldOnSlot(trx, key, Math.floor(t.clock.nowMs() / 1000)));
    };

    before(async () => {
      t = await startApp();
      await seedDemo(t.services, t.clock);
    });
    after(() => t.close());

    test('counts the bookings of that slot that hold a spot, and no other', async () => {
      assert.equal(await held(NINE), 0);
      const first = await book(t, { start: NINE });
      await book(t, { start: NINE });
      await book(t, { start: TEN });
      assert.equal(await held(NINE), 2);
      assert.equal(await held(TEN), 1);
      await updateBooking(t, { booking_id: first.booking_id, status: 'CANCELED' });
      assert.equal(await held(NINE), 1);
    });

    test('reads the count from one index holding the slot key and the status (migration 0018)', async () => {
      const key = await keyAt(NINE);
      const query = heldOnSlotQuery.compile(t.store.db, { ...key, now: 0 });
      if (dialect === 'sqlite') {
        const plan = (await t.store.selectArrays(CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]))).map((r) => String(r[3]));
        assert.ok(
          plan.some((d) => d.includes('SEARCH bookings USING COVERING INDEX bookings_slot_held_idx')),
          plan.join('\n'),
        );
      } else {
        // PostgreSQL picks an index-only scan by the table's statistics; the index is there to pick.
        const rows = await t.store.selectArrays(
          CompiledQuery.raw("select indexname, indexdef from pg_indexes where tablename = 'bookings' order by indexname", []),
        );
        const defs = new Map(rows.map((r) => [String(r[0]), String(r[1])]));
        assert.match(
          defs.get('bookings_slot_held_idx') ?? '',
          /\(merchant_id, service_id, start_sec, duration_sec, staff_id, room_id, slot_party_size, status\)/,
        );
        assert.equal(defs.has('bookings_slot_idx'), false);
      }
    });
  });
}
