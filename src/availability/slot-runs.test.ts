// serviceSlotRuns, the feeds' read of every slot: one row per service, its slots folded into one
// list of starts when they differ in nothing else, and left for a row-by-row read when they do;
// within the merchants and the time range asked for, in (merchant, service) order, a page at a time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledQuery } from 'kysely';
import { type TestApp, DIALECTS, forDialect } from '../test-support/app.js';
import { addService, adminOk, ny, putSlots } from '../test-support/bookings.js';
import { parseStarts, type ServiceSlotRun, serviceSlotRuns } from './repository.js';

const DAY = [ny('2026-01-06 00:00'), ny('2026-01-07 00:00')] as const;
const at = (hhmm: string) => ny(`2026-01-06 ${hhmm}`);

test('parseStarts reads a list of starts, and sorts one that does not come in order', () => {
  assert.deepEqual(parseStarts('1767711600', 1), [1767711600]);
  assert.deepEqual(parseStarts('1,20,300,4000', 4), [1, 20, 300, 4000]);
  assert.deepEqual(parseStarts('4000,1,300,20', 4), [1, 20, 300, 4000]);
  assert.deepEqual(parseStarts(String(Number.MAX_SAFE_INTEGER), 1), [Number.MAX_SAFE_INTEGER]);
  assert.throws(() => parseStarts('1,2', 3), /expected 3 slot starts, read 2/);
});

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    let t: TestApp;

    before(async () => {
      t = await startApp();
      for (const m of ['ma', 'mb', 'mc']) await adminOk(t, 'POST', '/merchants', { id: m, name: `Merchant ${m}`, time_zone: 'America/New_York' }, 201);
      // ma/plain: differ only in start (put out of order); ma/durations, ma/spots, ma/tags: one slot differs.
      await addService(t, 'ma', 'plain');
      await putSlots(t, 'ma', 'plain', DAY, [{ start: at('11:00') }, { start: at('09:00') }, { start: at('10:00') }]);
      await addService(t, 'ma', 'durations');
      await putSlots(t, 'ma', 'durations', DAY, [{ start: at('09:00') }, { start: at('10:00'), duration: 3600 }]);
      await addService(t, 'ma', 'spots');
      await putSlots(t, 'ma', 'spots', DAY, [{ start: at('09:00'), spots: 1 }, { start: at('10:00') }]);
      await addService(t, 'ma', 'tags');
      await putSlots(t, 'ma', 'tags', DAY, [
        { start: at('09:00'), tag: 'a' },
        { start: at('10:00'), tag: 'b' },
      ]);
      // mb: one tag on every slot (uniform), resources on every slot (not: read row by row), a party size.
      await addService(t, 'mb', 'tagged');
      await putSlots(t, 'mb', 'tagged', DAY, [
        { start: at('09:00'), tag: 'window', spots: 3 },
        { start: at('09:30'), tag: 'window', spots: 3 },
      ]);
      await addService(t, 'mb', 'staffed');
      await adminOk(t, 'PUT', '/merchants/mb/services/staffed/availability', {
        start_time_restrict: DAY[0],
        end_time_restrict: DAY[1],
        availability: [
          { start_sec: at('09:00'), duration_sec: 1800, spots_total: 1, resources: { staff_id: 'anna' } },
          { start_sec: at('10:00'), duration_sec: 1800, spots_total: 1, resources: { staff_id: 'anna' } },
        ],
      });
      await addService(t, 'mb', 'party');
      await putSlots(t, 'mb', 'party', DAY, [{ start: at('09:00'), partySize: 4 }]);
      // mc: outside the merchants asked for.
      await addService(t, 'mc', 'plain');
      await putSlots(t, 'mc', 'plain', DAY, [{ start: at('09:00') }]);
    });
    after(() => t.close());

    const runs = (after: ServiceSlotRun | null = null, limit = 100, from = DAY[0], to = DAY[1]) => serviceSlotRuns(t.store, 'ma', 'mb', from, to, after, limit);

    test('one row per service: the starts when only they differ, null when anything else does', async () => {
      const all = await runs();
      assert.deepEqual(
        all.map((r) => [r.merchantId, r.serviceId, r.slots]),
        [
          ['ma', 'durations', 2],
          ['ma', 'plain', 3],
          ['ma', 'spots', 2],
          ['ma', 'tags', 2],
          ['mb', 'party', 1],
          ['mb', 'staffed', 2],
          ['mb', 'tagged', 2],
        ],
      );
      const by = new Map(all.map((r) => [`${r.merchantId}/${r.serviceId}`, r.uniform]));
      assert.deepEqual(by.get('ma/plain'), { durationSec: 1800, spotsTotal: 2, availabilityTag: '', starts: [at('09:00'), at('10:00'), at('11:00')] });
      assert.deepEqual(by.get('mb/tagged'), { durationSec: 1800, spotsTotal: 3, availabilityTag: 'window', starts: [at('09:00'), at('09:30')] });
      for (const differing of ['ma/durations', 'ma/spots', 'ma/tags', 'mb/staffed', 'mb/party']) assert.equal(by.get(differing), null, differing);
    });

    test('the time range bounds the slots, and the pages follow each other', async () => {
      const morning = await runs(null, 100, at('09:30'), at('10:30'));
      assert.deepEqual(
        morning.map((r) => [r.serviceId, r.slots, r.uniform?.starts ?? null]),
        [
          ['durations', 1, [at('10:00')]],
          ['plain', 1, [at('10:00')]],
          ['spots', 1, [at('10:00')]],
          ['tags', 1, [at('10:00')]],
          ['staffed', 1, null],
          ['tagged', 1, [at('09:30')]],
        ],
      );
      const pages: string[][] = [];
      let cursor: ServiceSlotRun | null = null;
      for (;;) {
        const page = await runs(cursor, 3);
        pages.push(page.map((r) => `${r.merchantId}/${r.serviceId}`));
        if (page.length < 3) break;
        cursor = page[page.length - 1]!;
      }
      assert.deepEqual(pages, [['ma/durations', 'ma/plain', 'ma/spots'], ['ma/tags', 'mb/party', 'mb/staffed'], ['mb/tagged']]);
    });

    test('the read walks one index holding every column, without looking up the table rows (migration 0017)', async () => {
      // Both pages' shapes: from the first merchant, and after a service.
      const queries: CompiledQuery[] = [];
      const capture = {
        selectArrays: async (q: CompiledQuery) => {
          queries.push(q);
          return [];
        },
      };
      await serviceSlotRuns(t.store, 'ma', 'mb', DAY[0], DAY[1], null, 10, capture);
      await serviceSlotRuns(t.store, 'ma', 'mb', DAY[0], DAY[1], { merchantId: 'ma', serviceId: 'plain' }, 10, capture);
      assert.equal(queries.length, 2);
      if (dialect === 'sqlite') {
        for (const q of queries) {
          const plan = (await t.store.selectArrays(CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]))).map((r) => String(r[3]));
          assert.ok(
            plan.some((d) => d.includes('USING COVERING INDEX availability_slots_covering')),
            plan.join('\n'),
          );
        }
      } else {
        // PostgreSQL picks an index-only scan by the table's statistics; the index is there to pick.
        const rows = await t.store.selectArrays(
          CompiledQuery.raw("select indexdef from pg_indexes where tablename = 'availability_slots' and indexname = 'availability_slots_covering'", []),
        );
        assert.match(
          String(rows[0]?.[0]),
          /\(merchant_id, service_id, start_sec, duration_sec, staff_id, room_id, party_size, spots_total, availability_tag\)/,
        );
      }
    });
  });
}
