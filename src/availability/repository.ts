// Availability slots and the spots held on them. A spot is held by a booking in a holding status
// or by a lease that has neither expired nor been used; open spots are always derived from those.
import { sql } from 'kysely';
import type { Db, Store, Tx } from '../store/database.js';
import { arg, prepared, preparedWith } from '../store/prepared.js';
import type { SlotSpec, TimeRange } from './expansion.js';
import { type HeldSpots, HOLDING_STATUSES, type SlotKey, slotKey, slotKeyColumns, slotKeyFromRow, type StoredSlot } from './slot.js';

type Q = Db | Tx;

const INSERT_BATCH = 500;

interface SlotRow {
  merchant_id: string;
  service_id: string;
  start_sec: number | string;
  duration_sec: number | string;
  staff_id: string;
  room_id: string;
  party_size: number;
  spots_total: number;
  availability_tag: string;
}

function toSlot(r: SlotRow): StoredSlot {
  return { ...slotKeyFromRow(r, r.party_size), spotsTotal: r.spots_total, availabilityTag: r.availability_tag };
}

export interface ReplaceRestricts {
  readonly durationSec?: number;
  readonly staffId?: string;
  readonly roomId?: string;
}

/**
 * Google's availability replace: every slot of the service starting inside the window (and
 * matching the restricts) is deleted, then `slots` are written. Bookings are not touched: they
 * keep holding their spots on whatever slot now has their key.
 */
export async function replaceWindow(
  trx: Tx,
  merchantId: string,
  serviceId: string,
  window: TimeRange,
  slots: readonly SlotSpec[],
  restricts: ReplaceRestricts = {},
): Promise<void> {
  let del = trx
    .deleteFrom('availability_slots')
    .where('merchant_id', '=', merchantId)
    .where('service_id', '=', serviceId)
    .where('start_sec', '>=', window.beginSec)
    .where('start_sec', '<', window.endSec);
  if (restricts.durationSec !== undefined) del = del.where('duration_sec', '=', restricts.durationSec);
  if (restricts.staffId !== undefined) del = del.where('staff_id', '=', restricts.staffId);
  if (restricts.roomId !== undefined) del = del.where('room_id', '=', restricts.roomId);
  await del.execute();
  const rows = slots.map((s) => ({
    merchant_id: merchantId,
    service_id: serviceId,
    start_sec: s.startSec,
    duration_sec: s.durationSec,
    staff_id: s.resources.staffId,
    room_id: s.resources.roomId,
    party_size: s.resources.partySize,
    spots_total: s.spotsTotal,
    availability_tag: s.availabilityTag,
  }));
  for (let i = 0; i < rows.length; i += INSERT_BATCH) {
    // A later duplicate of the same key replaces the earlier one, as in a feed.
    await trx
      .insertInto('availability_slots')
      .values(rows.slice(i, i + INSERT_BATCH))
      .onConflict((oc) =>
        oc
          .columns(['merchant_id', 'service_id', 'start_sec', 'duration_sec', 'staff_id', 'room_id', 'party_size'])
          .doUpdateSet({ spots_total: (eb) => eb.ref('excluded.spots_total'), availability_tag: (eb) => eb.ref('excluded.availability_tag') }),
      )
      .execute();
  }
}

/** Slots of one merchant starting in [fromSec, toSec), optionally of some services only. */
export async function slotsInRange(q: Q, merchantId: string, serviceIds: readonly string[] | null, fromSec: number, toSec: number): Promise<StoredSlot[]> {
  // One service (every booking's and lease's candidates): the statement built once.
  if (serviceIds !== null && serviceIds.length === 1) return (await slotsOfServiceInRange(q, merchantId, serviceIds[0]!, fromSec, toSec)).map(toSlot);
  let query = q
    .selectFrom('availability_slots')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('start_sec', '>=', fromSec)
    .where('start_sec', '<', toSec);
  if (serviceIds !== null) query = query.where('service_id', 'in', serviceIds.length > 0 ? [...serviceIds] : ['']);
  const rows = await query.orderBy('service_id').orderBy('start_sec').execute();
  return rows.map(toSlot);
}

const slotsOfServiceInRange = prepared<[merchantId: string, serviceId: string, fromSec: number, toSec: number], SlotRow>((q) =>
  q
    .selectFrom('availability_slots')
    .selectAll()
    .where('merchant_id', '=', arg<string>(0))
    .where('start_sec', '>=', arg<number>(2))
    .where('start_sec', '<', arg<number>(3))
    .where('service_id', 'in', [arg<string>(1)])
    .orderBy('service_id')
    .orderBy('start_sec'),
);

