// What every booking use case works with (the store, the clock, the payment processor, the
// listener above bookings) and the steps they share: locking a booking, running a use case in a
// transaction that a business failure rolls back, and reporting that a slot's open spots moved.
import type { Clock } from '../clock.js';
import { DomainError } from '../errors.js';
import type { Store, Tx } from '../store/database.js';
import { transactionUnlessFailure, type Outcome } from '../store/idempotency.js';
import type { BookingEvents } from './events.js';
import type { Booking, BookingFailure } from './model.js';
import type { PaymentProcessor } from './payments.js';
import * as repo from './repository.js';

export interface BookingContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly payments: PaymentProcessor;
  readonly events: BookingEvents;
}

/** `differentRequest`: a replay for a token first used with another request (the booking it made is returned). */
export type BookingResult =
  | { readonly booking: Booking; readonly replayed: boolean; readonly differentRequest?: boolean }
  | { readonly failure: BookingFailure };

/** The open spots of this slot changed. */
export function changedAvailability(ctx: BookingContext, trx: Tx, slot: Booking['slot'], now: number): Promise<void> {
  return ctx.events.availabilityChanged(trx, { merchantId: slot.merchantId, serviceId: slot.serviceId, fromSec: slot.startSec, toSec: slot.startSec + 1 }, now);
}

/** The booking, locked for the rest of the transaction; NOT_FOUND if unknown or (with `merchantId`) another merchant's. */
export async function lockBooking(ctx: BookingContext, trx: Tx, bookingId: string, merchantId: string | undefined): Promise<Booking> {
  const booking = await repo.findBookingForUpdate(trx, ctx.store.dialect, bookingId);
  if (booking === null || (merchantId !== undefined && booking.slot.merchantId !== merchantId))
    throw new DomainError('NOT_FOUND', `unknown booking_id "${bookingId}"`);
  return booking;
}

/** Runs a use case in a transaction; a business failure rolls it back and is returned. */
export async function inTransaction(ctx: BookingContext, work: (trx: Tx) => Promise<Outcome<Booking, BookingFailure>>): Promise<BookingResult> {
  const outcome = await transactionUnlessFailure(ctx.store, work);
  return 'failure' in outcome ? outcome : { booking: outcome.ok, replayed: false };
}
