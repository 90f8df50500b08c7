// `booking-server estimates evaluate`: replays a history, making for each guest the estimate it
// would have been quoted at join time from the data that existed then, with our estimator and the
// heuristics the market uses, and measures them against the real seat times.
//
// Every method sees the same floors (the same seeds, the same nights) and learns only from the
// training nights; it is measured on the nights after them. The heuristics get what the products
// that use them have: the parties ahead and the seatings before (none of them sees the floor), and
// their free parameter is fitted on the training nights, which is more than a product does.
import { estimateNewParty, seatTimeRange } from '../waitlist/estimator.js';
import { bandIndex, localCell } from '../waitlist/learned-model.js';
import type { HistoryParty } from '../waitlist/model.js';
import { floorBefore, splitNights, utcOffsetAt, withParties, type RestaurantHistory } from './history.js';
import { learnModel } from './learn.js';

export interface Prediction {
  readonly seatAt: number;
  readonly range: { readonly start: number; readonly end: number };
}

/** What a method knows when party `index` joins: the history so far, and the floor at that moment. */
export interface JoinContext {
  readonly history: RestaurantHistory;
  readonly index: number;
  readonly utcOffsetSeconds: number;
}

export interface Method {
  readonly key: string;
  readonly label: string;
  /** Learns from the training history; returns the predictor for joins after it. */
  train(training: RestaurantHistory, coverage: number): (ctx: JoinContext) => Prediction | null;
}

const fixedRange = (now: number, seatAt: number): Prediction => ({ seatAt, range: seatTimeRange(now, seatAt) });

/** Our estimator: the floor replay with the learned model (turn times, stays, walk-aways, calibrated range). */
export const LEARNED: Method = {
  key: 'learned',
  label: 'learned replay (ours)',
  train(training, coverage) {
    const { model } = learnModel(training, { coverage, now: training.parties[training.parties.length - 1]?.joinedAt ?? 0 });
    return ({ history, index, utcOffsetSeconds }) => {
      const estimate = estimateNewParty(floorBefore(history, index, model, utcOffsetSeconds), history.parties[index]!.partySize);
      return estimate === null ? null : { seatAt: estimate.seatAt, range: estimate.range };
    };
  },
};

/** The estimator before learning: the same replay with the configured turn times and the fixed window. */
export const CONFIGURED: Method = {
  key: 'configured',
  label: 'configured replay (before)',
  train() {
    return ({ history, index }) => {
      const estimate = estimateNewParty(floorBefore(history, index, null, 0), history.parties[index]!.partySize);
      return estimate === null ? null : { seatAt: estimate.seatAt, range: estimate.range };
    };
  },
};

/** Parties ahead of party `index` when it joined (joined before, not yet seated or gone). */
function partiesAhead(h: RestaurantHistory, index: number): HistoryParty[] {
  return floorBefore(h, index, null, 0).queue.map((q) => h.parties.find((p) => p.id === q.id)!);
}

const BANDS = [2, 4, 6, 1000];

/**
 * TablesReady: the average time between seatings of parties of the same size band, for the same day
 * of week and hour, times the number of such parties ahead. It needs 50 parties of history; with
 * fewer (or no seatings in that hour) the fallback is 15 minutes per party of that size ahead.
 */
export const TABLES_READY: Method = {
  key: 'tablesready',
  label: 'parties ahead x seating interval',
  train(training) {
    // Seatings per band x day x hour, and the number of nights on which that day and hour was open.
    const seatings = new Map<string, number>();
    const hoursOpen = new Map<string, Set<string>>();
    for (const p of training.parties) {
      const offset = utcOffsetAt(training.timeZone, p.joinedAt);
      const join = hourKey(p.joinedAt, offset);
      const nights = hoursOpen.get(join.key) ?? new Set<string>();
      hoursOpen.set(join.key, nights);
      nights.add(join.date);
      if (p.seatedAt === null) continue;
      const at = hourKey(p.seatedAt, offset);
      const key = `${bandIndex(BANDS, p.partySize)}|${at.key}`;
      seatings.set(key, (seatings.get(key) ?? 0) + 1);
    }
    const enough = training.parties.length >= 50;
    return ({ history, index, utcOffsetSeconds }) => {
      const p = history.parties[index]!;
      const band = bandIndex(BANDS, p.partySize);
      const ahead = partiesAhead(history, index).filter((a) => bandIndex(BANDS, a.partySize) === band).length;
      const { key } = hourKey(p.joinedAt, utcOffsetSeconds);
      const n = seatings.get(`${band}|${key}`) ?? 0;
      const nights = hoursOpen.get(key)?.size ?? 0;
      const interval = enough && n > 0 && nights > 0 ? (3600 * nights) / n : 15 * 60;
      return fixedRange(p.joinedAt, p.joinedAt + Math.round(ahead * interval));
    };
  },
};

