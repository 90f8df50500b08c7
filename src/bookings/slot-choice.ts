// Finding the slot a booking, a move or a lease asks for, and taking one of its open spots under
// the slot's lock (create-booking.ts, update-booking.ts, leases.ts).
import { DomainError } from '../errors.js';
import { slotMatches, type SlotQuery } from '../availability/matching.js';
import * as slots from '../availability/read-model.js';
import type { Service } from '../merchants/model.js';
import * as merchants from '../merchants/read-model.js';
import type { Store, Tx } from '../store/database.js';
import type { Booking, BookingFailure } from './model.js';
import { partySizeRefusal } from './policy.js';
import type { StoredSlot } from '../availability/slot.js';

export const FULLY_BOOKED = 'the slot is fully booked';
export const slotUnavailable = (description: string): { failure: BookingFailure } => ({ failure: { cause: 'SLOT_UNAVAILABLE', description } });

/** The merchant's service; UNKNOWN_MERCHANT or UNKNOWN_SERVICE if either does not exist. */
export async function bookableService(trx: Tx, merchantId: string, serviceId: string): Promise<Service> {
  if ((await merchants.findMerchant(trx, merchantId)) === null) throw new DomainError('UNKNOWN_MERCHANT', `unknown merchant_id "${merchantId}"`);
  const service = await merchants.findService(trx, merchantId, serviceId);
  if (service === null) throw new DomainError('UNKNOWN_SERVICE', `unknown service_id "${serviceId}" for merchant "${merchantId}"`);
  return service;
}

/** Matching slots of the query (the first matching key wins when several do). */
export async function candidates(trx: Tx, merchantId: string, query: SlotQuery, service: Service): Promise<StoredSlot[]> {
  const inRange = await slots.slotsInRange(trx, merchantId, [query.serviceId], query.startSec, query.startSec + 1);
  return inRange.filter((s) => slotMatches(s, query, service.booking));
}

/**
 * Why no slot matched the query, for the failure's description: the party size when slots at
 * that time exist but none takes the party (a service's min/max party size, or slots for other
 * sizes), otherwise that no such slot is offered.
 */
export async function noSlotReason(trx: Tx, merchantId: string, query: SlotQuery, service: Service): Promise<string> {
  if (query.partySize > 0) {
    const atTime = (await slots.slotsInRange(trx, merchantId, [query.serviceId], query.startSec, query.startSec + 1)).filter((s) =>
      slotMatches(s, { ...query, partySize: 0 }, service.booking),
    );
    if (atTime.length > 0) return partySizeRefusal(query.partySize, atTime, service.booking);
  }
  return 'no such slot is offered';
}

/** Locks the first candidate with an open spot (not counting `except`); null if none has one. */
export async function takeSpot(
  store: Store,
  trx: Tx,
  candidates: readonly StoredSlot[],
  now: number,
  except: { leaseId?: string; bookingId?: string } = {},
): Promise<StoredSlot | null> {
  for (const candidate of candidates) {
    const locked = await slots.lockSlotWithOpenSpots(trx, store.dialect, candidate, now, except);
    if (locked !== null && locked.open > 0) return locked.slot;
  }
  return null;
}

/** The slot a booking or lease keeps: its key, without the stored slot's capacity and tag. */
export function stripSlotKey(s: StoredSlot): Booking['slot'] {
  return {
    merchantId: s.merchantId,
    serviceId: s.serviceId,
    startSec: s.startSec,
    durationSec: s.durationSec,
    staffId: s.staffId,
    roomId: s.roomId,
    partySize: s.partySize,
  };
}
