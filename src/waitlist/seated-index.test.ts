// Migration 0019: the floor's seated parties (floorParties) are read through a partial index that
// holds only parties seated and still at their table, so a join (a WAITING entry) writes nothing
// into it. The query has to name the index's conditions as literals for the database to use it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledQuery } from 'kysely';
import { DIALECTS, forDialect } from '../test-support/app.js';
import { buildFloorQuery } from './repository.js';

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    test("the floor's seated parties come from the partial index of seated parties at their table", async () => {
      const t = await forDialect(dialect)();
      try {
        const query = buildFloorQuery(t.store.db, true).compile();
        assert.match(query.sql, /"state" = 'SEATED' and "left_at" is null/);
        if (dialect === 'sqlite') {
          const [definition] = await t.store.selectArrays(CompiledQuery.raw("select sql from sqlite_master where name = 'waitlist_entries_seated_idx'", []));
          assert.match(String(definition?.[0]), /\(merchant_id, seated_at\) where state = 'SEATED' and left_at is null$/);
          // The plan does not depend on the values: each parameter is bound to null.
          const plan = (
            await t.store.selectArrays(
              CompiledQuery.raw(
                `explain query plan ${query.sql}`,
                query.parameters.map(() => null),
              ),
            )
          ).map((r) => String(r[3]));
          assert.ok(
            plan.some((d) => d.includes('SEARCH waitlist_entries USING INDEX waitlist_entries_seated_idx (merchant_id=? AND seated_at>?)')),
            plan.join('\n'),
          );
        } else {
          // PostgreSQL picks its plan by the table's statistics; the index is there to pick.
          const rows = await t.store.selectArrays(CompiledQuery.raw("select indexdef from pg_indexes where indexname = 'waitlist_entries_seated_idx'", []));
          assert.match(String(rows[0]?.[0]), /\(merchant_id, seated_at\) WHERE \(\(state = 'SEATED'::text\) AND \(left_at IS NULL\)\)$/);
        }
      } finally {
        await t.close();
      }
    });
  });
}
