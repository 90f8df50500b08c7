// Learning a merchant's wait model from its own history (see docs/WAITLIST.md, "Learned estimates").
//
// Turn times: each seated party whose end is known gives one observation, seated -> "table cleared"
// (left_at), or, when the host did not record it, seated -> the next seating at the same table if
// that next party had been waiting (the table was the bottleneck, so it was re-seated as soon as
// it was free). Means are shrunk level by level, each toward the one above it, with the count as
// weight (a normal-mean posterior with the level above as prior worth PRIOR_WEIGHT observations):
//   configured turn time -> party-size band -> band x hour band -> band x day x hour band.
// A cell with no data gets the band's (or the configured) value; a cell with n observations moves
// toward its own mean by n / (n + PRIOR_WEIGHT).
// Spread: quantiles of turn time / cell mean (observations plus a lognormal prior), which the
// replay draws turn times from; and the share of seated parties whose leaving the host records.
// Walk-aways: no-shows per called party and cancellations per waiting hour, each with a weak prior.
// Ranges: the learned estimator is replayed over the history at every join; the quantiles of its
// error, scaled by the planned wait, per bucket of planned wait, give the calibrated range.
import { plannedNewParty } from '../waitlist/estimator.js';
import {
  bandIndex,
  HOUR_BANDS,
  localCell,
  RANGE_BUCKETS_MINUTES,
  rangeAround,
  rangeBucket,
  type LearnedModel,
  type RangeQuantiles,
} from '../waitlist/learned-model.js';
import type { HistoryParty } from '../waitlist/model.js';
import { floorBefore, nightOf, splitNights, utcOffsetAt, withParties, type RestaurantHistory } from './history.js';
import type { TurnTime } from '../merchants/rules.js';

/** Observations a level's mean is worth as the prior of the level below. */
export const PRIOR_WEIGHT = 10;
/** Seconds added to the planned wait before the error is scaled by it (short waits have minutes of error too). */
export const RANGE_PAD_SECONDS = 600;
/** Error samples a bucket needs for its own quantiles; fewer: all buckets pooled; fewer still: the prior. */
const MIN_BUCKET_SAMPLES = 40;
/** Used when there is too little history to calibrate: about the fixed window, slightly wider. */
const PRIOR_RANGE: RangeQuantiles = { low: -0.3, mid: 0, high: 0.4 };
/** Turn times outside this are typing slips (a table cleared hours late), not turn times. */
const MIN_TURN = 5 * 60;
const MAX_TURN = 6 * 3600;
/** Mean residual life curve: steps of this many mean turn times, up to 3. */
const REMAINING_STEP = 0.05;
const REMAINING_POINTS = 61;
/** Lognormal spread assumed for turn times before there is data (pseudo-observations of PRIOR_WEIGHT * 3). */
const PRIOR_SIGMA = 0.35;
/** Quantiles of turn time / cell mean the model keeps for the replay's draws. */
const TURN_RATIO_POINTS = 64;

export interface LearnOptions {
  /** Share of seated parties the range should hold (0.5-0.99). */
  readonly coverage: number;
  readonly now: number;
  /** Skip the range calibration (a model for replaying the history itself). */
  readonly calibrate?: boolean;
}

export interface CellStat {
  readonly band: number;
  readonly maxPartySize: number;
  readonly day: number;
  readonly hourBand: number;
  readonly minutes: number;
  readonly configuredMinutes: number;
  readonly observations: number;
}

export interface LearnStats {
  readonly parties: number;
  readonly turnObservations: number;
  /** Of which the end came from "table cleared" (the rest: next seating at the table). */
  readonly clearedObservations: number;
  readonly bands: readonly { readonly maxPartySize: number; readonly configuredMinutes: number; readonly minutes: number; readonly observations: number }[];
  readonly cells: readonly CellStat[];
  readonly noShows: number;
  readonly cancellations: number;
  readonly waitingHours: number;
  readonly rangeSamples: number;
}

export interface Learned {
  readonly model: LearnedModel;
  readonly stats: LearnStats;
}

interface TurnObservation {
  readonly band: number;
  readonly day: number;
  readonly hourBand: number;
  readonly seconds: number;
}

function configuredBands(turnTimes: readonly TurnTime[]): { bands: number[]; minutes: number[] } {
  const sorted = [...turnTimes].sort((a, b) => a.maxPartySize - b.maxPartySize);
  if (sorted.length === 0) return { bands: [1000], minutes: [60] };
  return { bands: sorted.map((t) => t.maxPartySize), minutes: sorted.map((t) => t.minutes) };
}

