// The learned estimates end to end: a history recorded through the host stand's own use cases
// (joins with their quotes, seating, "table cleared", walk-aways), learned by the refresh, shown in
// the admin API next to the configured turn times with the last 7 days' accuracy, and used by the
// estimates from then on.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../logger.js';
import { DIALECTS, forDialect, seedMerchant, type TestApp } from '../test-support/app.js';
import { EstimatesRefresher } from './service.js';

const MIN = 60;
/** 19:00 in New York on day `d` after Monday 2026-01-05 (00:00Z the next day). */
const night = (d: number): number => Date.UTC(2026, 0, 6 + d, 0, 0, 0) / 1000;

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    let t: TestApp;

    before(async () => {
      t = await startApp();
      await seedMerchant(t.services, {
        id: 'learn',
        tables: [
          { id: 'a2', name: 'A2', minSeats: 1, seats: 2 },
          { id: 'c6', name: 'C6', minSeats: 5, seats: 6 },
        ],
      });
      await seedMerchant(t.services, { id: 'other' });
    });
    after(() => t.close());

    const at = (seconds: number): void => t.clock.set(seconds * 1000);
    async function join(name: string): Promise<string> {
      const result = await t.services.waitlist.join(
        {
          merchantId: 'learn',
          serviceId: 'waitlist',
          partySize: 2,
          guest: { givenName: name, familyName: '', telephone: null, email: null, googleUserId: null },
          additionalRequest: null,
          source: 'merchant',
        },
        null,
      );
      assert.ok('entryId' in result, JSON.stringify(result));
      return result.entryId;
    }
    const seat = (id: string) => t.services.waitlist.act(id, 'seat', { tableId: 'a2' });

    /**
     * Five nights at one two-top: A joins at 19:00 and is seated at once; B joins at 19:05 and is
     * quoted 19:45 (A's configured 45 minutes); C joins at 19:10 and walks away at 19:20; A's table
     * is cleared at 19:30, B is seated at 19:31 and leaves at 20:01. Turns of 30 minutes.
     */
    async function recordNights(): Promise<void> {
      for (let d = 0; d < 5; d++) {
        const n = night(d);
        at(n);
        const a = await join('A');
        await seat(a);
        at(n + 5 * MIN);
        const b = await join('B');
        at(n + 10 * MIN);
        const c = await join('C');
        at(n + 20 * MIN);
        await t.services.waitlist.act(c, 'cancel');
        at(n + 30 * MIN);
        await t.services.waitlist.leave(a, 'learn');
        at(n + 31 * MIN);
        await seat(b);
        at(n + 61 * MIN);
        await t.services.waitlist.leave(b, 'learn');
      }
    }

    test('before learning: configured turn times only, and the week so far', async () => {
      await recordNights();
      at(night(5) - 3600);
      const res = await t.admin('GET', '/merchants/learn/estimates');
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.refreshed_at, null);
      assert.equal(body.history, null);
      assert.deepEqual(body.turn_times[0], { max_party_size: 2, configured_minutes: 45, learned_minutes: null, observations: 0 });
      // Per night: A quoted 19:00, seated 19:00 (inside [19:00, 19:05]); B quoted 19:45, seated 19:31
      // (+14 min; outside [19:39, 19:55]); C walked away.
      assert.deepEqual(body.accuracy_7d, {
        quoted: 15,
        walked_away: 5,
        seated: 10,
        mean_absolute_error_minutes: 7,
        inside_range_share: 0.5,
        bias_minutes: 7,
        by_party_size: [{ party_size: 2, seated: 10, mean_absolute_error_minutes: 7, inside_range_share: 0.5, bias_minutes: 7 }],
      });
    });

    test('refresh learns from the history; the admin API shows learned next to configured; estimates use it', async () => {
      // Saturday 19:00: a party seated at the two-top, another waiting for it.
      at(night(5));
      const first = await join('D');
      await seat(first);
      const waiting = await join('E');
      const queued = async () => (await t.admin('GET', '/merchants/learn/services/waitlist/queue')).json().entries[0].estimate;
      assert.equal((await queued()).seat_at, night(5) + 45 * MIN, 'configured: 45 minutes');

      const res = await t.admin('POST', '/merchants/learn/estimates/refresh', {});
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.refreshed_at, night(5));
      assert.equal(body.range_coverage, 0.8);
      assert.deepEqual(body.history, { parties: 17, turn_observations: 10, from_table_cleared: 10, range_samples: 11 });
      // Ten turns of 30 minutes for parties of two: (10 * 45 + 300) / 20.
      assert.deepEqual(body.turn_times[0], { max_party_size: 2, configured_minutes: 45, learned_minutes: 37.5, observations: 10 });
      assert.deepEqual(body.turn_times[1], { max_party_size: 4, configured_minutes: 60, learned_minutes: 60, observations: 0 });
      // Monday-Friday at 19:00 (18-20), two each: (10 * 33.75 + 60) / 12 where 33.75 is the 18-20 mean of the band.
      assert.equal(body.turn_times_by_day_and_hour.length, 5);
      assert.deepEqual(body.turn_times_by_day_and_hour[0], {
        max_party_size: 2,
        day: 'monday',
        hours: '18-20',
        configured_minutes: 45,
        learned_minutes: 33.1,
        observations: 2,
      });
      assert.deepEqual(body.walk_aways, {
        no_shows: 0,
        cancellations: 5,
        no_show_rate: 0.032,
        cancellations_per_waiting_hour: round3(5.5 / ((5 * (26 + 10)) / 60 + 5)),
      });
      assert.equal(body.range.length, 5);
      assert.deepEqual(Object.keys(body.range[0]), ['planned_wait_from_minutes', 'low', 'median', 'high']);

      // Saturday has no data of its own: D holds the table for the 18-20 mean of parties of two
      // (33.75 minutes) times the learned mean stay at 0 (the turns ran a little under their cells'
      // means: a little under 1), so E is planned 30-34 minutes from now, no longer 45.
      const estimate = await queued();
      assert.equal(estimate.parties_ahead, 0);
      assert.ok(estimate.seat_at >= night(5) + 30 * MIN && estimate.seat_at <= night(5) + 34 * MIN, JSON.stringify(estimate));
      assert.ok(estimate.range_start < estimate.seat_at && estimate.seat_at < estimate.range_end);
      await t.services.waitlist.act(waiting, 'cancel');
      await t.services.waitlist.leave(first, 'learn');
    });

    test('seating without a named table frees tables by the learned turn times, not the configured ones', async () => {
      // Sunday 19:00: the learned turn of parties of two there is the band's 18-20 mean, 33.75
      // minutes; the configured one is 45. X sits at a2; 40 minutes on, a2 is free by the learned
      // time (it would still be taken by the configured one), so Y is seated at a2.
      at(night(6));
      assert.ok((await t.admin('GET', '/merchants/learn/estimates')).json().refreshed_at !== null, 'the model is learned');
      const x = await join('X');
      const y = await join('Y');
      assert.equal((await t.services.waitlist.act(x, 'seat', { tableId: null })).entry.tableId, 'a2');
      at(night(6) + 30 * MIN);
      assert.equal((await t.services.waitlist.act(y, 'seat', { tableId: null })).entry.tableId, null, 'a2 is still taken after 30 minutes');
      const z = await join('Z');
      at(night(6) + 40 * MIN);
      assert.equal((await t.services.waitlist.act(z, 'seat', { tableId: null })).entry.tableId, 'a2', 'a2 is free after 40 minutes');
      for (const id of [x, y, z]) await t.services.waitlist.leave(id, 'learn');
    });

    test('scoped like every merchant route; an unknown merchant is refused', async () => {
      const created = await t.admin('POST', '/tokens', { merchant_id: 'other', label: 'other host stand' });
      assert.equal(created.statusCode, 201, created.body);
      const forbidden = await t.admin('GET', '/merchants/learn/estimates', undefined, created.json().token);
      assert.equal(forbidden.statusCode, 403);
      const own = await t.admin('GET', '/merchants/other/estimates', undefined, created.json().token);
      assert.equal(own.statusCode, 200);
      assert.equal(own.json().accuracy_7d.mean_absolute_error_minutes, null, 'no quotes yet');
      const unknown = await t.admin('GET', '/merchants/nobody/estimates');
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().error.code, 'NOT_FOUND');
    });

    test('the background refresh learns every merchant and stops cleanly', async () => {
      const refresher = new EstimatesRefresher(t.services.estimates, 3600, createLogger('silent'));
      refresher.start();
      const deadline = Date.now() + 20_000;
      while ((await t.admin('GET', '/merchants/other/estimates')).json().refreshed_at === null) {
        assert.ok(Date.now() < deadline, 'the refresh ran');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await refresher.stop();
    });
  });
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
