// What bookings tell the layers above them, inside the transaction of the change. src/app.ts wires the
// implementation in (the real-time update outbox), so bookings never imports them.
import type { AvailabilityListener } from '../availability/events.js';
import type { Actor } from '../merchants/actor.js';
import type { Tx } from '../store/database.js';
import type { Booking } from './model.js';

/** Booking fields a change can touch (Google's BookingNotification updateMask paths). */
export type BookingField = 'status' | 'startTime' | 'duration' | 'partySize' | 'paymentInformation.prepaymentStatus';

export interface BookingListener {
  /**
   * A booking changed: `fields` says what, `by` who changed it (the guest through Google, or the
   * merchant). Called with the open transaction, so what it writes commits or rolls back with the change.
   */
  bookingChanged(trx: Tx, booking: Booking, fields: readonly BookingField[], by: Actor, now: number): Promise<void>;
}

/** Everything BookingService reports: booking changes, and the open spots its bookings and leases move. */
export interface BookingEvents extends BookingListener, AvailabilityListener {}
