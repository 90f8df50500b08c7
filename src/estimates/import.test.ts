// Importing a history (`booking-server estimates import`, the demo): parsing with line-numbered
// errors, the import itself on both databases (all or nothing), and the demo's history learned.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedDemo, DEMO_WAITLIST_MERCHANT } from '../demo/seed.js';
import { DIALECTS, forDialect, seedMerchant, type TestApp } from '../test-support/app.js';
import { HistoryFormatError } from './format.js';
import { parseImport } from './import.js';

const NOW = Date.UTC(2026, 1, 1) / 1000;
const T = Date.UTC(2026, 0, 10, 0, 0) / 1000; // 19:00 in New York, Friday 2026-01-09

const CSV = [
  'party_size,state,table_id,joined_at,seated_at,left_at,canceled_at,no_show_at,quoted_seat_at,quoted_range_start,quoted_range_end',
  `2,SEATED,a2,${T},${T + 600},${T + 3000},,,${T + 900},${T + 600},${T + 1200}`,
  `4,seated,,2026-01-10T00:05:00Z,2026-01-09T19:20:00-05:00,,,,,,`,
  `3,CANCELED,,${T + 60},,,${T + 1800},,,,`,
  `"2",NO_SHOW,,${T + 120},,,,${T + 1500},,,`,
].join('\n');

