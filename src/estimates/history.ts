// A restaurant's waitlist history, recorded (from the database) or simulated, and the floor as the
// server saw it at any moment of it: the seated parties not yet seen to leave and the queue, from
// the data that existed then. Learning, calibration and the evaluation all replay through here.
import { DateTime } from 'luxon';
import type { Floor, TableSpec } from '../waitlist/estimator.js';
import type { LearnedModel } from '../waitlist/learned-model.js';
import type { HistoryParty } from '../waitlist/model.js';
import type { TurnTime } from '../merchants/rules.js';

/** Seated parties older than this no longer hold a table in the server's model (as in the waitlist service). */
export const SEATED_LOOKBACK_SECONDS = 6 * 3600;

export interface RestaurantHistory {
  readonly id: string;
  readonly timeZone: string;
  readonly tables: readonly TableSpec[];
  /** The merchant's configured turn times (the prior, and the estimator before learning). */
  readonly turnTimes: readonly TurnTime[];
  /** In join order. */
  readonly parties: readonly HistoryParty[];
}

/** When the party left the queue, whichever way (seated, canceled, no-show); null while waiting. */
export function leftQueueAt(p: HistoryParty): number | null {
  return p.seatedAt ?? p.canceledAt ?? p.noShowAt;
}

/** Index of the first party that joined at or after `t` (parties in join order). */
export function firstJoinedFrom(parties: readonly HistoryParty[], t: number): number {
  let lo = 0;
  let hi = parties.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (parties[mid]!.joinedAt < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The floor just before party `index` joined, as the server knew it: parties seated in the last six
 * hours whose leaving had not been recorded yet, and the parties that joined earlier and were still
 * waiting (in join order). Only parties that joined in the 12 hours before are looked at.
 */
export function floorBefore(h: RestaurantHistory, index: number, model: LearnedModel | null, utcOffsetSeconds: number): Floor {
  const parties = h.parties;
  const now = parties[index]!.joinedAt;
  const seated: Floor['seated'][number][] = [];
  const queue: Floor['queue'][number][] = [];
  for (let i = firstJoinedFrom(parties, now - 12 * 3600); i < index; i++) {
    const p = parties[i]!;
    if (p.seatedAt !== null && p.seatedAt <= now) {
      if (p.seatedAt >= now - SEATED_LOOKBACK_SECONDS && (p.leftAt === null || p.leftAt > now)) {
        seated.push({ partySize: p.partySize, tableId: p.tableId, seatedAt: p.seatedAt });
      }
      continue;
    }
    const gone = leftQueueAt(p);
    if (gone !== null && gone <= now) continue;
    queue.push({ id: p.id, partySize: p.partySize, joinedAt: p.joinedAt });
  }
  return { now, tables: h.tables, turnTimes: h.turnTimes, seated, queue, model, utcOffsetSeconds };
}

/** UTC offset (seconds) of the restaurant's zone at `t`. */
export function utcOffsetAt(timeZone: string, t: number): number {
  return DateTime.fromSeconds(t, { zone: timeZone }).offset * 60;
}

/**
 * The service night a moment belongs to: the local date, with the small hours (before 05:00)
 * counted to the evening before.
 */
export function nightOf(timeZone: string, t: number): string {
  return DateTime.fromSeconds(t - 5 * 3600, { zone: timeZone }).toISODate()!;
}

/** The history split by service night, in date order. */
export function splitNights(h: RestaurantHistory): { night: string; parties: HistoryParty[] }[] {
  const nights = new Map<string, HistoryParty[]>();
  for (const p of h.parties) {
    const key = nightOf(h.timeZone, p.joinedAt);
    const list = nights.get(key) ?? [];
    nights.set(key, list);
    list.push(p);
  }
  return [...nights.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([night, parties]) => ({ night, parties }));
}

export function withParties(h: RestaurantHistory, parties: readonly HistoryParty[]): RestaurantHistory {
  return { ...h, parties };
}