/** Turn-time observations: seated -> cleared, else seated -> next seating of a waiting party at that table. */
export function turnObservations(h: RestaurantHistory, bands: readonly number[]): { observations: TurnObservation[]; cleared: number } {
  const byTable = new Map<string, HistoryParty[]>();
  for (const p of h.parties) {
    if (p.seatedAt === null || p.tableId === null) continue;
    const list = byTable.get(p.tableId) ?? [];
    byTable.set(p.tableId, list);
    list.push(p);
  }
  for (const list of byTable.values()) list.sort((a, b) => a.seatedAt! - b.seatedAt!);
  const nextAt = new Map<string, HistoryParty>();
  for (const list of byTable.values()) for (let i = 0; i + 1 < list.length; i++) nextAt.set(list[i]!.id, list[i + 1]!);

  const observations: TurnObservation[] = [];
  let cleared = 0;
  for (const p of h.parties) {
    if (p.seatedAt === null) continue;
    let end: number | null = null;
    if (p.leftAt !== null) end = p.leftAt;
    else {
      const next = nextAt.get(p.id);
      if (next !== undefined && next.joinedAt < next.seatedAt! - 60) end = next.seatedAt!;
    }
    if (end === null) continue;
    const seconds = end - p.seatedAt;
    if (seconds < MIN_TURN || seconds > MAX_TURN) continue;
    if (p.leftAt !== null) cleared += 1;
    const { day, hourBand } = localCell(p.seatedAt, utcOffsetAt(h.timeZone, p.seatedAt));
    observations.push({ band: bandIndex(bands, p.partySize), day, hourBand, seconds });
  }
  return { observations, cleared };
}

const shrink = (prior: number, sum: number, n: number): number => (PRIOR_WEIGHT * prior + sum) / (PRIOR_WEIGHT + n);

/** Standard normal quantile (Acklam's rational approximation; |error| < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lowP = 0.02425;
  if (p < lowP) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lowP) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** The observed ratios turn time / cell mean plus PRIOR_WEIGHT * 3 pseudo-observations of a lognormal with mean 1, sorted. */
function ratioSample(ratios: readonly number[]): number[] {
  const prior: number[] = [];
  const k = PRIOR_WEIGHT * 3;
  for (let i = 0; i < k; i++) prior.push(Math.exp(-(PRIOR_SIGMA * PRIOR_SIGMA) / 2 + PRIOR_SIGMA * normalQuantile((i + 0.5) / k)));
  return [...ratios, ...prior].sort((a, b) => a - b);
}

/** Turn time / cell mean at the quantiles (i + 0.5) / TURN_RATIO_POINTS of the sample. */
function ratioQuantiles(sample: readonly number[]): number[] {
  return Array.from({ length: TURN_RATIO_POINTS }, (_, i) => quantile(sample, (i + 0.5) / TURN_RATIO_POINTS));
}

/** Mean residual life E[r - x | r > x] of turn time / cell mean, for x = 0, 0.05, ... 3, from the ratio sample. */
function remainingCurve(sample: readonly number[]): number[] {
  const curve: number[] = [];
  for (let i = 0; i < REMAINING_POINTS; i++) {
    const x = i * REMAINING_STEP;
    let sum = 0;
    let n = 0;
    for (let j = sample.length - 1; j >= 0 && sample[j]! > x; j--) {
      sum += sample[j]! - x;
      n += 1;
    }
    // Few parties ever stay this long: keep the last value that had some behind it.
    curve.push(n >= 5 ? sum / n : (curve[curve.length - 1] ?? 1));
  }
  return curve;
}

/** Quantile by linear interpolation of a sorted sample. */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const x = p * (sorted.length - 1);
  const i = Math.floor(x);
  const f = x - i;
  return i + 1 < sorted.length ? sorted[i]! * (1 - f) + sorted[i + 1]! * f : sorted[i]!;
}

function walkAways(h: RestaurantHistory): { noShows: number; called: number; cancellations: number; waitingHours: number; seated: number; cleared: number } {
  let seated = 0;
  let cleared = 0;
  let noShows = 0;
  let called = 0;
  let cancellations = 0;
  let waitingSeconds = 0;
  for (const p of h.parties) {
    const end = p.seatedAt ?? p.noShowAt ?? p.canceledAt;
    if (end === null) continue;
    waitingSeconds += Math.max(0, end - p.joinedAt);
    if (p.seatedAt !== null) {
      called += 1;
      seated += 1;
      if (p.leftAt !== null) cleared += 1;
    } else if (p.noShowAt !== null) {
      noShows += 1;
      called += 1;
    } else cancellations += 1;
  }
  return { noShows, called, cancellations, waitingHours: waitingSeconds / 3600, seated, cleared };
}

