// Waitlist entries in the store. Rows stay in here; callers get WaitlistEntry.
import { sql, type Selectable } from 'kysely';
import type { Actor } from '../merchants/actor.js';
import { emailKey } from '../merchants/guest-identity.js';
import type { Db, Tx } from '../store/database.js';
import { newRowId } from '../store/ids.js';
import { arg, prepared, preparedWith } from '../store/prepared.js';
import type { WaitlistEntryTable } from '../store/schema.js';
import type { QueuedParty, SeatedParty } from './estimator.js';
import type { Guest, HistoryParty, Quote, StateTimes, WaitlistEntry } from './model.js';
import { ACTIVE_STATES, type StateTimeColumn, type WaitlistState } from './state-machine.js';

type Q = Db | Tx;

// Who added an entry (merchants/actor.ts): the column says 'walk_in' for the merchant's entries, as it
// has since migration 0001; the domain says 'merchant'.
const sourceOfColumn = (stored: WaitlistEntryTable['source']): Actor => (stored === 'walk_in' ? 'merchant' : stored);
const sourceColumn = (source: Actor): WaitlistEntryTable['source'] => (source === 'merchant' ? 'walk_in' : source);

function toEntry(row: Selectable<WaitlistEntryTable>): WaitlistEntry {
  const n = (v: number | string | null): number | null => (v === null ? null : Number(v));
  return {
    id: row.id,
    merchantId: row.merchant_id,
    serviceId: row.service_id,
    source: sourceOfColumn(row.source),
    state: row.state as WaitlistState,
    partySize: row.party_size,
    guest: {
      givenName: row.given_name,
      familyName: row.family_name,
      telephone: row.telephone,
      email: row.email,
      googleUserId: row.google_user_id,
    },
    additionalRequest: row.additional_request,
    tableId: row.table_id,
    times: {
      createdAt: Number(row.created_at),
      confirmedAt: n(row.confirmed_at),
      canceledAt: n(row.canceled_at),
      declinedAt: n(row.declined_at),
      serviceReadiedAt: n(row.service_readied_at),
      checkedInAt: n(row.checked_in_at),
      seatedAt: n(row.seated_at),
      markedNoShowAt: n(row.marked_no_show_at),
      leftAt: n(row.left_at),
    },
    quote: toQuote(row),
  };
}

function toQuote(row: Pick<Selectable<WaitlistEntryTable>, 'quoted_seat_at' | 'quoted_range_start' | 'quoted_range_end'>): Quote | null {
  if (row.quoted_seat_at === null || row.quoted_range_start === null || row.quoted_range_end === null) return null;
  return { seatAt: Number(row.quoted_seat_at), rangeStart: Number(row.quoted_range_start), rangeEnd: Number(row.quoted_range_end) };
}

export interface NewEntry {
  readonly id: string;
  readonly merchantId: string;
  readonly serviceId: string;
  readonly source: Actor;
  readonly state: WaitlistState;
  readonly partySize: number;
  readonly guest: Guest;
  readonly additionalRequest: string | null;
  readonly queueSeq: number;
  readonly now: number;
  /** The estimate shown when the party joined, kept to measure the quotes' accuracy. */
  readonly quote: Quote | null;
}

/**
 * Inserts the entry unless the Google user already has a live one, by user id or by email
 * address: the partial unique indexes `waitlist_entries_one_active_per_user` (migration 0001) and
 * `waitlist_entries_one_active_per_email` (0005) decide, so two concurrent joins cannot both pass.
 * Returns false in that case. Only entries made through Google carry the email key (a host's
 * walk-in is no Google identity).
 */
/** Inserts a new entry and returns it as stored (one round trip); null if the guest already has a live entry. */
export async function insertEntry(trx: Tx, e: NewEntry): Promise<WaitlistEntry | null> {
  const { rows } = await insertEntryQuery(trx, {
    id: e.id,
    merchantId: e.merchantId,
    serviceId: e.serviceId,
    source: sourceColumn(e.source),
    state: e.state,
    partySize: e.partySize,
    givenName: e.guest.givenName,
    familyName: e.guest.familyName,
    telephone: e.guest.telephone,
    email: e.guest.email,
    googleUserId: e.guest.googleUserId,
    emailKey: e.source === 'google' ? emailKey(e.guest.email) : null,
    additionalRequest: e.additionalRequest,
    queueSeq: e.queueSeq,
    now: e.now,
    quotedSeatAt: e.quote?.seatAt ?? null,
    quotedRangeStart: e.quote?.rangeStart ?? null,
    quotedRangeEnd: e.quote?.rangeEnd ?? null,
  });
  const row = rows[0];
  return row === undefined ? null : toEntry(row);
}