describe('parseImport', () => {
  test('CSV: epoch seconds and ISO 8601 with an offset, states in any case, quotes optional', () => {
    const parties = parseImport(CSV, 'csv', NOW);
    assert.equal(parties.length, 4);
    assert.deepEqual(parties[0], {
      id: 'line 2',
      serviceId: '',
      partySize: 2,
      state: 'SEATED',
      tableId: 'a2',
      joinedAt: T,
      seatedAt: T + 600,
      leftAt: T + 3000,
      canceledAt: null,
      noShowAt: null,
      quote: { seatAt: T + 900, rangeStart: T + 600, rangeEnd: T + 1200 },
    });
    assert.deepEqual([parties[1]!.joinedAt, parties[1]!.seatedAt, parties[1]!.tableId, parties[1]!.quote], [T + 300, T + 1200, null, null]);
    assert.deepEqual([parties[2]!.state, parties[2]!.canceledAt, parties[3]!.state, parties[3]!.noShowAt], ['CANCELED', T + 1800, 'NO_SHOW', T + 1500]);
  });

  test('JSON: an array of parties, or JSON lines as `estimates simulate` writes them (restaurant lines skipped)', () => {
    const p = {
      party_size: 2,
      state: 'SEATED',
      table_id: 'a2',
      joined_at: T,
      seated_at: T + 60,
      left_at: null,
      canceled_at: null,
      no_show_at: null,
      quote: null,
    };
    assert.equal(parseImport(JSON.stringify([p, p]), 'json', NOW).length, 2);
    const lines = [JSON.stringify({ type: 'restaurant', id: 'r' }), JSON.stringify({ type: 'party', restaurant: 'r', ...p }), ''].join('\n');
    assert.equal(parseImport(lines, 'json', NOW)[0]!.seatedAt, T + 60);
  });

  test('every bad line is named with what is wrong, and nothing is returned', () => {
    const bad = [
      'party_size,state,table_id,joined_at,seated_at,left_at,canceled_at,no_show_at',
      `0,SEATED,a2,${T},${T + 60},,,`,
      `2,WAITING,,${T},,,,`,
      `2,SEATED,a2,${T},,,,`,
      `2,SEATED,a2,${T},${T - 60},,,`,
      `2,CANCELED,a2,${T},,,${T + 60},`,
      `2,SEATED,a2,2026-01-10T00:00:00,${T + 60},,,`,
      `2,SEATED,a2,${NOW + 60},${NOW + 120},,,`,
      `2,SEATED,a2,${T},${T + 60},${T},,`,
      `2,SEATED,a2`,
    ].join('\n');
    assert.throws(
      () => parseImport(bad, 'csv', NOW),
      (error: unknown) => {
        assert.ok(error instanceof HistoryFormatError);
        const expected = [
          /^9 bad line\(s\), nothing imported:/,
          /line 2: "party_size" must be a whole number 1-100, got "0"/,
          /line 3: "state" must be one of SEATED, CANCELED, NO_SHOW \(finished parties\), got "WAITING"/,
          /line 4: a SEATED party needs "seated_at"/,
          /line 5: "seated_at" is before "joined_at"/,
          /line 6: only a SEATED party has "left_at" or "table_id"/,
          /line 7: "joined_at" must be epoch seconds or ISO 8601 with an offset \(Z or \+hh:mm\), got "2026-01-10T00:00:00"/,
          /line 8: the party is in the future/,
          /line 9: "left_at" is before "seated_at"/,
          /line 10: 3 fields, the header has 8/,
        ];
        for (const e of expected) assert.match(error.message, e);
        return true;
      },
    );
    assert.throws(() => parseImport('size,state\n2,SEATED', 'csv', NOW), /line 1: unknown column\(s\) "size"; the columns are party_size, state/);
    assert.throws(() => parseImport('party_size,state\n2,SEATED', 'csv', NOW), /line 1: the header needs "joined_at"/);
    assert.throws(() => parseImport('{"party_size":2', 'json', NOW), /line 1: not JSON/);
    assert.throws(() => parseImport('party_size,state,joined_at\n', 'csv', NOW), /no party in the file/);
  });
});

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    let t: TestApp;

    before(async () => {
      t = await startApp({ nowMs: NOW * 1000 });
      await seedMerchant(t.services, { id: 'imp', tables: [{ id: 'a2', name: 'A2', minSeats: 1, seats: 2 }] });
    });
    after(() => t.close());

    test('an imported history is the merchant history the learning reads; a second import of the same nights, or an unknown table, is refused whole', async () => {
      const parties = parseImport(CSV, 'csv', NOW);
      assert.equal(await t.services.waitlist.importHistory('imp', 'waitlist', parties), 4);
      const history = await t.services.waitlist.history('imp', 0, NOW);
      assert.deepEqual(
        history.map((p) => [p.partySize, p.state, p.tableId, p.joinedAt, p.seatedAt, p.leftAt, p.canceledAt, p.noShowAt]),
        [
          [2, 'SEATED', 'a2', T, T + 600, T + 3000, null, null],
          [3, 'CANCELED', null, T + 60, null, null, T + 1800, null],
          [2, 'NO_SHOW', null, T + 120, null, null, null, T + 1500],
          [4, 'SEATED', null, T + 300, T + 1200, null, null, null],
        ],
      );
      assert.deepEqual(history[0]!.quote, { seatAt: T + 900, rangeStart: T + 600, rangeEnd: T + 1200 });
      // Nobody is waiting: imported parties are finished.
      assert.deepEqual(await t.services.waitlist.queue('imp', 'waitlist'), []);
      await assert.rejects(
        t.services.waitlist.importHistory('imp', 'waitlist', parties),
        /merchant "imp" already has 4 entries that joined between 2026-01-10T00:00:00.000Z and 2026-01-10T00:05:00.000Z: importing would count them twice/,
      );
      const later = parties.map((p) => ({ ...p, joinedAt: p.joinedAt + 86_400, seatedAt: p.seatedAt && p.seatedAt + 86_400 }));
      await assert.rejects(
        t.services.waitlist.importHistory('imp', 'waitlist', [...later, { ...later[0]!, id: 'line 9', tableId: 'patio' }]),
        /party line 9: table_id "patio" is not a table of merchant "imp" \(a2\)/,
      );
      assert.equal((await t.services.waitlist.history('imp', 0, NOW)).length, 4, 'nothing of the refused imports was written');
      await assert.rejects(t.services.waitlist.importHistory('nobody', 'waitlist', later), /unknown merchant_id "nobody"/);
      const learned = await t.services.estimates.refreshMerchant('imp');
      assert.equal(learned.stats.parties, 4);
      assert.equal(learned.stats.turnObservations, 1, 'the cleared table: 40 minutes');
    });

    test('the demo waitlist comes with four weeks of history, learned at once', async () => {
      await seedDemo(t.services, t.clock, { history: true });
      const overview = await t.services.estimates.overview(DEMO_WAITLIST_MERCHANT);
      assert.ok(overview.learned !== null, 'a stored model');
      assert.ok(overview.learned.stats.parties > 500, `parties: ${overview.learned.stats.parties}`);
      assert.ok(overview.learned.stats.turnObservations > 200, `turns: ${overview.learned.stats.turnObservations}`);
      assert.ok(overview.learned.stats.rangeSamples > 200, 'the range is calibrated on the history');
      const history = await t.services.waitlist.history(DEMO_WAITLIST_MERCHANT, 0, NOW + 1);
      assert.ok(
        history.every((p) => Math.max(p.seatedAt ?? 0, p.leftAt ?? 0, p.canceledAt ?? 0, p.noShowAt ?? 0) < NOW),
        'every party is over',
      );
      assert.deepEqual(await t.services.waitlist.queue(DEMO_WAITLIST_MERCHANT, 'reservation'), []);
    });
  });
}
