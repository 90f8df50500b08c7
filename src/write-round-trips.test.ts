// Statements per durable write, counted on SQLite and PostgreSQL (on PostgreSQL each one is a round
// trip to the database): a waitlist join (CreateWaitlistEntry) and a booking (CreateBooking), both
// with an idempotency token, after a first one of each has warmed the caches. Issue 17 removed
// three avoidable ones: the entry read back after its insert (RETURNING instead), the merchant's and
// the service's activity read in two queries (one join, FOR SHARE on both rows), and a slot's held
// spots counted in two (one select of both counts). Then nine more: a booking's pre-check (five
// reads before the transaction) runs only for an attempt that waited behind others for its slot, its
// guest's two advisory locks are one statement, and a booking's and a join's service is read with
// its merchant's and its own activity in one locked select (merchant, hours, service and activity
// were four reads for a booking; service and activity two for a join). Then two more of a join: its
// merchant, opening hours and tables come from memory when they were loaded at the merchant's
// configuration stamp, which the join reads instead (one statement where there were three; a join
// right after a change of the configuration still reads them, and a join of a merchant no read has
// asked for loads them outside its transaction for the joins after it, on both databases). Then one
// more of a join on SQLite: its service and both activities come from the same configuration (its
// locked read stays on PostgreSQL, where it is also the lock the service's joins take turns on). On PostgreSQL the round trips are
// counted too (store/postgres-pipeline.ts): BEGIN goes with the first statement, reads issued
// together travel together (a join's service lock and the reads of its queue; a booking's service
// and guest locks; its candidates, duplicates and the user's bookings; a slot's lock and its count),
// and writes nobody reads the result of (the idempotency record's answer, the booking's row, outbox
// rows, the guest's link) go with the COMMIT: a join is 4 round trips, a booking 5 (before, one per
// statement: 10 and 13). A change that adds a statement or a round trip to these hot writes has to change the
// numbers here, and say why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seedDemo } from './demo/seed.js';
import { DIALECTS, forDialect, seedMerchant } from './test-support/app.js';
import { bookingRequest, ny } from './test-support/bookings.js';
import { until } from './test-support/poll.js';

/** Statements per write: SQLite counts the group commit's own (pragma, begin, savepoint, release, commit). */
const EXPECTED = {
  sqlite: { join: 12, booking: 16 },
  postgres: { join: 10, booking: 13 },
} as const;

/** Round trips to PostgreSQL per write, BEGIN and COMMIT included (see store/postgres-pipeline.ts). */
const ROUND_TRIPS = { join: 4, booking: 5 } as const;

for (const dialect of DIALECTS) {
  test(`${dialect}: statements per CreateWaitlistEntry and per CreateBooking`, async (context) => {
    const queries: string[] = [];
    let roundTrips = 0;
    const t = await forDialect(dialect)({
      onQuery: (sql) => queries.push(sql),
      onRoundTrip: () => {
        roundTrips += 1;
      },
    });
    try {
      await seedMerchant(t.services, { id: 'counted' });
      await seedDemo(t.services, t.clock);
      // A read loads the merchant's configuration into memory (a join that finds it missing loads it in the background).
      const estimates = await t.google('BatchGetWaitEstimates', { merchant_id: 'counted', service_id: 'waitlist', party_size: [2] });
      assert.equal(estimates.statusCode, 200, estimates.body);
      for (let i = 0; i < 2; i++) {
        queries.length = 0;
        roundTrips = 0;
        const join = await t.google('CreateWaitlistEntry', {
          merchant_id: 'counted',
          service_id: 'waitlist',
          party_size: 2,
          idempotency_token: `round-trips-join-${i}`,
          user_information: { user_id: `round-trips-user-${i}`, given_name: 'Ada', family_name: 'Lovelace', telephone: '+1 212-736-5000' },
        });
        assert.equal(join.statusCode, 200, join.body);
        assert.ok(join.json().waitlist_entry_id, join.body);
        const joinQueries = queries.splice(0);
        const joinTrips = roundTrips;
        roundTrips = 0;
        const booking = await t.google(
          'CreateBooking',
          bookingRequest({
            start: ny('2026-01-06 10:00') + i * 1800,
            token: `round-trips-booking-${i}`,
            userId: `round-trips-booker-${i}`,
            email: `round-trips-${i}@example.com`,
          }),
        );
        assert.equal(booking.statusCode, 200, booking.body);
        assert.ok(booking.json().booking, booking.body);
        const bookingQueries = queries.splice(0);
        const bookingTrips = roundTrips;
        if (i === 1) {
          context.diagnostic(
            `${dialect}: CreateWaitlistEntry ${joinQueries.length} statements (${joinTrips} round trips), CreateBooking ${bookingQueries.length} (${bookingTrips})`,
          );
          assert.equal(joinQueries.length, EXPECTED[dialect].join, `CreateWaitlistEntry:\n${joinQueries.join('\n')}`);
          assert.equal(bookingQueries.length, EXPECTED[dialect].booking, `CreateBooking:\n${bookingQueries.join('\n')}`);
          if (dialect === 'postgres') {
            assert.equal(joinTrips, ROUND_TRIPS.join, `CreateWaitlistEntry:\n${joinQueries.join('\n')}`);
            assert.equal(bookingTrips, ROUND_TRIPS.booking, `CreateBooking:\n${bookingQueries.join('\n')}`);
          }
        }
      }
    } finally {
      await t.close();
    }
  });
}

for (const dialect of DIALECTS) {
  test(`${dialect}: a join of a merchant no read has asked for loads its configuration outside the transaction, once, for the joins after it`, async () => {
    const queries: string[] = [];
    const t = await forDialect(dialect)({ onQuery: (sql) => queries.push(sql) });
    try {
      await seedMerchant(t.services, { id: 'written-only' });
      const configs = t.services.merchants.configs;
      const join = async (i: number): Promise<string[]> => {
        queries.length = 0;
        const answer = await t.google('CreateWaitlistEntry', {
          merchant_id: 'written-only',
          service_id: 'waitlist',
          party_size: 2,
          idempotency_token: `written-only-${i}`,
          user_information: { user_id: `written-only-user-${i}`, given_name: 'Ada', family_name: 'Lovelace', telephone: '+1 212-736-5000' },
        });
        assert.equal(answer.statusCode, 200, answer.body);
        return queries.splice(0);
      };
      const loadsBefore = configs.loads;
      const first = await join(0);
      assert.ok(first.length > EXPECTED[dialect].join, `the first join reads the configuration itself:\n${first.join('\n')}`);
      // The join itself started the load (nothing else has asked for this merchant).
      await until(() => configs.loads > loadsBefore, 'the join to load the configuration in the background');
      // Settles the load in flight without starting another.
      await configs.get('written-only');
      assert.equal(configs.loads, loadsBefore + 1, 'one load');
      for (let i = 1; i <= 2; i++) {
        const next = await join(i);
        assert.equal(next.length, EXPECTED[dialect].join, `join ${i} takes the configuration from memory:\n${next.join('\n')}`);
      }
      assert.equal(configs.loads, loadsBefore + 1, 'no load after the first');
    } finally {
      await t.close();
    }
  });
}