interface EntryValues {
  readonly id: string;
  readonly merchantId: string;
  readonly serviceId: string;
  readonly source: WaitlistEntryTable['source'];
  readonly state: WaitlistState;
  readonly partySize: number;
  readonly givenName: Guest['givenName'];
  readonly familyName: Guest['familyName'];
  readonly telephone: Guest['telephone'];
  readonly email: Guest['email'];
  readonly googleUserId: Guest['googleUserId'];
  readonly emailKey: string | null;
  readonly additionalRequest: string | null;
  readonly queueSeq: number;
  readonly now: number;
  readonly quotedSeatAt: number | null;
  readonly quotedRangeStart: number | null;
  readonly quotedRangeEnd: number | null;
}

/** insertEntry's statement, built once (prepared.ts). */
const insertEntryQuery = preparedWith<EntryValues, Selectable<WaitlistEntryTable>>((q, v) =>
  q
    .insertInto('waitlist_entries')
    .values({
      id: v.id,
      merchant_id: v.merchantId,
      service_id: v.serviceId,
      source: v.source,
      state: v.state,
      party_size: v.partySize,
      given_name: v.givenName,
      family_name: v.familyName,
      telephone: v.telephone,
      email: v.email,
      google_user_id: v.googleUserId,
      email_key: v.emailKey,
      additional_request: v.additionalRequest,
      table_id: null,
      queue_seq: v.queueSeq,
      created_at: v.now,
      confirmed_at: null,
      canceled_at: null,
      declined_at: null,
      service_readied_at: null,
      checked_in_at: null,
      seated_at: null,
      marked_no_show_at: null,
      updated_at: v.now,
      left_at: null,
      quoted_seat_at: v.quotedSeatAt,
      quoted_range_start: v.quotedRangeStart,
      quoted_range_end: v.quotedRangeEnd,
    })
    // No conflict target: either index (the id is a fresh UUID) means "already has a live entry".
    .onConflict((oc) => oc.doNothing())
    .returningAll(),
);

/**
 * The position at the end of a service's queue: after every entry so far, and the clock's
 * milliseconds when later. Two joins in one millisecond (or a clock stepped back) must not fall
 * back to ordering by random id. Call inside the transaction that holds the service's lock.
 */
export async function nextQueueSeq(trx: Tx, merchantId: string, serviceId: string, nowMs: number): Promise<number> {
  const [row] = await lastQueueSeq(trx, merchantId, serviceId);
  const last = row?.last === null || row?.last === undefined ? null : Number(row.last);
  return last === null ? nowMs : Math.max(nowMs, last + 1);
}

const lastQueueSeq = prepared<[merchantId: string, serviceId: string], { last: number | string | null }>((q) =>
  q
    .selectFrom('waitlist_entries')
    .select((eb) => eb.fn.max('queue_seq').as('last'))
    .where('merchant_id', '=', arg<string>(0))
    .where('service_id', '=', arg<string>(1)),
);

const entryById = prepared<[id: string], Selectable<WaitlistEntryTable>>((q) => q.selectFrom('waitlist_entries').selectAll().where('id', '=', arg<string>(0)));

export async function findEntry(q: Q, id: string): Promise<WaitlistEntry | null> {
  const [row] = await entryById(q, id);
  return row ? toEntry(row) : null;
}

export async function findEntryForUpdate(trx: Tx, dialect: 'sqlite' | 'postgres', id: string): Promise<WaitlistEntry | null> {
  let query = trx.selectFrom('waitlist_entries').selectAll().where('id', '=', id);
  if (dialect === 'postgres') query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toEntry(row) : null;
}

export async function updateState(trx: Tx, id: string, state: WaitlistState, stamp: StateTimeColumn, now: number, tableId?: string | null): Promise<void> {
  await trx
    .updateTable('waitlist_entries')
    .set({ state, [stamp]: now, updated_at: now, ...(tableId !== undefined ? { table_id: tableId } : {}) })
    .where('id', '=', id)
    .execute();
}

