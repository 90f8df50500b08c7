// The history file `estimates simulate` writes and `estimates evaluate --input` reads: JSON lines,
// one restaurant line before its parties, times in epoch seconds, snake_case like the admin API.
import type { TableSpec } from '../waitlist/estimator.js';
import type { HistoryParty } from '../waitlist/model.js';
import { WAITLIST_STATES, type WaitlistState } from '../waitlist/state-machine.js';
import type { RestaurantHistory } from './history.js';
import type { SimRestaurant } from './simulate.js';
import type { TurnTime } from '../merchants/rules.js';

export class HistoryFormatError extends Error {}

export function restaurantLine(r: SimRestaurant): string {
  const h = r.history;
  return JSON.stringify({
    type: 'restaurant',
    id: h.id,
    time_zone: h.timeZone,
    tables: h.tables.map((t) => ({ id: t.id, min_seats: t.minSeats, seats: t.seats })),
    turn_times: h.turnTimes.map((t) => ({ max_party_size: t.maxPartySize, minutes: t.minutes })),
    // What the simulation really did, for inspection only: evaluate never reads it.
    simulation: r.truth,
  });
}

export function partyLine(restaurantId: string, p: HistoryParty): string {
  return JSON.stringify({
    type: 'party',
    restaurant: restaurantId,
    id: p.id,
    party_size: p.partySize,
    state: p.state,
    table_id: p.tableId,
    joined_at: p.joinedAt,
    seated_at: p.seatedAt,
    left_at: p.leftAt,
    canceled_at: p.canceledAt,
    no_show_at: p.noShowAt,
    quote: p.quote === null ? null : { seat_at: p.quote.seatAt, range_start: p.quote.rangeStart, range_end: p.quote.rangeEnd },
  });
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function int(o: Json, key: string, where: string, nullable = false): number | null {
  const v = o[key];
  if (v === null && nullable) return null;
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new HistoryFormatError(`${where}: "${key}" must be ${nullable ? 'a whole number or null' : 'a whole number'}`);
  return v;
}

function str(o: Json, key: string, where: string, nullable = false): string | null {
  const v = o[key];
  if (v === null && nullable) return null;
  if (typeof v !== 'string' || v === '') throw new HistoryFormatError(`${where}: "${key}" must be a non-empty string${nullable ? ' or null' : ''}`);
  return v;
}

/** Parses a history file's text into restaurants (parties in join order). */
export function parseHistory(text: string): RestaurantHistory[] {
  const restaurants = new Map<string, { id: string; timeZone: string; tables: TableSpec[]; turnTimes: TurnTime[]; parties: HistoryParty[] }>();
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const where = `line ${i + 1}`;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      throw new HistoryFormatError(`${where}: not JSON`);
    }
    if (!isObject(o)) throw new HistoryFormatError(`${where}: expected an object`);
    if (o.type === 'restaurant') {
      const id = str(o, 'id', where)!;
      const tables = o.tables;
      const turnTimes = o.turn_times;
      if (!Array.isArray(tables) || tables.length === 0 || !tables.every(isObject))
        throw new HistoryFormatError(`${where}: "tables" must be a non-empty array of objects`);
      if (!Array.isArray(turnTimes) || turnTimes.length === 0 || !turnTimes.every(isObject))
        throw new HistoryFormatError(`${where}: "turn_times" must be a non-empty array of objects`);
      const timeZone = str(o, 'time_zone', where)!;
      if (!Intl.supportedValuesOf('timeZone').includes(timeZone) && timeZone !== 'UTC')
        throw new HistoryFormatError(`${where}: unknown time_zone "${timeZone}"`);
      restaurants.set(id, {
        id,
        timeZone,
        tables: tables.map((t) => ({ id: str(t, 'id', where)!, minSeats: int(t, 'min_seats', where)!, seats: int(t, 'seats', where)! })),
        turnTimes: turnTimes.map((t) => ({ maxPartySize: int(t, 'max_party_size', where)!, minutes: int(t, 'minutes', where)! })),
        parties: [],
      });
    } else if (o.type === 'party') {
      const restaurant = restaurants.get(str(o, 'restaurant', where)!);
      if (restaurant === undefined)
        throw new HistoryFormatError(`${where}: party of restaurant "${String(o.restaurant)}" before (or without) its restaurant line`);
      const state = str(o, 'state', where)!;
      if (!(WAITLIST_STATES as readonly string[]).includes(state)) throw new HistoryFormatError(`${where}: unknown state "${state}"`);
      const q = o.quote;
      if (q !== null && !isObject(q)) throw new HistoryFormatError(`${where}: "quote" must be an object or null`);
      const partySize = int(o, 'party_size', where)!;
      if (partySize < 1) throw new HistoryFormatError(`${where}: "party_size" must be at least 1`);
      restaurant.parties.push({
        id: str(o, 'id', where)!,
        serviceId: 'waitlist',
        partySize,
        state: state as WaitlistState,
        tableId: str(o, 'table_id', where, true),
        joinedAt: int(o, 'joined_at', where)!,
        seatedAt: int(o, 'seated_at', where, true),
        leftAt: int(o, 'left_at', where, true),
        canceledAt: int(o, 'canceled_at', where, true),
        noShowAt: int(o, 'no_show_at', where, true),
        quote: q === null ? null : { seatAt: int(q, 'seat_at', where)!, rangeStart: int(q, 'range_start', where)!, rangeEnd: int(q, 'range_end', where)! },
      });
    } else {
      throw new HistoryFormatError(`${where}: "type" must be "restaurant" or "party"`);
    }
  }
  if (restaurants.size === 0) throw new HistoryFormatError('no restaurant in the file');
  return [...restaurants.values()].map((r) => ({ ...r, parties: r.parties.sort((a, b) => a.joinedAt - b.joinedAt) }));
}
