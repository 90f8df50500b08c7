// The checker checked: the conformance client against a small v3 server written here with
// node:http. Played straight it passes every required case; with one fault switched on
// (wrong status codes, no idempotency, missing fields, overbooking, a slow method) exactly the
// cases that catch that fault fail, and no others.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { runConformance, type ConformanceOptions, type ConformanceReport } from './run.js';

interface Faults {
  /** 403 for bad credentials, 500 for bad JSON, 200/500 for unknown ids. */
  wrongStatus?: boolean;
  /** Every CreateBooking and CreateWaitlistEntry is treated as new, whatever its token. */
  noIdempotency?: boolean;
  /** GetBookingStatus without prepayment_status, GetWaitlistEntry without created_time_seconds. */
  missingFields?: boolean;
  /** Slots take any number of bookings. */
  overbook?: boolean;
  /** A CreateBooking business failure is kept for its token and given again on a retry. */
  cachedFailures?: boolean;
  /** BatchGetWaitEstimates answers after 1.1 s (Google's limit: 1 s). */
  slowEstimates?: boolean;
}

const USER = 'google';
const PASSWORD = 'fake-secret';
const SPOTS = 2;
const STEP = 1800;

type Json = Record<string, any>;

/** A booking server that keeps Google's contract, unless told to break it. */
function fakeServer(faults: Faults): Server {
  const now = () => Math.floor(Date.now() / 1000);
  const booked = new Map<number, number>();
  const bookings = new Map<string, { id: string; start: number; partySize: number; user: Json; status: string; slot: Json }>();
  const bookingTokens = new Map<string, string>();
  const failedTokens = new Map<string, unknown>();
  const entries = new Map<string, { id: string; user: string; partySize: number; created: number; canceled: number }>();
  const entryTokens = new Map<string, string>();
  let seq = 0;
  const slotExists = (start: number, duration: number) =>
    start % STEP === 0 && start > now() && start < now() + 3 * 86_400 && (duration === 0 || duration === STEP);
  const open = (start: number) => SPOTS - (booked.get(start) ?? 0);
  const wireBooking = (b: { id: string; start: number; partySize: number; user: Json; status: string; slot: Json }) => ({
    booking_id: b.id,
    slot: { ...b.slot, start_sec: String(b.start), duration_sec: String(STEP), resources: { party_size: b.partySize } },
    user_information: b.user,
    status: b.status,
    payment_information: { prepayment_status: 'PREPAYMENT_NOT_PROVIDED' },
  });
  const int = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null);

  const handlers: Record<string, (body: Json) => [number, unknown] | Promise<[number, unknown]>> = {
    BatchGetWaitEstimates: async (body) => {
      if (faults.slowEstimates) await new Promise((resolve) => setTimeout(resolve, 1100));
      const waiting = [...entries.values()].filter((e) => e.canceled === 0).length;
      return [
        200,
        {
          waitlist_status: 'OPEN',
          wait_estimate: (body.party_size as number[]).map((p) => ({
            party_size: p,
            wait_length: {
              parties_ahead_count: waiting,
              estimated_seat_time_range: { start_seconds: String(now() + 600 * waiting), end_seconds: String(now() + 600 * waiting + 900) },
            },
          })),
        },
      ];
    },
    CreateWaitlistEntry: (body) => {
      if (int(body.party_size) === null || typeof body.user_information?.user_id !== 'string') return [400, { error: 'bad request' }];
      const known = entryTokens.get(body.idempotency_token);
      if (known !== undefined && !faults.noIdempotency) return [200, { waitlist_entry_id: known }];
      const user = body.user_information.user_id as string;
      if ([...entries.values()].some((e) => e.user === user && e.canceled === 0))
        return [200, { waitlist_business_logic_failure: { cause: 'EXISTING_WAITLIST_ENTRY' } }];
      const id = `e${++seq}`;
      entries.set(id, { id, user, partySize: int(body.party_size)!, created: now(), canceled: 0 });
      entryTokens.set(body.idempotency_token, id);
      return [200, { waitlist_entry_id: id }];
    },
    GetWaitlistEntry: (body) => {
      const e = entries.get(body.waitlist_entry_id);
      if (e === undefined) return faults.wrongStatus ? [500, {}] : [404, {}];
      const times: Json = faults.missingFields ? {} : { created_time_seconds: String(e.created) };
      if (e.canceled) times.canceled_time_seconds = String(e.canceled);
      return [
        200,
        {
          waitlist_entry: {
            waitlist_entry_state: e.canceled ? 'CANCELED' : 'WAITING',
            waitlist_entry_state_times: times,
            wait_estimate: { party_size: e.partySize, wait_length: { parties_ahead_count: 0 } },
          },
        },
      ];
    },
    DeleteWaitlistEntry: (body) => {
      const e = entries.get(body.waitlist_entry_id);
      if (e === undefined) return faults.wrongStatus ? [200, {}] : [404, {}];
      if (!e.canceled) e.canceled = now();
      return [200, {}];
    },
    BatchAvailabilityLookup: (body) => [
      200,
      {
        slot_time_availability: (body.slot_time as Json[]).map((t) => ({
          slot_time: t,
          available: slotExists(Number(t.start_sec), Number(t.duration_sec ?? 0)) && open(Number(t.start_sec)) > 0,
        })),
      },
    ],
    CheckAvailability: (body) => [
      200,
      { slot: body.slot, count_available: slotExists(Number(body.slot.start_sec), Number(body.slot.duration_sec)) ? open(Number(body.slot.start_sec)) : 0 },
    ],
    CreateBooking: (body) => {
      const start = int(body.slot?.start_sec);
      if (start === null || typeof body.idempotency_token !== 'string') return [400, { error: 'bad request' }];
      const known = bookingTokens.get(body.idempotency_token);
      if (known !== undefined && !faults.noIdempotency) return [200, { booking: wireBooking(bookings.get(known)!) }];
      if (faults.cachedFailures && failedTokens.has(body.idempotency_token)) return [200, failedTokens.get(body.idempotency_token)];
      if (!slotExists(start, int(body.slot.duration_sec) ?? 0) || (open(start) <= 0 && !faults.overbook)) {
        failedTokens.set(body.idempotency_token, { booking_failure: { cause: 'SLOT_UNAVAILABLE' } });
        return [200, { booking_failure: { cause: 'SLOT_UNAVAILABLE' } }];
      }
      if ([...bookings.values()].some((b) => b.start === start && b.status !== 'CANCELED' && b.user.user_id === body.user_information?.user_id)) {
        return [200, { booking_failure: { cause: 'SLOT_ALREADY_BOOKED_BY_USER' } }];
      }
      const id = `b${++seq}`;
      const b = { id, start, partySize: int(body.slot.resources?.party_size) ?? 0, user: body.user_information, status: 'CONFIRMED', slot: body.slot };
      bookings.set(id, b);
      bookingTokens.set(body.idempotency_token, id);
      booked.set(start, (booked.get(start) ?? 0) + 1);
      return [200, { booking: wireBooking(b) }];
    },
    UpdateBooking: (body) => {
      const b = bookings.get(body.booking?.booking_id);
      if (b === undefined) return faults.wrongStatus ? [200, { booking_failure: { cause: 'BOOKING_NOT_CANCELLABLE' } }] : [400, {}];
      if (body.booking.status === 'CANCELED') {
        if (b.status !== 'CANCELED') booked.set(b.start, (booked.get(b.start) ?? 1) - 1);
        b.status = 'CANCELED';
        return [200, { booking: wireBooking(b) }];
      }
      const start = int(body.booking.slot?.start_sec);
      if (start !== null) {
        if (!slotExists(start, STEP) || open(start) <= 0) return [200, { booking_failure: { cause: 'SLOT_UNAVAILABLE' } }];
        booked.set(b.start, (booked.get(b.start) ?? 1) - 1);
        booked.set(start, (booked.get(start) ?? 0) + 1);
        b.start = start;
      }
      const size = int(body.booking.slot?.resources?.party_size);
      if (size !== null) b.partySize = size;
      return [200, { booking: wireBooking(b) }];
    },
    GetBookingStatus: (body) => {
      const b = bookings.get(body.booking_id);
      if (b === undefined) return faults.wrongStatus ? [500, {}] : [404, {}];
      return [200, { booking_id: b.id, booking_status: b.status, ...(faults.missingFields ? {} : { prepayment_status: 'PREPAYMENT_NOT_PROVIDED' }) }];
    },
    ListBookings: (body) => {
      const mine = [...bookings.values()].filter((b) => b.user.user_id === body.user_id);
      if (mine.length === 0) return faults.wrongStatus ? [200, { bookings: [] }] : [404, {}];
      return [200, { bookings: mine.filter((b) => b.status !== 'CANCELED').map(wireBooking) }];
    },
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      void (async () => {
        const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
        if (req.headers.authorization !== expected) return send(res, faults.wrongStatus ? 403 : 401, { error: 'unauthenticated' });
        const method = (req.url ?? '').replace(/^\/v3\//, '').replace(/\/$/, '');
        if (method === 'HealthCheck' && req.method === 'GET') return send(res, 200, {});
        const handler = handlers[method];
        if (handler === undefined || req.method !== 'POST') return send(res, 404, { error: 'no such method' });
        let body: Json;
        try {
          body = JSON.parse(text) as Json;
        } catch {
          return send(res, faults.wrongStatus ? 500 : 400, { error: 'bad JSON' });
        }
        const [status, answer] = await handler(body);
        send(res, status, answer);
      })();
    });
  });
}