/** Equality on the key columns shared by slots, bookings and leases (the party size column differs). */
const keyColumns = slotKeyColumns;

type KeyValues = { merchantId: string; serviceId: string; startSec: number; durationSec: number; staffId: string; roomId: string; partySize: number };
const keyValues = (key: SlotKey): KeyValues => ({
  merchantId: key.merchantId,
  serviceId: key.serviceId,
  startSec: key.startSec,
  durationSec: key.durationSec,
  staffId: key.staffId,
  roomId: key.roomId,
  partySize: key.partySize,
});
/** Equality on a slot's key, with the named values of a prepared statement; `partySize` is the column of the slot's party size. */
const keyWhere = (v: KeyValues, partySize: 'party_size' | 'slot_party_size') => ({
  merchant_id: v.merchantId,
  service_id: v.serviceId,
  start_sec: v.startSec,
  duration_sec: v.durationSec,
  staff_id: v.staffId,
  room_id: v.roomId,
  [partySize]: v.partySize,
});

/**
 * Locks one slot for the rest of the transaction (capacity checks on it are then serialised):
 * SQLite writers already hold the database lock; PostgreSQL locks the row.
 */
export async function lockSlot(trx: Tx, dialect: 'sqlite' | 'postgres', key: SlotKey): Promise<StoredSlot | null> {
  const { rows } = await (dialect === 'postgres' ? slotForUpdate : slotByKey)(trx, keyValues(key));
  const row = rows[0];
  return row ? toSlot(row) : null;
}

/** lockSlot's select, built once (prepared.ts), with the row lock (PostgreSQL) or without (SQLite). */
function slotQuery(forUpdate: boolean) {
  return preparedWith<KeyValues, SlotRow>((q, v) => {
    const query = q
      .selectFrom('availability_slots')
      .selectAll()
      .where((eb) => eb.and(keyWhere(v, 'party_size')));
    return forUpdate ? query.forUpdate() : query;
  });
}
const slotByKey = slotQuery(false);
const slotForUpdate = slotQuery(true);

