// Demo inventory for `serve --demo`: the IDs of Google's own samples, seeded into an empty database.
import type { Services } from '../app.js';
import { DEFAULT_WAITLIST_RULES } from '../merchants/service.js';

export const DEMO_WAITLIST_MERCHANT = 'dining-1';
export const DEMO_WAITLIST_SERVICE = 'reservation';

const ALL_DAY = [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, open: '00:00', close: '24:00' }));

/** Seeds the demo merchants unless they exist; returns whether anything was written. */
export async function seedDemo(services: Services): Promise<boolean> {
  const existing = await services.merchants.list(null);
  if (existing.some((m) => m.id === DEMO_WAITLIST_MERCHANT)) return false;
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
  return true;
}
