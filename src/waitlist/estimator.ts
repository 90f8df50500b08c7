// Wait estimates by replaying the queue against the floor: each party, in queue order, takes the
// fitting table that frees up first; a table frees up a turn time after the party sat down.
// Pure and deterministic, so estimates can be checked by hand. With a learned model (see
// learned-model.ts) the turn times, the stay of seated parties, walk-aways ahead and the range come
// from the merchant's own history instead of the configured turn times and a fixed window.
import type { TurnTime } from '../merchants/rules.js';
import { bandIndex, calibrated, HOUR_BANDS, learnedTurnSeconds, localCell, remainingSeconds, type LearnedModel } from './learned-model.js';

export interface TableSpec {
  readonly id: string;
  readonly minSeats: number;
  readonly seats: number;
}

export interface SeatedParty {
  readonly partySize: number;
  readonly tableId: string | null;
  readonly seatedAt: number;
}

export interface QueuedParty {
  readonly id: string;
  readonly partySize: number;
  /** When the party joined (epoch seconds); with a learned model, how long it has waited already. */
  readonly joinedAt?: number;
}

export interface Floor {
  readonly now: number;
  readonly tables: readonly TableSpec[];
  readonly turnTimes: readonly TurnTime[];
  /** Parties already at a table. */
  readonly seated: readonly SeatedParty[];
  /** Parties waiting, first come first served. */
  readonly queue: readonly QueuedParty[];
  /** The merchant's learned model; absent or null: configured turn times, fixed range. */
  readonly model?: LearnedModel | null;
  /** The merchant's UTC offset now (seconds), for the learned model's day and hour bands. */
  readonly utcOffsetSeconds?: number;
}

export interface Estimate {
  readonly partiesAhead: number;
  /** Planned seat time, epoch seconds. */
  readonly seatAt: number;
  readonly range: { readonly start: number; readonly end: number };
}

/**
 * The turn time of the smallest band that takes the party, else of the largest band. One pass, no
 * copy: it runs for every queued party of every estimate (it used to sort a copy each time).
 */
export function turnSeconds(turnTimes: readonly TurnTime[], partySize: number): number {
  let match: TurnTime | undefined;
  let largest: TurnTime | undefined;
  for (const t of turnTimes) {
    if (partySize <= t.maxPartySize && (match === undefined || t.maxPartySize < match.maxPartySize)) match = t;
    if (largest === undefined || t.maxPartySize >= largest.maxPartySize) largest = t;
  }
  return ((match ?? largest)?.minutes ?? 60) * 60;
}

export function fits(table: TableSpec, partySize: number): boolean {
  return partySize >= table.minSeats && partySize <= table.seats;
}

/**
 * When a seated party is expected to leave its table: seated + its turn time, learned (band x day x
 * hour band) when the floor has a model, else configured. Auto-seating reads it to know which
 * tables are free now.
 */
export function expectedLeaveAt(floor: Floor, party: SeatedParty): number {
  const turn = floor.model
    ? learnedTurnSeconds(floor.model, party.partySize, party.seatedAt, floor.utcOffsetSeconds ?? 0)
    : turnSeconds(floor.turnTimes, party.partySize);
  return party.seatedAt + turn;
}

/** Largest party any table can seat; 0 without tables. */
export function largestServable(tables: readonly TableSpec[]): number {
  return tables.reduce((max, t) => Math.max(max, t.seats), 0);
}

/** When each table frees up, by its position in the floor's tables (a replay's hot loop: no Map). */
type FreeAt = Float64Array;

/** The position of the fitting table that frees first (ties: the smallest table, then the id), or -1. */
function bestTable(tables: readonly TableSpec[], freeAt: FreeAt, partySize: number): number {
  let best = -1;
  for (let i = 0; i < tables.length; i++) {
    const table = tables[i]!;
    if (!fits(table, partySize)) continue;
    if (best < 0) {
      best = i;
      continue;
    }
    const a = freeAt[i]!;
    const b = freeAt[best]!;
    const other = tables[best]!;
    if (a < b || (a === b && (table.seats < other.seats || (table.seats === other.seats && table.id < other.id)))) best = i;
  }
  return best;
}

