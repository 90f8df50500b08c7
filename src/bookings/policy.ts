// Booking rules that need no store: who may book or cancel what, when. Pure.
import type { Booking, BookingFailure } from './model.js';
import { sameSlotKey, type SlotKey } from '../availability/slot.js';
import type { Actor } from '../merchants/actor.js';
import type { BookingRules } from '../merchants/rules.js';

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

/** Why `by` may not cancel now, or null. Replays of one's own cancel are the caller's. */
export function cancelRefusal(booking: Booking, rules: BookingRules, now: number, by: Actor): BookingFailure | null {
  if (booking.status === 'CANCELED') return { cause: 'BOOKING_ALREADY_CANCELLED', description: 'the booking was already cancelled' };
  if (booking.status !== 'CONFIRMED' && booking.status !== 'PENDING_MERCHANT_CONFIRMATION') {
    return { cause: 'BOOKING_NOT_CANCELLABLE', description: `a ${booking.status} booking cannot be cancelled` };
  }
  if (by === 'google' && now > booking.slot.startSec - rules.cancelBeforeStartSec) {
    return { cause: 'OUTSIDE_CANCELLATION_WINDOW', description: `online cancellation closes ${rules.cancelBeforeStartSec} s before the start` };
  }
  return null;
}

/**
 * Why a party of `partySize` fits none of the slots offered at its time: above or below the
 * service's party sizes, or (slots with a party-size resource) a size no slot at that time is for.
 */
export function partySizeRefusal(partySize: number, atTime: readonly { readonly partySize: number }[], rules: BookingRules): string {
  if (atTime.some((s) => s.partySize === 0)) {
    if (partySize > rules.maxPartySize) return `a party of ${partySize} is above this service's largest party size, ${rules.maxPartySize}`;
    if (partySize < rules.minPartySize) return `a party of ${partySize} is below this service's smallest party size, ${rules.minPartySize}`;
  }
  const sizes = [...new Set(atTime.map((s) => s.partySize).filter((n) => n > 0))].sort((a, b) => a - b);
  return `no slot at this time takes a party of ${partySize}${sizes.length > 0 ? ` (the slots are for parties of ${sizes.join(', ')})` : ''}`;
}
