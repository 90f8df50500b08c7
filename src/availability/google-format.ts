// Slots as Google's Availability messages describe them, in the service's chosen format. Shared by
// the daily availability feed and by real-time availability updates, so that a feed and an update
// computed from the same slots say the same thing. Pure: no I/O, no dialect, no transport.
//
// - `spots_open`: one entry per slot, with spots_total and spots_open.
// - `recurrence`: per service, runs of slots (same duration, resources and tag; on a grid of one
//   step at least as long as the slot; within one local day of the merchant when a time zone is
//   given; spanning at most 24 hours) become one recurrence, and the instances of the grid with no
//   open spot, booked or not offered at all (the merchant's own exceptions), become schedule
//   exceptions. A slot that fits no run becomes a recurrence of one instance, so
//   a service is never described in two formats at once. A recurrence implies one spot per
//   instance: a slot with spots_total other than 1 cannot be described and throws
//   UnrepresentableSlotError (configuration validation keeps such slots out of recurrence services).
import { DateTime, IANAZone } from 'luxon';
import type { AvailabilityFormat } from '../merchants/rules.js';
import type { TimeRange } from './expansion.js';
import type { SlotWithOpen } from './service.js';

export type { AvailabilityFormat };

export type ConfirmationMode = 'SYNCHRONOUS' | 'ASYNCHRONOUS';

/** One Availability entry as Google's feeds and availability replace carry it, in domain terms. */
export interface GoogleAvailability {
  readonly merchantId: string;
  readonly serviceId: string;
  readonly startSec: number;
  readonly durationSec: number;
  readonly spotsTotal: number;
  readonly spotsOpen: number;
  readonly availabilityTag: string;
  readonly resources: { readonly staffId: string; readonly roomId: string; readonly partySize: number };
  /** Instances every repeatEverySec from startSec up to and including repeatUntilSec; null: a single slot. */
  readonly recurrence: { readonly repeatEverySec: number; readonly repeatUntilSec: number } | null;
  /** Closed-open ranges in which no instance of the recurrence may be booked (booked or closed). */
  readonly scheduleExceptions: readonly TimeRange[];
  readonly confirmationMode: ConfirmationMode;
}

export interface GoogleFormatOptions {
  /** The service's confirmation mode, carried on every entry. */
  readonly confirmationMode: ConfirmationMode;
  /**
   * The merchant's IANA time zone. When given, no recurrence crosses local midnight, so the
   * entries of one local day are the same whether computed for that day (a real-time update)
   * or for the whole horizon (the daily feed).
   */
  readonly timeZone?: string;
}

export class UnrepresentableSlotError extends RangeError {
  constructor(readonly slot: SlotWithOpen) {
    super(
      `slot ${slot.merchantId}/${slot.serviceId} at ${slot.startSec} has spots_total ${slot.spotsTotal}: ` +
        'the recurrence format describes one spot per instance (set booking.availability_format to spots_open)',
    );
    this.name = 'UnrepresentableSlotError';
  }
}

const DAY_SECONDS = 86_400;

