// The composition root: one service graph per process. The app serves with the services it is handed,
// so bookings made through HTTP and through the same process's services take turns in one slot gate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seedMerchant, startApp } from './test-support/app.js';

test('the app serves with the services it is handed, not a second set', async () => {
  const t = await startApp();
  try {
    await seedMerchant(t.services, { id: 'graph-1' });
    const merchants = t.services.merchants;
    let calls = 0;
    const get = merchants.get.bind(merchants);
    merchants.get = (...args: Parameters<typeof get>) => {
      calls += 1;
      return get(...args);
    };
    const res = await t.admin('GET', '/merchants/graph-1');
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(calls > 0, 'the admin API used another MerchantService than the one handed to buildApp');
  } finally {
    await t.close();
  }
});
