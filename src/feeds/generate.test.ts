// Feed generation from a seeded inventory, on SQLite and PostgreSQL: merchant, service and
// availability feed content against Google's feed format; recurrence with exceptions across DST
// changes (New York springs forward, Sydney falls back); open spots equal to what
// BatchAvailabilityLookup answers; sharding at a small size limit; no partial feed on abort.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromJsonString } from '@bufbuild/protobuf';
import { DateTime } from 'luxon';
import { expandEntry } from '../availability/expansion.js';
import { AvailabilityFeedSchema } from '../gen/ext/maps/booking/feeds/v1/availability_feed_pb.js';
import { MerchantFeedSchema } from '../gen/ext/maps/booking/feeds/v1/merchant_feed_pb.js';
import { ServiceFeedSchema } from '../gen/ext/maps/booking/feeds/v1/service_feed_pb.js';
import { DIALECTS, forDialect, type TestApp } from '../test-support/app.js';
import { adminOk, book, googleOk, putSlots } from '../test-support/bookings.js';
import { FEEDS_NOW_MS, feedShards, generateInto, local, NY, SYD, seedFallBackStudio, seedSpringForwardSalon } from '../test-support/feeds.js';
import type { FeedKind, GenerateOptions, GenerateSummary } from './generate.js';

/** Parsed feed JSON, read field by field as the tests need. */
type Json = Record<string, any>;

interface ReadFeed {
  readonly files: string[];
  readonly docs: Json[];
}

/** The shards of one feed in a directory: file names (sorted) and parsed JSON documents. */
async function readFeed(dir: string, kind: FeedKind): Promise<ReadFeed> {
  const { files, texts } = await feedShards(dir, kind);
  const docs: Json[] = [];
  for (const text of texts) {
    // Strict parse with the feed's own schema: no unknown field, every value well-typed.
    const schema = kind === 'merchants' ? MerchantFeedSchema : kind === 'services' ? ServiceFeedSchema : AvailabilityFeedSchema;
    fromJsonString(schema, text);
    docs.push(JSON.parse(text) as Json);
  }
  return { files, docs };
}

