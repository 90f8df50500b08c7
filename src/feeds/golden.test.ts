// Golden test of the feeds' content: the three feeds generated from one varied fixture, on SQLite
// and PostgreSQL, with the default keyset pages and with tiny ones (every merchant page and slot
// page boundary crossed), must be byte for byte the text in fixtures/golden/ once decompressed
// (only the random nonce is masked). The golden files were written by the generator before the
// streaming writer of issue 17 (GOLDEN_WRITE=1 rewrites them), so the two say exactly the same.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIALECTS, forDialect, type TestApp } from '../test-support/app.js';
import { adminOk, book, googleOk, putSlots } from '../test-support/bookings.js';
import { FEEDS_NOW_MS, feedShards, generateInto, local, NY, SYD, seedFallBackStudio, seedSpringForwardSalon } from '../test-support/feeds.js';
import { FEED_KINDS, type FeedKind, type GenerateOptions } from './generate.js';

const GOLDEN_DIR = join(import.meta.dirname, 'fixtures', 'golden');
const goldenPath = (kind: FeedKind) => join(GOLDEN_DIR, `${kind}.json`);

/** Every shard of one feed, decompressed, in shard order, with the nonce masked. */
async function feedText(dir: string, kind: FeedKind): Promise<string> {
  const { texts } = await feedShards(dir, kind);
  return `${texts.map((text) => text.replace(/"nonce":"\d+"/, '"nonce":"<nonce>"')).join('\n')}\n`;
}