/** Records that a seated party left its table; false when it is not seated or already left. */
export async function markLeft(trx: Tx, id: string, now: number): Promise<boolean> {
  const result = await trx
    .updateTable('waitlist_entries')
    .set({ left_at: now, updated_at: now })
    .where('id', '=', id)
    .where('state', '=', 'SEATED')
    .where('left_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Live entries of one service, in queue order. */
export async function activeQueue(q: Q, merchantId: string, serviceId: string): Promise<WaitlistEntry[]> {
  const rows = await q
    .selectFrom('waitlist_entries')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('service_id', '=', serviceId)
    .where('state', 'in', [...ACTIVE_STATES])
    .orderBy('queue_seq')
    .orderBy('id')
    .execute();
  return rows.map(toEntry);
}

/**
 * A party in the queue as the live floor holds it: what an estimate needs, and what Google's
 * GetWaitlistEntry answers of it (its state and the times of its states; no personal data).
 */
export interface QueuedEntry extends QueuedParty {
  readonly merchantId: string;
  readonly serviceId: string;
  readonly state: WaitlistState;
  readonly times: StateTimes;
}

/** What an estimate needs of the live floor (floorParties). */
export interface FloorParties {
  readonly queue: QueuedEntry[];
  readonly seated: SeatedParty[];
  /** The version of the merchant's stored learned model; null when none is stored or it was not asked for. */
  readonly modelVersion: number | null;
}

/**
 * What an estimate needs of the live floor, in one prepared query: the service's queue (as
 * queuedParties), the merchant's parties seated since `seatedSince` that have not been seen to
 * leave (as seatedSince) and, when `withModel`, the version of its stored learned model (as
 * learnedModelVersion).
 */
export async function floorParties(q: Q, merchantId: string, serviceId: string, seatedSince: number, withModel: boolean): Promise<FloorParties> {
  const queue: QueuedEntry[] = [];
  const seated: SeatedParty[] = [];
  let modelVersion: number | null = null;
  for (const r of await (withModel ? floorWithModelQuery : floorQuery)(q, merchantId, serviceId, seatedSince)) {
    const kind = Number(r.kind);
    if (kind === 0) {
      const createdAt = Number(r.created_at);
      queue.push({
        id: r.id,
        partySize: r.party_size,
        joinedAt: createdAt,
        merchantId,
        serviceId,
        state: r.state,
        times: {
          createdAt,
          confirmedAt: orNull(r.confirmed_at),
          canceledAt: orNull(r.canceled_at),
          declinedAt: orNull(r.declined_at),
          serviceReadiedAt: orNull(r.service_readied_at),
          checkedInAt: orNull(r.checked_in_at),
          seatedAt: orNull(r.seated_at),
          markedNoShowAt: orNull(r.marked_no_show_at),
          leftAt: orNull(r.left_at),
        },
      });
    } else if (kind === 1) seated.push({ partySize: r.party_size, tableId: r.table_id, seatedAt: Number(r.seated_at) });
    else modelVersion = Number(r.created_at);
  }
  return { queue, seated, modelVersion };
}

const orNull = (v: number | null): number | null => (v === null ? null : Number(v));

type FloorRow = {
  kind: number;
  id: string;
  party_size: number;
  created_at: number;
  table_id: string | null;
  seated_at: number | null;
  queue_seq: number;
  state: WaitlistState;
  confirmed_at: number | null;
  canceled_at: number | null;
  declined_at: number | null;
  service_readied_at: number | null;
  checked_in_at: number | null;
  marked_no_show_at: number | null;
  left_at: number | null;
};
const TIME_COLUMNS = ['confirmed_at', 'canceled_at', 'declined_at', 'service_readied_at', 'checked_in_at', 'marked_no_show_at', 'left_at'] as const;
const floorColumns = ['id', 'party_size', 'created_at', 'table_id', 'seated_at', 'queue_seq', 'state', ...TIME_COLUMNS] as const;

/** Kind 0: the queue, in order; 1: seated parties; 2 (withModel): one row whose created_at is the learned model's version. Exported for its query plan's test. */
export function buildFloorQuery(q: Q, withModel: boolean) {
  const queue = q
    .selectFrom('waitlist_entries')
    .select([sql<number>`0`.as('kind'), ...floorColumns])
    .where('merchant_id', '=', arg<string>(0))
    .where('service_id', '=', arg<string>(1))
    .where('state', 'in', [...ACTIVE_STATES]);
  const seated = q
    .selectFrom('waitlist_entries')
    .select([sql<number>`1`.as('kind'), ...floorColumns])
    .where('merchant_id', '=', arg<string>(0))
    // Literals, as in the partial index waitlist_entries_seated_idx (migration 0019), which holds only these rows.
    .where('state', '=', sql.lit('SEATED'))
    .where('left_at', 'is', null)
    .where('seated_at', '>=', arg<number>(2));
  const model = q
    .selectFrom('learned_models')
    .select([
      sql<number>`2`.as('kind'),
      'merchant_id as id',
      sql<number>`0`.as('party_size'),
      'version as created_at',
      sql<string | null>`null`.as('table_id'),
      sql<number | null>`null`.as('seated_at'),
      sql<number>`0`.as('queue_seq'),
      sql<WaitlistState>`null`.as('state'),
      ...TIME_COLUMNS.map((c) => sql<number | null>`null`.as(c)),
    ])
    .where('merchant_id', '=', arg<string>(0));
  return (withModel ? queue.unionAll(seated).unionAll(model) : queue.unionAll(seated)).orderBy('kind').orderBy('queue_seq').orderBy('id');
}

const floorQuery = prepared<[merchantId: string, serviceId: string, seatedSince: number], FloorRow>((q) => buildFloorQuery(q, false));
const floorWithModelQuery = prepared<[merchantId: string, serviceId: string, seatedSince: number], FloorRow>((q) => buildFloorQuery(q, true));

export interface EntryFilter {
  readonly merchantId: string;
  readonly serviceId?: string;
  readonly states?: readonly WaitlistState[];
  readonly since?: number;
  readonly limit: number;
}

export async function listEntries(q: Q, f: EntryFilter): Promise<WaitlistEntry[]> {
  let query = q.selectFrom('waitlist_entries').selectAll().where('merchant_id', '=', f.merchantId);
  if (f.serviceId !== undefined) query = query.where('service_id', '=', f.serviceId);
  if (f.states !== undefined && f.states.length > 0) query = query.where('state', 'in', [...f.states]);
  if (f.since !== undefined) query = query.where('created_at', '>=', f.since);
  const rows = await query.orderBy('queue_seq').orderBy('id').limit(f.limit).execute();
  return rows.map(toEntry);
}

/**
 * A merchant's parties that joined in [since, until), in join order, without personal data: the
 * history the learned estimates and the quote accuracy are computed from.
 */
export async function history(q: Q, merchantId: string, since: number, until: number): Promise<HistoryParty[]> {
  const rows = await q
    .selectFrom('waitlist_entries')
    .select([
      'id',
      'service_id',
      'party_size',
      'state',
      'table_id',
      'created_at',
      'seated_at',
      'left_at',
      'canceled_at',
      'declined_at',
      'marked_no_show_at',
      'quoted_seat_at',
      'quoted_range_start',
      'quoted_range_end',
    ])
    .where('merchant_id', '=', merchantId)
    .where('created_at', '>=', since)
    .where('created_at', '<', until)
    .orderBy('created_at')
    .orderBy('queue_seq')
    .execute();
  const n = (v: number | string | null): number | null => (v === null ? null : Number(v));
  return rows.map((r) => ({
    id: r.id,
    serviceId: r.service_id,
    partySize: r.party_size,
    state: r.state as WaitlistState,
    tableId: r.table_id,
    joinedAt: Number(r.created_at),
    seatedAt: n(r.seated_at),
    leftAt: n(r.left_at),
    canceledAt: n(r.canceled_at) ?? n(r.declined_at),
    noShowAt: n(r.marked_no_show_at),
    quote: toQuote(r),
  }));
}

/**
 * Retention: clears the guest's personal data of up to `limit` entries last changed before
 * `cutoff` (names become "", contact details, Google user id and request null), keeping state,
 * party size and every time. Idempotent: rows already done are skipped. How many it cleared.
 */
export async function anonymiseBatch(trx: Tx, cutoff: number, now: number, limit: number): Promise<number> {
  const ids = (
    await trx
      .selectFrom('waitlist_entries')
      .select('id')
      .where('anonymised_at', 'is', null)
      .where('updated_at', '<', cutoff)
      .orderBy('updated_at')
      .orderBy('id')
      .limit(limit)
      .execute()
  ).map((r) => r.id);
  if (ids.length === 0) return 0;
  const result = await trx
    .updateTable('waitlist_entries')
    .set({ given_name: '', family_name: '', telephone: null, email: null, email_key: null, google_user_id: null, additional_request: null, anonymised_at: now })
    .where('id', 'in', ids)
    .where('anonymised_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Waitlist entries whose grace timer after SERVICE_READY has run out, oldest first. */
function overdue(now: number) {
  return sql<boolean>`m.ready_grace_minutes is not null and e.service_readied_at + m.ready_grace_minutes * 60 + e.hold_extended_sec <= ${now}`;
}

export async function overdueReady(q: Q, now: number, limit: number): Promise<string[]> {
  const rows = await q
    .selectFrom('waitlist_entries as e')
    .innerJoin('merchants as m', 'm.id', 'e.merchant_id')
    .select('e.id')
    .where('e.state', '=', 'SERVICE_READY')
    .where(overdue(now))
    .orderBy('e.service_readied_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

export async function isOverdueReady(q: Q, id: string, now: number): Promise<boolean> {
  const row = await q
    .selectFrom('waitlist_entries as e')
    .innerJoin('merchants as m', 'm.id', 'e.merchant_id')
    .select('e.id')
    .where('e.id', '=', id)
    .where('e.state', '=', 'SERVICE_READY')
    .where(overdue(now))
    .executeTakeFirst();
  return row !== undefined;
}

export async function extendHold(trx: Tx, id: string, seconds: number, now: number): Promise<void> {
  await trx
    .updateTable('waitlist_entries')
    .set((eb) => ({ hold_extended_sec: eb('hold_extended_sec', '+', seconds), updated_at: now }))
    .where('id', '=', id)
    .execute();
}

/** A merchant's stored learned model: its version, and the JSON texts as stored. */
export interface StoredModelRow {
  readonly version: number;
  readonly computedAt: number;
  readonly model: string;
  readonly details: string;
}

/** The version of the merchant's stored learned model; null: none stored. */
export async function learnedModelVersion(q: Q, merchantId: string): Promise<number | null> {
  const row = await q.selectFrom('learned_models').select('version').where('merchant_id', '=', merchantId).executeTakeFirst();
  return row === undefined ? null : Number(row.version);
}

export async function findLearnedModel(q: Q, merchantId: string): Promise<StoredModelRow | null> {
  const row = await q
    .selectFrom('learned_models')
    .select(['version', 'computed_at', 'model', 'details'])
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  return row === undefined ? null : { version: Number(row.version), computedAt: Number(row.computed_at), model: row.model, details: row.details };
}

/**
 * Stores a merchant's model (version + 1), unless a model computed later is stored already (a slow
 * replica's refresh never replaces a newer one). True when stored.
 */
export async function saveLearnedModel(q: Q, merchantId: string, computedAt: number, model: string, details: string): Promise<boolean> {
  const result = await q
    .insertInto('learned_models')
    .values({ merchant_id: merchantId, version: 1, computed_at: computedAt, model, details })
    .onConflict((oc) =>
      oc
        .column('merchant_id')
        .doUpdateSet((eb) => ({
          version: sql<number>`learned_models.version + 1`,
          computed_at: eb.ref('excluded.computed_at'),
          model: eb.ref('excluded.model'),
          details: eb.ref('excluded.details'),
        }))
        .where('learned_models.computed_at', '<=', computedAt),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Entries of the merchant that joined in [from, to]. */
export async function countJoinedBetween(q: Q, merchantId: string, from: number, to: number): Promise<number> {
  const row = await q
    .selectFrom('waitlist_entries')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('merchant_id', '=', merchantId)
    .where('created_at', '>=', from)
    .where('created_at', '<=', to)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Inserts finished parties of an imported history (no guest data: names empty, marked anonymised
 * at `now` so retention leaves them alone), in join order, 200 rows per statement.
 */
export async function insertHistory(trx: Tx, merchantId: string, serviceId: string, parties: readonly HistoryParty[], now: number): Promise<void> {
  const rows = parties.map((p, i) => ({
    id: newRowId(),
    merchant_id: merchantId,
    service_id: serviceId,
    source: sourceColumn('merchant'),
    state: p.state,
    party_size: p.partySize,
    given_name: '',
    family_name: '',
    telephone: null,
    email: null,
    google_user_id: null,
    email_key: null,
    additional_request: null,
    table_id: p.tableId,
    // Join order; parties that joined in the same second keep the file's order.
    queue_seq: p.joinedAt * 1000 + (i % 1000),
    created_at: p.joinedAt,
    confirmed_at: null,
    canceled_at: p.canceledAt,
    declined_at: null,
    service_readied_at: null,
    checked_in_at: null,
    seated_at: p.seatedAt,
    marked_no_show_at: p.noShowAt,
    updated_at: Math.max(p.joinedAt, p.seatedAt ?? 0, p.leftAt ?? 0, p.canceledAt ?? 0, p.noShowAt ?? 0),
    left_at: p.leftAt,
    quoted_seat_at: p.quote?.seatAt ?? null,
    quoted_range_start: p.quote?.rangeStart ?? null,
    quoted_range_end: p.quote?.rangeEnd ?? null,
    anonymised_at: now,
  }));
  for (let i = 0; i < rows.length; i += 200)
    await trx
      .insertInto('waitlist_entries')
      .values(rows.slice(i, i + 200))
      .execute();
}
