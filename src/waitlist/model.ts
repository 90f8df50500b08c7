// A waitlist entry as the domain sees it, whatever channel it came from.
import type { Actor } from '../merchants/actor.js';
import type { WaitlistState } from './state-machine.js';

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
  /** A seated party left its table ("table cleared" on the host stand). */
  readonly leftAt: number | null;
}

/** The estimate a party was quoted when it joined. */
export interface Quote {
  readonly seatAt: number;
  readonly rangeStart: number;
  readonly rangeEnd: number;
}

export interface WaitlistEntry {
  readonly id: string;
  readonly merchantId: string;
  readonly serviceId: string;
  /** Who added it: Google (CreateWaitlistEntry) or the merchant (a walk-in). */
  readonly source: Actor;
  readonly state: WaitlistState;
  readonly partySize: number;
  readonly guest: Guest;
  readonly additionalRequest: string | null;
  readonly tableId: string | null;
  readonly times: StateTimes;
  /** Null for entries from before quotes were recorded, or when no estimate could be made. */
  readonly quote: Quote | null;
}

/**
 * One party of a merchant's history, without personal data: what learning and measuring the
 * estimates read (the read model src/estimates/ uses).
 */
export interface HistoryParty {
  readonly id: string;
  readonly serviceId: string;
  readonly partySize: number;
  readonly state: WaitlistState;
  readonly tableId: string | null;
  readonly joinedAt: number;
  readonly seatedAt: number | null;
  readonly leftAt: number | null;
  /** Canceled or declined: left the queue without a table. */
  readonly canceledAt: number | null;
  readonly noShowAt: number | null;
  readonly quote: Quote | null;
}
