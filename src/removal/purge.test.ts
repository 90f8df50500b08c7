// Deleting a deactivated merchant or service for good: refused while it is active, while Google
// still holds a booking ahead, and while an update to Google about it waits; the dry run lists the
// rows per table and deletes nothing; the delete removes every row of the target (bookings,
// waitlist entries, texts, replies, outbox rows, slots, staff, tokens, ...) and nothing of any
// other merchant or service. Real app and store (SQLite and PostgreSQL), a fake Google.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { DEMO_WAITLIST_MERCHANT, seedDemo } from '../demo/seed.js';
import { DIALECTS, forDialect, type TestApp } from '../test-support/app.js';
import { DEMO_M, adminOk, book, ny, putSlots, addService } from '../test-support/bookings.js';
import { startRtu, type RtuHarness } from '../test-support/rtu.js';
import { KEPT_TABLES, PURGED_TABLES } from '../store/purge.js';

type Json = Record<string, any>;

/** Every table with a merchant column, and how its rows name the merchant. */
async function merchantTables(t: TestApp): Promise<{ table: string; column: string }[]> {
  const tables = await t.store.db.introspection.getTables();
  return tables
    .filter((x) => !x.name.startsWith('kysely_'))
    .flatMap((x) => {
      if (x.name === 'merchants') return [{ table: x.name, column: 'id' }];
      return x.columns.some((c) => c.name === 'merchant_id') ? [{ table: x.name, column: 'merchant_id' }] : [];
    });
}

