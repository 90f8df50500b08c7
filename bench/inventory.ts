// Inventory for a bench run, made through the server's own APIs: a queue on the demo waitlist,
// ten demo slots to look up, and dedicated merchants that writes cannot exhaust (the demo queue
// stops at 100 parties and demo slots have two spots).
import { basicAuth } from '../test/e2e/support.js';
import type { SlotTarget, WaitlistTarget } from './load-spec.js';

/** Writes are spread over this many waitlist merchants, as Google's traffic is over many restaurants. */
export const WAITLIST_MERCHANTS = 100;
/** Bookable slots of the bench booking service, each with SPOTS_PER_SLOT spots. */
const BOOKING_SLOTS = 200;
const SPOTS_PER_SLOT = 2000;
/** Parties put in the demo queue before the reads, so that estimates have a queue to work through. */
const DEMO_QUEUE = 20;

export interface Inventory {
  readonly estimatesBody: string;
  readonly entryBodies: readonly string[];
  readonly lookupBody: string;
  readonly waitlistTargets: readonly WaitlistTarget[];
  readonly booking: { readonly merchantId: string; readonly serviceId: string; readonly slots: readonly SlotTarget[] };
  readonly contention: { readonly merchantId: string; readonly serviceId: string; readonly slot: SlotTarget; readonly spots: number };
}

export interface Access {
  readonly baseUrl: string;
  readonly credentials: string;
  readonly adminToken: string;
}

async function call(access: Access, method: string, path: string, body: unknown, authorization: string): Promise<unknown> {
  const response = await fetch(`${access.baseUrl}${path}`, {
    method,
    headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text === '' ? null : JSON.parse(text);
}

export const admin = (access: Access, method: string, path: string, body?: unknown): Promise<unknown> =>
  call(access, method, `/admin/v1${path}`, body, `Bearer ${access.adminToken}`);

const google = (access: Access, method: string, body: unknown): Promise<unknown> => call(access, 'POST', `/v3/${method}`, body, basicAuth(access.credentials));

const ALL_DAY = [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, open: '00:00', close: '24:00' }));

/** Runs `work` over `items`, `width` at a time. */
async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

export async function createInventory(access: Access, runId: string): Promise<Inventory> {
  // Reads: the demo merchants of `serve --demo`.
  const entryIds: string[] = [];
  for (let i = 0; i < DEMO_QUEUE; i++) {
    const created = (await google(access, 'CreateWaitlistEntry', {
      merchant_id: 'dining-1',
      service_id: 'reservation',
      party_size: (i % 4) + 1,
      idempotency_token: `${runId}-demo-${i}`,
      user_information: { user_id: `${runId}-demo-user-${i}`, given_name: 'Demo', family_name: `Guest ${i}`, telephone: '+1 212-555-0100' },
    })) as { waitlist_entry_id?: string };
    if (!created.waitlist_entry_id) throw new Error(`could not queue a demo party: ${JSON.stringify(created)}`);
    entryIds.push(created.waitlist_entry_id);
  }
  const now = Math.floor(Date.now() / 1000);
  const demoSlots = (await admin(access, 'GET', `/merchants/1001/services/12310/availability?from=${now + 3600}&to=${now + 4 * 86_400}`)) as {
    slots: { start_sec: number; duration_sec: number }[];
  };
  if (demoSlots.slots.length < 10) throw new Error(`the demo service has only ${demoSlots.slots.length} slots in the next days`);
  const lookupBody = JSON.stringify({
    merchant_id: '1001',
    slot_time: demoSlots.slots
      .slice(0, 10)
      .map((s) => ({ service_id: '12310', start_sec: String(s.start_sec), duration_sec: String(s.duration_sec), resource_ids: { party_size: 2 } })),
  });

  // Writes: waitlist merchants with no queue limit and enough tables for any party.
  const waitlistTargets = Array.from({ length: WAITLIST_MERCHANTS }, (_, i) => ({ merchantId: `bench-${runId}-wl-${i}`, serviceId: 'waitlist' }));
  await inParallel(waitlistTargets, 8, async ({ merchantId, serviceId }) => {
    await admin(access, 'POST', '/merchants', { id: merchantId, name: `Bench waitlist ${merchantId}`, time_zone: 'America/New_York', opening_hours: ALL_DAY });
    await admin(access, 'POST', `/merchants/${merchantId}/services`, {
      id: serviceId,
      name: 'Waitlist',
      waitlist: { min_party_size: 1, max_party_size: 10, max_queue_length: null, max_quoted_wait_minutes: null },
    });
    await admin(access, 'PUT', `/merchants/${merchantId}/tables`, {
      tables: [
        { id: 't2a', seats: 2 },
        { id: 't2b', seats: 2 },
        { id: 't4a', seats: 4, min_seats: 2 },
        { id: 't4b', seats: 4, min_seats: 2 },
        { id: 't6', seats: 6, min_seats: 3 },
        { id: 't10', seats: 10, min_seats: 5 },
      ],
    });
  });

  // Bookings: many slots with many spots, starting tomorrow; and one slot of 10 spots for contention.
  const bookingMerchant = `bench-${runId}-bookings`;
  await admin(access, 'POST', '/merchants', { id: bookingMerchant, name: 'Bench bookings', time_zone: 'America/New_York', opening_hours: ALL_DAY });
  const bookingRules = { enabled: true, confirmation_mode: 'SYNCHRONOUS', min_party_size: 1, max_party_size: 10 };
  await admin(access, 'POST', `/merchants/${bookingMerchant}/services`, { id: 'table', name: 'Table', booking: bookingRules });
  await admin(access, 'POST', `/merchants/${bookingMerchant}/services`, { id: 'contended', name: 'Contended table', booking: bookingRules });
  const first = (Math.floor(now / 3600) + 24) * 3600;
  const slots: SlotTarget[] = Array.from({ length: BOOKING_SLOTS }, (_, i) => ({ startSec: first + i * 1800, durationSec: 1800 }));
  await admin(access, 'PUT', `/merchants/${bookingMerchant}/services/table/availability`, {
    start_time_restrict: first,
    end_time_restrict: first + BOOKING_SLOTS * 1800,
    availability: slots.map((s) => ({ start_sec: s.startSec, duration_sec: s.durationSec, spots_total: SPOTS_PER_SLOT })),
  });
  const contended: SlotTarget = { startSec: first, durationSec: 1800 };
  await admin(access, 'PUT', `/merchants/${bookingMerchant}/services/contended/availability`, {
    start_time_restrict: first,
    end_time_restrict: first + 1800,
    availability: [{ start_sec: contended.startSec, duration_sec: contended.durationSec, spots_total: 10 }],
  });

  return {
    estimatesBody: JSON.stringify({ merchant_id: 'dining-1', service_id: 'reservation', party_size: [2, 4] }),
    entryBodies: entryIds.map((id) => JSON.stringify({ waitlist_entry_id: id })),
    lookupBody,
    waitlistTargets,
    booking: { merchantId: bookingMerchant, serviceId: 'table', slots },
    contention: { merchantId: bookingMerchant, serviceId: 'contended', slot: contended, spots: 10 },
  };
}

/** Bookings the store holds as CONFIRMED for the contended service (read back through the admin API). */
export async function confirmedInStore(access: Access, merchantId: string, serviceId: string): Promise<number> {
  const list = (await admin(access, 'GET', `/merchants/${merchantId}/bookings?service_id=${serviceId}&status=CONFIRMED&limit=1000`)) as { bookings: unknown[] };
  return list.bookings.length;
}