/** When each table frees up, given who is seated now. */
function occupancy(floor: Floor): FreeAt {
  const { tables } = floor;
  const freeAt: FreeAt = new Float64Array(tables.length).fill(floor.now);
  const unassigned: SeatedParty[] = [];
  for (const party of floor.seated) {
    const leaves = party.seatedAt + turnSeconds(floor.turnTimes, party.partySize);
    if (leaves <= floor.now) continue;
    const i = party.tableId === null ? -1 : tables.findIndex((t) => t.id === party.tableId);
    if (i >= 0) {
      freeAt[i] = Math.max(freeAt[i]!, leaves);
    } else {
      unassigned.push(party);
    }
  }
  // Parties seated without a recorded table occupy the best fitting table that is still free.
  for (const party of unassigned) {
    const i = bestTable(tables, freeAt, party.partySize);
    if (i >= 0) freeAt[i] = Math.max(freeAt[i]!, party.seatedAt + turnSeconds(floor.turnTimes, party.partySize));
  }
  return freeAt;
}

/**
 * Draws of the learned replay; the planned seat time is their median. Stratified (below), 32 draws
 * measured nearly as accurate as 64 on the development seeds (docs/WAITLIST.md), which cost twice
 * as much on the request path.
 */
export const REPLAY_DRAWS = 32;
/**
 * Stratified draws (a Latin hypercube): each random choice of a draw (whether a seated party is
 * still there and how long it stays, whether a party ahead shows up and its turn) is a dimension,
 * and over the REPLAY_DRAWS draws each dimension takes one uniform from each of REPLAY_DRAWS equal
 * slices of [0, 1), the slices in an order shuffled once per dimension. Every draw still sees
 * independent-looking choices, but no dimension's draws bunch up by chance, so the median of the
 * draws varies much less from one floor to the next than with plain uniforms. Dimensions beyond
 * STRATA (a queue of more than about 250 parties) draw plain uniforms.
 */