/** Spots held on one slot, leaving out one lease or booking (the one being converted or moved). */
export async function heldOnSlot(trx: Tx, key: SlotKey, now: number, except: { leaseId?: string; bookingId?: string } = {}): Promise<number> {
  // Nothing left out (every new booking): the statement built once.
  if (except.bookingId === undefined && except.leaseId === undefined) {
    const { rows } = await heldOnSlotQuery(trx, { ...keyValues(key), now });
    return Number(rows[0]!.n);
  }
  let bookings = trx
    .selectFrom('bookings')
    .select(sql<number>`count(*)`.as('n'))
    .where((eb) => eb.and({ ...keyColumns(key), slot_party_size: key.partySize }))
    .where('status', 'in', [...HOLDING_STATUSES]);
  if (except.bookingId !== undefined) bookings = bookings.where('id', '!=', except.bookingId);
  let leases = trx
    .selectFrom('leases')
    .select(sql<number>`count(*)`.as('n'))
    .where((eb) => eb.and({ ...keyColumns(key), slot_party_size: key.partySize }))
    .where('booking_id', 'is', null)
    .where('expires_at', '>', now);
  if (except.leaseId !== undefined) leases = leases.where('id', '!=', except.leaseId);
  // Both counts in one round trip.
  const row = await trx.selectNoFrom(sql<number>`(${bookings}) + (${leases})`.as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** heldOnSlot's statement when nothing is left out; exported for the test of its plan (migration 0018). */
export const heldOnSlotQuery = preparedWith<KeyValues & { now: number }, { n: number | string }>((q, v) => {
  const bookings = q
    .selectFrom('bookings')
    .select(sql<number>`count(*)`.as('n'))
    .where((eb) => eb.and(keyWhere(v, 'slot_party_size')))
    .where('status', 'in', [...HOLDING_STATUSES]);
  const leases = q
    .selectFrom('leases')
    .select(sql<number>`count(*)`.as('n'))
    .where((eb) => eb.and(keyWhere(v, 'slot_party_size')))
    .where('booking_id', 'is', null)
    .where('expires_at', '>', v.now);
  // Both counts in one round trip.
  return q.selectNoFrom(sql<number>`(${bookings}) + (${leases})`.as('n'));
});

/**
 * Slots of a service starting at or after `fromSec` whose spots_total is not 1: they cannot be
 * described as recurrences (a recurrence implies one spot per instance).
 */
export async function countNonSingleSlots(q: Q, merchantId: string, serviceId: string, fromSec: number): Promise<number> {
  const row = await q
    .selectFrom('availability_slots')
    .select(sql<number>`count(*)`.as('n'))
    .where('merchant_id', '=', merchantId)
    .where('service_id', '=', serviceId)
    .where('start_sec', '>=', fromSec)
    .where('spots_total', '!=', 1)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The first and last start of the service's slots after `afterSec`; null when it has none. */
export async function upcomingSpan(q: Q, merchantId: string, serviceId: string, afterSec: number): Promise<{ first: number; last: number } | null> {
  const row = await q
    .selectFrom('availability_slots')
    .select([sql<number | string | null>`min(start_sec)`.as('first'), sql<number | string | null>`max(start_sec)`.as('last')])
    .where('merchant_id', '=', merchantId)
    .where('service_id', '=', serviceId)
    .where('start_sec', '>', afterSec)
    .executeTakeFirst();
  if (row === undefined || row.first === null || row.last === null) return null;
  return { first: Number(row.first), last: Number(row.last) };
}

/** Where a keyset page of one service's slots ends: the slot key after the service. */
export interface SlotCursor {
  readonly startSec: number;
  readonly durationSec: number;
  readonly staffId: string;
  readonly roomId: string;
  readonly partySize: number;
}

/**
 * One keyset page of a service's slots starting in [fromSec, toSec), after `after` (from the
 * first when null), in slot key order (start first). Walks the primary key index; for feeds.
 */
export async function serviceSlotsAfter(
  q: Q,
  merchantId: string,
  serviceId: string,
  fromSec: number,
  toSec: number,
  after: SlotCursor | null,
  limit: number,
): Promise<StoredSlot[]> {
  // Only the columns that vary: reading a column costs about as much as everything else per row.
  let query = q
    .selectFrom('availability_slots')
    .select(['start_sec', 'duration_sec', 'staff_id', 'room_id', 'party_size', 'spots_total', 'availability_tag'])
    .where('merchant_id', '=', merchantId)
    .where('service_id', '=', serviceId)
    .where('start_sec', '>=', fromSec)
    .where('start_sec', '<', toSec);
  if (after !== null) {
    query = query.where(
      sql<boolean>`(start_sec, duration_sec, staff_id, room_id, party_size) > (${after.startSec}, ${after.durationSec}, ${after.staffId}, ${after.roomId}, ${after.partySize})`,
    );
  }
  const rows = await query.orderBy('start_sec').orderBy('duration_sec').orderBy('staff_id').orderBy('room_id').orderBy('party_size').limit(limit).execute();
  return rows.map((r) => toSlot({ ...r, merchant_id: merchantId, service_id: serviceId }));
}

/** The slots of one service starting in a range, as serviceSlotRuns reads them. */
export interface ServiceSlotRun {
  readonly merchantId: string;
  readonly serviceId: string;
  /** Slots of the service in the range. */
  readonly slots: number;
  /**
   * Set when every one of those slots has the same duration, spots total and availability tag and
   * no resources (no staff, no room, party size 0), as most services' slots do: their starts,
   * ascending, with what they share. Null: the slots differ; read them row by row (serviceSlotsAfter).
   */
  readonly uniform: {
    readonly durationSec: number;
    readonly spotsTotal: number;
    readonly availabilityTag: string;
    readonly starts: readonly number[];
  } | null;
}

/** Parses a comma-separated list of `count` non-negative integers (an aggregate of start_sec) without a string per number. */
export function parseStarts(text: string, count: number): number[] {
  const starts: number[] = new Array(count);
  let n = 0;
  let value = 0;
  let ascending = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44) {
      if (n > 0 && value <= starts[n - 1]!) ascending = false;
      starts[n++] = value;
      value = 0;
    } else {
      value = value * 10 + (c - 48);
    }
  }
  if (n > 0 && value <= starts[n - 1]!) ascending = false;
  starts[n++] = value;
  if (n !== count) throw new Error(`expected ${count} slot starts, read ${n}`);
  // SQLite's group_concat keeps the order of the index walk in practice, which it does not promise.
  return ascending ? starts : starts.sort((a, b) => a - b);
}

/**
 * The slots starting in [fromSec, toSec) of the services of the merchants with ids from
 * `firstMerchantId` to `lastMerchantId`, one row per service (those after `after`, at most
 * `limit`), in (merchant, service) order: the slots of a service whose slots differ only in their
 * start come as one list of starts (one value per service instead of nine per slot: creating the
 * JavaScript values of a row costs more than SQLite's reading it). For the feeds, which read every slot.
 */
export async function serviceSlotRuns(
  store: Store,
  firstMerchantId: string,
  lastMerchantId: string,
  fromSec: number,
  toSec: number,
  after: { readonly merchantId: string; readonly serviceId: string } | null,
  limit: number,
  /** Where to run the read (Store.openReader), if not on the store's own connection. */
  reader: Pick<Store, 'selectArrays'> = store,
): Promise<ServiceSlotRun[]> {
  // PostgreSQL orders its aggregate as asked; SQLite's would sort each service's slots again, which
  // the index walk has already done (parseStarts checks and sorts if not).
  const starts = store.dialect === 'postgres' ? sql<string>`string_agg(start_sec::text, ',' order by start_sec)` : sql<string>`group_concat(start_sec)`;
  let query = store.db
    .selectFrom('availability_slots')
    .select((eb) => [
      'merchant_id',
      'service_id',
      eb.fn.countAll().as('n'),
      eb.fn.min('duration_sec').as('min_duration'),
      eb.fn.max('duration_sec').as('max_duration'),
      // '' sorts before any other text: a maximum of '' means no slot has a staff member (or a room).
      eb.fn.max('staff_id').as('max_staff'),
      eb.fn.max('room_id').as('max_room'),
      eb.fn.min('party_size').as('min_party'),
      eb.fn.max('party_size').as('max_party'),
      eb.fn.min('spots_total').as('min_spots'),
      eb.fn.max('spots_total').as('max_spots'),
      eb.fn.min('availability_tag').as('min_tag'),
      eb.fn.max('availability_tag').as('max_tag'),
      starts.as('starts'),
    ])
    .where('merchant_id', '<=', lastMerchantId)
    .where('start_sec', '>=', fromSec)
    .where('start_sec', '<', toSec);
  query =
    after === null
      ? query.where('merchant_id', '>=', firstMerchantId)
      : query.where(sql<boolean>`(merchant_id, service_id) > (${after.merchantId}, ${after.serviceId})`);
  const compiled = query.groupBy(['merchant_id', 'service_id']).orderBy('merchant_id').orderBy('service_id').limit(limit).compile();
  const rows = await reader.selectArrays(compiled);
  return rows.map((r) => {
    const slots = Number(r[2]);
    const uniform =
      Number(r[3]) === Number(r[4]) &&
      r[5] === '' &&
      r[6] === '' &&
      Number(r[7]) === 0 &&
      Number(r[8]) === 0 &&
      Number(r[9]) === Number(r[10]) &&
      r[11] === r[12];
    return {
      merchantId: r[0] as string,
      serviceId: r[1] as string,
      slots,
      uniform: uniform
        ? { durationSec: Number(r[3]), spotsTotal: Number(r[9]), availabilityTag: r[11] as string, starts: parseStarts(r[13] as string, slots) }
        : null,
    };
  });
}

/**
 * Spots held (bookings in a holding status, leases neither expired nor used at `now`) per slot of
 * these merchants starting in [fromSec, toSec), keyed by slotKey: open spots are always derived
 * from these two counts (openSpots). Two queries, however many merchants.
 */
export async function heldForMerchants(q: Q, merchantIds: readonly string[], fromSec: number, toSec: number, now: number): Promise<HeldSpots> {
  const held = new Map<string, number>();
  if (merchantIds.length === 0) return held;
  const ids = [...merchantIds];
  const columns = ['merchant_id', 'service_id', 'start_sec', 'duration_sec', 'staff_id', 'room_id', 'slot_party_size'] as const;
  const [booked, leased] = await Promise.all([
    q
      .selectFrom('bookings')
      .select([...columns, sql<number>`count(*)`.as('n')])
      .where('merchant_id', 'in', ids)
      .where('start_sec', '>=', fromSec)
      .where('start_sec', '<', toSec)
      .where('status', 'in', [...HOLDING_STATUSES])
      .groupBy([...columns])
      .execute(),
    q
      .selectFrom('leases')
      .select([...columns, sql<number>`count(*)`.as('n')])
      .where('merchant_id', 'in', ids)
      .where('start_sec', '>=', fromSec)
      .where('start_sec', '<', toSec)
      .where('booking_id', 'is', null)
      .where('expires_at', '>', now)
      .groupBy([...columns])
      .execute(),
  ]);
  for (const r of [...booked, ...leased]) {
    const key = slotKey(slotKeyFromRow(r, r.slot_party_size));
    held.set(key, (held.get(key) ?? 0) + Number(r.n));
  }
  return held;
}

const heldColumns = ['merchant_id', 'service_id', 'start_sec', 'duration_sec', 'staff_id', 'room_id', 'slot_party_size'] as const;
type LookupRow = SlotRow & { kind: number | string; n: number | string; until: number | string | null };
const slotColumns = ['merchant_id', 'service_id', 'start_sec', 'duration_sec', 'staff_id', 'room_id'] as const;
/**
 * Kind 0: the slots; 1: spots held by bookings; 2: by leases (n per slot, in held columns' order,
 * `until` the earliest expiry among them: the count holds until then).
 */
const lookupQuery = prepared<[merchantId: string, serviceId: string, fromSec: number, toSec: number, now: number], LookupRow>((q) =>
  q
    .selectFrom('availability_slots')
    .select([
      sql<number>`0`.as('kind'),
      ...slotColumns,
      'party_size',
      'spots_total',
      'availability_tag',
      sql<number>`0`.as('n'),
      sql<number | string | null>`cast(null as bigint)`.as('until'),
    ])
    .where('merchant_id', '=', arg<string>(0))
    .where('service_id', '=', arg<string>(1))
    .where('start_sec', '>=', arg<number>(2))
    .where('start_sec', '<', arg<number>(3))
    .unionAll(
      q
        .selectFrom('bookings')
        .select([
          sql<number>`1`.as('kind'),
          ...slotColumns,
          'slot_party_size as party_size',
          sql<number>`0`.as('spots_total'),
          sql<string>`''`.as('availability_tag'),
          sql<number>`count(*)`.as('n'),
          sql<number | string | null>`cast(null as bigint)`.as('until'),
        ])
        .where('merchant_id', '=', arg<string>(0))
        .where('service_id', '=', arg<string>(1))
        .where('start_sec', '>=', arg<number>(2))
        .where('start_sec', '<', arg<number>(3))
        .where('status', 'in', [...HOLDING_STATUSES])
        .groupBy([...heldColumns]),
    )
    .unionAll(
      q
        .selectFrom('leases')
        .select([
          sql<number>`2`.as('kind'),
          ...slotColumns,
          'slot_party_size as party_size',
          sql<number>`0`.as('spots_total'),
          sql<string>`''`.as('availability_tag'),
          sql<number>`count(*)`.as('n'),
          sql<number | string>`min(expires_at)`.as('until'),
        ])
        .where('merchant_id', '=', arg<string>(0))
        .where('service_id', '=', arg<string>(1))
        .where('start_sec', '>=', arg<number>(2))
        .where('start_sec', '<', arg<number>(3))
        .where('booking_id', 'is', null)
        .where('expires_at', '>', arg<number>(4))
        .groupBy([...heldColumns]),
    ),
);

/**
 * A lookup of one service in one prepared query: its slots starting in [fromSec, toSec) (as
 * slotsInRange for one service, not in any order) and the spots held on them at `now` (as
 * heldForMerchants, for this service only). `heldUntil`: the earliest expiry of the leases counted
 * (the counts hold while the clock is before it), null when none is.
 */
export async function serviceSlotsWithHeld(
  q: Q,
  merchantId: string,
  serviceId: string,
  fromSec: number,
  toSec: number,
  now: number,
): Promise<{ slots: StoredSlot[]; held: HeldSpots; heldUntil: number | null }> {
  const slots: StoredSlot[] = [];
  const held = new Map<string, number>();
  let heldUntil: number | null = null;
  for (const r of await lookupQuery(q, merchantId, serviceId, fromSec, toSec, now)) {
    if (Number(r.kind) === 0) {
      slots.push(toSlot(r));
    } else {
      const key = slotKey(slotKeyFromRow(r, r.party_size));
      held.set(key, (held.get(key) ?? 0) + Number(r.n));
      if (r.until !== null) heldUntil = Math.min(heldUntil ?? Number.POSITIVE_INFINITY, Number(r.until));
    }
  }
  return { slots, held, heldUntil };
}