function hourKey(t: number, offset: number): { key: string; date: string } {
  const { day } = localCell(t, offset);
  const local = t + offset;
  const hour = Math.floor((local % 86_400) / 3600);
  return { key: `${day}|${hour}`, date: String(Math.floor(local / 86_400)) };
}

/**
 * NextMe ("average actual"): the mean actual wait of the last 30 parties seated in the 4 hours
 * before the join; nobody seated in those 4 hours: no wait.
 */
export const LAST_WAITS: Method = {
  key: 'lastwaits',
  label: 'mean of last 30 actual waits (4 h)',
  train() {
    return ({ history, index }) => {
      const p = history.parties[index]!;
      const now = p.joinedAt;
      // The last 30 seated (by seat time), with their waits.
      const seated = history.parties
        .slice(Math.max(0, index - 2000), index)
        .filter((q) => q.seatedAt !== null && q.seatedAt <= now && q.seatedAt >= now - 4 * 3600)
        .sort((a, b) => b.seatedAt! - a.seatedAt!)
        .slice(0, 30);
      const mean = seated.length === 0 ? 0 : seated.reduce((s, q) => s + (q.seatedAt! - q.joinedAt), 0) / seated.length;
      return fixedRange(now, now + Math.round(mean));
    };
  },
};

/**
 * A fixed number of minutes per party ahead (what a host types into a simple waitlist app). The
 * minutes are the ones that fit the training nights best (least absolute error), 1-60.
 */
export const PER_PARTY: Method = {
  key: 'perparty',
  label: 'fixed minutes per party ahead',
  train(training) {
    const samples: { ahead: number; wait: number }[] = [];
    for (let i = 0; i < training.parties.length; i++) {
      const p = training.parties[i]!;
      if (p.seatedAt === null) continue;
      samples.push({ ahead: partiesAhead(training, i).length, wait: p.seatedAt - p.joinedAt });
    }
    let best = 10;
    let bestError = Number.POSITIVE_INFINITY;
    for (let minutes = 1; minutes <= 60; minutes++) {
      const error = samples.reduce((s, x) => s + Math.abs(x.ahead * minutes * 60 - x.wait), 0);
      if (error < bestError) [best, bestError] = [minutes, error];
    }
    return ({ history, index }) => {
      const p = history.parties[index]!;
      return fixedRange(p.joinedAt, p.joinedAt + partiesAhead(history, index).length * best * 60);
    };
  },
};

export const METHODS: readonly Method[] = [LEARNED, CONFIGURED, TABLES_READY, LAST_WAITS, PER_PARTY];

export interface Tally {
  parties: number;
  absError: number;
  error: number;
  inside: number;
  /** Parties quoted a wait (seat time a minute or more after the join), and of them inside the range. */
  quotedWait: number;
  quotedWaitInside: number;
}

export interface Evaluation {
  readonly restaurants: number;
  readonly trainingNights: number;
  readonly testNights: number;
  readonly joins: number;
  readonly walkedAway: number;
  /** method key -> party size -> tally (size 0: all). */
  readonly tallies: ReadonlyMap<string, Map<number, Tally>>;
  readonly methods: readonly Method[];
  readonly coverage: number;
}

export interface EvaluateOptions {
  readonly testNights: number;
  readonly coverage: number;
  readonly methods?: readonly Method[];
  readonly onProgress?: (done: number, total: number, restaurant: string) => void;
}

const emptyTally = (): Tally => ({ parties: 0, absError: 0, error: 0, inside: 0, quotedWait: 0, quotedWaitInside: 0 });

/** Learns on each restaurant's first nights, measures on its last `testNights`. */
export function evaluate(restaurants: readonly RestaurantHistory[], options: EvaluateOptions): Evaluation {
  const methods = options.methods ?? METHODS;
  const tallies = new Map(methods.map((m) => [m.key, new Map<number, Tally>()]));
  let trainingNights = 0;
  let testNights = 0;
  let joins = 0;
  let walkedAway = 0;
  for (const [r, h] of restaurants.entries()) {
    const nights = splitNights(h);
    const split = nights.length - options.testNights;
    if (split < 1) throw new RangeError(`restaurant ${h.id} has ${nights.length} nights: need more than --test-nights (${options.testNights})`);
    trainingNights += split;
    testNights += nights.length - split;
    const training = withParties(
      h,
      nights.slice(0, split).flatMap((n) => n.parties),
    );
    const predictors = methods.map((m) => ({ key: m.key, predict: m.train(training, options.coverage) }));
    const firstTest = training.parties.length;
    // Predictions see the whole history up to each join (the training nights and the test nights so far).
    for (let i = firstTest; i < h.parties.length; i++) {
      const p = h.parties[i]!;
      joins += 1;
      if (p.seatedAt === null) {
        walkedAway += 1;
        continue;
      }
      const ctx: JoinContext = { history: h, index: i, utcOffsetSeconds: utcOffsetAt(h.timeZone, p.joinedAt) };
      for (const { key, predict } of predictors) {
        const prediction = predict(ctx);
        if (prediction === null) continue;
        const error = (prediction.seatAt - p.seatedAt) / 60;
        const inside = p.seatedAt >= prediction.range.start && p.seatedAt <= prediction.range.end ? 1 : 0;
        const bySize = tallies.get(key)!;
        for (const size of [0, Math.min(p.partySize, 7)]) {
          const t = bySize.get(size) ?? emptyTally();
          bySize.set(size, t);
          t.parties += 1;
          t.absError += Math.abs(error);
          t.error += error;
          t.inside += inside;
          if (prediction.seatAt - p.joinedAt >= 60) {
            t.quotedWait += 1;
            t.quotedWaitInside += inside;
          }
        }
      }
    }
    options.onProgress?.(r + 1, restaurants.length, h.id);
  }
  return { restaurants: restaurants.length, trainingNights, testNights, joins, walkedAway, tallies, methods, coverage: options.coverage };
}

