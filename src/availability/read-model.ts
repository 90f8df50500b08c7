// What other capabilities may read of availability (the repository stays private to availability/): slots,
// the spots held on them and their open spots. Open spots are always counted with openSpots (slot.ts).
import type { Tx } from '../store/database.js';
import { heldOnSlot } from './repository.js';
import type { StoredSlot } from './slot.js';

export {
  heldForMerchants,
  lockSlot,
  type ServiceSlotRun,
  serviceSlotRuns,
  serviceSlotsAfter,
  slotsInRange,
} from './repository.js';

/**
 * Open spots of one slot, counted in the caller's transaction (with the slot locked, lockSlot, the count
 * holds until commit), leaving out one lease or booking (the one being converted or moved).
 */
export async function openSpotsOnSlot(trx: Tx, slot: StoredSlot, now: number, except: { leaseId?: string; bookingId?: string } = {}): Promise<number> {
  return Math.max(0, slot.spotsTotal - (await heldOnSlot(trx, slot, now, except)));
}