async function check(faults: Faults): Promise<ConformanceReport> {
  const server = fakeServer(faults);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const options: ConformanceOptions = {
      url: `http://127.0.0.1:${port}`,
      user: USER,
      password: PASSWORD,
      merchant: 'm1',
      service: 's1',
      waitlistMerchant: 'w1',
      waitlistService: 'ws1',
      only: null,
      availabilityFeeds: [],
      lookupDays: 2,
      slotStepSec: STEP,
      slotDurationSec: STEP,
      partySize: 2,
      overfullMaxSpots: 4,
      duplicates: 5,
      telephone: '+12125550123',
      timeoutMs: 30_000,
      // Only the slow-estimates fault may make latency fail: on a loaded machine a fast fake can
      // still be slow, so latency is advisory except where it is what the test is about.
      latencyAdvisory: !faults.slowEstimates,
      leadSec: 3600,
    };
    return await runConformance(options);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const failedRequired = (r: ConformanceReport) =>
  r.results
    .filter((c) => c.outcome === 'fail' && c.required && c.group !== 'latency')
    .map((c) => c.id)
    .sort();

describe('conformance client against a fake server', { timeout: 120_000 }, () => {
  it('passes a server that keeps the contract, and cleans up after itself', async () => {
    const report = await check({});
    assert.deepEqual(
      failedRequired(report),
      [],
      JSON.stringify(
        report.results.filter((c) => c.outcome === 'fail'),
        null,
        1,
      ),
    );
    assert.equal(report.passed, true);
    // Recommended and optional cases too: the fake does what Google documents.
    assert.deepEqual(
      report.results.filter((c) => c.outcome === 'fail').map((c) => c.id),
      [],
    );
    assert.deepEqual(
      report.results.filter((c) => c.outcome === 'skip').map((c) => c.id),
      ['lease.create'],
    );
    assert.deepEqual(report.leftovers, []);
  });

  it('wrong status codes fail exactly the authentication, malformed-body and unknown-id cases', async () => {
    const report = await check({ wrongStatus: true });
    assert.equal(report.passed, false);
    assert.deepEqual(failedRequired(report), ['auth.none', 'auth.wrong', 'cb.malformed', 'gbs.unknown', 'ub.unknown', 'wl.delete.unknown', 'wl.malformed']);
    const warned = report.results
      .filter((c) => c.outcome === 'fail' && !c.required)
      .map((c) => c.id)
      .sort();
    assert.deepEqual(warned, ['auth.health', 'lb.unknown', 'wl.get.unknown']);
    // A failure shows the request and the answer.
    const ub = report.results.find((c) => c.id === 'ub.unknown')!;
    assert.match(ub.message, /expected HTTP 400, got 200/);
    assert.equal(ub.exchanges.at(-1)?.path, '/v3/UpdateBooking');
    assert.match(ub.exchanges.at(-1)!.response, /BOOKING_NOT_CANCELLABLE/);
  });

  it('no idempotency fails exactly the retry and concurrent-duplicate cases', async () => {
    const report = await check({ noIdempotency: true });
    assert.deepEqual(failedRequired(report), ['cb.concurrent', 'cb.retry', 'cb.token-reused', 'wl.create.concurrent', 'wl.create.retry']);
    // The exchange shown last is the answer the failed check was about, one that differs from the
    // first, which the message quotes.
    const concurrent = report.results.find((c) => c.id === 'cb.concurrent')!;
    assert.match(concurrent.message, /answers are not identical/);
    const shown = concurrent.exchanges.at(-1)!;
    assert.equal(shown.path, '/v3/CreateBooking');
    const first = /the first was (.*), this one differs/.exec(concurrent.message)?.[1];
    assert.ok(first !== undefined && first !== shown.response, concurrent.message);
  });

  it('a business failure kept for its token fails the case that sends the refused request again', async () => {
    const report = await check({ cachedFailures: true });
    assert.deepEqual(failedRequired(report), ['cb.failure-retried']);
  });

  it('missing required fields fail GetBookingStatus and GetWaitlistEntry', async () => {
    const report = await check({ missingFields: true });
    assert.deepEqual(failedRequired(report), ['gbs.status', 'wl.get']);
  });

  it('a server that overbooks fails the over-full slot case, and what it booked is cancelled', async () => {
    const report = await check({ overbook: true });
    assert.deepEqual(failedRequired(report), ['cb.overfull']);
    assert.match(report.results.find((c) => c.id === 'cb.overfull')!.message, /had 2 open spot\(s\): 3 booking\(s\) confirmed/);
    assert.deepEqual(report.leftovers, []);
  });

  it("a method slower than Google's threshold fails its latency case", async () => {
    const report = await check({ slowEstimates: true });
    const latency = report.results.filter((c) => c.group === 'latency' && c.outcome === 'fail').map((c) => c.id);
    assert.ok(latency.includes('latency.BatchGetWaitEstimates'), JSON.stringify(report.latency));
    assert.equal(report.passed, false);
    assert.deepEqual(failedRequired(report), []);
  });
});
