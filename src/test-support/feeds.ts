// The feeds' tests' shared ground (generate.test.ts reads the feeds field by field, golden.test.ts
// byte for byte): wall times in New York and Sydney, "now" on Sunday 1 March 2026, a generation
// into a folder, the shards of one feed read back, and the two inventories that cross a change
// of daylight saving time in the recurrence format.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DateTime } from 'luxon';
import { generateFeeds, type FeedKind, type GenerateOptions, type GenerateSummary } from '../feeds/generate.js';
import type { TestApp } from './app.js';
import { adminOk, NY } from './bookings.js';

export { NY };
export const SYD = 'Australia/Sydney';

/** Epoch seconds of a wall time in `zone`, New York unless told: local('2026-04-05 03:30', SYD). */
export function local(text: string, zone = NY): number {
  const t = DateTime.fromFormat(text, 'yyyy-MM-dd HH:mm', { zone });
  assert.ok(t.isValid, text);
  return t.toSeconds();
}

/** "Now" in the feeds' tests: Sunday 2026-03-01 12:00 in New York. */
export const FEEDS_NOW_MS = local('2026-03-01 12:00') * 1000;

/** The three feeds of the app's store into `outDir`, 45 days ahead unless `extra` says otherwise. */
export function generateInto(t: TestApp, outDir: string, extra: Partial<GenerateOptions> = {}): Promise<GenerateSummary> {
  return generateFeeds({ store: t.store, clock: t.clock, config: t.config.feeds, outDir, horizonDays: 45, ...extra });
}

const PREFIX: Record<FeedKind, string> = { merchants: 'merchant_feed_', services: 'service_feed_', availability: 'availability_feed_' };

/** One feed's shards in `dir`: their file names in shard order, and each one's text decompressed. */
export async function feedShards(dir: string, kind: FeedKind): Promise<{ files: string[]; texts: string[] }> {
  const files = (await readdir(dir)).filter((n) => n.startsWith(PREFIX[kind]) && n.endsWith('.json.gz')).sort();
  const texts = await Promise.all(files.map(async (name) => gunzipSync(await readFile(join(dir, name))).toString('utf8')));
  return { files, texts };
}

/**
 * A salon in New York, "Salon", with a "Haircut" service (`cut`) in the recurrence format:
 * 09:00-11:30 every 30 minutes, one spot, 6-10 March 2026, across the spring-forward change of
 * Sunday 8 March. Bookings are the test's own.
 */
export async function seedSpringForwardSalon(t: TestApp, merchantId: string): Promise<void> {
  await adminOk(t, 'POST', '/merchants', { id: merchantId, name: 'Salon', time_zone: NY }, 201);
  await addRecurrenceService(t, merchantId, { id: 'cut', name: 'Haircut' });
  await adminOk(t, 'PUT', `/merchants/${merchantId}/services/cut/availability/weekly-schedule`, {
    from_date: '2026-03-06',
    to_date: '2026-03-10',
    days: [1, 2, 3, 4, 5, 6, 7],
    first_start: '09:00',
    last_start: '11:30',
    repeat_every_minutes: 30,
    duration_sec: 1800,
    spots_total: 1,
  });
}

/**
 * A studio in Sydney open at night, "Night Studio", with a "Session" service (`session`) in the
 * recurrence format: 01:00-04:00 every 30 minutes, one spot, on Sunday 5 April 2026, across the
 * fall-back change (03:00 AEDT -> 02:00 AEST). Bookings are the test's own.
 */
export async function seedFallBackStudio(t: TestApp, merchantId: string, merchant: { telephone?: string } = {}): Promise<void> {
  await adminOk(t, 'POST', '/merchants', { id: merchantId, name: 'Night Studio', time_zone: SYD, ...merchant }, 201);
  await addRecurrenceService(t, merchantId, { id: 'session', name: 'Session' });
  await adminOk(t, 'PUT', `/merchants/${merchantId}/services/session/availability/weekly-schedule`, {
    from_date: '2026-04-05',
    to_date: '2026-04-05',
    days: [7],
    first_start: '01:00',
    last_start: '04:00',
    repeat_every_minutes: 30,
    duration_sec: 1800,
    spots_total: 1,
  });
}

async function addRecurrenceService(t: TestApp, merchantId: string, service: { id: string; name: string }): Promise<void> {
  await adminOk(
    t,
    'POST',
    `/merchants/${merchantId}/services`,
    { ...service, waitlist: { enabled: false }, booking: { enabled: true, availability_format: 'recurrence' } },
    201,
  );
}
