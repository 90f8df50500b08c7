// The rules a merchant configures per service for each capability: how it sells bookings, how its
// waitlist takes parties, and how long parties stay at a table. Capabilities read them; merchants own them.

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

export type ConfirmationMode = 'SYNCHRONOUS' | 'ASYNCHRONOUS';

export interface WaitlistRules {
  readonly enabled: boolean;
  readonly paused: boolean;
  readonly minPartySize: number;
  readonly maxPartySize: number;
  readonly maxQueueLength: number | null;
  /** ISO 3166-1 alpha-2 codes; empty means every country. */
  readonly allowedPhoneCountries: readonly string[];
  readonly supportsAdditionalRequest: boolean;
  readonly confirmationMode: ConfirmationMode;
  /** When nobody is waiting and a table is free, tell guests to walk in (CLOSED_NO_WAIT / NO_WAIT). */
  readonly walkInWhenNoWait: boolean;
  /** Party sizes whose wait is longer are not offered. */
  readonly maxQuotedWaitMinutes: number | null;
  /** Google tells parties above maxPartySize to call the merchant (service feed `above_max_party_size_options`). */
  readonly callMerchantAboveMaxPartySize: boolean;
}

/** Turn time (minutes a party occupies a table) for parties up to `maxPartySize`. */
export interface TurnTime {
  readonly maxPartySize: number;
  readonly minutes: number;
}

export const DEFAULT_TURN_TIMES: readonly TurnTime[] = [
  { maxPartySize: 2, minutes: 45 },
  { maxPartySize: 4, minutes: 60 },
  { maxPartySize: 6, minutes: 75 },
  { maxPartySize: 1000, minutes: 90 },
];

/**
 * What in a waitlist's set-up turns parties away that the merchant may not expect, for the admin
 * API to show next to the service: no tables at all (every party is refused), or a largest table
 * smaller than the waitlist's largest party.
 */
export function waitlistWarnings(rules: WaitlistRules, tables: readonly { readonly seats: number }[]): string[] {
  if (!rules.enabled) return [];
  if (tables.length === 0) return ['the waitlist is on but no tables are set up (PUT /merchants/{id}/tables): every party that tries to join is refused'];
  const largest = Math.max(...tables.map((t) => t.seats));
  if (largest < rules.maxPartySize) {
    return [`the waitlist takes parties up to ${rules.maxPartySize} but the largest table seats ${largest}: larger parties are refused`];
  }
  return [];
}
