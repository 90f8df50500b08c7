// Removing a merchant or a service: the dry run says what will happen and changes nothing; a
// deactivation refused for bookings ahead changes nothing; otherwise open waitlist entries are
// cancelled, future bookings cancelled (each with its update to Google in the outbox) or kept, as
// asked, new bookings and joins are refused, and the merchant leaves the next feeds. Activation undoes it.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { seedDemo } from '../demo/seed.js';
import { generateFeeds } from '../feeds/generate.js';
import { DIALECTS, forDialect, type TestApp } from '../test-support/app.js';
import { book, bookingRequest, DEMO_M, DEMO_S, failureOf, ny } from '../test-support/bookings.js';

type Json = Record<string, any>;

/** Merchant ids in each feed as generated now. */
async function feedMerchants(t: TestApp): Promise<{ merchants: string[]; services: string[]; availability: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'removal-feeds-'));
  try {
    await generateFeeds({ store: t.store, clock: t.clock, config: t.config.feeds, outDir: dir, horizonDays: 30 });
    const docs = async (prefix: string): Promise<Json[]> => {
      const names = (await readdir(dir)).filter((n) => n.startsWith(prefix) && n.endsWith('.json.gz'));
      return Promise.all(names.map(async (n) => JSON.parse(gunzipSync(await readFile(join(dir, n))).toString('utf8')) as Json));
    };
    return {
      merchants: (await docs('merchant_feed_')).flatMap((d) => (d.merchant ?? []).map((m: Json) => m.merchant_id)).sort(),
      services: (await docs('service_feed_')).flatMap((d) => (d.service ?? []).map((s: Json) => `${s.merchant_id}/${s.service_id}`)).sort(),
      availability: [
        ...new Set(
          (await docs('availability_feed_')).flatMap((d) =>
            (d.service_availability ?? []).flatMap((sa: Json) => (sa.availability ?? []).map((a: Json) => a.merchant_id)),
          ),
        ),
      ].sort() as string[],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const outboxCount = async (t: TestApp): Promise<number> =>
  Number(
    (
      await t.store.db
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

async function joinWaitlist(t: TestApp, user: string): Promise<string> {
  const res = await t.google('CreateWaitlistEntry', {
    merchant_id: 'dining-1',
    service_id: 'reservation',
    party_size: 2,
    idempotency_token: `rm-${user}`,
    user_information: { user_id: user, given_name: 'Lee' },
  });
  assert.equal(res.statusCode, 200, res.body);
  return (res.json() as { waitlist_entry_id: string }).waitlist_entry_id;
}

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);

    test('a merchant with bookings ahead: dry run, refusal, then cancel with updates to Google; it leaves the feeds; activation undoes it', async () => {
      const t = await startApp();
      try {
        await seedDemo(t.services, t.clock);
        const b1 = await book(t, { start: ny('2026-01-06 09:00') });
        const b2 = await book(t, { start: ny('2026-01-07 10:30'), partySize: 3 });
        assert.ok((await feedMerchants(t)).merchants.includes(DEMO_M));
        const outboxBefore = await outboxCount(t);

        const dry = await t.admin('POST', `/merchants/${DEMO_M}/deactivate`, { dry_run: true });
        assert.equal(dry.statusCode, 200, dry.body);
        const plan = dry.json() as Json;
        assert.equal(plan.dry_run, true);
        assert.equal(plan.deactivated, false);
        assert.match(plan.refused, /2 booking\(s\) ahead/);
        assert.deepEqual(plan.future_bookings.bookings.map((b: Json) => b.id).sort(), [b1.booking_id, b2.booking_id].sort());
        assert.equal(plan.future_bookings.action, 'refuse');

        const refused = await t.admin('POST', `/merchants/${DEMO_M}/deactivate`, {});
        assert.equal(refused.statusCode, 400, refused.body);
        assert.equal((refused.json() as Json).error.code, 'ILLEGAL_TRANSITION');
        assert.equal(((await t.admin('GET', `/merchants/${DEMO_M}`)).json() as Json).deactivated_at, null, 'nothing changed');
        assert.equal(await outboxCount(t), outboxBefore);

        const dryCancel = (await t.admin('POST', `/merchants/${DEMO_M}/deactivate`, { dry_run: true, future_bookings: 'cancel' })).json() as Json;
        assert.equal(dryCancel.refused, null);
        assert.equal(dryCancel.future_bookings.bookings.length, 2);
        assert.equal(
          ((await t.admin('GET', `/merchants/${DEMO_M}/bookings/${b1.booking_id}`)).json() as Json).status,
          'CONFIRMED',
          'a dry run changes nothing',
        );

        const done = await t.admin('POST', `/merchants/${DEMO_M}/deactivate`, { future_bookings: 'cancel' });
        assert.equal(done.statusCode, 200, done.body);
        const result = done.json() as Json;
        assert.equal(result.deactivated, true);
        assert.deepEqual(
          result.future_bookings.bookings.map((b: Json) => b.status),
          ['CANCELED', 'CANCELED'],
        );
        for (const id of [b1.booking_id, b2.booking_id]) {
          const booking = await t.store.db.selectFrom('bookings').select(['status', 'canceled_by']).where('id', '=', id).executeTakeFirstOrThrow();
          assert.deepEqual(booking, { status: 'CANCELED', canceled_by: 'merchant' });
          const updates = await t.store.db
            .selectFrom('outbox')
            .select(['kind', 'payload'])
            .where('kind', '=', 'booking')
            .where('entity_key', 'like', `%${id}%`)
            .execute();
          // The worker renders the booking as it is at delivery (CANCELED); the row names the changed field.
          assert.ok(
            updates.some((u) => (JSON.parse(u.payload) as { fields?: string[] }).fields?.includes('status')),
            `an update to Google for ${id}: ${JSON.stringify(updates)}`,
          );
        }
        assert.ok(((await t.admin('GET', `/merchants/${DEMO_M}`)).json() as Json).deactivated_at > 0);

        // Google no longer sees it: new bookings refused, and it leaves the feeds.
        const refusedBooking = await t.google('CreateBooking', bookingRequest({ start: ny('2026-01-08 11:00') }));
        assert.equal(refusedBooking.statusCode, 200, refusedBooking.body);
        assert.equal(failureOf(refusedBooking.json()).cause, 'SLOT_UNAVAILABLE');
        const feeds = await feedMerchants(t);
        assert.ok(
          !feeds.merchants.includes(DEMO_M) && !feeds.services.some((s) => s.startsWith(`${DEMO_M}/`)) && !feeds.availability.includes(DEMO_M),
          JSON.stringify(feeds),
        );
        assert.ok(feeds.merchants.includes('dining-1'), 'other merchants stay');
        // A second deactivation is a no-op that says so.
        assert.equal(((await t.admin('POST', `/merchants/${DEMO_M}/deactivate`, {})).json() as Json).already_deactivated, true);

        assert.equal((await t.admin('POST', `/merchants/${DEMO_M}/activate`)).statusCode, 204);
        await book(t, { start: ny('2026-01-08 11:00') });
        assert.ok((await feedMerchants(t)).merchants.includes(DEMO_M));
      } finally {
        await t.close();
      }
    });

    test('a waitlist service: open entries are cancelled through the waitlist, joins refused; "keep" leaves bookings as they are', async () => {
      const t = await startApp();
      try {
        await seedDemo(t.services, t.clock);
        const a = await joinWaitlist(t, 'rm-a');
        const b = await joinWaitlist(t, 'rm-b');
        const dry = (await t.admin('POST', '/merchants/dining-1/services/reservation/deactivate', { dry_run: true })).json() as Json;
        assert.deepEqual(dry.waitlist_entries.entries.map((e: Json) => e.id).sort(), [a, b].sort());
        assert.equal(
          ((await t.google('GetWaitlistEntry', { waitlist_entry_id: a })).json() as Json).waitlist_entry.waitlist_entry_state,
          'WAITING',
          'a dry run changes nothing',
        );

        const done = await t.admin('POST', '/merchants/dining-1/services/reservation/deactivate');
        assert.equal(done.statusCode, 200, done.body);
        for (const id of [a, b]) {
          const entry = (await t.google('GetWaitlistEntry', { waitlist_entry_id: id })).json() as Json;
          assert.equal(entry.waitlist_entry.waitlist_entry_state, 'CANCELED', JSON.stringify(entry));
        }
        const refused = await t.google('CreateWaitlistEntry', {
          merchant_id: 'dining-1',
          service_id: 'reservation',
          party_size: 2,
          idempotency_token: 'rm-late',
          user_information: { user_id: 'rm-late', given_name: 'Late' },
        });
        assert.equal(refused.statusCode, 400, refused.body);
        assert.match(refused.body, /deactivated/);
        assert.ok(!(await feedMerchants(t)).services.includes('dining-1/reservation'));

        const kept = await book(t, { start: ny('2026-01-06 13:00') });
        const outboxBefore = await outboxCount(t);
        const keep = (await t.admin('POST', `/merchants/${DEMO_M}/services/${DEMO_S}/deactivate`, { future_bookings: 'keep' })).json() as Json;
        assert.equal(keep.future_bookings.action, 'keep');
        assert.deepEqual(
          keep.future_bookings.bookings.map((x: Json) => [x.id, x.status]),
          [[kept.booking_id, 'CONFIRMED']],
        );
        assert.equal(((await t.google('GetBookingStatus', { booking_id: kept.booking_id })).json() as Json).booking_status, 'CONFIRMED');
        assert.equal(await outboxCount(t), outboxBefore, 'nothing to tell Google about kept bookings');
      } finally {
        await t.close();
      }
    });

    test('bad input and access: 4xx with a clear message, never a change', async () => {
      const t = await startApp();
      try {
        await seedDemo(t.services, t.clock);
        const cases: [string, unknown, number][] = [
          ['/merchants/nope/deactivate', {}, 404],
          [`/merchants/${DEMO_M}/services/nope/deactivate`, {}, 404],
          [`/merchants/${DEMO_M}/deactivate`, { future_bookings: 'maybe' }, 400],
          [`/merchants/${DEMO_M}/deactivate`, { dry_run: 'yes' }, 400],
          [`/merchants/${DEMO_M}/deactivate`, [], 400],
        ];
        for (const [path, body, status] of cases) {
          const res = await t.admin('POST', path, body);
          assert.equal(res.statusCode, status, `${path} ${JSON.stringify(body)}: ${res.body}`);
          assert.ok((res.json() as Json).error.message);
        }
        const other = await t.admin('POST', '/tokens', { merchant_id: 'dining-1', label: 'other' });
        const token = (other.json() as Json).token as string;
        assert.equal((await t.admin('POST', `/merchants/${DEMO_M}/deactivate`, {}, token)).statusCode, 403);
        assert.equal(((await t.admin('GET', `/merchants/${DEMO_M}`)).json() as Json).deactivated_at, null);
      } finally {
        await t.close();
      }
    });
  });
}