const STRATA: readonly Uint8Array[] = (() => {
  const rand = uniforms(0x1a7e_51de);
  return Array.from({ length: 512 }, () => {
    const order = Uint8Array.from({ length: REPLAY_DRAWS }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return order;
  });
})();

/** The uniform of dimension `dim` in draw `draw`: in its slice of [0, 1), or plain beyond STRATA. */
export function stratified(dim: number, draw: number, rand: () => number): number {
  const order = STRATA[dim];
  return order === undefined ? rand() : (order[draw]! + rand()) / REPLAY_DRAWS;
}

/** The draws' fixed seed: the same floor always gets the same estimate. */
const REPLAY_SEED = 0x5eed_2026;

/** mulberry32: a small, fast, seeded generator of uniforms in [0, 1). */
function uniforms(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A party at a table, as the draws see it: its mean turn, how long it has sat, and the turns still possible. */
interface Holder {
  readonly mean: number;
  readonly elapsed: number;
  /** Elapsed / mean. */
  readonly sat: number;
  /** First index of model.turnRatios above `sat`. */
  readonly from: number;
  /** Probability that it is still at the table (its leaving may have gone unrecorded). */
  readonly present: number;
}

/** A queued party, as the draws see it. */
interface Ahead {
  /** Its band's mean turn times in seconds, by day x hour band (day * HOUR_BANDS.length + hour band). */
  readonly turns: Float64Array;
  readonly joinedAt: number;
  /** Indices of the tables that fit it, in tie-break order. */
  readonly fitting: readonly number[];
}

/** Each band's mean turn times in seconds, by day x hour band; computed once per model (models are not changed once made). */
const TURN_SECONDS = new WeakMap<LearnedModel, readonly Float64Array[]>();
function turnSecondsByBand(model: LearnedModel): readonly Float64Array[] {
  let turns = TURN_SECONDS.get(model);
  if (turns === undefined) {
    turns = model.turnMinutes.map((days) => Float64Array.from(days.flat(), (m) => m * 60));
    TURN_SECONDS.set(model, turns);
  }
  return turns;
}

/**
 * The learned replay: the floor prepared once per request (tables in tie-break order, smallest then
 * id; the party holding each; the tables each queued party fits), then REPLAY_DRAWS draws of its
 * future from a fixed seed: the seated parties' remaining stays, who of the parties ahead is still
 * there when called, and their turn times. A party's planned seat time is the median of its seat
 * times over the draws: the median minimises the absolute error, and the first of several tables to
 * free up comes earlier than the earliest of their mean free times, which a replay with mean turn
 * times would plan.
 */
class LearnedReplay {
  private readonly tables: TableSpec[];
  private readonly holders: (Holder | null)[];
  private readonly unassigned: { fitting: readonly number[]; holder: Holder }[] = [];
  private readonly fitting = new Map<number, number[]>();
  private readonly ahead: Ahead[];
  /** Table free times of the draw in progress (seconds). */
  private readonly freeAt: Float64Array;
  private readonly offset: number;
  /** Local hour (hours since the epoch) of now, and the day x hour band cell of each hour from it. */
  private readonly firstHour: number;
  private readonly cells: number[] = [];

  constructor(
    private readonly floor: Floor,
    private readonly model: LearnedModel,
  ) {
    this.offset = floor.utcOffsetSeconds ?? 0;
    this.tables = [...floor.tables].sort((a, b) => a.seats - b.seats || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const index = new Map(this.tables.map((t, i) => [t.id, i]));
    const latest = new Map<number, SeatedParty>();
    for (const party of floor.seated) {
      const i = party.tableId === null ? undefined : index.get(party.tableId);
      if (i === undefined) {
        this.unassigned.push({ fitting: this.fits(party.partySize), holder: this.holder(party) });
        continue;
      }
      const current = latest.get(i);
      if (current === undefined || party.seatedAt > current.seatedAt) latest.set(i, party);
    }
    this.holders = this.tables.map((_, i) => {
      const party = latest.get(i);
      return party === undefined ? null : this.holder(party);
    });
    const turns = turnSecondsByBand(model);
    this.ahead = floor.queue.map((p) => ({
      turns: turns[bandIndex(model.bands, p.partySize)]!,
      joinedAt: p.joinedAt ?? floor.now,
      fitting: this.fits(p.partySize),
    }));
    this.firstHour = Math.floor((floor.now + this.offset) / 3600);
    this.freeAt = new Float64Array(this.tables.length);
  }

  private holder(party: SeatedParty): Holder {
    const mean = learnedTurnSeconds(this.model, party.partySize, party.seatedAt, this.offset);
    const elapsed = Math.max(0, this.floor.now - party.seatedAt);
    const sat = elapsed / mean;
    const ratios = this.model.turnRatios;
    let from = 0;
    while (from < ratios.length && ratios[from]! <= sat) from += 1;
    // Given no record of its leaving, it is still there unless its turn is over and the host did not
    // record it: P(turn > sat) / (P(turn > sat) + P(turn <= sat) x (1 - share of leavings recorded)).
    const longer = (ratios.length - from) / ratios.length;
    const unrecorded = (1 - longer) * (1 - this.model.clearedShare);
    const present = longer + unrecorded > 0 ? longer / (longer + unrecorded) : 1;
    return { mean, elapsed, sat, from, present };
  }

  /** The day x hour band cell (day * HOUR_BANDS.length + hour band) of a time from now on, by the hour. */
  private cellAt(t: number): number {
    const hour = Math.floor((t + this.offset) / 3600) - this.firstHour;
    let cell = this.cells[hour];
    if (cell === undefined) {
      const { day, hourBand } = localCell(t, this.offset);
      cell = day * HOUR_BANDS.length + hourBand;
      this.cells[hour] = cell;
    }
    return cell;
  }

  /** Indices of the tables that fit `partySize`, in tie-break order. */
  fits(partySize: number): number[] {
    let list = this.fitting.get(partySize);
    if (list === undefined) {
      list = [];
      for (let i = 0; i < this.tables.length; i++) if (fits(this.tables[i]!, partySize)) list.push(i);
      this.fitting.set(partySize, list);
    }
    return list;
  }

  /** Index of the table of `fitting` that frees first in the draw in progress (ties: tie-break order); NaN without tables. */
  private firstFree(fitting: readonly number[]): number {
    let best = Number.NaN;
    let bestAt = Number.POSITIVE_INFINITY;
    for (const i of fitting) {
      if (this.freeAt[i]! < bestAt) {
        bestAt = this.freeAt[i]!;
        best = i;
      }
    }
    return best;
  }

  /**
   * A remaining stay drawn from the turns longer than the holder has sat; beyond them all, the
   * curve's tail. Dimensions `dim` (still there) and `dim + 1` (the stay) of draw `draw`.
   */
  private remaining(h: Holder, rand: () => number, dim: number, draw: number): number {
    if (stratified(dim, draw, rand) >= h.present) return 0;
    const ratios = this.model.turnRatios;
    if (h.from >= ratios.length) return remainingSeconds(this.model, h.mean, h.elapsed);
    return (ratios[h.from + Math.floor(stratified(dim + 1, draw, rand) * (ratios.length - h.from))]! - h.sat) * h.mean;
  }

  /**
   * One draw: the tables' free times, then the queue seated in order, each party at the fitting
   * table that frees first. `seats` (if given) gets each queued party's seat time in this draw at
   * [party * REPLAY_DRAWS + draw] (NaN when no table fits it). The dimensions of its stratified
   * uniforms: two per table (its holder still there, its remaining stay), two per party seated
   * without a table, then two per party ahead (it shows up, its turn).
   */
  private draw(rand: () => number, draw: number, seats: Float64Array | null): void {
    const { model, freeAt } = this;
    const now = this.floor.now;
    for (let i = 0; i < freeAt.length; i++) {
      const h = this.holders[i];
      freeAt[i] = h === null || h === undefined ? now : now + this.remaining(h, rand, 2 * i, draw);
    }
    // Parties seated without a recorded table occupy the fitting table that is free first.
    let dim = 2 * freeAt.length;
    for (const { fitting, holder } of this.unassigned) {
      const i = this.firstFree(fitting);
      dim += 2;
      if (i >= 0) freeAt[i] = Math.max(freeAt[i]!, now + this.remaining(holder, rand, dim - 2, draw));
    }
    const ratios = model.turnRatios;
    const shows = 1 - model.noShowRate;
    const leavePerSecond = model.leaveRatePerHour / 3600;
    for (let k = 0; k < this.ahead.length; k++) {
      const party = this.ahead[k]!;
      const i = this.firstFree(party.fitting);
      if (!(i >= 0)) {
        // Nothing fits: the host seats them by hand; they hold no table here.
        if (seats !== null) seats[k * REPLAY_DRAWS + draw] = Number.NaN;
        continue;
      }
      const at = Math.max(now, freeAt[i]!);
      if (seats !== null) seats[k * REPLAY_DRAWS + draw] = at;
      // Still there and showing up when called (as staysUntil: no-shows, walk-aways while waiting), then its turn.
      if (stratified(dim + 2 * k, draw, rand) < shows * Math.exp(-leavePerSecond * Math.max(0, at - party.joinedAt))) {
        freeAt[i] = at + party.turns[this.cellAt(at)]! * ratios[Math.floor(stratified(dim + 2 * k + 1, draw, rand) * ratios.length)]!;
      } else {
        freeAt[i] = at;
      }
    }
  }

  /** Planned seat time of a party of each size joining the end of the queue now (null: no table fits). */
  newParties(partySizes: readonly number[]): (number | null)[] {
    const fitting = partySizes.map((size) => this.fits(size));
    const seats = partySizes.map((_, k) => (fitting[k]!.length === 0 ? null : new Float64Array(REPLAY_DRAWS)));
    const rand = uniforms(REPLAY_SEED);
    for (let d = 0; d < REPLAY_DRAWS; d++) {
      this.draw(rand, d, null);
      for (let k = 0; k < seats.length; k++) {
        const s = seats[k];
        if (s) s[d] = Math.max(this.floor.now, this.freeAt[this.firstFree(fitting[k]!)]!);
      }
    }
    return seats.map((s) => (s ? median(s) : null));
  }

  /** Planned seat time of every queued party, by queue position (null: no table fits). */
  queued(): (number | null)[] {
    const seats = new Float64Array(this.ahead.length * REPLAY_DRAWS);
    const rand = uniforms(REPLAY_SEED);
    for (let d = 0; d < REPLAY_DRAWS; d++) this.draw(rand, d, seats);
    return this.ahead.map((party, k) => (party.fitting.length === 0 ? null : median(seats.subarray(k * REPLAY_DRAWS, (k + 1) * REPLAY_DRAWS))));
  }
}

/** The median of `xs` (sorted in place), to whole seconds. */
function median(xs: Float64Array): number {
  xs.sort();
  const n = xs.length;
  return Math.round(n % 2 === 1 ? xs[(n - 1) / 2]! : (xs[n / 2 - 1]! + xs[n / 2]!) / 2);
}

/** The estimate for a replayed seat time: calibrated by the learned error, else the fixed window. */
function estimateAt(floor: Floor, partiesAhead: number, plannedSeatAt: number): Estimate {
  if (floor.model) return { partiesAhead, ...calibrated(floor.model, floor.now, plannedSeatAt) };
  return { partiesAhead, seatAt: plannedSeatAt, range: seatTimeRange(floor.now, plannedSeatAt) };
}

/**
 * Seats the queue in order; returns the table free times afterwards, and each party's seat time
 * when `withSeats` (only the queue's own estimates need them). It runs on every join and estimate,
 * over the whole queue: table free times in an array by position, and turn times looked up once
 * per party size.
 */
function replay(floor: Floor, withSeats = false): { freeAt: FreeAt; seatAt: Map<string, number> | null; ahead: number } {
  const { tables, now } = floor;
  const freeAt = occupancy(floor);
  const seatAt = withSeats ? new Map<string, number>() : null;
  const turns: number[] = [];
  for (const party of floor.queue) {
    const i = bestTable(tables, freeAt, party.partySize);
    if (i < 0) continue; // nothing fits: the host seats them by hand; they hold no table here
    const at = Math.max(now, freeAt[i]!);
    seatAt?.set(party.id, at);
    let turn = turns[party.partySize];
    if (turn === undefined) {
      turn = turnSeconds(floor.turnTimes, party.partySize);
      turns[party.partySize] = turn;
    }
    freeAt[i] = at + turn;
  }
  return { freeAt, seatAt, ahead: floor.queue.length };
}

/**
 * The window shown to the guest around the planned seat time: a little earlier (guests ahead may
 * leave) and later (turn times run over), at least five minutes wide, on whole minutes.
 */
export function seatTimeRange(now: number, seatAt: number): { start: number; end: number } {
  const wait = Math.max(0, seatAt - now);
  const start = Math.floor((seatAt - Math.round(wait * 0.15)) / 60) * 60;
  const end = Math.ceil((seatAt + Math.max(300, Math.round(wait * 0.25))) / 60) * 60;
  return { start: Math.max(now, start), end };
}

/**
 * The estimate of a party that waits for nobody: no parties ahead, seated now (what Google is
 * shown for an entry no longer in the queue, since both WaitLength fields must be populated).
 */
export function zeroWait(now: number): Estimate {
  return { partiesAhead: 0, seatAt: now, range: seatTimeRange(now, now) };
}

/** The replayed seat time of a party of `partySize` joining now, before any calibration; null if no table fits. */
export function plannedNewParty(floor: Floor, partySize: number): { partiesAhead: number; plannedSeatAt: number } | null {
  if (floor.model) {
    const planned = new LearnedReplay(floor, floor.model).newParties([partySize])[0]!;
    return planned === null ? null : { partiesAhead: floor.queue.length, plannedSeatAt: planned };
  }
  const { freeAt, ahead } = replay(floor);
  const i = bestTable(floor.tables, freeAt, partySize);
  if (i < 0) return null;
  return { partiesAhead: ahead, plannedSeatAt: Math.max(floor.now, freeAt[i]!) };
}

/** Estimate for a party of `partySize` joining the end of the queue now; null if no table fits. */
export function estimateNewParty(floor: Floor, partySize: number): Estimate | null {
  return estimateNewParties(floor, [partySize])[0]!;
}

/**
 * Estimates for parties of each of `partySizes` joining the end of the queue now (null where no
 * table fits), from one replay: with a learned model the draws are shared by every size.
 */
export function estimateNewParties(floor: Floor, partySizes: readonly number[]): (Estimate | null)[] {
  if (floor.model) {
    const planned = new LearnedReplay(floor, floor.model).newParties(partySizes);
    return planned.map((at) => (at === null ? null : estimateAt(floor, floor.queue.length, at)));
  }
  const { freeAt, ahead } = replay(floor);
  return partySizes.map((size) => {
    const i = bestTable(floor.tables, freeAt, size);
    return i < 0 ? null : estimateAt(floor, ahead, Math.max(floor.now, freeAt[i]!));
  });
}

/** Estimate for a party already in the queue; null if it is not queued or no table fits. */
export function estimateQueuedParty(floor: Floor, entryId: string): Estimate | null {
  return estimateQueue(floor).get(entryId) ?? null;
}

/** Estimates for every queued party (by entry id; absent where no table fits), from one replay. */
export function estimateQueue(floor: Floor): Map<string, Estimate> {
  const out = new Map<string, Estimate>();
  if (floor.model) {
    const planned = new LearnedReplay(floor, floor.model).queued();
    floor.queue.forEach((party, index) => {
      const at = planned[index];
      if (at !== null && at !== undefined) out.set(party.id, estimateAt(floor, index, at));
    });
    return out;
  }
  const seatAt = replay(floor, true).seatAt!;
  floor.queue.forEach((party, index) => {
    const at = seatAt.get(party.id);
    if (at !== undefined) out.set(party.id, estimateAt(floor, index, at));
  });
  return out;
}

/**
 * The last answers of `estimateNewParties` (BatchGetWaitEstimates) and `estimateQueue`
 * (GetWaitlistEntry) per key (a merchant's service), given again while the
 * floor is the same: the same second, the same tables, turn times and model, and the same parties
 * seated and queued (compared item by item: the live floor kept in memory hands out the same
 * objects until a write drops it). The estimate is a pure function of the floor (the learned
 * replay's draws are seeded), so a reuse is exact, never stale: a floor that changed in anything
 * misses. It pays when a service is asked for estimates many times a second, as Google does for a
 * busy restaurant; a busy key keeps one entry, and at most `capacity` keys are kept.
 */
export class EstimateMemo {
  readonly #newParties = new Map<string, { floor: Floor; sizes: readonly number[]; estimates: (Estimate | null)[] }>();
  readonly #queues = new Map<string, { floor: Floor; estimates: Map<string, Estimate> }>();

  constructor(private readonly capacity = 1000) {}

  /** What `estimateNewParties(floor, partySizes)` returns. */
  estimateNewParties(key: string, floor: Floor, partySizes: readonly number[]): (Estimate | null)[] {
    const kept = this.#newParties.get(key);
    if (kept !== undefined && sameItems(kept.sizes, partySizes) && sameFloor(kept.floor, floor)) return kept.estimates;
    const estimates = estimateNewParties(floor, partySizes);
    this.#keep(this.#newParties, key, { floor, sizes: [...partySizes], estimates });
    return estimates;
  }

  /** What `estimateQueue(floor)` returns (the caller must not change the map). */
  estimateQueue(key: string, floor: Floor): ReadonlyMap<string, Estimate> {
    const kept = this.#queues.get(key);
    if (kept !== undefined && sameFloor(kept.floor, floor)) return kept.estimates;
    const estimates = estimateQueue(floor);
    this.#keep(this.#queues, key, { floor, estimates });
    return estimates;
  }

  #keep<T>(map: Map<string, T>, key: string, value: T): void {
    map.delete(key);
    if (map.size >= this.capacity) map.delete(map.keys().next().value as string);
    map.set(key, value);
  }
}

function sameFloor(a: Floor, b: Floor): boolean {
  return (
    a.now === b.now &&
    a.tables === b.tables &&
    a.turnTimes === b.turnTimes &&
    (a.model ?? null) === (b.model ?? null) &&
    (a.utcOffsetSeconds ?? 0) === (b.utcOffsetSeconds ?? 0) &&
    sameItems(a.seated, b.seated) &&
    sameItems(a.queue, b.queue)
  );
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
