// duplicatesOf, the duplicate check every CreateBooking from Google makes in its transaction: which
// bookings it finds (by user id or by normalised email, one row per booking, party size when
// given), and on SQLite that it looks up the guest's own bookings at that time by index instead of
// reading every booking of the merchant (which it did while the two identities were ORed).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledQuery } from 'kysely';
import { seedDemo } from '../demo/seed.js';
import { type TestApp, DIALECTS, forDialect } from '../test-support/app.js';
import { DEMO_M, addMerchant, book, ny } from '../test-support/bookings.js';
import { duplicatesOf } from './repository.js';

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    const NINE = ny('2026-01-06 09:00');
    const HALF_PAST = ny('2026-01-06 09:30');
    const queries: string[] = [];
    let t: TestApp;
    let ids: { a: string; b: string; later: string };

    before(async () => {
      t = await startApp({ onQuery: (sql) => queries.push(sql) });
      await seedDemo(t.services, t.clock);
      await addMerchant(t, '2002');
      const a = await book(t, { start: NINE, userId: 'dup-a', email: 'dup-a@example.com', partySize: 2 });
      const b = await book(t, { start: NINE, userId: 'dup-b', email: 'dup-b@example.com', partySize: 3 });
      const later = await book(t, { start: HALF_PAST, userId: 'dup-a', email: 'dup-a@example.com', partySize: 2 });
      ids = { a: a.booking_id, b: b.booking_id, later: later.booking_id };
    });
    after(() => t.close());

    const found = async (merchantId: string, start: number, partySize: number | null, userId: string | null, email: string | null) =>
      (await duplicatesOf(t.store.db, merchantId, start, partySize, userId, email)).map((b) => b.id).sort();

    test('finds the bookings at that time by the user id or by the normalised email, each once', async () => {
      assert.deepEqual(await found(DEMO_M, NINE, null, 'dup-a', '  DUP-B@example.COM '), [ids.a, ids.b].sort());
      assert.deepEqual(await found(DEMO_M, NINE, 2, 'dup-a', 'dup-a@example.com'), [ids.a]);
      assert.deepEqual(await found(DEMO_M, NINE, null, null, 'dup-b@example.com'), [ids.b]);
      assert.deepEqual(await found(DEMO_M, NINE, null, 'dup-b', null), [ids.b]);
      assert.deepEqual(await found(DEMO_M, HALF_PAST, null, 'dup-a', 'dup-b@example.com'), [ids.later]);
    });

    test('finds nothing for another party size, time, merchant or guest, or without an identity', async () => {
      assert.deepEqual(await found(DEMO_M, NINE, 3, 'dup-a', null), []);
      assert.deepEqual(await found(DEMO_M, ny('2026-01-06 10:00'), null, 'dup-a', 'dup-a@example.com'), []);
      assert.deepEqual(await found('2002', NINE, null, 'dup-a', 'dup-a@example.com'), []);
      assert.deepEqual(await found(DEMO_M, NINE, null, 'someone-else', 'someone-else@example.com'), []);
      assert.deepEqual(await found(DEMO_M, NINE, null, null, null), []);
    });

    if (dialect === 'sqlite') {
      test("looks the guest's bookings up by user and by email index, never by the merchant alone", async () => {
        queries.length = 0;
        await found(DEMO_M, NINE, 2, 'dup-a', 'dup-a@example.com');
        assert.equal(queries.length, 1, queries.join('\n'));
        const statement = queries[0]!;
        const parameters = Array.from(statement.matchAll(/\?/g), () => null);
        const plan = (await t.store.selectArrays(CompiledQuery.raw(`explain query plan ${statement}`, parameters))).map((r) => String(r[3]));
        assert.ok(
          plan.some((d) => d.includes('INDEX bookings_user_idx (user_id=? AND start_sec=?)')),
          plan.join('\n'),
        );
        assert.ok(
          plan.some((d) => d.includes('INDEX bookings_email_idx (email_key=? AND start_sec=?)')),
          plan.join('\n'),
        );
        assert.ok(!plan.some((d) => d.includes('bookings_slot_held_idx')), plan.join('\n'));
      });
    }
  });
}