const availabilityOf = (feed: ReadFeed): Json[] => feed.docs.flatMap((d) => d.service_availability.flatMap((sa: Json) => sa.availability ?? []));

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    let t: TestApp;
    let out: string;
    let summary: GenerateSummary;

    const generate = (dir: string, extra: Partial<GenerateOptions> = {}): Promise<GenerateSummary> => generateInto(t, dir, extra);

    before(async () => {
      t = await startApp({ nowMs: FEEDS_NOW_MS });
      out = await mkdtemp(join(tmpdir(), 'feeds-gen-'));
      // A dining merchant with a waitlist service and a reservation service (spots open, two spots).
      await adminOk(
        t,
        'POST',
        '/merchants',
        {
          id: 'bistro',
          name: 'Bistro Uno',
          time_zone: NY,
          telephone: '+1 212-555-0199',
          address: { street_address: '1 Main St', locality: 'New York', region: 'NY', postal_code: '10001', country: 'US' },
          waitlist_advisement: 'We hold tables for 10 minutes.',
        },
        201,
      );
      await adminOk(
        t,
        'POST',
        '/merchants/bistro/services',
        {
          id: 'waitlist',
          name: 'Waitlist',
          waitlist: { min_party_size: 2, max_party_size: 6, supports_additional_request: false, call_merchant_above_max_party_size: true },
        },
        201,
      );
      await adminOk(
        t,
        'POST',
        '/merchants/bistro/services',
        {
          id: 'dinner',
          name: 'Dinner',
          waitlist: { enabled: false },
          booking: {
            enabled: true,
            price: { price_micros: 25_000_000, currency_code: 'USD' },
            cancel_before_start_sec: 3600,
            confirmation_mode: 'ASYNCHRONOUS',
          },
        },
        201,
      );
      await putSlots(
        t,
        'bistro',
        'dinner',
        [local('2026-03-01 00:00'), local('2026-05-01 00:00')],
        [
          { start: local('2026-03-01 11:00'), spots: 2 }, // already started: not in the feed
          { start: local('2026-03-02 18:00'), spots: 2, tag: 'window' },
          { start: local('2026-03-02 18:30'), spots: 2, partySize: 4 },
          { start: local('2026-03-02 19:00'), spots: 1 },
          { start: local('2026-04-20 19:00'), spots: 2 }, // beyond the 45-day horizon
        ],
      );
      // One booking and one lease on 18:00 (full), one booking on 19:00 (full), one on 18:30 (one left).
      await book(t, { merchantId: 'bistro', serviceId: 'dinner', start: local('2026-03-02 18:00') });
      await googleOk(t, 'CreateLease', {
        lease: {
          slot: { merchant_id: 'bistro', service_id: 'dinner', start_sec: String(local('2026-03-02 18:00')), duration_sec: '1800' },
          user_reference: 'lease-1',
          lease_expiration_time_sec: String(local('2026-03-01 12:05')),
        },
      });
      await book(t, { merchantId: 'bistro', serviceId: 'dinner', start: local('2026-03-02 19:00') });
      await book(t, { merchantId: 'bistro', serviceId: 'dinner', start: local('2026-03-02 18:30'), partySize: 4 });

      // A salon in New York in the recurrence format: 09:00-11:30 every 30 minutes, 6-10 March
      // (New York springs forward on Sunday 8 March), two appointments booked.
      await seedSpringForwardSalon(t, 'salon');
      await book(t, { merchantId: 'salon', serviceId: 'cut', start: local('2026-03-08 10:00'), partySize: 0 });
      await book(t, { merchantId: 'salon', serviceId: 'cut', start: local('2026-03-08 10:30'), partySize: 0 });

      // A Sydney studio open at night across the fall-back change (5 April 03:00 AEDT -> 02:00 AEST):
      // 01:00-04:00 every 30 minutes.
      await seedFallBackStudio(t, 'studio');
      await book(t, { merchantId: 'studio', serviceId: 'session', start: local('2026-04-05 03:30', SYD), partySize: 0 });

      // A service that does not sell bookings: its slots stay out of the availability feed.
      await adminOk(t, 'POST', '/merchants/salon/services', { id: 'closed', name: 'Closed', waitlist: { enabled: false }, booking: { enabled: false } }, 201);
      await putSlots(t, 'salon', 'closed', [local('2026-03-02 00:00'), local('2026-03-03 00:00')], [{ start: local('2026-03-02 10:00') }]);

      summary = await generate(out);
    });
    after(async () => {
      await t.close();
      await rm(out, { recursive: true, force: true });
    });

    test('every feed: one shard, PROCESS_AS_COMPLETE, its own nonce, the generation time, Google file names', async () => {
      const nonces = new Set<string>();
      for (const kind of ['merchants', 'services', 'availability'] as const) {
        const feed = await readFeed(out, kind);
        assert.equal(feed.files.length, 1);
        const ts = local('2026-03-01 12:00');
        assert.match(feed.files[0]!, new RegExp(`^(merchant|service|availability)_feed_${ts}_001_of_001\\.json\\.gz$`));
        const meta = feed.docs[0]!.metadata;
        assert.deepEqual(Object.keys(meta).sort(), ['generation_timestamp', 'nonce', 'processing_instruction', 'shard_number', 'total_shards']);
        assert.deepEqual(
          [meta.processing_instruction, meta.shard_number, meta.total_shards, Number(meta.generation_timestamp)],
          ['PROCESS_AS_COMPLETE', 0, 1, ts],
        );
        assert.match(meta.nonce, /^\d+$/, 'uint64 as a JSON string');
        nonces.add(meta.nonce);
      }
      assert.equal(nonces.size, 3, 'one nonce per feed');
      assert.deepEqual(
        summary.feeds.map((f) => [f.kind, f.records]),
        [
          ['merchants', 3],
          ['services', 4],
          ['availability', 9],
        ],
      );
    });

    test('merchant feed: address, telephone, category and waitlist advisement; no geo without an address', async () => {
      const [doc] = (await readFeed(out, 'merchants')).docs;
      assert.deepEqual(doc!.merchant, [
        {
          merchant_id: 'bistro',
          name: 'Bistro Uno',
          telephone: '+1 212-555-0199',
          geo: { address: { country: 'US', locality: 'New York', region: 'NY', postal_code: '10001', street_address: '1 Main St' } },
          category: 'restaurant',
          waitlist_advisement: { text: { value: 'We hold tables for 10 minutes.' } },
        },
        { merchant_id: 'salon', name: 'Salon', category: 'restaurant' },
        { merchant_id: 'studio', name: 'Night Studio', category: 'restaurant' },
      ]);
    });

    test('service feed: names, prices, cancellation rule, waitlist rules with the above-maximum option', async () => {
      const [doc] = (await readFeed(out, 'services')).docs;
      assert.deepEqual(doc!.service, [
        {
          merchant_id: 'bistro',
          service_id: 'dinner',
          price: { price_micros: '25000000', currency_code: 'USD' },
          rules: { min_advance_online_canceling: '3600' },
          localized_service_name: { value: 'Dinner' },
        },
        {
          merchant_id: 'bistro',
          service_id: 'waitlist',
          localized_service_name: { value: 'Waitlist' },
          waitlist_rules: { min_party_size: 2, max_party_size: 6, above_max_party_size_options: [{ call_merchant: {} }] },
        },
        { merchant_id: 'salon', service_id: 'cut', localized_service_name: { value: 'Haircut' } },
        { merchant_id: 'studio', service_id: 'session', localized_service_name: { value: 'Session' } },
      ]);
    });

    test('availability, spots_open form: upcoming slots within the horizon with their open spots', async () => {
      const entries = availabilityOf(await readFeed(out, 'availability')).filter((a) => a.service_id === 'dinner');
      const async = 'CONFIRMATION_MODE_ASYNCHRONOUS';
      assert.deepEqual(
        entries,
        [
          {
            merchant_id: 'bistro',
            service_id: 'dinner',
            start_sec: String(local('2026-03-02 18:00')),
            duration_sec: '1800',
            spots_total: '2',
            availability_tag: 'window',
            confirmation_mode: async,
          },
          {
            merchant_id: 'bistro',
            service_id: 'dinner',
            start_sec: String(local('2026-03-02 18:30')),
            duration_sec: '1800',
            spots_total: '2',
            spots_open: '1',
            resources: { party_size: 4 },
            confirmation_mode: async,
          },
          {
            merchant_id: 'bistro',
            service_id: 'dinner',
            start_sec: String(local('2026-03-02 19:00')),
            duration_sec: '1800',
            spots_total: '1',
            confirmation_mode: async,
          },
        ],
        'spots_open 0 is the default and left out; the started and the far slots are not there',
      );
    });

    test('availability, recurrence form: one recurrence per local day, 09:00 local across the DST change, booked slots as exceptions', async () => {
      const entries = availabilityOf(await readFeed(out, 'availability')).filter((a) => a.service_id === 'cut');
      assert.deepEqual(
        entries.map((e) => [
          DateTime.fromSeconds(Number(e.start_sec), { zone: NY }).toFormat('MM-dd HH:mm'),
          Number(e.recurrence.repeat_until_sec) - Number(e.start_sec),
          e.recurrence.repeat_every_sec,
        ]),
        ['03-06', '03-07', '03-08', '03-09', '03-10'].map((d) => [`${d} 09:00`, 9000, '1800']),
      );
      assert.equal(Number(entries[2]!.start_sec) - Number(entries[1]!.start_sec), 23 * 3600, 'the spring-forward day is 23 hours long');
      for (const e of entries) {
        assert.deepEqual([e.spots_total, e.spots_open], ['1', '1'], "a recurrence carries its spots explicitly, as Google's examples do");
        assert.equal(e.confirmation_mode, 'CONFIRMATION_MODE_SYNCHRONOUS');
      }
      assert.deepEqual(entries[2]!.schedule_exception, [
        { time_range: { begin_sec: String(local('2026-03-08 10:00')), end_sec: String(local('2026-03-08 11:00')) } },
      ]);
      assert.ok(entries.filter((_, i) => i !== 2).every((e) => e.schedule_exception === undefined));

      // Sydney's fall-back night: 02:00 and 02:30 happen twice; the schedule keeps their first
      // occurrence. The night stays one recurrence: the left-out second 02:00 and 02:30 are
      // schedule exceptions (merged with nothing), as is the booked 03:30.
      const night = availabilityOf(await readFeed(out, 'availability')).filter((a) => a.service_id === 'session');
      const fmt = (sec: string) => DateTime.fromSeconds(Number(sec), { zone: SYD }).toFormat('HH:mm ZZ');
      assert.deepEqual(
        night.map((e) => [fmt(e.start_sec), fmt(e.recurrence.repeat_until_sec), (e.schedule_exception ?? []).map((x: Json) => fmt(x.time_range.begin_sec))]),
        [['01:00 +11:00', '04:00 +10:00', ['02:00 +10:00', '03:30 +10:00']]],
      );
    });

    test('open spots in the feed are what BatchAvailabilityLookup answers, slot by slot', async () => {
      const feed = fromJsonString(AvailabilityFeedSchema, (await feedShards(out, 'availability')).texts[0]!);
      const checks: { merchant: string; slotTime: Json; open: boolean }[] = [];
      for (const a of feed.serviceAvailability.flatMap((sa) => sa.availability)) {
        const resources = a.resources ? { party_size: a.resources.partySize } : {};
        const base = { service_id: a.serviceId, duration_sec: String(a.durationSec), ...(a.resources?.partySize ? { resource_ids: resources } : {}) };
        if (a.recurrence === undefined) {
          checks.push({ merchant: a.merchantId, slotTime: { ...base, start_sec: String(a.startSec) }, open: a.spotsOpen > 0n });
          continue;
        }
        // Every instance a recurrence describes: open unless an exception covers it.
        const entry = {
          startSec: Number(a.startSec),
          durationSec: Number(a.durationSec),
          spotsTotal: 1,
          resources: { staffId: '', roomId: '', partySize: 0 },
          availabilityTag: '',
          recurrence: { repeatEverySec: Number(a.recurrence.repeatEverySec), repeatUntilSec: Number(a.recurrence.repeatUntilSec) },
        };
        const open = new Set(
          expandEntry({
            ...entry,
            scheduleExceptions: a.scheduleException.map((x) => ({ beginSec: Number(x.timeRange!.beginSec), endSec: Number(x.timeRange!.endSec) })),
          }).map((s) => s.startSec),
        );
        for (const s of expandEntry({ ...entry, scheduleExceptions: [] }))
          checks.push({ merchant: a.merchantId, slotTime: { ...base, start_sec: String(s.startSec) }, open: open.has(s.startSec) });
      }
      // The studio's recurrence also describes the two left-out repeated instants (as exceptions).
      assert.equal(checks.length, 3 + 5 * 6 + 9);
      assert.equal(checks.filter((c) => !c.open).length, 2 + 2 + 1 + 2, 'the fixture has full slots (and the two left-out instants) to compare');
      for (const merchant of ['bistro', 'salon', 'studio']) {
        const mine = checks.filter((c) => c.merchant === merchant);
        const body = await googleOk(t, 'BatchAvailabilityLookup', { merchant_id: merchant, slot_time: mine.map((c) => c.slotTime) });
        assert.deepEqual(
          body.slot_time_availability.map((x: Json) => x.available === true),
          mine.map((c) => c.open),
          `${merchant}: the feed and BatchAvailabilityLookup agree`,
        );
      }
    });

    test('sharding at a small limit: every shard valid, same nonce and time, numbered 0..n-1, nothing lost or duplicated', async () => {
      // Enough slots for many shards: every 15 minutes around the clock for 30 days, 1-3 spots.
      await adminOk(t, 'POST', '/merchants/bistro/services', { id: 'bar', name: 'Bar', waitlist: { enabled: false }, booking: { enabled: true } }, 201);
      await adminOk(t, 'PUT', '/merchants/bistro/services/bar/availability/weekly-schedule', {
        from_date: '2026-03-02',
        to_date: '2026-03-31',
        days: [1, 2, 3, 4, 5, 6, 7],
        first_start: '00:00',
        last_start: '23:45',
        repeat_every_minutes: 15,
        duration_sec: 900,
        spots_total: 3,
        availability_tag: 'bar-seat',
      });
      const whole = await mkdtemp(join(tmpdir(), 'feeds-whole-'));
      const sharded = await mkdtemp(join(tmpdir(), 'feeds-sharded-'));
      try {
        await generate(whole, { kinds: ['availability'] });
        const limit = 4096;
        const result = await generate(sharded, { kinds: ['availability'], config: { ...t.config.feeds, shardMaxBytes: limit } });
        const feed = await readFeed(sharded, 'availability');
        const n = feed.files.length;
        assert.ok(n >= 5, `expected several shards, got ${n}`);
        assert.equal(result.feeds[0]!.files.length, n);
        const ts = local('2026-03-01 12:00');
        assert.deepEqual(
          feed.files,
          Array.from({ length: n }, (_, i) => `availability_feed_${ts}_${String(i + 1).padStart(3, '0')}_of_${String(n).padStart(3, '0')}.json.gz`),
        );
        for (const name of feed.files) assert.ok((await readFile(join(sharded, name))).length <= limit, `${name} is within the limit`);
        assert.deepEqual(
          feed.docs.map((d) => d.metadata.shard_number),
          Array.from({ length: n }, (_, i) => i),
        );
        assert.ok(feed.docs.every((d) => d.metadata.total_shards === n && d.metadata.processing_instruction === 'PROCESS_AS_COMPLETE'));
        assert.equal(new Set(feed.docs.map((d) => d.metadata.nonce)).size, 1, 'one nonce across the shards');
        assert.equal(new Set(feed.docs.map((d) => d.metadata.generation_timestamp)).size, 1);
        assert.ok(
          feed.docs.every((d) => availabilityOf({ files: [], docs: [d] }).length > 0),
          'no empty shard',
        );
        const key = (a: Json) => JSON.stringify(a);
        const all = availabilityOf(feed).map(key);
        const expected = availabilityOf(await readFeed(whole, 'availability')).map(key);
        assert.equal(all.length, expected.length);
        assert.equal(new Set(all).size, all.length, 'no record twice');
        assert.deepEqual([...all].sort(), [...expected].sort(), 'the same records as the unsharded feed');
        assert.equal(all.length, 9 + 30 * 96 - 4, 'the spring-forward day has no 02:00-02:45');
        assert.deepEqual(
          (await readdir(sharded)).filter((f) => f.endsWith('.tmp')),
          [],
          'no temporary file left',
        );
      } finally {
        await rm(whole, { recursive: true, force: true });
        await rm(sharded, { recursive: true, force: true });
      }
    });

    test('an aborted generation leaves no partial availability feed and no temporary file', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'feeds-abort-'));
      try {
        const controller = new AbortController();
        const progress = { begin: () => {}, end: () => {}, advance: () => controller.abort(new Error('stop')) };
        await assert.rejects(generate(dir, { kinds: ['availability'], progress, signal: controller.signal }), /stop/);
        assert.deepEqual(await readdir(dir), []);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test('booking.availability_format: spots_open by default; recurrence only with single-spot slots', async () => {
      await adminOk(t, 'POST', '/merchants/salon/services', { id: 'color', name: 'Color', waitlist: { enabled: false }, booking: { enabled: true } }, 201);
      const created = await adminOk(t, 'GET', '/merchants/salon/services/color');
      assert.equal(created.booking.availability_format, 'spots_open');
      await putSlots(t, 'salon', 'color', [local('2026-03-03 00:00'), local('2026-03-04 00:00')], [{ start: local('2026-03-03 10:00'), spots: 2 }]);
      const refused = await t.admin('PATCH', '/merchants/salon/services/color', { booking: { availability_format: 'recurrence' } });
      assert.equal(refused.statusCode, 400, refused.body);
      assert.match(refused.json().error.message, /spots_total 1.*1 upcoming slot/);
      await putSlots(t, 'salon', 'color', [local('2026-03-03 00:00'), local('2026-03-04 00:00')], [{ start: local('2026-03-03 10:00'), spots: 1 }]);
      const switched = await adminOk(t, 'PATCH', '/merchants/salon/services/color', { booking: { availability_format: 'recurrence' } });
      assert.equal(switched.booking.availability_format, 'recurrence');
      const twoSpots = await t.admin('PUT', '/merchants/salon/services/color/availability', {
        start_time_restrict: local('2026-03-03 00:00'),
        end_time_restrict: local('2026-03-04 00:00'),
        availability: [{ start_sec: local('2026-03-03 10:00'), duration_sec: 1800, spots_total: 2 }],
      });
      assert.equal(twoSpots.statusCode, 400, twoSpots.body);
      assert.match(twoSpots.json().error.message, /recurrence/);
      const bad = await t.admin('PATCH', '/merchants/salon/services/color', { booking: { availability_format: 'weekly' } });
      assert.equal(bad.statusCode, 400);
    });
  });
}