async function seed(t: TestApp): Promise<void> {
  // ma: a restaurant with an address in part, a telephone, an advisement needing JSON escapes; a
  // waitlist service and a spots_open reservation service (price, cancellation rule, asynchronous
  // confirmation) with tags, resources, bookings and a lease.
  await adminOk(
    t,
    'POST',
    '/merchants',
    {
      id: 'ma',
      name: 'Café "Ünø" \\ Bar',
      time_zone: NY,
      telephone: '+1 212-555-0101',
      address: { locality: 'New York', country: 'US' },
      waitlist_advisement: 'We hold tables 10′ — "please" be on time.\nThanks ☕ 𝄞 </script>',
    },
    201,
  );
  await adminOk(
    t,
    'POST',
    '/merchants/ma/services',
    {
      id: 'queue',
      name: 'Walk-in queue',
      waitlist: { min_party_size: 1, max_party_size: 8, supports_additional_request: true, call_merchant_above_max_party_size: false },
    },
    201,
  );
  await adminOk(
    t,
    'POST',
    '/merchants/ma/services',
    {
      id: 'dinner',
      name: 'Dîner "spécial"',
      waitlist: { enabled: false },
      booking: { enabled: true, price: { price_micros: 12_500_000, currency_code: 'EUR' }, cancel_before_start_sec: 7200, confirmation_mode: 'ASYNCHRONOUS' },
    },
    201,
  );
  await adminOk(t, 'PUT', '/merchants/ma/services/dinner/availability', {
    start_time_restrict: local('2026-03-01 00:00'),
    end_time_restrict: local('2026-05-01 00:00'),
    availability: [
      { start_sec: local('2026-03-01 11:30'), duration_sec: 1800, spots_total: 2 }, // started: left out
      { start_sec: local('2026-03-02 18:00'), duration_sec: 1800, spots_total: 2, availability_tag: 'window "A" / é' },
      { start_sec: local('2026-03-02 18:00'), duration_sec: 3600, spots_total: 3, resources: { staff_id: 'anna', room_id: 'r1' } },
      { start_sec: local('2026-03-02 18:00'), duration_sec: 1800, spots_total: 1, resources: { staff_id: 'bob' } },
      { start_sec: local('2026-03-02 18:30'), duration_sec: 1800, spots_total: 4, resources: { party_size: 4 } },
      { start_sec: local('2026-03-02 19:00'), duration_sec: 1800, spots_total: 1, resources: { room_id: 'terrace' } },
      { start_sec: local('2026-03-03 19:00'), duration_sec: 5400, spots_total: 10 },
      { start_sec: local('2026-04-20 19:00'), duration_sec: 1800, spots_total: 2 }, // beyond the horizon
    ],
  });
  await book(t, { merchantId: 'ma', serviceId: 'dinner', start: local('2026-03-02 18:30'), partySize: 4 });
  await book(t, { merchantId: 'ma', serviceId: 'dinner', start: local('2026-03-03 19:00'), duration: 5400 });
  await googleOk(t, 'CreateLease', {
    lease: {
      slot: { merchant_id: 'ma', service_id: 'dinner', start_sec: String(local('2026-03-03 19:00')), duration_sec: '5400' },
      user_reference: 'golden-lease',
      lease_expiration_time_sec: String(local('2026-03-01 12:05')),
    },
  });

  // mb: recurrence in New York across the spring-forward change, two bookings as exceptions.
  await seedSpringForwardSalon(t, 'mb');
  await book(t, { merchantId: 'mb', serviceId: 'cut', start: local('2026-03-08 10:00'), partySize: 0 });
  await book(t, { merchantId: 'mb', serviceId: 'cut', start: local('2026-03-09 09:00'), partySize: 0 });

  // mc: deactivated, with slots: in no feed.
  await adminOk(t, 'POST', '/merchants', { id: 'mc', name: 'Closed for good', time_zone: NY }, 201);
  await adminOk(t, 'POST', '/merchants/mc/services', { id: 'lunch', name: 'Lunch', waitlist: { enabled: false }, booking: { enabled: true } }, 201);
  await putSlots(t, 'mc', 'lunch', [local('2026-03-02 00:00'), local('2026-03-03 00:00')], [{ start: local('2026-03-02 12:00') }]);
  await adminOk(t, 'POST', '/merchants/mc/deactivate', {});

  // md: Sydney, recurrence over the fall-back night; a deactivated service and one without
  // bookings, both with slots that stay out of the availability feed.
  await seedFallBackStudio(t, 'md', { telephone: '+61 2 5550 1234' });
  await book(t, { merchantId: 'md', serviceId: 'session', start: local('2026-04-05 03:30', SYD), partySize: 0 });
  await adminOk(t, 'POST', '/merchants/md/services', { id: 'gone', name: 'Gone', waitlist: { enabled: false }, booking: { enabled: true } }, 201);
  await putSlots(t, 'md', 'gone', [local('2026-03-02 00:00'), local('2026-03-03 00:00')], [{ start: local('2026-03-02 10:00') }]);
  await adminOk(t, 'POST', '/merchants/md/services/gone/deactivate', {});
  await adminOk(t, 'POST', '/merchants/md/services', { id: 'nobook', name: 'No bookings', waitlist: { enabled: false }, booking: { enabled: false } }, 201);
  await putSlots(t, 'md', 'nobook', [local('2026-03-02 00:00'), local('2026-03-03 00:00')], [{ start: local('2026-03-02 10:00') }]);

  // me: many slots (every 15 minutes around the clock for three days, 1-3 spots by the schedule),
  // for slot pages to end inside a service; and a second, synchronous spots_open service.
  await adminOk(t, 'POST', '/merchants', { id: 'me', name: 'Bar', time_zone: NY }, 201);
  await adminOk(t, 'POST', '/merchants/me/services', { id: 'bar', name: 'Bar seat', waitlist: { enabled: false }, booking: { enabled: true } }, 201);
  await adminOk(t, 'PUT', '/merchants/me/services/bar/availability/weekly-schedule', {
    from_date: '2026-03-02',
    to_date: '2026-03-04',
    days: [1, 2, 3, 4, 5, 6, 7],
    first_start: '00:00',
    last_start: '23:45',
    repeat_every_minutes: 15,
    duration_sec: 900,
    spots_total: 3,
    availability_tag: 'bar-seat',
  });
  await book(t, { merchantId: 'me', serviceId: 'bar', start: local('2026-03-03 20:00'), duration: 900 });
  await adminOk(t, 'POST', '/merchants/me/services', { id: 'booth', name: 'Booth', waitlist: { enabled: false }, booking: { enabled: true } }, 201);
  await putSlots(
    t,
    'me',
    'booth',
    [local('2026-03-02 00:00'), local('2026-03-04 00:00')],
    [
      { start: local('2026-03-02 20:00'), spots: 1 },
      { start: local('2026-03-03 20:00'), spots: 2, tag: 'booth' },
    ],
  );
}

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    let t: TestApp;
    const dirs: string[] = [];

    async function generate(extra: Partial<GenerateOptions> = {}): Promise<string> {
      const dir = await mkdtemp(join(tmpdir(), 'feeds-golden-'));
      dirs.push(dir);
      await generateInto(t, dir, extra);
      return dir;
    }

    before(async () => {
      t = await startApp({ nowMs: FEEDS_NOW_MS });
      await seed(t);
    });
    after(async () => {
      await t.close();
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    });

    test('the feeds are the golden text, with the default keyset pages and with tiny ones', async () => {
      const whole = await generate();
      const tiny = await generate({ pageSizes: { merchants: 2, slots: 7 } });
      for (const kind of FEED_KINDS) {
        const text = await feedText(whole, kind);
        if (process.env.GOLDEN_WRITE === '1' && dialect === 'sqlite') await writeFile(goldenPath(kind), text);
        const golden = await readFile(goldenPath(kind), 'utf8');
        assert.equal(text, golden, `${kind} feed (default pages) differs from ${goldenPath(kind)}`);
        assert.equal(await feedText(tiny, kind), golden, `${kind} feed (tiny pages) differs from ${goldenPath(kind)}`);
      }
    });
  });
}
