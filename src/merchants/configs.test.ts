// The in-memory read model of merchants' configuration (configs.ts): it never mixes merchants up,
// a change made through this process is seen by the next read, and a change made by another
// replica is seen through the version check (every read, READ_MODEL_CHECK_MS=0) or, on PostgreSQL,
// through LISTEN/NOTIFY alone (a check interval of an hour). Also how many queries each hot read makes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedDemo } from '../demo/seed.js';
import { DEMO_M, DEMO_S, googleOk, ny } from '../test-support/bookings.js';
import { closedAfterSuite, DIALECTS, forDialect, seedMerchant, startApp as startAnyApp, type TestApp } from '../test-support/app.js';
import { admin } from '../test-support/postgres.js';
import { MerchantConfigs } from './configs.js';
import { until } from '../test-support/poll.js';

const TWO_TOP = [{ id: 'two', name: 'Two-top', minSeats: 1, seats: 2 }];
const TWO_AND_FOUR = [...TWO_TOP, { id: 'four', name: 'Four-top', minSeats: 3, seats: 4 }];
/** Long enough that no check happens during a test: only this process's writes or a notification drop an entry. */
const NO_CHECK = { READ_MODEL_CHECK_MS: '3600000' };

/** The party sizes a merchant's BatchGetWaitEstimates offers (a party no table fits gets none). */
async function offered(t: TestApp, merchantId: string, sizes = [2, 4]): Promise<number[]> {
  const res = await t.google('BatchGetWaitEstimates', { merchant_id: merchantId, service_id: 'waitlist', party_size: sizes });
  assert.equal(res.statusCode, 200, res.body);
  return ((res.json().wait_estimate ?? []) as { party_size: number }[]).map((e) => e.party_size);
}

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    const keep = closedAfterSuite();
    const start = async (...args: Parameters<typeof startApp>): Promise<TestApp> => keep(await startApp(...args));

    test('never serves one merchant what belongs to another: same service id, their own tables and rules', async () => {
      const t = await start({ env: NO_CHECK });
      await seedMerchant(t.services, { id: 'only-twos', tables: TWO_TOP });
      await seedMerchant(t.services, { id: 'twos-and-fours', tables: TWO_AND_FOUR, rules: { maxPartySize: 8 } });
      const configs = t.services.merchants.configs;
      for (let round = 0; round < 2; round++) {
        assert.deepEqual(await offered(t, 'only-twos'), [2]);
        assert.deepEqual(await offered(t, 'twos-and-fours'), [2, 4]);
      }
      const a = (await configs.get('only-twos'))!;
      const b = (await configs.get('twos-and-fours'))!;
      assert.equal(a.merchant.id, 'only-twos');
      assert.equal(b.merchant.id, 'twos-and-fours');
      assert.deepEqual(
        a.tables.map((x) => x.id),
        ['two'],
      );
      assert.deepEqual(
        b.tables.map((x) => x.id),
        ['two', 'four'],
      );
      assert.equal(a.services.get('waitlist')!.merchantId, 'only-twos');
      assert.equal(a.services.get('waitlist')!.waitlist.maxPartySize, 10);
      assert.equal(b.services.get('waitlist')!.waitlist.maxPartySize, 8);
      assert.equal(await configs.get('nobody'), null);
      const res = await t.google('BatchGetWaitEstimates', { merchant_id: 'nobody', service_id: 'waitlist', party_size: [2] });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error.code, 'UNKNOWN_MERCHANT', res.body);
    });

    test('a change made through this process is seen by the very next read, and only that merchant is loaded again', async () => {
      const t = await start({ env: NO_CHECK });
      await seedMerchant(t.services, { id: 'changing', tables: TWO_TOP });
      await seedMerchant(t.services, { id: 'bystander', tables: TWO_TOP });
      const configs = t.services.merchants.configs;
      assert.deepEqual(await offered(t, 'changing'), [2]);
      assert.deepEqual(await offered(t, 'bystander'), [2]);
      const loads = configs.loads;
      assert.deepEqual(await offered(t, 'changing'), [2]);
      assert.equal(configs.loads, loads, 'a second read is served from memory');

      // Tables (admin API), then the service's rules, then the hours: each seen by the next read.
      const tables = await t.admin('PUT', '/merchants/changing/tables', {
        tables: TWO_AND_FOUR.map((x) => ({ id: x.id, name: x.name, min_seats: x.minSeats, seats: x.seats })),
      });
      assert.equal(tables.statusCode, 200, tables.body);
      assert.deepEqual(await offered(t, 'changing'), [2, 4]);
      await t.services.merchants.updateService('changing', 'waitlist', (s) => ({ ...s, waitlist: { ...s.waitlist, paused: true } }));
      assert.deepEqual(await offered(t, 'changing'), [], 'a paused waitlist offers nothing');
      await t.services.merchants.updateService('changing', 'waitlist', (s) => ({ ...s, waitlist: { ...s.waitlist, paused: false } }));
      assert.deepEqual(await offered(t, 'changing'), [2, 4]);
      await t.services.merchants.update('changing', (m) => ({ ...m, openingHours: [] }));
      assert.deepEqual(await offered(t, 'changing'), [], 'closed all week');
      // Deactivation goes through the removal service's own transaction.
      await t.services.removal.deactivate({ merchantId: 'changing', serviceId: null }, 'keep');
      assert.notEqual((await configs.get('changing'))!.merchant.deactivatedAt, null);

      const before = configs.loads;
      assert.deepEqual(await offered(t, 'bystander'), [2]);
      assert.equal(configs.loads, before, "another merchant's changes leave the bystander in memory");
    });

    test('another replica on the same database: its change is seen after one version check', async () => {
      const writer = await start();
      await seedMerchant(writer.services, { id: 'shared', tables: TWO_TOP });
      const reader = await start({
        databaseUrl: writer.config.database.kind === 'postgres' ? writer.config.database.url : `sqlite:${writer.config.database.path}`,
      });
      // Without notifications: a model that checks at every read, and one that never checks.
      const checking = new MerchantConfigs({ ...reader.store, listen: undefined }, 0);
      const neverChecking = new MerchantConfigs({ ...reader.store, listen: undefined }, 3_600_000);
      assert.deepEqual(
        (await checking.get('shared'))!.tables.map((x) => x.id),
        ['two'],
      );
      assert.deepEqual(
        (await neverChecking.get('shared'))!.tables.map((x) => x.id),
        ['two'],
      );
      assert.deepEqual(
        (await checking.get('shared'))!.tables.map((x) => x.id),
        ['two'],
      );
      assert.equal(checking.loads, 1, 'unchanged: served from memory after the check');

      await writer.services.merchants.replaceTables('shared', TWO_AND_FOUR);
      assert.deepEqual(
        (await checking.get('shared'))!.tables.map((x) => x.id),
        ['two', 'four'],
        'the next read checks and reloads',
      );
      assert.equal(checking.loads, 2);
      assert.deepEqual(
        (await neverChecking.get('shared'))!.tables.map((x) => x.id),
        ['two'],
        'without a check or a notification the model keeps what it had',
      );

      // The reader's app itself (default check interval, and notifications on PostgreSQL), over HTTP.
      assert.deepEqual(await offered(reader, 'shared'), [2, 4]);
      await writer.services.merchants.replaceTables('shared', TWO_TOP);
      await until(async () => (await offered(reader, 'shared')).join() === '2', "the reader's estimates to follow the writer's change", 30_000);
    });

    test("a join decides on its merchant's configuration as its transaction reads it: a service another replica deactivated is refused, though this one's memory has it active", async () => {
      const writer = await start();
      await seedMerchant(writer.services, { id: 'closing', tables: TWO_TOP });
      // Never checks by itself (and on PostgreSQL its notifications may come late): only the join's own transaction can tell.
      const reader = await start({
        env: NO_CHECK,
        databaseUrl: writer.config.database.kind === 'postgres' ? writer.config.database.url : `sqlite:${writer.config.database.path}`,
      });
      const join = (token: string) =>
        reader.google('CreateWaitlistEntry', {
          merchant_id: 'closing',
          service_id: 'waitlist',
          party_size: 2,
          idempotency_token: token,
          user_information: { user_id: token, given_name: 'Ada' },
        });
      assert.deepEqual(await offered(reader, 'closing'), [2], "the configuration is in the reader's memory");
      const first = await join('cfg-join-1');
      assert.equal(first.statusCode, 200, first.body);

      await writer.services.removal.deactivate({ merchantId: 'closing', serviceId: 'waitlist' }, 'keep');
      const refused = await join('cfg-join-2');
      assert.equal(refused.statusCode, 400, refused.body);
      assert.match(refused.body, /UNKNOWN_SERVICE/);
      assert.match(refused.body, /deactivated/);

      await writer.services.removal.activate({ merchantId: 'closing', serviceId: 'waitlist' });
      const again = await join('cfg-join-3');
      assert.equal(again.statusCode, 200, again.body);

      await writer.services.removal.deactivate({ merchantId: 'closing', serviceId: null }, 'keep');
      const merchantGone = await join('cfg-join-4');
      assert.equal(merchantGone.statusCode, 400, merchantGone.body);
      assert.match(merchantGone.body, /UNKNOWN_MERCHANT/);
      assert.match(merchantGone.body, /deactivated/);
    });

    test('queries per hot read: none per wait estimate (its live floor in memory), per availability lookup (its slots in memory) and per entry read of a queued party (the floor holds it); one per entry read of an entry out of the queue', async () => {
      const queries: string[] = [];
      const t = await start({ env: NO_CHECK, onQuery: (sql) => queries.push(sql) });
      await seedMerchant(t.services, { id: 'counted', tables: TWO_AND_FOUR });
      await seedDemo(t.services, t.clock);
      const join = await t.google('CreateWaitlistEntry', {
        merchant_id: 'counted',
        service_id: 'waitlist',
        party_size: 2,
        idempotency_token: 'counted-1',
        user_information: { user_id: 'counted-user', given_name: 'Ada', family_name: 'Lovelace', telephone: '+1 212-736-5000' },
      });
      assert.equal(join.statusCode, 200, join.body);
      const entryId = join.json().waitlist_entry_id as string;
      const left = await t.google('CreateWaitlistEntry', {
        merchant_id: 'counted',
        service_id: 'waitlist',
        party_size: 2,
        idempotency_token: 'counted-2',
        user_information: { user_id: 'counted-user-2', given_name: 'Grace', family_name: 'Hopper', telephone: '+1 212-736-5001' },
      });
      assert.equal(left.statusCode, 200, left.body);
      const leftId = left.json().waitlist_entry_id as string;
      assert.equal((await t.google('DeleteWaitlistEntry', { waitlist_entry_id: leftId })).statusCode, 200);
      const slot = { service_id: DEMO_S, start_sec: String(ny('2026-01-06 09:00')), duration_sec: '1800', resource_ids: { party_size: 2 } };
      const reads: [string, () => Promise<unknown>][] = [
        ['BatchGetWaitEstimates', () => offered(t, 'counted')],
        ['GetWaitlistEntry', () => googleOk(t, 'GetWaitlistEntry', { waitlist_entry_id: entryId })],
        ['GetWaitlistEntry (canceled)', () => googleOk(t, 'GetWaitlistEntry', { waitlist_entry_id: leftId })],
        [
          'BatchAvailabilityLookup',
          () => googleOk(t, 'BatchAvailabilityLookup', { merchant_id: DEMO_M, slot_time: [slot, { ...slot, start_sec: String(ny('2026-01-06 09:30')) }] }),
        ],
        ['CheckAvailability', () => googleOk(t, 'CheckAvailability', { slot: { merchant_id: DEMO_M, ...slot } })],
      ];
      const expected: Record<string, number> = {
        BatchGetWaitEstimates: 0,
        GetWaitlistEntry: 0,
        'GetWaitlistEntry (canceled)': 1,
        BatchAvailabilityLookup: 0,
        CheckAvailability: 0,
      };
      for (const [, read] of reads) await read(); // the configuration, the live floor and the slots' day are loaded once
      // On PostgreSQL the read model checks its stamps once more when its LISTEN connection comes up,
      // which on a loaded machine can happen during the first counted pass: a later pass is steady.
      let counted: Record<string, string[]> = {};
      for (let pass = 0; pass < 3; pass++) {
        counted = {};
        for (const [name, read] of reads) {
          queries.length = 0;
          await read();
          counted[name] = [...queries];
        }
        if (reads.every(([name]) => counted[name]?.length === expected[name])) break;
      }
      for (const [name] of reads) assert.equal(counted[name]?.length, expected[name], `${name}: ${counted[name]?.join(' | ')}`);
    });
  });
}

