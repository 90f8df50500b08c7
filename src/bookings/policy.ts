// Booking rules that need no store: who may book or cancel what, when. Pure.
import type { Booking, BookingFailure, BookingRules, SlotKey } from './model.js';
import { sameSlotKey } from '../availability/slot.js';

function overlaps(a: SlotKey, b: SlotKey): boolean {
  return a.startSec < b.startSec + b.durationSec && b.startSec < a.startSec + a.durationSec;
}

/**
 * Whether a user may take `slot` given the bookings they already hold (spot-holding, not yet
 * over). `existing` excludes the booking being moved, if any.
 */
export function userConflict(slot: SlotKey, existing: readonly Booking[], rules: BookingRules): BookingFailure | null {
  const sameMerchant = existing.filter((b) => b.slot.merchantId === slot.merchantId);
  if (sameMerchant.some((b) => sameSlotKey(b.slot, slot))) {
    return { cause: 'SLOT_ALREADY_BOOKED_BY_USER', description: 'this user already holds this slot' };
  }
  if (sameMerchant.some((b) => overlaps(b.slot, slot))) {
    return { cause: 'OVERLAPPING_RESERVATION', description: 'this user already has a booking at this merchant at an overlapping time' };
  }
  if (rules.userBookingLimit !== null && sameMerchant.length >= rules.userBookingLimit) {
    return { cause: 'USER_OVER_BOOKING_LIMIT', description: `at most ${rules.userBookingLimit} upcoming bookings per user` };
  }
  return null;
}

/** Why the user may not cancel now, or null. Replays of the user's own cancel are the caller's. */
export function cancelRefusal(booking: Booking, rules: BookingRules, now: number, by: 'user' | 'merchant'): BookingFailure | null {
  if (booking.status === 'CANCELED') return { cause: 'BOOKING_ALREADY_CANCELLED', description: 'the booking was already cancelled' };
  if (booking.status !== 'CONFIRMED' && booking.status !== 'PENDING_MERCHANT_CONFIRMATION') {
    return { cause: 'BOOKING_NOT_CANCELLABLE', description: `a ${booking.status} booking cannot be cancelled` };
  }
  if (by === 'user' && now > booking.slot.startSec - rules.cancelBeforeStartSec) {
    return { cause: 'OUTSIDE_CANCELLATION_WINDOW', description: `online cancellation closes ${rules.cancelBeforeStartSec} s before the start` };
  }
  return null;
}
