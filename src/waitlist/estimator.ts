// Wait estimates by replaying the queue against the floor: each party, in queue order, takes the
// fitting table that frees up first; a table frees up a turn time after the party sat down.
// Pure and deterministic, so estimates can be checked by hand. With a learned model (see
// learned-model.ts) the turn times, the stay of seated parties, walk-aways ahead and the range come
// from the merchant's own history instead of the configured turn times and a fixed window.
import type { TurnTime } from '../merchants/rules.js';
import { calibrated, learnedTurnSeconds, remainingSeconds, staysUntil, type LearnedModel } from './learned-model.js';

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

type FreeAt = Map<string, number>;

/** The fitting table that frees first (ties: the smallest table, then the id), or null. */
function bestTable(tables: readonly TableSpec[], freeAt: FreeAt, partySize: number): TableSpec | null {
  let best: TableSpec | null = null;
  for (const table of tables) {
    if (!fits(table, partySize)) continue;
    if (best === null) {
      best = table;
      continue;
    }
    const [a, b] = [freeAt.get(table.id)!, freeAt.get(best.id)!];
    if (a < b || (a === b && (table.seats < best.seats || (table.seats === best.seats && table.id < best.id)))) best = table;
  }
  return best;
}

/** When each table frees up, given who is seated now. */
function occupancy(floor: Floor): FreeAt {
  if (floor.model) return learnedOccupancy(floor, floor.model);
  const freeAt: FreeAt = new Map(floor.tables.map((t) => [t.id, floor.now]));
  const unassigned: SeatedParty[] = [];
  for (const party of floor.seated) {
    const leaves = party.seatedAt + turnSeconds(floor.turnTimes, party.partySize);
    if (leaves <= floor.now) continue;
    if (party.tableId !== null && freeAt.has(party.tableId)) {
      freeAt.set(party.tableId, Math.max(freeAt.get(party.tableId)!, leaves));
    } else {
      unassigned.push(party);
    }
  }
  // Parties seated without a recorded table occupy the best fitting table that is still free.
  for (const party of unassigned) {
    const table = bestTable(floor.tables, freeAt, party.partySize);
    if (table !== null) freeAt.set(table.id, Math.max(freeAt.get(table.id)!, party.seatedAt + turnSeconds(floor.turnTimes, party.partySize)));
  }
  return freeAt;
}

/**
 * With a learned model: a table is held by the party seated at it last (an earlier party at the
 * same table has left), for its expected remaining stay given how long it has sat already, so a
 * party past its mean turn time still holds the table for a while rather than none.
 */
function learnedOccupancy(floor: Floor, model: LearnedModel): FreeAt {
  const freeAt: FreeAt = new Map(floor.tables.map((t) => [t.id, floor.now]));
  const latest = new Map<string, SeatedParty>();
  const unassigned: SeatedParty[] = [];
  for (const party of floor.seated) {
    if (party.tableId !== null && freeAt.has(party.tableId)) {
      const current = latest.get(party.tableId);
      if (current === undefined || party.seatedAt > current.seatedAt) latest.set(party.tableId, party);
    } else {
      unassigned.push(party);
    }
  }
  const leaves = (party: SeatedParty): number => {
    const mean = learnedTurnSeconds(model, party.partySize, party.seatedAt, floor.utcOffsetSeconds ?? 0);
    // Whole seconds: table times stay small integers (no boxed doubles in the replay's maps).
    return floor.now + Math.round(remainingSeconds(model, mean, floor.now - party.seatedAt));
  };
  for (const [tableId, party] of latest) freeAt.set(tableId, leaves(party));
  for (const party of unassigned) {
    const table = bestTable(floor.tables, freeAt, party.partySize);
    if (table !== null) freeAt.set(table.id, Math.max(freeAt.get(table.id)!, leaves(party)));
  }
  return freeAt;
}

/**
 * How long a queued party seated at `at` is planned to hold its table: the turn time, and with a
 * learned model its mean turn time weighted by the chance it is still there and shows up (parties
 * ahead walk away at the learned rate), so the replay plans the expected use of the table.
 */
function holdSeconds(floor: Floor, party: QueuedParty, at: number): number {
  const model = floor.model;
  if (!model) return turnSeconds(floor.turnTimes, party.partySize);
  const turn = learnedTurnSeconds(model, party.partySize, at, floor.utcOffsetSeconds ?? 0);
  return Math.round(turn * staysUntil(model, party.joinedAt ?? floor.now, at));
}

/** The estimate for a replayed seat time: calibrated by the learned error, else the fixed window. */
function estimateAt(floor: Floor, partiesAhead: number, plannedSeatAt: number): Estimate {
  if (floor.model) return { partiesAhead, ...calibrated(floor.model, floor.now, plannedSeatAt) };
  return { partiesAhead, seatAt: plannedSeatAt, range: seatTimeRange(floor.now, plannedSeatAt) };
}

/** Seats the queue in order; returns the table free times afterwards and each party's seat time. */
function replay(floor: Floor, stopBefore?: string): { freeAt: FreeAt; seatAt: Map<string, number>; ahead: number } {
  const freeAt = occupancy(floor);
  const seatAt = new Map<string, number>();
  let ahead = 0;
  for (const party of floor.queue) {
    if (party.id === stopBefore) break;
    ahead += 1;
    const table = bestTable(floor.tables, freeAt, party.partySize);
    if (table === null) continue; // nothing fits: the host seats them by hand; they hold no table here
    const at = Math.max(floor.now, freeAt.get(table.id)!);
    seatAt.set(party.id, at);
    freeAt.set(table.id, at + holdSeconds(floor, party, at));
  }
  return { freeAt, seatAt, ahead };
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
  const { freeAt, ahead } = replay(floor);
  const table = bestTable(floor.tables, freeAt, partySize);
  if (table === null) return null;
  return { partiesAhead: ahead, plannedSeatAt: Math.max(floor.now, freeAt.get(table.id)!) };
}

/** Estimate for a party of `partySize` joining the end of the queue now; null if no table fits. */
export function estimateNewParty(floor: Floor, partySize: number): Estimate | null {
  const planned = plannedNewParty(floor, partySize);
  return planned === null ? null : estimateAt(floor, planned.partiesAhead, planned.plannedSeatAt);
}

/** Estimate for a party already in the queue; null if it is not queued or no table fits. */
export function estimateQueuedParty(floor: Floor, entryId: string): Estimate | null {
  const index = floor.queue.findIndex((p) => p.id === entryId);
  if (index < 0) return null;
  const { seatAt } = replay(floor);
  const at = seatAt.get(entryId);
  if (at === undefined) return null;
  return estimateAt(floor, index, at);
}