const pad = (s: string, n: number): string => s.padEnd(n);
const lpad = (s: string, n: number): string => s.padStart(n);
const fmt = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const signed = (x: number): string => (x >= 0 ? `+${fmt(x)}` : fmt(x));

/** The report the command prints: overall per method, then per party size. */
export function renderEvaluation(e: Evaluation): string {
  const lines: string[] = [];
  lines.push(
    `${e.restaurants} restaurant(s): learned on ${e.trainingNights} night(s), measured on ${e.testNights} later night(s); ` +
      `${e.joins} joins, ${e.joins - e.walkedAway} seated (measured), ${e.walkedAway} walked away; range target ${Math.round(e.coverage * 100)}%`,
  );
  lines.push('');
  const width = Math.max(...e.methods.map((m) => m.label.length), 6);
  lines.push(
    `${pad('method', width)}  ${lpad('parties', 7)}  ${lpad('MAE min', 7)}  ${lpad('in range', 8)}  ${lpad('bias min', 8)}  ${lpad('quoted a wait: n, in range', 26)}`,
  );
  for (const m of e.methods) {
    const t = e.tallies.get(m.key)!.get(0) ?? emptyTally();
    lines.push(
      `${pad(m.label, width)}  ${lpad(String(t.parties), 7)}  ${lpad(fmt(t.absError / t.parties), 7)}  ${lpad(`${fmt((100 * t.inside) / t.parties)}%`, 8)}  ${lpad(signed(t.error / t.parties), 8)}  ${lpad(`${t.quotedWait}, ${fmt((100 * t.quotedWaitInside) / t.quotedWait)}%`, 26)}`,
    );
  }
  lines.push('');
  lines.push('per party size: MAE min / in range / bias min (bias: quoted minus actual seat time; + means quoted too late)');
  const colWidth = 20;
  lines.push(`${pad('size', 5)} ${lpad('n', 6)}  ${e.methods.map((m) => lpad(m.key, colWidth)).join('')}`);
  const sizes = [...(e.tallies.get(e.methods[0]!.key)?.keys() ?? [])].filter((s) => s > 0).sort((a, b) => a - b);
  for (const size of sizes) {
    const n = e.tallies.get(e.methods[0]!.key)!.get(size)!.parties;
    const cells = e.methods.map((m) => {
      const t = e.tallies.get(m.key)!.get(size);
      if (t === undefined || t.parties === 0) return lpad('-', colWidth);
      return lpad(`${fmt(t.absError / t.parties)} / ${fmt((100 * t.inside) / t.parties, 0)}% / ${signed(t.error / t.parties)}`, colWidth);
    });
    lines.push(`${pad(size >= 7 ? '7+' : String(size), 5)} ${lpad(String(n), 6)}  ${cells.join('')}`);
  }
  const ours = e.tallies.get('learned')?.get(0);
  const heuristics = e.methods.filter((m) => ['tablesready', 'lastwaits', 'perparty'].includes(m.key));
  if (ours !== undefined && heuristics.length > 0) {
    const best = heuristics
      .map((m) => ({ m, t: e.tallies.get(m.key)!.get(0) ?? emptyTally() }))
      .sort((a, b) => a.t.absError / a.t.parties - b.t.absError / b.t.parties)[0]!;
    const ratio = ours.absError / ours.parties / (best.t.absError / best.t.parties);
    lines.push('');
    lines.push(`learned MAE / best heuristic MAE (${best.m.label}): ${fmt(ratio, 3)} (target <= 0.50)`);
    lines.push(
      `learned in range: ${fmt((100 * ours.inside) / ours.parties)}% of seated parties, ${fmt((100 * ours.quotedWaitInside) / ours.quotedWait)}% of those quoted a wait (target ${Math.round(e.coverage * 100)}% +/- 5)`,
    );
  }
  return lines.join('\n');
}
