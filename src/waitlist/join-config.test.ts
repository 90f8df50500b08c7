// A join takes the merchant's configuration (merchant, opening hours, tables) from memory only when
// it was loaded at the stamp the join's transaction reads (merchants/configs.ts `at`): a change
// committed by another writer (another replica, the CLI: nothing in this process drops the
// configuration) is seen by the very next join, whatever READ_MODEL_CHECK_MS says.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type TestApp, DIALECTS, forDialect, seedMerchant } from '../test-support/app.js';

/** The read model's own check never runs during a test: only the join's stamp can tell it. */
const NO_CHECK = { READ_MODEL_CHECK_MS: '3600000' };

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    const queries: string[] = [];
    let t: TestApp;
    let n = 0;
    before(async () => {
      t = await startApp({ env: NO_CHECK, onQuery: (sql) => queries.push(sql) });
      await seedMerchant(t.services, { id: 'cfg' });
    });
    after(() => t.close());

    const join = async (partySize: number) => {
      n += 1;
      queries.length = 0;
      const res = await t.google('CreateWaitlistEntry', {
        merchant_id: 'cfg',
        service_id: 'waitlist',
        party_size: partySize,
        idempotency_token: `join-config-${n}`,
        user_information: { user_id: `join-config-${n}`, given_name: 'Ada', family_name: 'Lovelace', telephone: '+1 212-736-5000' },
      });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as { waitlist_entry_id?: string; waitlist_business_logic_failure?: { cause: string } };
      return { body, readTables: queries.some((q) => q.includes('from "dining_tables"')) };
    };

    test('with the configuration in memory at the current stamp, a join reads no merchant, hours or tables', async () => {
      const estimates = await t.google('BatchGetWaitEstimates', { merchant_id: 'cfg', service_id: 'waitlist', party_size: [2] });
      assert.equal(estimates.statusCode, 200, estimates.body);
      const { body, readTables } = await join(4);
      assert.ok(body.waitlist_entry_id, JSON.stringify(body));
      assert.equal(readTables, false, queries.join('\n'));
      assert.ok(!queries.some((q) => q.includes('from "merchants" where') || q.includes('from "opening_hours"')), queries.join('\n'));
    });

    test("another writer's change of the tables is seen by the next join, which reads them in its transaction", async () => {
      // The four-top goes, written as another replica would: straight to the store, the stamp by the triggers.
      await t.store.transaction((trx) => trx.deleteFrom('dining_tables').where('merchant_id', '=', 'cfg').where('id', '=', 'four').execute());
      const refused = await join(4);
      assert.equal(refused.body.waitlist_business_logic_failure?.cause, 'ABOVE_MAX_PARTY_SIZE', JSON.stringify(refused.body));
      assert.equal(refused.readTables, true, queries.join('\n'));
      const seated = await join(2);
      assert.ok(seated.body.waitlist_entry_id, JSON.stringify(seated.body));
    });

    test("another writer's change of the opening hours is seen by the next join", async () => {
      await t.store.transaction((trx) => trx.deleteFrom('opening_hours').where('merchant_id', '=', 'cfg').execute());
      const closed = await join(2);
      assert.equal(closed.body.waitlist_business_logic_failure?.cause, 'MERCHANT_CLOSED', JSON.stringify(closed.body));
    });

    test('a join whose first statements fail (a merchant id the database refuses) fails alone: no promise of it is left unhandled', async () => {
      // PostgreSQL refuses a NUL byte in text: the service's read and the floor's fail together, and
      // the join must fail with them without leaving the service's read, which the floor's load
      // would have awaited, rejected and unhandled (node's test runner fails the test if it is).
      const result = t.services.waitlist.join(
        {
          merchantId: 'cfg\u0000nul',
          serviceId: 'waitlist',
          partySize: 2,
          guest: { givenName: 'Ada', familyName: '', telephone: null, email: 'nul@example.com', googleUserId: null },
          additionalRequest: null,
          source: 'merchant',
        },
        null,
      );
      if (dialect === 'postgres') await assert.rejects(result);
      else await assert.rejects(result, /unknown merchant_id/);
      // Give a rejection left unhandled the turns it needs to be reported against this test.
      await new Promise((resolve) => setTimeout(resolve, 50));
    });
  });
}
