// Simulated restaurant nights for `booking-server estimates simulate`: reproducible from a seed.
//
// Each restaurant draws its own table mix, turn-time level per party size, spread, day and hour
// effects, arrival level, walk-away patience, no-show share and how often its host records "table
// cleared". Nights are a discrete-event simulation: parties arrive (a Poisson process whose rate
// follows lunch and dinner through the day), join the queue and are quoted a wait by the server's
// estimator with the configured turn times (what guests are shown today); the host seats, whenever
// a table is free, the first party in the queue that fits it (smallest fitting free table), so
// small parties do skip ahead of large ones; a party called but gone is marked no-show; a party
// whose patience runs out cancels. Turn times are lognormal; a table is free again a bussing time
// after the party leaves. The truth is not the estimator's model: turn times vary by restaurant,
// band, weekend and hour in ways the learner must find, and waits depend on the host's policy.
import { DateTime } from 'luxon';
import { estimateNewParty, type SeatedParty, type TableSpec } from '../waitlist/estimator.js';
import type { HistoryParty } from '../waitlist/model.js';
import type { RestaurantHistory } from './history.js';
import { DEFAULT_TURN_TIMES, type TurnTime } from '../merchants/rules.js';

/** sfc32: small, fast, and the same sequence on every platform for a seed. */
export function rng(seed: number): () => number {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88 ^ Math.imul(seed, 0x85ebca6b);
  let c = 0xb7e15162 ^ Math.imul(seed, 0xc2b2ae35);
  let d = 1 ^ seed;
  const next = (): number => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

type Random = () => number;
const uniform = (r: Random, lo: number, hi: number): number => lo + (hi - lo) * r();
const int = (r: Random, lo: number, hi: number): number => Math.floor(uniform(r, lo, hi + 1));
const normal = (r: Random): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
const exponential = (r: Random, mean: number): number => -Math.log(1 - r()) * mean;

/** What a simulated restaurant really does (written to the file for inspection; evaluate never reads it). */
export interface SimTruth {
  /** Mean turn minutes per configured band (up to 2, 4, 6, more), before day and hour effects. */
  readonly turnMinutes: readonly number[];
  readonly sigma: number;
  readonly weekendFactor: number;
  readonly lunchFactor: number;
  readonly lateFactor: number;
  readonly bussingMinutes: readonly [number, number];
  readonly clearRecorded: number;
  readonly patienceMeanMinutes: number;
  readonly noShowShare: number;
  readonly peakArrivalsPerHour: number;
  readonly lunch: boolean;
}

export interface SimRestaurant {
  readonly history: RestaurantHistory;
  readonly truth: SimTruth;
}

export interface SimulateOptions {
  readonly seed: number;
  readonly restaurants: number;
  readonly nights: number;
  /** Called after each restaurant (progress). */
  readonly onRestaurant?: (done: number, total: number) => void;
}

const ZONES = ['America/New_York', 'America/Los_Angeles', 'Europe/Paris', 'Asia/Tokyo', 'Australia/Sydney'];
/** Party sizes 1-8 and how often each comes. */
const SIZE_MIX = [0.08, 0.42, 0.12, 0.22, 0.06, 0.05, 0.03, 0.02];
/** The first simulated night (a Monday). */
const FIRST_NIGHT = { year: 2026, month: 1, day: 5 };

function drawRestaurant(r: Random, index: number): { id: string; timeZone: string; tables: TableSpec[]; truth: SimTruth } {
  const tables: TableSpec[] = [];
  const add = (count: number, minSeats: number, seats: number): void => {
    for (let i = 0; i < count; i++) tables.push({ id: `t${tables.length + 1}`, minSeats, seats });
  };
  add(int(r, 3, 8), 1, 2);
  add(int(r, 3, 8), 2, 4);
  add(int(r, 1, 3), 4, 6);
  add(r() < 0.5 ? 1 : 0, 5, 8);
  const level = uniform(r, 0.6, 1.45);
  const turnMinutes = DEFAULT_TURN_TIMES.map((t) => t.minutes * level * uniform(r, 0.85, 1.2));
  const meanTurnHours = (turnMinutes[0]! * 0.5 + turnMinutes[1]! * 0.34 + turnMinutes[2]! * 0.11 + turnMinutes[3]! * 0.05) / 60;
  // Peak arrivals: the tables' turnover per hour times a load of 1.0-1.7 (queues form at the peak).
  const peakArrivalsPerHour = (tables.length / meanTurnHours) * uniform(r, 1.0, 1.7);
  return {
    id: `sim-${index + 1}`,
    timeZone: ZONES[int(r, 0, ZONES.length - 1)]!,
    tables,
    truth: {
      turnMinutes,
      sigma: uniform(r, 0.2, 0.45),
      weekendFactor: uniform(r, 1.0, 1.3),
      lunchFactor: uniform(r, 0.6, 0.9),
      lateFactor: uniform(r, 0.8, 1.05),
      bussingMinutes: [uniform(r, 1, 3), uniform(r, 4, 8)],
      clearRecorded: uniform(r, 0.2, 0.9),
      patienceMeanMinutes: uniform(r, 60, 200),
      noShowShare: uniform(r, 0.02, 0.1),
      peakArrivalsPerHour,
      lunch: r() < 0.5,
    },
  };
}

/** Arrival rate (parties per hour) at local hour `h` (fractional) on weekday `day` (1 = Monday). */
function arrivalRate(t: SimTruth, h: number, day: number): number {
  const dayFactor = day === 1 ? 0.7 : day === 5 || day === 6 ? 1.3 : day === 7 ? 0.9 : 1;
  let rate = 0;
  if (h >= 17 && h < 22) rate += t.peakArrivalsPerHour * Math.exp(-((h - 19.5) ** 2) / (2 * 1.1 ** 2));
  if (t.lunch && h >= 11.5 && h < 14.5) rate += 0.6 * t.peakArrivalsPerHour * Math.exp(-((h - 12.75) ** 2) / (2 * 0.7 ** 2));
  return rate * dayFactor;
}

function turnMean(t: SimTruth, partySize: number, localHour: number, day: number): number {
  const band = partySize <= 2 ? 0 : partySize <= 4 ? 1 : partySize <= 6 ? 2 : 3;
  let m = t.turnMinutes[band]!;
  if (day === 5 || day === 6) m *= t.weekendFactor;
  if (localHour < 15) m *= t.lunchFactor;
  else if (localHour >= 20) m *= t.lateFactor;
  return m * 60;
}

interface Waiting {
  readonly id: string;
  readonly partySize: number;
  readonly joinedAt: number;
  readonly givesUpAt: number;
  readonly noShow: boolean;
  readonly quote: HistoryParty['quote'];
}

/** One night of one restaurant: every party that joined, with what happened to it. */
function simulateNight(
  r: Random,
  rest: { id: string; tables: TableSpec[]; truth: SimTruth; turnTimes: readonly TurnTime[] },
  start: DateTime,
  nightIndex: number,
): HistoryParty[] {
  const t = rest.truth;
  const day = start.weekday;
  const base = start.toSeconds();
  // Arrivals by thinning: local hours 11:00-22:00 at the maximum rate, kept with rate / max.
  const maxRate = t.peakArrivalsPerHour * 1.3 * 1.6;
  const arrivals: { at: number; size: number }[] = [];
  const sizes = SIZE_MIX.map((p, i) => ({ p, size: i + 1 })).filter((s) => rest.tables.some((tb) => s.size >= tb.minSeats && s.size <= tb.seats));
  const total = sizes.reduce((n, s) => n + s.p, 0);
  for (let h = 11; ; ) {
    h += exponential(r, 1 / maxRate);
    if (h >= 22) break;
    if (r() * maxRate > arrivalRate(t, h, day)) continue;
    let u = r() * total;
    let size = sizes[sizes.length - 1]?.size ?? 2;
    for (const s of sizes) {
      u -= s.p;
      if (u < 0) {
        size = s.size;
        break;
      }
    }
    arrivals.push({ at: Math.round(base + (h - 0) * 3600), size });
  }

  const freeAt = new Map(rest.tables.map((tb) => [tb.id, 0]));
  const seatedNow: (SeatedParty & { leavesAt: number; recorded: boolean })[] = [];
  const queue: Waiting[] = [];
  const done: HistoryParty[] = [];
  let seq = 0;

  const seatAll = (now: number): void => {
    for (let i = 0; i < queue.length; ) {
      const w = queue[i]!;
      const table = rest.tables
        .filter((tb) => w.partySize >= tb.minSeats && w.partySize <= tb.seats && freeAt.get(tb.id)! <= now)
        .sort((a, b) => a.seats - b.seats || (a.id < b.id ? -1 : 1))[0];
      if (table === undefined) {
        i += 1;
        continue;
      }
      queue.splice(i, 1);
      if (w.noShow) {
        done.push({
          id: w.id,
          serviceId: 'waitlist',
          partySize: w.partySize,
          state: 'NO_SHOW',
          tableId: null,
          joinedAt: w.joinedAt,
          seatedAt: null,
          leftAt: null,
          canceledAt: null,
          noShowAt: now,
          quote: w.quote,
        });
        continue;
      }
      const localHour = DateTime.fromSeconds(now, { zone: start.zone }).hour;
      const mean = turnMean(t, w.partySize, localHour, day);
      const turn = Math.max(10 * 60, mean * Math.exp(t.sigma * normal(r) - (t.sigma * t.sigma) / 2));
      const free = Math.round(now + turn + uniform(r, t.bussingMinutes[0], t.bussingMinutes[1]) * 60);
      freeAt.set(table.id, free);
      const recorded = r() < t.clearRecorded;
      seatedNow.push({ partySize: w.partySize, tableId: table.id, seatedAt: now, leavesAt: free, recorded });
      done.push({
        id: w.id,
        serviceId: 'waitlist',
        partySize: w.partySize,
        state: 'SEATED',
        tableId: table.id,
        joinedAt: w.joinedAt,
        seatedAt: now,
        leftAt: recorded ? free : null,
        canceledAt: null,
        noShowAt: null,
        quote: w.quote,
      });
    }
  };

  // Events: arrivals, tables freeing up, patience running out; processed in time order.
  let next = 0;
  for (;;) {
    const arrival = arrivals[next]?.at ?? Number.POSITIVE_INFINITY;
    let tableFree = Number.POSITIVE_INFINITY;
    for (const at of freeAt.values()) if (at > 0 && at < tableFree && queue.length > 0) tableFree = at;
    let giveUp = Number.POSITIVE_INFINITY;
    for (const w of queue) giveUp = Math.min(giveUp, w.givesUpAt);
    const now = Math.min(arrival, tableFree, giveUp);
    if (now === Number.POSITIVE_INFINITY) break;
    for (const [id, at] of freeAt) if (at > 0 && at <= now) freeAt.set(id, 0);
    for (let i = queue.length - 1; i >= 0; i--) {
      const w = queue[i]!;
      if (w.givesUpAt <= now) {
        queue.splice(i, 1);
        done.push({
          id: w.id,
          serviceId: 'waitlist',
          partySize: w.partySize,
          state: 'CANCELED',
          tableId: null,
          joinedAt: w.joinedAt,
          seatedAt: null,
          leftAt: null,
          canceledAt: w.givesUpAt,
          noShowAt: null,
          quote: w.quote,
        });
      }
    }
    if (arrival === now) {
      const a = arrivals[next++]!;
      // The quote the guest is shown: today's estimator, configured turn times, what the server knows.
      const known = seatedNow.filter((s) => s.seatedAt >= now - 6 * 3600 && !(s.recorded && s.leavesAt <= now));
      const estimate = estimateNewParty(
        {
          now,
          tables: rest.tables,
          turnTimes: rest.turnTimes,
          seated: known,
          queue: queue.map((w) => ({ id: w.id, partySize: w.partySize, joinedAt: w.joinedAt })),
        },
        a.size,
      );
      queue.push({
        id: `${rest.id}-n${nightIndex + 1}-${++seq}`,
        partySize: a.size,
        joinedAt: now,
        givesUpAt: now + Math.round(exponential(r, t.patienceMeanMinutes * 60)),
        noShow: r() < t.noShowShare,
        quote: estimate === null ? null : { seatAt: estimate.seatAt, rangeStart: estimate.range.start, rangeEnd: estimate.range.end },
      });
    }
    seatAll(now);
  }
  return done.sort((a, b) => a.joinedAt - b.joinedAt || (a.id < b.id ? -1 : 1));
}

export function simulate(options: SimulateOptions): SimRestaurant[] {
  const out: SimRestaurant[] = [];
  for (let i = 0; i < options.restaurants; i++) {
    // Each restaurant has its own stream: restaurant k is the same whatever the count asked for.
    const r = rng((options.seed * 1_000_003 + i * 7919) | 0);
    const drawn = drawRestaurant(r, i);
    const rest = { ...drawn, turnTimes: DEFAULT_TURN_TIMES };
    const parties: HistoryParty[] = [];
    for (let n = 0; n < options.nights; n++) {
      const start = DateTime.fromObject(FIRST_NIGHT, { zone: drawn.timeZone }).plus({ days: n }).startOf('day');
      parties.push(...simulateNight(r, rest, start, n));
    }
    out.push({ history: { id: drawn.id, timeZone: drawn.timeZone, tables: drawn.tables, turnTimes: DEFAULT_TURN_TIMES, parties }, truth: drawn.truth });
    options.onRestaurant?.(i + 1, options.restaurants);
  }
  return out;
}

export interface SimulateTablesOptions {
  readonly seed: number;
  readonly id: string;
  readonly timeZone: string;
  readonly tables: readonly TableSpec[];
  readonly nights: number;
  /** Local date of the first night. */
  readonly firstNight: { readonly year: number; readonly month: number; readonly day: number };
}

/**
 * Nights of one simulated restaurant on a given floor (the demo's tables): its habits (turn times,
 * walk-aways, arrival level) drawn from the seed as in `simulate`, its arrivals scaled to the floor.
 */
export function simulateTables(options: SimulateTablesOptions): RestaurantHistory {
  const r = rng(options.seed | 0);
  const drawn = drawRestaurant(r, 0);
  const tables = [...options.tables];
  const truth = { ...drawn.truth, peakArrivalsPerHour: (drawn.truth.peakArrivalsPerHour * tables.length) / drawn.tables.length };
  const rest = { id: options.id, tables, truth, turnTimes: DEFAULT_TURN_TIMES };
  const parties: HistoryParty[] = [];
  for (let n = 0; n < options.nights; n++) {
    const start = DateTime.fromObject(options.firstNight, { zone: options.timeZone }).plus({ days: n }).startOf('day');
    parties.push(...simulateNight(r, rest, start, n));
  }
  return { id: options.id, timeZone: options.timeZone, tables, turnTimes: DEFAULT_TURN_TIMES, parties };
}
