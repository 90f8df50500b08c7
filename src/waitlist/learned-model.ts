// The learned wait model as the estimator reads it: turn times by party-size band x day of week x
// hour band, how long a party that has sat for a while still stays, how parties ahead walk away,
// and the calibrated range around a planned seat time. It is learned in the background by
// src/estimates/ (above this layer), stored in the database and cached here by version, so the
// request path only looks numbers up. Pure data and lookups; no imports from higher layers.

/** Start hours (local time) of the hour bands, ascending, the first 0. */
export const HOUR_BANDS: readonly number[] = [0, 11, 15, 18, 20, 22];
export const HOUR_BAND_NAMES: readonly string[] = ['00-11', '11-15', '15-18', '18-20', '20-22', '22-24'];

/** Predicted waits (minutes) at which the range calibration changes bucket. */
export const RANGE_BUCKETS_MINUTES: readonly number[] = [0, 1, 15, 30, 60];

export interface RangeQuantiles {
  /** Lower quantile, median and upper quantile of (actual - planned seat time) / (planned wait + pad). */
  readonly low: number;
  readonly mid: number;
  readonly high: number;
}

export interface LearnedModel {
  readonly merchantId: string;
  /** When the model was computed (epoch seconds). */
  readonly computedAt: number;
  /** Upper party size of each band, ascending (the merchant's configured turn-time bands). */
  readonly bands: readonly number[];
  /** Mean turn time in minutes, indexed [band][day 0=Monday..6][hour band]. */
  readonly turnMinutes: readonly (readonly (readonly number[])[])[];
  /**
   * Expected remaining stay of a seated party, as a multiple of its mean turn time, after it has
   * sat for i * remainingStep mean turn times (a mean residual life curve; last value beyond).
   */
  readonly remaining: readonly number[];
  readonly remainingStep: number;
  /**
   * Quantiles of turn time / cell mean at (i + 0.5) / n, ascending: the spread of turn times around
   * the cell mean, which the replay draws from (a seated party's remaining stay is drawn from the
   * part above how long it has sat).
   */
  readonly turnRatios: readonly number[];
  /**
   * Share of seated parties whose leaving the host records ("table cleared"). A party at a table
   * with no record may have left already: after sitting for x, it is still there with probability
   * S(x) / (S(x) + (1 - S(x)) * (1 - share)), S the share of turns longer than x.
   */
  readonly clearedShare: number;
  /** Share of called parties that never take their table (no-shows). */
  readonly noShowRate: number;
  /** Walk-aways (cancellations) per waiting hour: the hazard of a party ahead leaving the queue. */
  readonly leaveRatePerHour: number;
  /** Share of seated parties the range is meant to hold (e.g. 0.8). */
  readonly coverage: number;
  /** Seconds added to the planned wait before scaling by the quantiles. */
  readonly rangePadSeconds: number;
  /** One entry per RANGE_BUCKETS_MINUTES bucket. */
  readonly range: readonly RangeQuantiles[];
}

/** Shape of the stored model's JSON; a model stored in another shape is ignored until the next refresh. */
export const LEARNED_MODEL_FORMAT = 2;

interface CachedModel {
  readonly version: number;
  readonly model: LearnedModel;
  /** What the model was learned from, as src/estimates/ stored it (opaque here). */
  readonly details: unknown;
}

/**
 * The merchants' learned models as this process last read them from the database, by version. The
 * model is stored by src/estimates/ (learned-models table); each estimate reads the stored version
 * with its floor and parses the model again only when the version changed, so every replica on
 * one database estimates with the same model. Disabled: configured turn times only.
 */
export class LearnedModelCache {
  private readonly models = new Map<string, CachedModel>();

  constructor(readonly enabled: boolean = true) {}

  get(merchantId: string, version: number): CachedModel | undefined {
    const cached = this.models.get(merchantId);
    return cached !== undefined && cached.version === version ? cached : undefined;
  }

  /** Parses and keeps a stored model; null when it was stored in another format. */
  put(merchantId: string, version: number, modelJson: string, detailsJson: string): CachedModel | null {
    const parsed = JSON.parse(modelJson) as { format?: number; model?: LearnedModel };
    if (parsed.format !== LEARNED_MODEL_FORMAT || parsed.model === undefined) return null;
    const cached = { version, model: parsed.model, details: JSON.parse(detailsJson) as unknown };
    this.models.set(merchantId, cached);
    return cached;
  }
}