/** Learns the model from `h` (all of it: pass only what was known at the time). */
export function learnModel(h: RestaurantHistory, options: LearnOptions): Learned {
  const { bands, minutes: configured } = configuredBands(h.turnTimes);
  const { observations, cleared } = turnObservations(h, bands);
  const days = 7;
  const hourBands = HOUR_BANDS.length;

  // Sums and counts per band, band x hour band, band x day x hour band.
  const bandSum = bands.map(() => 0);
  const bandN = bands.map(() => 0);
  const hourSum = bands.map(() => new Array<number>(hourBands).fill(0));
  const hourN = bands.map(() => new Array<number>(hourBands).fill(0));
  const cellSum = bands.map(() => Array.from({ length: days }, () => new Array<number>(hourBands).fill(0)));
  const cellN = bands.map(() => Array.from({ length: days }, () => new Array<number>(hourBands).fill(0)));
  for (const o of observations) {
    const m = o.seconds / 60;
    bandSum[o.band]! += m;
    bandN[o.band]! += 1;
    hourSum[o.band]![o.hourBand]! += m;
    hourN[o.band]![o.hourBand]! += 1;
    cellSum[o.band]![o.day]![o.hourBand]! += m;
    cellN[o.band]![o.day]![o.hourBand]! += 1;
  }
  const bandMean = bands.map((_, b) => shrink(configured[b]!, bandSum[b]!, bandN[b]!));
  const turnMinutes = bands.map((_, b) =>
    Array.from({ length: days }, (_d, d) =>
      Array.from({ length: hourBands }, (_hb, hb) => {
        const hourMean = shrink(bandMean[b]!, hourSum[b]![hb]!, hourN[b]![hb]!);
        return shrink(hourMean, cellSum[b]![d]![hb]!, cellN[b]![d]![hb]!);
      }),
    ),
  );
  const sample = ratioSample(observations.map((o) => o.seconds / 60 / turnMinutes[o.band]![o.day]![o.hourBand]!));

  const w = walkAways(h);
  const base: LearnedModel = {
    merchantId: h.id,
    computedAt: options.now,
    bands,
    turnMinutes,
    remaining: remainingCurve(sample),
    remainingStep: REMAINING_STEP,
    turnRatios: ratioQuantiles(sample),
    // Prior: half of the parties' leaving recorded, worth 20 parties.
    clearedShare: (w.cleared + 10) / (w.seated + 20),
    // Priors: 5% no-shows worth 20 called parties; 0.1 walk-aways per waiting hour worth 5 hours.
    noShowRate: (w.noShows + 1) / (w.called + 20),
    leaveRatePerHour: (w.cancellations + 0.5) / (w.waitingHours + 5),
    coverage: options.coverage,
    rangePadSeconds: RANGE_PAD_SECONDS,
    range: RANGE_BUCKETS_MINUTES.map(() => PRIOR_RANGE),
  };
  const { range, samples } = options.calibrate === false ? { range: base.range, samples: 0 } : calibrate(h, base, options.coverage);
  const model: LearnedModel = { ...base, range };

  const cells: CellStat[] = [];
  for (let b = 0; b < bands.length; b++) {
    for (let d = 0; d < days; d++) {
      for (let hb = 0; hb < hourBands; hb++) {
        cells.push({
          band: b,
          maxPartySize: bands[b]!,
          day: d,
          hourBand: hb,
          minutes: turnMinutes[b]![d]![hb]!,
          configuredMinutes: configured[b]!,
          observations: cellN[b]![d]![hb]!,
        });
      }
    }
  }
  return {
    model,
    stats: {
      parties: h.parties.length,
      turnObservations: observations.length,
      clearedObservations: cleared,
      bands: bands.map((maxPartySize, b) => ({ maxPartySize, configuredMinutes: configured[b]!, minutes: bandMean[b]!, observations: bandN[b]! })),
      cells,
      noShows: w.noShows,
      cancellations: w.cancellations,
      waitingHours: w.waitingHours,
      rangeSamples: samples,
    },
  };
}

/** One seated party of the calibration: its join, the replay's planned seat time, the real one, and z. */
export interface ErrorSample {
  readonly now: number;
  readonly planned: number;
  readonly actual: number;
  readonly z: number;
}

/** Folds of nights for the calibration's cross-fitting. */
const FOLDS = 4;

