// The slots the conformance client may book, read from availability feeds: spots_open entries,
// recurrences with schedule exceptions, gzip, lowerCamelCase names, and the window probed without a feed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { FeedError, gridSlotTimes, readFeedFile, slotsFromFeed } from './availability.js';

const dir = mkdtempSync(join(tmpdir(), 'conformance-feed-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const T = 1_900_000_800; // a multiple of 1800

const feed = {
  service_availability: [
    {
      availability: [
        { merchant_id: 'm', service_id: 's', start_sec: String(T), duration_sec: '1800', spots_total: '4', spots_open: '3', resources: { party_size: 2 } },
        { merchant_id: 'm', service_id: 's', start_sec: String(T + 1800), duration_sec: '1800', spots_total: '4', spots_open: '0' },
        {
          merchant_id: 'm',
          service_id: 'r',
          start_sec: String(T),
          duration_sec: '900',
          recurrence: { repeat_every_sec: '900', repeat_until_sec: String(T + 3600) },
          schedule_exception: [{ time_range: { begin_sec: String(T + 900), end_sec: String(T + 1800) } }],
        },
      ],
    },
  ],
  metadata: { processing_instruction: 'PROCESS_AS_COMPLETE' },
};

describe('availability feed', () => {
  it('keeps open spots_open entries and expands recurrences minus their exceptions (repeat_until inclusive)', () => {
    const slots = slotsFromFeed(feed, 0, Number.MAX_SAFE_INTEGER);
    assert.deepEqual(
      slots.map((s) => [s.serviceId, s.startSec - T, s.durationSec, s.spotsOpen, s.resources.partySize]),
      [
        ['s', 0, 1800, 3, 2],
        ['r', 0, 900, 1, 0],
        ['r', 1800, 900, 1, 0],
        ['r', 2700, 900, 1, 0],
        ['r', 3600, 900, 1, 0],
      ],
    );
  });

  it('leaves out slots outside the window', () => {
    assert.deepEqual(
      slotsFromFeed(feed, T + 1000, T + 3600).map((s) => s.startSec - T),
      [1800, 2700],
    );
  });

  it('reads gzip and plain files, and lowerCamelCase names', async () => {
    const camel = JSON.parse(JSON.stringify(feed).replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())) as unknown;
    writeFileSync(join(dir, 'feed.json.gz'), gzipSync(JSON.stringify(camel)));
    writeFileSync(join(dir, 'feed.json'), JSON.stringify(feed));
    const fromGzip = slotsFromFeed(await readFeedFile(join(dir, 'feed.json.gz')), 0, Number.MAX_SAFE_INTEGER);
    const fromPlain = slotsFromFeed(await readFeedFile(join(dir, 'feed.json')), 0, Number.MAX_SAFE_INTEGER);
    assert.equal(fromGzip.length, 5);
    assert.deepEqual(fromGzip, fromPlain);
  });

  it('refuses what is not an availability feed, with the reason', async () => {
    writeFileSync(join(dir, 'merchants.json'), JSON.stringify({ merchant: [] }));
    writeFileSync(join(dir, 'broken.json'), '{"service_availability": [');
    const merchants = await readFeedFile(join(dir, 'merchants.json'));
    assert.throws(
      () => slotsFromFeed(merchants, 0, 1),
      (e: unknown) => e instanceof FeedError && /no service_availability/.test(e.message),
    );
    await assert.rejects(readFeedFile(join(dir, 'broken.json')), (e: unknown) => e instanceof FeedError && /not a JSON availability feed/.test(e.message));
    await assert.rejects(readFeedFile(join(dir, 'missing.json')), (e: unknown) => e instanceof FeedError && /ENOENT/.test(e.message));
    assert.throws(
      () => slotsFromFeed({ service_availability: [{ availability: [{ merchant_id: 'm', service_id: 's', start_sec: 'soon' }] }] }, 0, 1),
      (e: unknown) => e instanceof FeedError && /start_sec is not a number/.test(e.message),
    );
  });
});

describe('lookup window', () => {
  it('probes every step, aligned to the epoch, inside the window', () => {
    const grid = gridSlotTimes({ merchantId: 'm', serviceId: 's', fromSec: T + 1, toSec: T + 3 * 1800 + 1, stepSec: 1800, durationSec: 3600 });
    assert.deepEqual(
      grid.map((s) => [s.startSec - T, s.durationSec, s.spotsOpen]),
      [
        [1800, 3600, null],
        [3600, 3600, null],
        [5400, 3600, null],
      ],
    );
  });
});
