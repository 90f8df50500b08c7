// Row ids are UUIDv7: valid UUIDs that carry the millisecond they were made in their first bits, so
// that their text sorts by it (store/ids.ts), and the ids a join hands Google are of that kind, in
// join order, on both databases.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validate, version } from 'uuid';
import { DIALECTS, forDialect, seedMerchant, type TestApp } from '../test-support/app.js';
import { newRowId } from './ids.js';

/** The id's milliseconds: its first 48 bits, the first 12 hex digits. */
const millis = (id: string): number => Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

test('new row ids are unique version 7 UUIDs carrying the time they were made, ordered by their millisecond', () => {
  const ids: string[] = [];
  const start = Date.now();
  // Over a few milliseconds at least, and until the ids span more than one (a stalled machine may
  // pass those milliseconds between two ids), so that the order across milliseconds is checked.
  do ids.push(newRowId());
  while (Date.now() - start < 5 || millis(ids[ids.length - 1]!) === millis(ids[0]!));
  const end = Date.now();
  for (const id of ids) {
    assert.ok(validate(id), id);
    assert.equal(version(id), 7, id);
    assert.ok(millis(id) >= start && millis(id) <= end, `${id}: ${millis(id)} outside [${start}, ${end}]`);
  }
  for (let i = 1; i < ids.length; i++) {
    const [before, after] = [ids[i - 1]!, ids[i]!];
    assert.ok(millis(before) <= millis(after), `${before} then ${after}`);
    if (millis(before) < millis(after)) assert.ok(before < after, `${before} sorts before ${after}`);
  }
  assert.ok(millis(ids[0]!) < millis(ids[ids.length - 1]!));
  assert.equal(new Set(ids).size, ids.length);
});

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    let t: TestApp;
    before(async () => {
      t = await startApp();
      await seedMerchant(t.services, { id: 'ids' });
    });
    after(() => t.close());

    test('the entries of successive joins get time-ordered ids', async () => {
      const ids: string[] = [];
      for (let n = 1; n <= 3; n++) {
        const res = await t.google('CreateWaitlistEntry', {
          merchant_id: 'ids',
          service_id: 'waitlist',
          party_size: 2,
          idempotency_token: `ids-${n}`,
          user_information: { user_id: `ids-${n}`, given_name: 'Ada', family_name: 'Lovelace', telephone: '+1 212-736-5000' },
        });
        assert.equal(res.statusCode, 200, res.body);
        const id = (res.json() as { waitlist_entry_id?: string }).waitlist_entry_id;
        assert.ok(id !== undefined && validate(id) && version(id) === 7, res.body);
        ids.push(id);
      }
      for (let i = 1; i < ids.length; i++) assert.ok(millis(ids[i - 1]!) <= millis(ids[i]!), `${ids[i - 1]} then ${ids[i]}`);
    });
  });
}
