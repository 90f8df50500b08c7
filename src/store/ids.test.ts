// Row ids are UUIDv7: valid UUIDs whose text sorts in the order they were made (store/ids.ts), and
// the ids a join hands Google are of that kind, in join order, on both databases.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validate, version } from 'uuid';
import { DIALECTS, forDialect, seedMerchant, type TestApp } from '../test-support/app.js';
import { newRowId } from './ids.js';

test('new row ids are version 7 UUIDs in strictly increasing text order, also within one millisecond', () => {
  const ids = Array.from({ length: 10_000 }, () => newRowId());
  for (const id of ids) {
    assert.ok(validate(id), id);
    assert.equal(version(id), 7, id);
  }
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} then ${ids[i]}`);
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
      assert.deepEqual([...ids].sort(), ids);
    });
  });
}
