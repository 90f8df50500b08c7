// Bookings as the domain sees them, whichever channel (Google, the merchant) made them.
import type { SlotKey } from '../availability/slot.js';
import type { Actor } from '../merchants/actor.js';

export const BOOKING_STATUSES = [
  'CONFIRMED',
  'PENDING_MERCHANT_CONFIRMATION',
  'CANCELED',
  'NO_SHOW',
  'NO_SHOW_PENALIZED',
  'FAILED',
  'DECLINED_BY_MERCHANT',
] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

export type PrepaymentStatus = 'PREPAYMENT_PROVIDED' | 'PREPAYMENT_NOT_PROVIDED' | 'PREPAYMENT_REFUNDED' | 'PREPAYMENT_CREDITED';

export interface BookingUser {
  readonly userId: string | null;
  readonly givenName: string;
  readonly familyName: string;
  readonly telephone: string | null;
  readonly email: string | null;
  readonly languageCode: string | null;
}

export interface BookingPayment {
  readonly prepaymentStatus: PrepaymentStatus;
  readonly transactionId: string | null;
  /** Payment details as Google sent them, echoed back unchanged apart from the fields above. */
  readonly received: unknown;
}

export interface Booking {
  readonly id: string;
  readonly slot: SlotKey;
  readonly availabilityTag: string;
  readonly partySize: number;
  readonly status: BookingStatus;
  /** The service's confirmation mode when the booking was made. */
  readonly confirmationMode: 'SYNCHRONOUS' | 'ASYNCHRONOUS';
  /** Who made it: Google (CreateBooking) or the merchant (the admin API). */
  readonly source: Actor;
  readonly user: BookingUser;
  readonly additionalRequest: string | null;
  readonly offerId: string | null;
  readonly leaseId: string | null;
  readonly payment: BookingPayment;
  readonly canceledBy: Actor | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly canceledAt: number | null;
}

export interface Lease {
  readonly id: string;
  readonly slot: SlotKey;
  readonly availabilityTag: string;
  readonly partySize: number;
  readonly userReference: string;
  readonly expiresAt: number;
  readonly bookingId: string | null;
}

export type BookingFailureCause =
  | 'SLOT_UNAVAILABLE'
  | 'SLOT_ALREADY_BOOKED_BY_USER'
  | 'LEASE_EXPIRED'
  | 'OUTSIDE_CANCELLATION_WINDOW'
  | 'PAYMENT_ERROR_CARD_TYPE_REJECTED'
  | 'PAYMENT_ERROR_CARD_DECLINED'
  | 'PAYMENT_OPTION_NOT_VALID'
  | 'PAYMENT_ERROR'
  | 'USER_CANNOT_USE_PAYMENT_OPTION'
  | 'BOOKING_ALREADY_CANCELLED'
  | 'BOOKING_NOT_CANCELLABLE'
  | 'OVERLAPPING_RESERVATION'
  | 'USER_OVER_BOOKING_LIMIT'
  | 'PAYMENT_REQUIRES_3DS1'
  | 'OFFER_UNAVAILABLE';

export interface BookingFailure {
  readonly cause: BookingFailureCause;
  readonly description: string;
  readonly rejectedCardType?: 'VISA' | 'MASTERCARD' | 'AMERICAN_EXPRESS' | 'DISCOVER' | 'JCB';
  readonly threeDs1?: { readonly acsUrl: string; readonly paReq: string; readonly transactionId: string; readonly mdMerchantData: string };
}

/** A promotion Google may name in CreateBooking (offer_id); it applies to slots of its service in its validity window. */
export interface Offer {
  readonly id: string;
  readonly serviceId: string | null;
  readonly active: boolean;
  readonly validFromSec: number | null;
  readonly validUntilSec: number | null;
  readonly description: string;
}