/** Configured turn times only (the estimator before learning). */
export const NO_LEARNED_MODELS = new LearnedModelCache(false);

/** The stored JSON text of a model. */
export const learnedModelJson = (model: LearnedModel): string => JSON.stringify({ format: LEARNED_MODEL_FORMAT, model });

export function bandIndex(bands: readonly number[], partySize: number): number {
  for (let i = 0; i < bands.length; i++) if (partySize <= bands[i]!) return i;
  return bands.length - 1;
}

export function hourBandIndex(hour: number): number {
  let index = 0;
  for (let i = 0; i < HOUR_BANDS.length; i++) if (hour >= HOUR_BANDS[i]!) index = i;
  return index;
}

const DAY = 86_400;

/** Day of week (0 = Monday) and hour band of epoch seconds `t` at a fixed UTC offset. */
export function localCell(t: number, utcOffsetSeconds: number): { day: number; hourBand: number } {
  const local = t + utcOffsetSeconds;
  const days = Math.floor(local / DAY);
  // 1970-01-01 was a Thursday (3 when Monday is 0).
  const day = (((days + 3) % 7) + 7) % 7;
  const hour = Math.floor((local - days * DAY) / 3600);
  return { day, hourBand: hourBandIndex(hour) };
}

/** Mean turn time in seconds for a party of `partySize` seated at `seatedAt`. */
export function learnedTurnSeconds(model: LearnedModel, partySize: number, seatedAt: number, utcOffsetSeconds: number): number {
  const { day, hourBand } = localCell(seatedAt, utcOffsetSeconds);
  return model.turnMinutes[bandIndex(model.bands, partySize)]![day]![hourBand]! * 60;
}

/** Expected seconds still to stay for a party with mean turn `meanSeconds` seated `elapsed` seconds ago. */
export function remainingSeconds(model: LearnedModel, meanSeconds: number, elapsed: number): number {
  if (elapsed <= 0) return meanSeconds;
  const x = elapsed / meanSeconds / model.remainingStep;
  const i = Math.floor(x);
  const curve = model.remaining;
  if (i >= curve.length - 1) return curve[curve.length - 1]! * meanSeconds;
  const f = x - i;
  return (curve[i]! * (1 - f) + curve[i + 1]! * f) * meanSeconds;
}

/** Probability that a party that joined at `joinedAt` is still there, and shows up, when called at `at`. */
export function staysUntil(model: LearnedModel, joinedAt: number, at: number): number {
  const waitedHours = Math.max(0, at - joinedAt) / 3600;
  return (1 - model.noShowRate) * Math.exp(-model.leaveRatePerHour * waitedHours);
}

export function rangeBucket(waitSeconds: number): number {
  const minutes = waitSeconds / 60;
  let index = 0;
  for (let i = 0; i < RANGE_BUCKETS_MINUTES.length; i++) if (minutes >= RANGE_BUCKETS_MINUTES[i]!) index = i;
  return index;
}

/**
 * The calibrated estimate for a replayed (planned) seat time: the seat time moved by the median of
 * the learned error (the replay's systematic lateness or earliness) and the window between the
 * error's quantiles, on whole minutes, never before now, at least a minute wide.
 */
export function calibrated(model: LearnedModel, now: number, plannedSeatAt: number): { seatAt: number; range: { start: number; end: number } } {
  const wait = Math.max(0, plannedSeatAt - now);
  return rangeAround(now, plannedSeatAt, model.range[rangeBucket(wait)]!, model.rangePadSeconds);
}

export function rangeAround(
  now: number,
  plannedSeatAt: number,
  q: RangeQuantiles,
  padSeconds: number,
): { seatAt: number; range: { start: number; end: number } } {
  const scale = Math.max(0, plannedSeatAt - now) + padSeconds;
  const start = Math.max(now, Math.floor((plannedSeatAt + q.low * scale) / 60) * 60);
  const end = Math.max(start + 60, Math.ceil((plannedSeatAt + q.high * scale) / 60) * 60);
  const seatAt = Math.min(end, Math.max(start, Math.round(plannedSeatAt + q.mid * scale)));
  return { seatAt, range: { start, end } };
}
