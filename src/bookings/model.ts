// Bookings as the domain sees them, whichever channel (Google, the merchant) made them.

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

/** Statuses that hold a spot. */
export const HOLDING_STATUSES: readonly BookingStatus[] = ['CONFIRMED', 'PENDING_MERCHANT_CONFIRMATION'];

export type PrepaymentStatus = 'PREPAYMENT_PROVIDED' | 'PREPAYMENT_NOT_PROVIDED' | 'PREPAYMENT_REFUNDED' | 'PREPAYMENT_CREDITED';

/** How a service sells bookings. */
export interface BookingRules {
  readonly enabled: boolean;
  readonly confirmationMode: 'SYNCHRONOUS' | 'ASYNCHRONOUS';
  readonly minPartySize: number;
  readonly maxPartySize: number;
  /** Google users may cancel until this many seconds before the start (0: until the start). */
  readonly cancelBeforeStartSec: number;
  /** Upcoming bookings one user may hold with the merchant; null: no limit. */
  readonly userBookingLimit: number | null;
  /** Longest hold a lease gets, whatever Google asks for. */
  readonly maxLeaseSec: number;
  readonly price: { readonly micros: number; readonly currency: string } | null;
  /**
   * How feeds and availability updates describe the service's slots to Google: one entry per slot
   * (`spots_open`), or recurrences with schedule exceptions (`recurrence`, every slot 1 spot).
   */
  readonly availabilityFormat: AvailabilityFormat;
}

export type AvailabilityFormat = 'spots_open' | 'recurrence';

export const DEFAULT_BOOKING_RULES: BookingRules = {
  enabled: false,
  confirmationMode: 'SYNCHRONOUS',
  minPartySize: 1,
  maxPartySize: 10,
  cancelBeforeStartSec: 0,
  userBookingLimit: null,
  maxLeaseSec: 600,
  price: null,
  availabilityFormat: 'spots_open',
};

/** Identifies a slot: where, when, how long, with which resources. */
export interface SlotKey {
  readonly merchantId: string;
  readonly serviceId: string;
  readonly startSec: number;
  readonly durationSec: number;
  readonly staffId: string;
  readonly roomId: string;
  /** The slot's party size resource; 0 when the slot takes any size the service accepts. */
  readonly partySize: number;
}

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
  readonly source: 'google' | 'merchant';
  readonly user: BookingUser;
  readonly additionalRequest: string | null;
  readonly offerId: string | null;
  readonly leaseId: string | null;
  readonly payment: BookingPayment;
  readonly canceledBy: 'user' | 'merchant' | null;
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
