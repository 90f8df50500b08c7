// What other capabilities may read of availability (the repository stays private to availability/): slots,
// the spots held on them and their open spots. Open spots are always counted with openSpots (slot.ts).
import type { Tx } from '../store/database.js';
import { heldOnSlot, lockSlot } from './repository.js';
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

/**
 * Locks a slot (lockSlot) and counts its open spots in the caller's transaction, the count issued
 * right behind the lock: the database runs it once the lock is granted, so it sees every booking
 * committed by the lock's previous holder and holds until commit, as if it had been sent after
 * the lock's answer (on PostgreSQL both are one round trip). Null when no such slot exists.
 */
export async function lockSlotWithOpenSpots(
  trx: Tx,
  dialect: 'sqlite' | 'postgres',
  key: StoredSlot,
  now: number,
  except: { leaseId?: string; bookingId?: string } = {},
): Promise<{ slot: StoredSlot; open: number } | null> {
  const locking = lockSlot(trx, dialect, key);
  const counting = heldOnSlot(trx, key, now, except);
  counting.catch(() => {});
  const slot = await locking;
  if (slot === null) return null;
  return { slot, open: Math.max(0, slot.spotsTotal - (await counting)) };
}