describe('postgres notifications', { skip: DIALECTS.includes('postgres') ? false : 'no test PostgreSQL' }, () => {
  test('two replicas that never check: a write through one reaches the other by LISTEN/NOTIFY alone', async () => {
    const writer = await startAnyApp({ dialect: 'postgres', env: NO_CHECK });
    const url = writer.config.database.kind === 'postgres' ? writer.config.database.url : '';
    const reader = await startAnyApp({ dialect: 'postgres', databaseUrl: url, env: NO_CHECK });
    try {
      await seedMerchant(writer.services, { id: 'notified', tables: TWO_TOP });
      assert.deepEqual(await offered(reader, 'notified'), [2]);
      const configs = reader.services.merchants.configs;
      await until(async () => configs.notified, 'the reader to listen', 30_000);
      const loads = configs.loads;
      assert.deepEqual(await offered(reader, 'notified'), [2]);
      assert.equal(configs.loads, loads, 'served from memory');
      await writer.services.merchants.replaceTables('notified', TWO_AND_FOUR);
      await until(async () => (await offered(reader, 'notified')).join() === '2,4', 'the notification to reach the reader', 30_000);
      await writer.services.merchants.updateService('notified', 'waitlist', (s) => ({ ...s, waitlist: { ...s.waitlist, paused: true } }));
      await until(async () => (await offered(reader, 'notified')).length === 0, 'the pause to reach the reader', 30_000);
    } finally {
      await reader.close();
      await writer.close();
    }
  });

  test('the LISTEN connection killed: a change made meanwhile (its notification lost) is seen once the connection is back', async () => {
    const writer = await startAnyApp({ dialect: 'postgres', env: NO_CHECK });
    const url = writer.config.database.kind === 'postgres' ? writer.config.database.url : '';
    const reader = await startAnyApp({ dialect: 'postgres', databaseUrl: url, env: NO_CHECK });
    try {
      await seedMerchant(writer.services, { id: 'lost', tables: TWO_TOP });
      assert.deepEqual(await offered(reader, 'lost'), [2]);
      await until(async () => reader.services.merchants.configs.notified, 'the reader to listen', 30_000);
      const database = new URL(url).pathname.slice(1);
      // Every listener on this database is the reader's (the writer has read nothing, so it does not listen).
      const listeners = async (): Promise<number[]> =>
        admin(async (c) =>
          (await c.query<{ pid: number }>("select pid from pg_stat_activity where datname = $1 and query = 'listen read_models'", [database])).rows.map(
            (r) => r.pid,
          ),
        );
      const [pid] = await listeners();
      assert.ok(pid !== undefined, 'the reader has a LISTEN connection');
      await admin((c) => c.query('select pg_terminate_backend($1)', [pid]));
      // Changed while nobody listens: this notification is lost.
      await writer.services.merchants.replaceTables('lost', TWO_AND_FOUR);
      await until(async () => (await offered(reader, 'lost')).join() === '2,4', 'the reader to listen again and check what it missed', 30_000);
      await until(async () => (await listeners()).some((p) => p !== pid), 'a new LISTEN connection', 30_000);
    } finally {
      await reader.close();
      await writer.close();
    }
  });
});
