// Delivery of the outbox when Google misbehaves: 500s and 429s for a while then recovery
// (everything delivered, in order per entity, none lost), Retry-After and exponential backoff,
// a 401 that makes the client fetch a new token, a 400 parked as a dead letter (admin API,
// metrics) and replayed after the fix, two workers sharing one outbox, and no Google configuration
// at all (rows accumulate). Real app, real store (SQLite and PostgreSQL), a fake Google, the
// worker drained by hand on a ManualClock. "Now" is Monday 2026-01-05 12:00 New York.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedDemo } from '../demo/seed.js';
import { createLogger } from '../logger.js';
import { nowSeconds } from '../clock.js';
import { ADMIN_TOKEN, DIALECTS, forDialect } from '../test-support/app.js';
import { DEMO_M, DEMO_S, adminOk, book, ny } from '../test-support/bookings.js';
import { accepted, fromRfc3339, patchesOf, replacesOf, sample, startRtu, type RtuHarness } from '../test-support/rtu.js';
import { createRtuWorker } from './setup.js';

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);

    let h: RtuHarness;
    before(async () => {
      h = await startRtu(startApp);
      await seedDemo(h.t.services, h.t.clock);
      await h.settle();
    });
    after(() => h.close());
    beforeEach(async () => {
      h.fake.clearRejections();
      // Whatever an earlier test left in backoff is due an hour later; deliver it and start clean.
      h.t.clock.advanceSeconds(3600);
      await h.settle();
      const status = await adminOk(h.t, 'GET', '/rtu/status');
      assert.equal(status.pending, 0, 'a clean outbox');
    });

    const admin = (method: 'GET' | 'POST', path: string, body?: unknown, status = 200) => adminOk(h.t, method, path, body, status);
    const merchantAction = (id: string, action: string, body: unknown = {}) => admin('POST', `/merchants/${DEMO_M}/bookings/${id}/${action}`, body);
    const now = () => nowSeconds(h.t.clock);
    /** Outbox rows as stored (the test reads the real table). */
    const rows = () => h.t.store.db.selectFrom('outbox').selectAll().orderBy('id').execute();
    const lastRow = async () => (await rows()).at(-1)!;

    describe('Google failing for a while, then recovering', () => {
      test('500s and 429s, then recovery: everything delivered, the latest state per entity, in order, none lost', async () => {
        const a = await book(h.t, { start: ny('2026-01-20 09:00'), partySize: 2 });
        const b = await book(h.t, { start: ny('2026-01-20 09:30'), partySize: 2 });
        await h.settle();
        const firstRow = Number((await lastRow()).id) + 1;

        h.fake.down(500);
        await merchantAction(a.booking_id, 'party-size', { party_size: 3 });
        await merchantAction(b.booking_id, 'party-size', { party_size: 4 });
        await admin('POST', `/merchants/${DEMO_M}/bookings`, { service_id: DEMO_S, start_sec: ny('2026-01-20 10:00'), party_size: 2, given_name: 'Walk' }, 201);
        await h.drain();
        assert.equal(h.fake.calls.length, 3, 'three entities tried once each');
        for (let round = 0; round < 6; round++) {
          if (round === 3) h.fake.down(429, 30);
          if (round === 2) {
            // More changes while Google is down: they join their entity's queue behind the failed rows.
            await merchantAction(a.booking_id, 'reschedule', { start_sec: ny('2026-01-20 11:00') });
            await merchantAction(b.booking_id, 'cancel');
          }
          h.t.clock.advanceSeconds(300);
          await h.drain();
        }
        assert.ok(h.fake.calls.every((c) => c.status === 500 || c.status === 429));
        assert.ok(h.fake.calls.some((c) => c.status === 429));
        const waiting = (await rows()).filter((r) => Number(r.id) >= firstRow);
        assert.ok(
          waiting.every((r) => r.status === 'pending' && r.attempts >= 1 && /^HTTP (500|429)/.test(r.last_error ?? '')),
          JSON.stringify(waiting),
        );
        assert.equal((await admin('GET', '/rtu/status')).dead, 0, 'retryable failures never dead-letter');

        h.fake.up();
        h.fake.reset();
        h.t.clock.advanceSeconds(300);
        await h.drain();
        const after = (await rows()).filter((r) => Number(r.id) >= firstRow);
        assert.ok(after.length >= 7);
        assert.ok(
          after.every((r) => r.status === 'done' && r.delivered_at !== null),
          'every row delivered',
        );
        assert.equal((await admin('GET', '/rtu/status')).pending, 0);

        const pa = accepted(patchesOf(h.fake, a.booking_id));
        assert.equal(pa.length, 1);
        assert.equal(pa[0]!.query.get('updateMask'), 'startTime,partySize');
        assert.deepEqual([pa[0]!.body.startTime, pa[0]!.body.partySize], ['2026-01-20T16:00:00Z', '3']);
        const pb = accepted(patchesOf(h.fake, b.booking_id));
        assert.equal(pb.length, 1);
        assert.equal(pb[0]!.query.get('updateMask'), 'status,partySize');
        assert.deepEqual([pb[0]!.body.status, pb[0]!.body.partySize], ['CANCELED', '4']);
        const replaces = accepted(replacesOf(h.fake));
        assert.equal(replaces.length, 1, 'the service, once, with the latest spots');
        const open = Object.fromEntries(
          replaces[0]!.body.extendedServiceAvailability[0].availability.map((x: { startTime: string; spotsOpen?: string }) => [
            x.startTime,
            x.spotsOpen ?? '0',
          ]),
        );
        assert.deepEqual(
          [open['2026-01-20T14:00:00Z'], open['2026-01-20T14:30:00Z'], open['2026-01-20T15:00:00Z'], open['2026-01-20T16:00:00Z']],
          ['2', '2', '1', '1'],
          'A moved away from 09:00, B cancelled at 09:30, the walk-in at 10:00, A at 11:00',
        );
      });

      test('changes keep coming while deliveries fail now and then: per entity, Google never sees an older state after a newer one', async () => {
        const booking = await book(h.t, { start: ny('2026-01-21 09:00') });
        await h.settle();
        // Two workers (as two replicas would run) drain the same outbox at the same time.
        const second = createRtuWorker(h.t.config, {
          store: h.t.store,
          clock: h.t.clock,
          availability: h.t.services.availability,
          log: createLogger('silent'),
        });
        assert.ok(second.worker !== null);
        const starts = ['09:30', '10:00', '10:30', '11:00', '11:30', '12:00', '12:30', '13:00', '13:30', '14:00', '14:30', '15:00'].map((hhmm) =>
          ny(`2026-01-21 ${hhmm}`),
        );
        const statuses = [200, 500, 429, 200, 503, 200, 500, 500, 200, 429, 200, 502];
        for (const [i, start] of starts.entries()) {
          await merchantAction(booking.booking_id, 'reschedule', { start_sec: start });
          h.fake.script(statuses[i]!, statuses[(i + 5) % statuses.length]!);
          await Promise.all([h.drain(), second.worker.drain()]);
          h.t.clock.advanceSeconds(i % 3 === 0 ? 1 : 5);
        }
        // Scripted failures the loop did not use up may fail a few more attempts: keep going (bounded).
        for (let round = 0; round < 10 && (await admin('GET', '/rtu/status')).pending > 0; round++) {
          h.t.clock.advanceSeconds(600);
          await Promise.all([h.drain(), second.worker.drain()]);
        }
        assert.equal((await admin('GET', '/rtu/status')).pending, 0);

        const delivered = accepted(patchesOf(h.fake, booking.booking_id)).map((c) => fromRfc3339(c.body.startTime));
        assert.ok(delivered.length >= 2);
        assert.deepEqual(
          delivered,
          [...delivered].sort((x, y) => x - y),
          `startTimes in the order Google received them: ${delivered.map((s) => new Date(s * 1000).toISOString())}`,
        );
        assert.equal(delivered.at(-1), starts.at(-1), 'the last one Google received is the final state');
        const days = accepted(replacesOf(h.fake));
        const last = days.at(-1)!.body.extendedServiceAvailability[0].availability as { startTime: string; spotsOpen?: string }[];
        assert.equal(last.find((x) => x.startTime === '2026-01-21T20:00:00Z')?.spotsOpen, '1', 'the last replace has the final spots');
      });

      test('Retry-After is respected: nothing is sent before it has passed', async () => {
        const booking = await book(h.t, { start: ny('2026-01-22 09:00') });
        await h.settle();
        h.fake.rejectWhen((c) => c.path.endsWith(`/bookings/${booking.booking_id}`), 429, 120);
        await merchantAction(booking.booking_id, 'cancel');
        const t0 = now();
        await h.drain();
        h.fake.clearRejections();
        const patches = () => patchesOf(h.fake, booking.booking_id);
        assert.deepEqual(
          patches().map((c) => c.status),
          [429],
        );
        const row = (await rows()).find((r) => r.entity_key === `booking:${booking.booking_id}` && r.status === 'pending')!;
        assert.equal(Number(row.available_at), t0 + 120);
        h.t.clock.advanceSeconds(119);
        await h.drain();
        assert.equal(patches().length, 1, 'not before Retry-After');
        h.t.clock.advanceSeconds(1);
        await h.drain();
        assert.deepEqual(
          patches().map((c) => c.status),
          [429, 200],
        );
      });

      test('a failure at the end of a second waits its whole Retry-After: the retry is not due at the next second', async () => {
        const booking = await book(h.t, { start: ny('2026-01-22 09:30') });
        await h.settle();
        h.fake.rejectWhen((c) => c.path.endsWith(`/bookings/${booking.booking_id}`), 429, 1);
        await merchantAction(booking.booking_id, 'cancel');
        // The failure comes 1 ms before a whole second.
        const failedAt = Math.floor(h.t.clock.nowMs() / 1000) * 1000 + 1999;
        h.t.clock.set(failedAt);
        await h.drain();
        h.fake.clearRejections();
        const patches = () => patchesOf(h.fake, booking.booking_id);
        assert.deepEqual(
          patches().map((c) => c.status),
          [429],
        );
        h.t.clock.set(failedAt + 1);
        await h.drain();
        assert.equal(patches().length, 1, '1 ms after a Retry-After of 1 s');
        h.t.clock.set(failedAt + 1001);
        await h.drain();
        assert.deepEqual(
          patches().map((c) => c.status),
          [429, 200],
        );
      });

      test('without Retry-After: exponential backoff with jitter, at least a second, and the attempts are counted', async () => {
        const booking = await book(h.t, { start: ny('2026-01-22 10:00') });
        await h.settle();
        h.fake.down(503);
        // A no-show can be marked once the booking has started; the clock goes back at the end.
        const before = h.t.clock.nowMs();
        h.t.clock.set((ny('2026-01-22 10:00') + 60) * 1000);
        await merchantAction(booking.booking_id, 'no-show');
        const delays: number[] = [];
        for (let attempt = 1; attempt <= 10; attempt++) {
          await h.drain();
          const row = (await rows()).find((r) => r.entity_key === `booking:${booking.booking_id}` && r.status === 'pending')!;
          assert.equal(row.attempts, attempt);
          assert.match(row.last_error ?? '', /^HTTP 503: /);
          const delay = Number(row.available_at) - now();
          delays.push(delay);
          assert.ok(delay >= 1 && delay <= Math.min(300, 2 ** attempt), `attempt ${attempt}: ${delay} s`);
          h.t.clock.advanceSeconds(delay - 1);
          await h.drain();
          assert.equal(patchesOf(h.fake, booking.booking_id).length, attempt, 'not before the backoff has passed');
          h.t.clock.advanceSeconds(1);
        }
        h.fake.up();
        h.t.clock.advanceSeconds(300);
        await h.drain();
        assert.equal(accepted(patchesOf(h.fake, booking.booking_id)).length, 1);
        assert.equal((await admin('GET', '/rtu/status')).pending, 0);
        h.t.clock.set(before);
      });

      test('a 401 makes the client fetch a new token; the update is delivered with it', async () => {
        const booking = await book(h.t, { start: ny('2026-01-22 11:00') });
        await h.settle();
        const issued = h.fake.tokensIssued();
        assert.ok(issued >= 1);
        h.fake.revokeTokens();
        await merchantAction(booking.booking_id, 'cancel');
        await h.drain();
        // Two entities (the day's availability first, then the booking): the first call meets the
        // revoked token and is retried later; the next one goes out with a new token.
        const [first, second] = h.fake.calls;
        assert.equal(h.fake.calls.length, 2);
        assert.equal(first!.status, 401);
        assert.equal(second!.status, 200);
        assert.equal(h.fake.tokensIssued(), issued + 1, 'one new token');
        assert.notEqual(second!.authorization, first!.authorization);
        h.t.clock.advanceSeconds(60);
        await h.drain();
        assert.deepEqual(
          h.fake.calls.map((c) => c.status),
          [401, 200, 200],
          'the retried call is delivered',
        );
        assert.equal(h.fake.calls[2]!.authorization, second!.authorization, 'with the new token, from the cache');
        assert.equal(h.fake.tokensIssued(), issued + 1);
        assert.equal(accepted(patchesOf(h.fake, booking.booking_id)).length, 1);
        assert.ok(h.fake.tokenRequests.every((r) => r.granted));
        assert.equal((await admin('GET', '/rtu/status')).pending, 0);
      });

      test('the token is cached across many deliveries', async () => {
        const issued = h.fake.tokensIssued();
        for (let i = 0; i < 5; i++) {
          const booking = await book(h.t, { start: ny(`2026-01-23 1${i}:00`) });
          await merchantAction(booking.booking_id, 'cancel');
          await h.drain();
        }
        assert.ok(accepted(h.fake.calls).length >= 10);
        assert.equal(h.fake.tokensIssued(), issued);
      });
    });

    describe('an availability replace Google applied only in part', () => {
      const walkIn = (start: number) =>
        admin('POST', `/merchants/${DEMO_M}/bookings`, { service_id: DEMO_S, start_sec: start, party_size: 2, given_name: 'Walk' }, 201);
      const pendingAvailability = async () => (await rows()).filter((r) => r.kind === 'availability' && r.status === 'pending');

      test('a 200 that echoes nothing (`{}`) is not delivered: retried with backoff until Google echoes the day', async () => {
        await walkIn(ny('2026-01-28 09:00'));
        h.fake.script({ status: 200, body: () => ({}) });
        await h.drain();
        const waiting = await pendingAvailability();
        assert.equal(waiting.length, 1, 'the change is still pending');
        assert.equal(waiting[0]!.attempts, 1);
        assert.match(waiting[0]!.last_error ?? '', /applied 0 of 1 availability windows; not applied: 2026-01-28T05:00:00\.000Z/);
        const delay = Number(waiting[0]!.available_at) - now();
        assert.ok(delay >= 1 && delay <= 2, `the first backoff: ${delay} s`);
        h.t.clock.advanceSeconds(delay);
        await h.drain();
        assert.deepEqual(
          replacesOf(h.fake).map((c) => c.status),
          [200, 200],
        );
        assert.equal((await pendingAvailability()).length, 0, 'delivered once echoed');
        assert.equal((await admin('GET', '/rtu/status')).pending, 0);
      });

      test('a reply that echoes one of two days: the entity is retried (both days again, complete snapshots) until every day is echoed', async () => {
        await walkIn(ny('2026-01-29 09:00'));
        await walkIn(ny('2026-01-30 09:00'));
        h.fake.script({ status: 200, body: (sent) => ({ extendedServiceAvailability: [sent.extendedServiceAvailability[0]] }) });
        await h.drain();
        const first = replacesOf(h.fake)[0]!;
        assert.equal(first.body.extendedServiceAvailability.length, 2, 'both days in one call');
        const waiting = await pendingAvailability();
        assert.equal(waiting.length, 2, 'both rows of the entity stay pending');
        assert.match(waiting[0]!.last_error ?? '', /applied 1 of 2 availability windows; not applied: 2026-01-30T05:00:00\.000Z/);
        h.t.clock.advanceSeconds(300);
        await h.drain();
        const retried = replacesOf(h.fake)[1]!;
        assert.deepEqual(
          retried.body.extendedServiceAvailability.map((w: { startTimeRestrict: string }) => w.startTimeRestrict),
          ['2026-01-29T05:00:00Z', '2026-01-30T05:00:00Z'],
        );
        assert.equal((await admin('GET', '/rtu/status')).pending, 0);
      });

      test('a partial reply keeps failing: the entity keeps backing off (no dead letter: nothing was rejected), then delivers', async () => {
        await walkIn(ny('2026-02-02 09:00'));
        for (let attempt = 1; attempt <= 3; attempt++) {
          h.fake.script({ status: 200, body: () => ({ extendedServiceAvailability: [] }) });
          await h.drain();
          const [row] = await pendingAvailability();
          assert.equal(row!.attempts, attempt);
          h.t.clock.advanceSeconds(Number(row!.available_at) - now());
        }
        assert.equal((await admin('GET', '/rtu/status')).dead, 0);
        await h.drain();
        assert.equal((await admin('GET', '/rtu/status')).pending, 0);
      });
    });

    describe('dead letters', () => {
      test('a 400 is parked: visible in the admin API, /rtu/status and /metrics; replay after the fix delivers it', async () => {
        const booking = await book(h.t, { start: ny('2026-01-26 09:00') });
        const other = await book(h.t, { start: ny('2026-01-26 09:30') });
        await h.settle();
        h.fake.rejectWhen((c) => c.path.endsWith(`/bookings/${booking.booking_id}`), 400);
        await merchantAction(booking.booking_id, 'cancel');
        await merchantAction(other.booking_id, 'cancel');
        await h.drain();
        assert.deepEqual(
          patchesOf(h.fake, booking.booking_id).map((c) => c.status),
          [400],
        );
        assert.deepEqual(
          patchesOf(h.fake, other.booking_id).map((c) => c.status),
          [200],
          'other entities are not held up',
        );

        // Not retried: time passing changes nothing.
        h.t.clock.advanceSeconds(3600);
        await h.drain();
        assert.equal(patchesOf(h.fake, booking.booking_id).length, 1);

        const dead = (await admin('GET', '/rtu/dead-letters')).dead_letters as Record<string, unknown>[];
        assert.equal(dead.length, 1);
        assert.deepEqual(
          { ...dead[0], id: 0, created_at: 0 },
          {
            id: 0,
            kind: 'booking',
            entity: `booking:${booking.booking_id}`,
            attempts: 1,
            last_error: `HTTP 400: ${JSON.stringify({ error: { code: 400, message: 'rejected by the fake', status: 'INVALID_ARGUMENT' } })}`,
            created_at: 0,
          },
        );
        const status = await admin('GET', '/rtu/status');
        assert.deepEqual(status, { pending: 0, pending_by_kind: {}, dead: 1, oldest_pending_age_sec: null });
        const metrics = await h.metricsText();
        assert.equal(metrics.status, 200);
        assert.equal(sample(metrics.body, 'booking_server_outbox_dead'), 1);
        assert.ok((sample(metrics.body, 'booking_server_rtu_deliveries_total', { kind: 'booking', result: 'rejected', status: '400' }) ?? 0) >= 1);

        // Replay before the fix: rejected again, parked again (nothing lost).
        assert.deepEqual(await admin('POST', '/rtu/dead-letters/replay', {}), { replayed: 1 });
        await h.drain();
        assert.equal((await admin('GET', '/rtu/status')).dead, 1);

        // Fixed: replay by id delivers it.
        h.fake.clearRejections();
        const id = ((await admin('GET', '/rtu/dead-letters')).dead_letters as { id: number }[])[0]!.id;
        assert.deepEqual(await admin('POST', '/rtu/dead-letters/replay', { ids: [id + 1000] }), { replayed: 0 }, 'unknown ids replay nothing');
        assert.deepEqual(await admin('POST', '/rtu/dead-letters/replay', { ids: [id] }), { replayed: 1 });
        assert.equal((await admin('GET', '/rtu/status')).pending, 1);
        await h.drain();
        const calls = patchesOf(h.fake, booking.booking_id);
        assert.deepEqual(
          calls.map((c) => c.status),
          [400, 400, 200],
        );
        assert.deepEqual(calls.at(-1)!.body.status, 'CANCELED');
        assert.deepEqual(await admin('GET', '/rtu/status'), { pending: 0, pending_by_kind: {}, dead: 0, oldest_pending_age_sec: null });
        assert.equal(sample((await h.metricsText()).body, 'booking_server_outbox_dead'), 0);
      });

      test('a rejected availability replace is parked too, and replay sends the state of replay time', async () => {
        await h.settle();
        h.fake.rejectWhen((c) => c.path.endsWith('availability:replace'), 400);
        const made = await admin(
          'POST',
          `/merchants/${DEMO_M}/bookings`,
          { service_id: DEMO_S, start_sec: ny('2026-01-27 09:00'), party_size: 2, given_name: 'Walk' },
          201,
        );
        await h.drain();
        assert.equal((await admin('GET', '/rtu/status')).dead, 1);
        await merchantAction(made.id, 'cancel');
        h.fake.clearRejections();
        await h.drain();
        assert.equal((await admin('GET', '/rtu/dead-letters')).dead_letters.length, 1, 'a later change is delivered; the dead letter stays until replayed');
        assert.deepEqual(await admin('POST', '/rtu/dead-letters/replay'), { replayed: 1 });
        await h.drain();
        const last = accepted(replacesOf(h.fake)).at(-1)!.body.extendedServiceAvailability[0];
        assert.equal(last.availability.find((x: { startTime: string }) => x.startTime === '2026-01-27T14:00:00Z').spotsOpen, '2');
        assert.equal((await admin('GET', '/rtu/status')).dead, 0);
      });

      test('the RTU admin routes need the bootstrap token', async () => {
        const token = (await admin('POST', '/tokens', { merchant_id: DEMO_M, label: 'host stand' }, 201)).token as string;
        for (const [method, path] of [
          ['GET', '/rtu/status'],
          ['GET', '/rtu/dead-letters'],
          ['POST', '/rtu/dead-letters/replay'],
        ] as const) {
          assert.equal((await h.t.admin(method, path, undefined, token)).statusCode, 403, `${method} ${path} with a merchant token`);
          assert.equal((await h.t.admin(method, path, undefined, 'not-a-token-at-all')).statusCode, 401);
        }
      });
    });

    describe('metrics', () => {
      test('/metrics needs the bootstrap token and exposes backlog, oldest age, deliveries by kind and result, request latency', async () => {
        assert.equal((await h.metricsText('')).status, 401);
        assert.equal((await h.metricsText('wrong-token-wrong-token')).status, 401);
        const merchantToken = (await admin('POST', '/tokens', { merchant_id: DEMO_M, label: 'metrics?' }, 201)).token as string;
        assert.equal((await h.metricsText(merchantToken)).status, 401, 'a merchant token is not enough');
        assert.equal((await h.t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).statusCode, 200);

        const booking = await book(h.t, { start: ny('2026-01-28 09:00') });
        await merchantAction(booking.booking_id, 'cancel');
        h.t.clock.advanceSeconds(90);
        let text = (await h.metricsText()).body;
        assert.equal(sample(text, 'booking_server_outbox_pending'), 3, 'two availability rows and one booking row');
        assert.equal(sample(text, 'booking_server_outbox_oldest_pending_age_seconds'), 90);
        const before = {
          booking: sample(text, 'booking_server_rtu_deliveries_total', { kind: 'booking', result: 'delivered' }) ?? 0,
          availability: sample(text, 'booking_server_rtu_deliveries_total', { kind: 'availability', result: 'delivered' }) ?? 0,
          retry: sample(text, 'booking_server_rtu_deliveries_total', { kind: 'availability', result: 'retry', status: '503' }) ?? 0,
        };
        h.fake.script(503);
        await h.drain();
        h.t.clock.advanceSeconds(600);
        await h.drain();
        text = (await h.metricsText()).body;
        assert.equal(sample(text, 'booking_server_outbox_pending'), 0);
        assert.equal(sample(text, 'booking_server_outbox_oldest_pending_age_seconds'), 0);
        assert.equal(sample(text, 'booking_server_rtu_deliveries_total', { kind: 'booking', result: 'delivered' }), before.booking + 1);
        assert.equal(sample(text, 'booking_server_rtu_deliveries_total', { kind: 'availability', result: 'delivered' }), before.availability + 1);
        assert.equal(sample(text, 'booking_server_rtu_deliveries_total', { kind: 'availability', result: 'retry', status: '503' }), before.retry + 1);
        assert.ok((sample(text, 'booking_server_request_duration_seconds_count', { method: 'GET', route: '/metrics', status: '200' }) ?? 0) >= 1);
        assert.match(text, /# TYPE booking_server_request_duration_seconds histogram/);
      });
    });

    describe('no Google configuration', () => {
      test('no worker, and updates accumulate in the outbox: nothing is dropped', async () => {
        const t = await startApp();
        try {
          await seedDemo(t.services, t.clock);
          const setup = createRtuWorker(t.config, { store: t.store, clock: t.clock, availability: t.services.availability, log: createLogger('silent') });
          assert.equal(setup.worker, null);
          const booking = await book(t, { start: ny('2026-01-06 09:00') });
          await adminOk(t, 'POST', `/merchants/${DEMO_M}/bookings/${booking.booking_id}/cancel`);
          t.clock.advanceSeconds(86_400);
          const status = await adminOk(t, 'GET', '/rtu/status');
          assert.deepEqual(status.pending_by_kind, { availability: 3, booking: 1 }, 'the seed, the booking, the cancellation; and the BookingNotification');
          assert.equal(status.oldest_pending_age_sec, 86_400);
        } finally {
          await t.close();
        }
      });
    });
  });
}
