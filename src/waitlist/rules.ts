// Who may join a waitlist right now, and what Google is told about it. Pure.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Actor } from '../merchants/actor.js';
import type { WaitlistRules } from '../merchants/rules.js';
import type { Estimate } from './estimator.js';

export type WaitlistStatus = 'OPEN' | 'CLOSED_NO_WAIT' | 'CLOSED_OTHER';

export type JoinFailureCause =
  | 'EXISTING_WAITLIST_ENTRY'
  | 'BELOW_MIN_PARTY_SIZE'
  | 'ABOVE_MAX_PARTY_SIZE'
  | 'MERCHANT_CLOSED'
  | 'NO_WAIT'
  | 'WAITLIST_FULL'
  | 'PHONE_NUMBER_COUNTRY_UNSUPPORTED'
  | 'WAITLIST_CLOSED';

export interface JoinFailure {
  readonly cause: JoinFailureCause;
  readonly description: string;
}

export interface Situation {
  readonly now: number;
  readonly merchantOpen: boolean;
  readonly rules: WaitlistRules;
  /** Parties currently in this service's queue. */
  readonly queueLength: number;
  /** Largest party a table can seat. */
  readonly largestTable: number;
}

function isFull(s: Situation): boolean {
  return s.rules.maxQueueLength !== null && s.queueLength >= s.rules.maxQueueLength;
}

function tooLong(s: Situation, estimate: Estimate): boolean {
  return s.rules.maxQuotedWaitMinutes !== null && estimate.seatAt - s.now > s.rules.maxQuotedWaitMinutes * 60;
}

function isNoWait(s: Situation, estimate: Estimate): boolean {
  return s.rules.walkInWhenNoWait && s.queueLength === 0 && estimate.seatAt <= s.now;
}

export function canServe(s: Situation, partySize: number): boolean {
  return partySize >= s.rules.minPartySize && partySize <= Math.min(s.rules.maxPartySize, s.largestTable);
}

/**
 * The status for BatchGetWaitEstimates and the estimates worth offering. `estimates` holds one
 * estimate per requested party size that a table can seat.
 */
export function offer(s: Situation, estimates: ReadonlyMap<number, Estimate>): { status: WaitlistStatus; offered: Map<number, Estimate> } {
  if (!s.rules.enabled || s.rules.paused || !s.merchantOpen || isFull(s)) return { status: 'CLOSED_OTHER', offered: new Map() };
  const offered = new Map([...estimates].filter(([size, e]) => canServe(s, size) && !tooLong(s, e)));
  if (offered.size > 0 && [...offered.values()].every((e) => isNoWait(s, e))) return { status: 'CLOSED_NO_WAIT', offered: new Map() };
  return { status: 'OPEN', offered };
}

export function phoneCountryAllowed(rules: WaitlistRules, telephone: string | null): boolean {
  if (rules.allowedPhoneCountries.length === 0) return true;
  if (telephone === null || telephone.trim() === '') return false;
  const parsed = parsePhoneNumberFromString(telephone.trim());
  return parsed?.country !== undefined && rules.allowedPhoneCountries.includes(parsed.country);
}

/**
 * Why a party may not join now, or null. The one-live-entry-per-user rule is a database constraint.
 * The merchant (`by` 'merchant': the host stand) adds walk-ins at its own judgement: hours, a paused list, the phone's
 * country and the length of the wait are Google-facing rules and do not stop it.
 */
export function joinFailure(s: Situation, partySize: number, telephone: string | null, estimate: Estimate | null, by: Actor = 'google'): JoinFailure | null {
  const { rules } = s;
  const google = by === 'google';
  if (!rules.enabled) return { cause: 'WAITLIST_CLOSED', description: 'this service has no waitlist' };
  if (partySize < rules.minPartySize) return { cause: 'BELOW_MIN_PARTY_SIZE', description: `the smallest party is ${rules.minPartySize}` };
  if (s.largestTable === 0) return { cause: 'ABOVE_MAX_PARTY_SIZE', description: 'no tables are set up for this waitlist, so no party can be seated' };
  const largest = Math.min(rules.maxPartySize, s.largestTable);
  if (partySize > largest || estimate === null) return { cause: 'ABOVE_MAX_PARTY_SIZE', description: `the largest party is ${largest}` };
  if (google && !s.merchantOpen) return { cause: 'MERCHANT_CLOSED', description: 'the merchant is closed now' };
  if (google && rules.paused) return { cause: 'WAITLIST_CLOSED', description: 'the waitlist is closed for now' };
  if (isFull(s)) return { cause: 'WAITLIST_FULL', description: 'the waitlist is full' };
  if (google && !phoneCountryAllowed(rules, telephone)) {
    return { cause: 'PHONE_NUMBER_COUNTRY_UNSUPPORTED', description: `phone numbers from ${rules.allowedPhoneCountries.join(', ')} only` };
  }
  if (google && tooLong(s, estimate)) return { cause: 'WAITLIST_FULL', description: 'the wait for this party size is longer than the merchant quotes' };
  if (google && isNoWait(s, estimate)) return { cause: 'NO_WAIT', description: 'there is no wait: walk in' };
  return null;
}
