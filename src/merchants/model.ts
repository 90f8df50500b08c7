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
  readonly guestMessages: GuestMessageSettings;
  /** When it was deactivated (Google no longer sees it); null: active. */
  readonly deactivatedAt: number | null;
}

/** Languages of guest texts and the status page (docs/GUEST-MESSAGES.md). */
export const GUEST_LANGUAGES = ['en', 'zh-Hans', 'ar', 'tr', 'it'] as const;
export type GuestLanguage = (typeof GUEST_LANGUAGES)[number];

/** How the merchant's waitlist talks to guests. */
export interface GuestMessageSettings {
  /** Texts and status page when Google sent no usable language. */
  readonly language: GuestLanguage;
  /** SERVICE_READY for this many minutes becomes NO_SHOW; null: never. */
  readonly graceMinutes: number | null;
  /** "Almost your turn" when the party reaches this place in line; null: not sent. */
  readonly almostTurnPosition: number | null;
}

export const DEFAULT_GUEST_MESSAGE_SETTINGS: GuestMessageSettings = { language: 'en', graceMinutes: 10, almostTurnPosition: null };

export interface Service {
  readonly merchantId: string;
  readonly id: string;
  readonly name: string;
  readonly waitlist: WaitlistRules;
  readonly booking: BookingRules;
  /** When it was deactivated (Google no longer sees it); null: active. */
  readonly deactivatedAt: number | null;
}

export interface DiningTable {
  readonly id: string;
  readonly name: string;
  readonly minSeats: number;
  readonly seats: number;
}
