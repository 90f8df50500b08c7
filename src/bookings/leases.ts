// Leases (CreateLease): a spot held for a while for a booking to come, and the announcement of the
// spots that leases give back by expiring unused.
import { nowSeconds } from '../clock.js';
import type { SlotQuery } from '../availability/matching.js';
import { newRowId } from '../store/ids.js';
import { runIdempotent } from '../store/idempotency.js';
import { changedAvailability, type BookingContext } from './context.js';
import type { BookingFailure, Lease } from './model.js';
import * as repo from './repository.js';
import { bookableService, candidates as slotCandidates, FULLY_BOOKED, noSlotReason, slotUnavailable, stripSlotKey, takeSpot } from './slot-choice.js';

/** Holds a spot for a while (CreateLease); `userReference` is Google's idempotency key. */
export async function createLease(
  ctx: BookingContext,
  merchantId: string,
  query: SlotQuery,
  partySize: number,
  userReference: string,
  requestedExpiry: number | null,
  requestHash: string,
): Promise<{ lease: Lease } | { failure: BookingFailure }> {
  const now = nowSeconds(ctx.clock);
  const result = await runIdempotent<Lease, BookingFailure>(ctx.store, { scope: 'CreateLease', token: userReference, requestHash }, now, async (trx) => {
    const service = await bookableService(trx, merchantId, query.serviceId);
    if (!service.booking.enabled) return slotUnavailable('this service takes no bookings');
    if (query.startSec <= now) return slotUnavailable('the slot has already started');
    const candidates = await slotCandidates(trx, merchantId, query, service);
    const taken = await takeSpot(ctx.store, trx, candidates, now);
    if (taken === null) return slotUnavailable(candidates.length === 0 ? await noSlotReason(trx, merchantId, query, service) : FULLY_BOOKED);
    const longest = now + service.booking.maxLeaseSec;
    const lease: Lease = {
      id: newRowId(),
      slot: stripSlotKey(taken),
      availabilityTag: taken.availabilityTag,
      partySize: partySize === 0 ? taken.partySize || service.booking.minPartySize : partySize,
      userReference,
      expiresAt: requestedExpiry !== null && requestedExpiry > now ? Math.min(requestedExpiry, longest) : longest,
      bookingId: null,
    };
    await repo.insertLease(trx, lease, now);
    await changedAvailability(ctx, trx, lease.slot, now);
    return { ok: lease };
  });
  return 'failure' in result ? result : { lease: result.ok };
}

/**
 * Announces the spots that leases gave back by expiring unused (an expiry changes no row, so
 * nothing else would tell Google): one availability change per lease, each lease once however
 * many replicas sweep (the ledger decides). Returns how many were announced.
 */
export function announceExpiredLeases(ctx: BookingContext): Promise<number> {
  const now = nowSeconds(ctx.clock);
  return ctx.store.transaction(async (trx) => {
    const expired = await repo.claimExpiredLeases(trx, now);
    for (const lease of expired) await changedAvailability(ctx, trx, lease.slot, now);
    return expired.length;
  });
}