/**
 * The range quantiles. The error is measured out of sample, by cross-fitting: the nights are split
 * into four folds (night k in fold k mod 4); each fold's joins are replayed with a model learned
 * from the other three, so the range reflects the error on nights the model did not learn from.
 * For each party that was seated, (actual - planned seat time) / (planned wait + pad) is one sample
 * of its planned-wait bucket. With fewer than four nights the model replays its own nights.
 */
function calibrate(h: RestaurantHistory, model: LearnedModel, coverage: number): { range: RangeQuantiles[]; samples: number } {
  const nights = splitNights(h).map((n) => n.night);
  const foldOfNight = new Map(nights.map((night, k) => [night, k % FOLDS]));
  const foldModels: LearnedModel[] =
    nights.length >= FOLDS
      ? Array.from(
          { length: FOLDS },
          (_, f) =>
            learnModel(
              withParties(
                h,
                h.parties.filter((p) => foldOfNight.get(nightOf(h.timeZone, p.joinedAt)) !== f),
              ),
              { coverage, now: model.computedAt, calibrate: false },
            ).model,
        )
      : [];
  const buckets: ErrorSample[][] = RANGE_BUCKETS_MINUTES.map(() => []);
  const all: ErrorSample[] = [];
  let offset = 0;
  let offsetUntil = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < h.parties.length; i++) {
    const p = h.parties[i]!;
    if (p.seatedAt === null) continue;
    if (p.joinedAt >= offsetUntil) {
      offset = utcOffsetAt(h.timeZone, p.joinedAt);
      offsetUntil = p.joinedAt + 3600;
    }
    const replayModel = foldModels.length === 0 ? model : foldModels[foldOfNight.get(nightOf(h.timeZone, p.joinedAt))!]!;
    // The planned (uncalibrated) seat time of the replay.
    const estimate = plannedNewParty(floorBefore(h, i, replayModel, offset), p.partySize);
    if (estimate === null) continue;
    const planned = estimate.plannedSeatAt;
    const wait = Math.max(0, planned - p.joinedAt);
    const sample = { now: p.joinedAt, planned, actual: p.seatedAt, z: (p.seatedAt - planned) / (wait + model.rangePadSeconds) };
    buckets[rangeBucket(wait)]!.push(sample);
    all.push(sample);
  }
  const pooled = all.length >= MIN_BUCKET_SAMPLES ? fitRange(all, coverage, model.rangePadSeconds) : PRIOR_RANGE;
  const range = buckets.map((sample) => (sample.length < MIN_BUCKET_SAMPLES ? pooled : fitRange(sample, coverage, model.rangePadSeconds)));
  return { range, samples: all.length };
}

/**
 * The median error, and the narrowest central quantile pair whose window, as the guest is shown it
 * (whole minutes, never before the join), holds the share `coverage` of the guests it is a promise
 * to: the samples whose calibrated seat time is a minute or more after the join (a guest quoted no
 * wait is seated on arrival, inside any window, and would let the others' windows shrink), or all
 * of the bucket's samples when fewer than MIN_BUCKET_SAMPLES of them were quoted a wait. The share
 * held is the conformal one, at least ceil((n + 1) x coverage) of the n samples: a window chosen to
 * hold exactly `coverage` of the samples it was fitted on holds a little less of the guests that
 * come after. Rounding to minutes widens short windows, so the nominal quantiles alone would
 * over-cover short waits; hence the count on the windows as shown.
 */
export function fitRange(samples: readonly ErrorSample[], coverage: number, padSeconds: number): RangeQuantiles {
  const z = samples.map((s) => s.z).sort((a, b) => a - b);
  const mid = quantile(z, 0.5);
  let chosen: RangeQuantiles = { low: quantile(z, 0.005), mid, high: quantile(z, 0.995) };
  for (let level = 0.2; level < 0.99; level += 0.01) {
    const q = { low: quantile(z, (1 - level) / 2), mid, high: quantile(z, (1 + level) / 2) };
    let quoted = 0;
    let quotedInside = 0;
    let inside = 0;
    for (const s of samples) {
      const { seatAt, range } = rangeAround(s.now, s.planned, q, padSeconds);
      const hit = s.actual >= range.start && s.actual <= range.end ? 1 : 0;
      inside += hit;
      if (seatAt - s.now >= 60) {
        quoted += 1;
        quotedInside += hit;
      }
    }
    const [n, held] = quoted >= MIN_BUCKET_SAMPLES ? [quoted, quotedInside] : [samples.length, inside];
    if (held >= Math.min(n, Math.ceil((n + 1) * coverage - 1e-9))) {
      chosen = q;
      break;
    }
  }
  return chosen;
}
