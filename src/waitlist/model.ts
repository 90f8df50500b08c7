// A waitlist entry as the domain sees it, whatever channel it came from.
import type { WaitlistState } from './state-machine.js';

export type EntrySource = 'google' | 'walk_in';

export interface Guest {
  readonly givenName: string;
  readonly familyName: string;
  readonly telephone: string | null;
  readonly email: string | null;
  /** Google's stable user id; null for walk-ins. */
  readonly googleUserId: string | null;
}

export interface StateTimes {
  readonly createdAt: number;
  readonly confirmedAt: number | null;
  readonly canceledAt: number | null;
  readonly declinedAt: number | null;
  readonly serviceReadiedAt: number | null;
  readonly checkedInAt: number | null;
  readonly seatedAt: number | null;
  readonly markedNoShowAt: number | null;
}

export interface WaitlistEntry {
  readonly id: string;
  readonly merchantId: string;
  readonly serviceId: string;
  readonly source: EntrySource;
  readonly state: WaitlistState;
  readonly partySize: number;
  readonly guest: Guest;
  readonly additionalRequest: string | null;
  readonly tableId: string | null;
  readonly times: StateTimes;
}