/** Orders slots by service, start, then the rest of the slot key. */
function compareSlots(a: SlotWithOpen, b: SlotWithOpen): number {
  return (
    cmp(a.merchantId, b.merchantId) ||
    cmp(a.serviceId, b.serviceId) ||
    a.startSec - b.startSec ||
    a.durationSec - b.durationSec ||
    cmp(a.staffId, b.staffId) ||
    cmp(a.roomId, b.roomId) ||
    a.partySize - b.partySize ||
    cmp(a.availabilityTag, b.availabilityTag)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function single(slot: SlotWithOpen, confirmationMode: ConfirmationMode): GoogleAvailability {
  return {
    merchantId: slot.merchantId,
    serviceId: slot.serviceId,
    startSec: slot.startSec,
    durationSec: slot.durationSec,
    spotsTotal: slot.spotsTotal,
    spotsOpen: Math.max(0, Math.min(slot.spotsOpen, slot.spotsTotal)),
    availabilityTag: slot.availabilityTag,
    resources: { staffId: slot.staffId, roomId: slot.roomId, partySize: slot.partySize },
    recurrence: null,
    scheduleExceptions: [],
    confirmationMode,
  };
}

/**
 * The instant the local day containing `sec` ends in `zone` (the next local midnight, or the first
 * instant after it where a DST change skips midnight); Infinity without a zone. One Luxon call per
 * day: zone offsets are expensive to compute per slot.
 */
export function nextLocalMidnight(zone: IANAZone | null, sec: number): number {
  if (zone === null) return Number.POSITIVE_INFINITY;
  // The local midnights around the UTC day of `sec`, computed once per zone and UTC day.
  const utcDay = Math.floor(sec / DAY_SECONDS);
  const key = `${zone.name}|${utcDay}`;
  let midnights = midnightCache.get(key);
  if (midnights === undefined) {
    if (midnightCache.size > 100_000) midnightCache.clear();
    let day = DateTime.fromSeconds((utcDay - 1) * DAY_SECONDS, { zone }).startOf('day');
    midnights = [];
    for (let i = 0; i < 4; i++) {
      day = day.plus({ days: 1 });
      midnights.push(day.toSeconds());
    }
    midnightCache.set(key, midnights);
  }
  return midnights.find((m) => m > sec)!;
}

const midnightCache = new Map<string, number[]>();

/**
 * A run of one group (strictly ascending starts, each a multiple of `every` after the first) as
 * one recurrence: the instances starts[from] to starts[to - 1], `open[i]` telling whether
 * starts[i] has an open spot. Every instance the recurrence implies that is not offered open
 * becomes a schedule exception: a slot with no open spot (booked), or no slot at all (the
 * merchant's own exception to its schedule, a repeated local hour, ...). Google keeps such
 * instances as `schedule_exception` of one recurrence, not as split recurrences.
 */
function recurrenceOf(
  template: SlotWithOpen,
  starts: readonly number[],
  open: readonly boolean[],
  from: number,
  to: number,
  every: number,
  confirmationMode: ConfirmationMode,
): GoogleAvailability {
  const firstStart = starts[from]!;
  const lastStart = starts[to - 1]!;
  const exceptions: TimeRange[] = [];
  let previousClosed = false;
  let k = from;
  for (let t = firstStart; t <= lastStart; t += every) {
    while (starts[k]! < t) k++;
    if (starts[k] === t && open[k]) {
      previousClosed = false;
      continue;
    }
    // Instances never overlap (the step is at least the duration), so [t, t + duration) blocks
    // exactly this instance; consecutive closed instances share one range.
    const end = t + template.durationSec;
    if (previousClosed) exceptions[exceptions.length - 1] = { beginSec: exceptions[exceptions.length - 1]!.beginSec, endSec: end };
    else exceptions.push({ beginSec: t, endSec: end });
    previousClosed = true;
  }
  return {
    ...single(template, confirmationMode),
    startSec: firstStart,
    spotsTotal: 1,
    spotsOpen: 1,
    recurrence: { repeatEverySec: every, repeatUntilSec: lastStart },
    scheduleExceptions: exceptions,
  };
}

/**
 * Splits one group's slots (same service, duration, resources, tag: `template` but for its start;
 * strictly ascending `starts`, `open[i]` telling whether starts[i] has an open spot) into
 * recurrences. A recurrence starts at a slot and repeats every `every` seconds: the smallest gap
 * between the slots of its local day (within 24 hours) that is at least the slot's duration
 * (instances never overlap). It takes the following slots while each is a whole number of steps
 * after the one before; the instances in between become schedule exceptions. A slot off that
 * grid (an irregular step, say across a DST change) starts the next recurrence. Entries come out
 * in ascending start order.
 */
export function recurrences(
  template: SlotWithOpen,
  starts: readonly number[],
  open: readonly boolean[],
  zone: IANAZone | null,
  confirmationMode: ConfirmationMode,
  out: GoogleAvailability[],
): void {
  const duration = template.durationSec;
  let i = 0;
  while (i < starts.length) {
    const first = starts[i]!;
    const dayEnd = nextLocalMidnight(zone, first);
    // One local day per recurrence, and Google: a recurrence spans at most 24 hours.
    let end = i + 1;
    while (end < starts.length && starts[end]! < dayEnd && starts[end]! - first <= DAY_SECONDS) end++;
    let every: number | null = null;
    for (let k = i + 1; k < end; k++) {
      const step = starts[k]! - starts[k - 1]!;
      if (step >= duration && (every === null || step < every)) every = step;
    }
    let j = i + 1;
    if (every !== null) {
      while (j < end && (starts[j]! - starts[j - 1]!) % every === 0) j++;
    }
    out.push(recurrenceOf(template, starts, open, i, j, j > i + 1 && every !== null ? every : duration, confirmationMode));
    i = j;
  }
}

/**
 * Google's Availability entries for `slots` (with their open spots), in the given format. Entries
 * come out ordered by service and start time; the input order does not matter.
 */
export function toGoogleAvailability(slots: readonly SlotWithOpen[], format: AvailabilityFormat, options: GoogleFormatOptions): GoogleAvailability[] {
  const sorted = [...slots].sort(compareSlots);
  if (format === 'spots_open') return sorted.map((s) => single(s, options.confirmationMode));

  const zone = options.timeZone === undefined ? null : IANAZone.create(options.timeZone);
  if (zone !== null && !zone.isValid) throw new RangeError(`unknown IANA time zone ${JSON.stringify(options.timeZone)}`);
  // Group by everything a recurrence shares; within a group, starts ascend (sorted above).
  const groups = new Map<string, SlotWithOpen[]>();
  for (const slot of sorted) {
    if (slot.spotsTotal !== 1) throw new UnrepresentableSlotError(slot);
    const key = JSON.stringify([slot.merchantId, slot.serviceId, slot.durationSec, slot.staffId, slot.roomId, slot.partySize, slot.availabilityTag]);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [slot]);
    else if (group[group.length - 1]!.startSec !== slot.startSec) group.push(slot);
  }
  const out: GoogleAvailability[] = [];
  for (const group of groups.values()) {
    recurrences(
      group[0]!,
      group.map((slot) => slot.startSec),
      group.map((slot) => slot.spotsOpen > 0),
      zone,
      options.confirmationMode,
      out,
    );
  }
  return out.sort(
    (a, b) =>
      cmp(a.merchantId, b.merchantId) ||
      cmp(a.serviceId, b.serviceId) ||
      a.startSec - b.startSec ||
      a.durationSec - b.durationSec ||
      cmp(a.resources.staffId, b.resources.staffId) ||
      cmp(a.resources.roomId, b.resources.roomId) ||
      a.resources.partySize - b.resources.partySize ||
      cmp(a.availabilityTag, b.availabilityTag),
  );
}