/** Rows per table that name the merchant (with a service: per table whose rows name a service, that service's). */
async function rowsOf(t: TestApp, merchantId: string, serviceId?: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const { table, column } of await merchantTables(t)) {
    const columns = (await t.store.db.introspection.getTables()).find((x) => x.name === table)!.columns.map((c) => c.name);
    // For one service: only the tables whose rows name a service.
    if (serviceId !== undefined && !columns.includes('service_id')) continue;
    const byService = serviceId !== undefined ? sql` and service_id = ${serviceId}` : sql``;
    const row = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)} where ${sql.ref(column)} = ${merchantId}${byService}`.execute(
      t.store.db,
    );
    out[table] = Number(row.rows[0]!.n);
  }
  return out;
}

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    let h: RtuHarness;
    let t: TestApp;
    let staffToken: string;
    let merchantToken: string;
    let bookingId: string;
    before(async () => {
      h = await startRtu(startApp);
      t = h.t;
      await seedDemo(t.services, t.clock);
      // The merchant to delete: bookings, a waitlist with a guest who texted, staff, a token, a session.
      await adminOk(t, 'POST', `/merchants/${DEMO_M}/services`, { id: 'wl', name: 'Waitlist', waitlist: { enabled: true } }, 201);
      await adminOk(t, 'PUT', `/merchants/${DEMO_M}/tables`, { tables: [{ id: 't1', seats: 4 }] });
      bookingId = (await book(t, { start: ny('2026-01-06 09:00') })).booking_id;
      await book(t, { start: ny('2026-01-06 10:00') }).then((b: Json) => adminOk(t, 'POST', `/merchants/${DEMO_M}/bookings/${b.booking_id}/cancel`));
      await adminOk(t, 'POST', `/merchants/${DEMO_M}/services/wl/walk-ins`, { party_size: 2, given_name: 'Pia', telephone: '+1 212 555 0142' }, 201);
      await t.services.guestMessages.inbound({ from: '+12125550142', body: 'Running late', sid: 'SM-purge-1' });
      staffToken = (await adminOk(t, 'POST', `/merchants/${DEMO_M}/staff`, { name: 'Hal', role: 'host' }, 201)).token;
      merchantToken = (await adminOk(t, 'POST', '/tokens', { merchant_id: DEMO_M, label: 'owner' }, 201)).token;
      assert.equal((await t.app.inject({ method: 'POST', url: '/admin/v1/session', payload: { token: staffToken } })).statusCode, 201);
      // Another merchant, which must not lose a row.
      await adminOk(
        t,
        'POST',
        `/merchants/${DEMO_WAITLIST_MERCHANT}/services/reservation/walk-ins`,
        { party_size: 2, given_name: 'Other', telephone: '+1 212 555 0143' },
        201,
      );
      await h.settle();
    });
    after(() => h.close());

    const remove = (body: Json, path = `/merchants/${DEMO_M}/delete`, token?: string) => t.admin('POST', path, body, token);

    test("every table that holds a merchant's rows is covered by the purge", async () => {
      const missing = (await merchantTables(t)).map((x) => x.table).filter((name) => !PURGED_TABLES.includes(name) && !(name in KEPT_TABLES));
      assert.deepEqual(missing, []);
    });

    test('an active merchant is not deleted: the dry run says why, the delete is refused and changes nothing', async () => {
      const before = await rowsOf(t, DEMO_M);
      const dry = await remove({ dry_run: true });
      assert.equal(dry.statusCode, 200, dry.body);
      assert.match(dry.json().refused, /^the merchant is active: deactivate it first/);
      assert.equal(dry.json().deleted, false);
      const refused = await remove({});
      assert.equal(refused.statusCode, 400, refused.body);
      assert.equal(refused.json().error.code, 'ILLEGAL_TRANSITION');
      assert.deepEqual(await rowsOf(t, DEMO_M), before);
      assert.equal((await t.admin('POST', `/merchants/${DEMO_M}/delete`, { dry_run: true }, merchantToken)).statusCode, 403, "the operator's alone");
    });

    test('deactivated, but a booking ahead that Google holds, then an update Google has not heard: refused each time', async () => {
      await adminOk(t, 'POST', `/merchants/${DEMO_M}/deactivate`, { future_bookings: 'keep' });
      assert.match((await remove({ dry_run: true })).json().refused, /^1 booking\(s\) ahead are still held/);
      assert.equal((await remove({})).statusCode, 400);
      // The merchant cancels it: Google must hear of it before the rows go.
      await adminOk(t, 'POST', `/merchants/${DEMO_M}/bookings/${bookingId}/cancel`);
      assert.match((await remove({ dry_run: true })).json().refused, /update\(s\) to Google about it are not delivered yet/);
      assert.equal((await remove({})).statusCode, 400);
      await h.drain();
      assert.ok(
        h.fake.calls.some((c) => c.method === 'PATCH' && c.path.endsWith(`/bookings/${bookingId}`)),
        'the cancellation reached Google',
      );
    });

    test('the dry run lists the rows per table and deletes nothing; the delete removes every row of the merchant and no other', async () => {
      const before = await rowsOf(t, DEMO_M);
      const other = await rowsOf(t, DEMO_WAITLIST_MERCHANT);
      const dry = (await remove({ dry_run: true })).json();
      assert.equal(dry.refused, null);
      for (const table of [
        'merchants',
        'services',
        'bookings',
        'waitlist_entries',
        'availability_slots',
        'outbox',
        'guest_links',
        'guest_replies',
        'staff',
        'admin_tokens',
        'web_sessions',
        'dining_tables',
        'opening_hours',
      ]) {
        assert.equal(dry.rows[table], before[table], `${table}: the dry run counts what is there`);
        assert.ok(before[table]! > 0, `${table}: the fixture has rows to delete`);
      }
      assert.deepEqual(await rowsOf(t, DEMO_M), before, 'a dry run deletes nothing');

      const done = await remove({});
      assert.equal(done.statusCode, 200, done.body);
      assert.equal(done.json().deleted, true);
      assert.equal(done.json().rows.bookings, before.bookings);
      const after = await rowsOf(t, DEMO_M);
      assert.deepEqual(
        Object.entries(after).filter(([table, n]) => n > 0 && !(table in KEPT_TABLES)),
        [],
        'no row of the merchant is left',
      );
      assert.deepEqual(await rowsOf(t, DEMO_WAITLIST_MERCHANT), other, "another merchant's rows are untouched");
      assert.equal((await t.admin('GET', `/merchants/${DEMO_M}`)).statusCode, 404);
      assert.equal((await t.admin('GET', '/merchants', undefined, staffToken)).statusCode, 401, "the merchant's staff token is gone");
      assert.equal((await remove({ dry_run: true })).statusCode, 404, 'a deleted merchant is unknown');
    });

    test('a deactivated service goes alone: its slots, bookings and outbox rows; the merchant and its other services stay', async () => {
      const M = DEMO_WAITLIST_MERCHANT;
      await addService(t, M, 'terrace');
      await putSlots(t, M, 'terrace', [ny('2026-01-08 00:00'), ny('2026-01-09 00:00')], [{ start: ny('2026-01-08 19:00') }]);
      await h.settle();
      const path = `/merchants/${M}/services/terrace/delete`;
      assert.match((await remove({ dry_run: true }, path)).json().refused, /^the service is active/);
      await adminOk(t, 'POST', `/merchants/${M}/services/terrace/deactivate`, {});
      await h.settle();
      const keptService = await rowsOf(t, M, 'reservation');
      const dry = (await remove({ dry_run: true }, path)).json();
      assert.equal(dry.refused, null);
      assert.equal(dry.rows.availability_slots, 1);
      assert.equal(dry.rows.services, 1);
      assert.ok(dry.rows.outbox >= 1, "the service's delivered availability updates");
      assert.equal(dry.rows.merchants, undefined, 'the merchant is not part of a service delete');
      const done = await remove({}, path);
      assert.equal(done.statusCode, 200, done.body);
      const gone = await rowsOf(t, M, 'terrace');
      assert.equal(gone.availability_slots, 0);
      const outboxOf = () =>
        t.store.db
          .selectFrom('outbox')
          .select('id')
          .where('entity_key', '=', `availability:${JSON.stringify([M, 'terrace'])}`)
          .execute();
      assert.equal((await outboxOf()).length, 0, "the service's delivered updates are gone");
      assert.equal((await t.admin('GET', `/merchants/${M}/services/terrace`)).statusCode, 404);
      assert.deepEqual(await rowsOf(t, M, 'reservation'), keptService, 'the other service keeps its rows');
      assert.equal((await t.admin('GET', `/merchants/${M}`)).statusCode, 200);
    });
  });
}
