// What a merchant is in our domain: where it is, when it is open, what it offers.
import type { BookingRules, TurnTime, WaitlistRules } from './rules.js';
import type { OpeningInterval } from './opening-hours.js';

export interface Address {
  readonly streetAddress: string | null;
  readonly locality: string | null;
  readonly region: string | null;
  readonly postalCode: string | null;
  readonly country: string | null;
}

export interface Merchant {
  readonly id: string;
  readonly name: string;
  readonly timeZone: string;
  readonly telephone: string | null;
  readonly address: Address;
  /** Free text Google shows in the join dialog. */
  readonly waitlistAdvisement: string | null;
  readonly turnTimes: readonly TurnTime[];
  readonly openingHours: readonly OpeningInterval[];
}

export interface Service {
  readonly merchantId: string;
  readonly id: string;
  readonly name: string;
  readonly waitlist: WaitlistRules;
  readonly booking: BookingRules;
}

export interface DiningTable {
  readonly id: string;
  readonly name: string;
  readonly minSeats: number;
  readonly seats: number;
}
