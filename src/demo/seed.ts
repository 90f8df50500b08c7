// Demo inventory for `serve --demo`: the IDs of Google's own samples, seeded into an empty database.
import { DateTime } from 'luxon';
import type { Services } from '../app.js';
import { nowSeconds, type Clock } from '../clock.js';
import { simulateTables } from '../estimates/simulate.js';
import { DEFAULT_BOOKING_RULES } from '../merchants/rules.js';
import { DEFAULT_WAITLIST_RULES } from '../merchants/service.js';

export const DEMO_WAITLIST_MERCHANT = 'dining-1';
export const DEMO_WAITLIST_SERVICE = 'reservation';
export const DEMO_BOOKING_MERCHANT = '1001';
export const DEMO_BOOKING_SERVICE = '12310';
const DEMO_ZONE = 'America/New_York';
const DEMO_DAYS = 30;

const ALL_DAY = [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, open: '00:00', close: '24:00' }));

/**
 * Seeds the demo merchants unless they exist, and keeps the reservation demo bookable: at every
 * start, days up to 30 ahead that have no slots yet get them (existing days are left alone).
 * Returns whether anything was written.
 */
export async function seedDemo(services: Services, clock: Clock, options: { history?: boolean } = {}): Promise<boolean> {
  const existing = await services.merchants.list(null);
  let wrote = false;
  if (!existing.some((m) => m.id === DEMO_WAITLIST_MERCHANT)) {
    await seedWaitlistDemo(services);
    if (options.history === true) await importDemoHistory(services, clock);
    wrote = true;
  }
  if (!existing.some((m) => m.id === DEMO_BOOKING_MERCHANT)) {
    await seedBookingDemo(services);
    wrote = true;
  }
  return (await extendBookingDemo(services, clock)) || wrote;
}

async function seedBookingDemo(services: Services): Promise<void> {
  await services.merchants.create({
    id: DEMO_BOOKING_MERCHANT,
    name: 'Demo Bistro',
    timeZone: DEMO_ZONE,
    telephone: '+1 212-555-0101',
    address: { streetAddress: '2 Demo Street', locality: 'New York', region: 'NY', postalCode: '10001', country: 'US' },
    waitlistAdvisement: null,
    openingHours: [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, open: '09:00', close: '17:00' })),
  });
  await services.merchants.createService({
    merchantId: DEMO_BOOKING_MERCHANT,
    id: DEMO_BOOKING_SERVICE,
    name: 'Dinner reservation',
    waitlist: { ...DEFAULT_WAITLIST_RULES, enabled: false },
    booking: { ...DEFAULT_BOOKING_RULES, enabled: true, confirmationMode: 'SYNCHRONOUS', minPartySize: 1, maxPartySize: 8, cancelBeforeStartSec: 0 },
  });
}

/** Nights of the demo waitlist's history: the four weeks before today. */
const DEMO_HISTORY_NIGHTS = 28;

/**
 * The demo waitlist's history, so that its estimates are learned from the first start: four weeks
 * of simulated nights on its own tables (seed 15, the same every time, ending the night before last, so that every party is over), imported
 * as any history is (`estimates import`) and learned at once.
 */
async function importDemoHistory(services: Services, clock: Clock): Promise<void> {
  const first = DateTime.fromSeconds(nowSeconds(clock), { zone: DEMO_ZONE })
    .startOf('day')
    .minus({ days: DEMO_HISTORY_NIGHTS + 1 });
  const history = simulateTables({
    seed: 15,
    id: DEMO_WAITLIST_MERCHANT,
    timeZone: DEMO_ZONE,
    tables: await services.merchants.listTables(DEMO_WAITLIST_MERCHANT),
    nights: DEMO_HISTORY_NIGHTS,
    firstNight: { year: first.year, month: first.month, day: first.day },
  });
  await services.waitlist.importHistory(DEMO_WAITLIST_MERCHANT, DEMO_WAITLIST_SERVICE, history.parties);
  await services.estimates.refreshMerchant(DEMO_WAITLIST_MERCHANT);
}

/** Adds 30-minute slots (09:00-16:30 local, two spots) to the demo days that have none yet. */
async function extendBookingDemo(services: Services, clock: Clock): Promise<boolean> {
  const today = DateTime.fromSeconds(nowSeconds(clock), { zone: DEMO_ZONE }).startOf('day');
  const last = today.plus({ days: DEMO_DAYS - 1 });
  const slots = await services.availability.list(DEMO_BOOKING_MERCHANT, DEMO_BOOKING_SERVICE, today.toSeconds(), last.plus({ days: 1 }).toSeconds());
  const lastSeeded = slots.length === 0 ? null : DateTime.fromSeconds(Math.max(...slots.map((s) => s.startSec)), { zone: DEMO_ZONE }).startOf('day');
  const from = lastSeeded === null ? today : lastSeeded.plus({ days: 1 });
  if (from > last) return false;
  await services.availability.applySchedule(DEMO_BOOKING_MERCHANT, DEMO_BOOKING_SERVICE, {
    fromDate: from.toISODate()!,
    toDate: last.toISODate()!,
    days: [1, 2, 3, 4, 5, 6, 7],
    firstStart: '09:00',
    lastStart: '16:30',
    repeatEveryMinutes: 30,
    durationSec: 1800,
    spotsTotal: 2,
    resources: { staffId: '', roomId: '', partySize: 0 },
    availabilityTag: '',
    exceptions: [],
  });
  return true;
}

async function seedWaitlistDemo(services: Services): Promise<void> {
  await services.merchants.create({
    id: DEMO_WAITLIST_MERCHANT,
    name: 'Demo Dining',
    timeZone: 'America/New_York',
    telephone: '+1 212-555-0100',
    address: { streetAddress: '1 Demo Street', locality: 'New York', region: 'NY', postalCode: '10001', country: 'US' },
    waitlistAdvisement: 'Tables are held for 10 minutes once we text you.',
    // Open around the clock so that the demo can be tried at any hour.
    openingHours: ALL_DAY,
  });
  await services.merchants.createService({
    merchantId: DEMO_WAITLIST_MERCHANT,
    id: DEMO_WAITLIST_SERVICE,
    name: 'Waitlist',
    waitlist: { ...DEFAULT_WAITLIST_RULES, minPartySize: 1, maxPartySize: 10, maxQueueLength: 100 },
  });
  await services.merchants.replaceTables(DEMO_WAITLIST_MERCHANT, [
    { id: 't1', name: 'Table 1', minSeats: 1, seats: 2 },
    { id: 't2', name: 'Table 2', minSeats: 1, seats: 2 },
    { id: 't3', name: 'Table 3', minSeats: 2, seats: 4 },
    { id: 't4', name: 'Table 4', minSeats: 2, seats: 4 },
    { id: 't5', name: 'Table 5', minSeats: 3, seats: 6 },
    { id: 't6', name: 'Big table', minSeats: 5, seats: 10 },
  ]);
}
