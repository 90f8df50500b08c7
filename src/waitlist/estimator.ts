// Wait estimates by replaying the queue against the floor: each party, in queue order, takes the
// fitting table that frees up first; a table frees up a turn time after the party sat down.
// Pure and deterministic, so estimates can be checked by hand.
import type { TurnTime } from '../merchants/rules.js';

export { DEFAULT_TURN_TIMES, type TurnTime } from '../merchants/rules.js';

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
}

export interface Floor {
  readonly now: number;
  readonly tables: readonly TableSpec[];
  readonly turnTimes: readonly TurnTime[];
  /** Parties already at a table. */
  readonly seated: readonly SeatedParty[];
  /** Parties waiting, first come first served. */
  readonly queue: readonly QueuedParty[];
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
    freeAt.set(table.id, at + turnSeconds(floor.turnTimes, party.partySize));
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

/** Estimate for a party of `partySize` joining the end of the queue now; null if no table fits. */
export function estimateNewParty(floor: Floor, partySize: number): Estimate | null {
  const { freeAt, ahead } = replay(floor);
  const table = bestTable(floor.tables, freeAt, partySize);
  if (table === null) return null;
  const seatAt = Math.max(floor.now, freeAt.get(table.id)!);
  return { partiesAhead: ahead, seatAt, range: seatTimeRange(floor.now, seatAt) };
}

/** Estimate for a party already in the queue; null if it is not queued or no table fits. */
export function estimateQueuedParty(floor: Floor, entryId: string): Estimate | null {
  const index = floor.queue.findIndex((p) => p.id === entryId);
  if (index < 0) return null;
  const { seatAt } = replay(floor);
  const at = seatAt.get(entryId);
  if (at === undefined) return null;
  return { partiesAhead: index, seatAt: at, range: seatTimeRange(floor.now, at) };
}
