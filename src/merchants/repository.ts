// Reads and writes merchants, opening hours, services and tables. Rows stay in here.
import { sql, type Selectable } from 'kysely';
import { DEFAULT_BOOKING_RULES, type TurnTime } from './rules.js';
import type { Db, Tx } from '../store/database.js';
import { arg, prepared } from '../store/prepared.js';
import type { MerchantTable, ServiceTable } from '../store/schema.js';
import { GUEST_LANGUAGES, type DiningTable, type GuestLanguage, type GuestMessageSettings, type Merchant, type Service } from './model.js';
import type { OpeningInterval } from './opening-hours.js';

type Q = Db | Tx;

function toMerchant(row: Selectable<MerchantTable>, hours: OpeningInterval[]): Merchant {
  return {
    id: row.id,
    name: row.name,
    timeZone: row.time_zone,
    telephone: row.telephone,
    address: {
      streetAddress: row.street_address,
      locality: row.locality,
      region: row.region,
      postalCode: row.postal_code,
      country: row.country,
    },
    waitlistAdvisement: row.waitlist_advisement,
    turnTimes: (JSON.parse(row.turn_times) as { max_party_size: number; minutes: number }[]).map((t) => ({
      maxPartySize: t.max_party_size,
      minutes: t.minutes,
    })),
    openingHours: hours,
    guestMessages: {
      language: (GUEST_LANGUAGES as readonly string[]).includes(row.guest_language) ? (row.guest_language as GuestLanguage) : 'en',
      graceMinutes: row.ready_grace_minutes,
      almostTurnPosition: row.almost_turn_position,
    },
    deactivatedAt: row.deactivated_at === null ? null : Number(row.deactivated_at),
  };
}

function toService(row: Selectable<ServiceTable>): Service {
  return {
    merchantId: row.merchant_id,
    id: row.id,
    name: row.name,
    waitlist: {
      enabled: row.waitlist_enabled === 1,
      paused: row.waitlist_paused === 1,
      minPartySize: row.min_party_size,
      maxPartySize: row.max_party_size,
      maxQueueLength: row.max_queue_length,
      allowedPhoneCountries: JSON.parse(row.allowed_phone_countries) as string[],
      supportsAdditionalRequest: row.supports_additional_request === 1,
      confirmationMode: row.confirmation_mode,
      walkInWhenNoWait: row.walk_in_when_no_wait === 1,
      maxQuotedWaitMinutes: row.max_quoted_wait_minutes,
      callMerchantAboveMaxPartySize: row.call_merchant_above_max_party_size === 1,
    },
    booking: {
      enabled: row.booking_enabled === 1,
      confirmationMode: row.booking_confirmation_mode,
      minPartySize: row.booking_min_party_size,
      maxPartySize: row.booking_max_party_size,
      cancelBeforeStartSec: Number(row.cancel_before_start_sec),
      userBookingLimit: row.user_booking_limit,
      maxLeaseSec: row.max_lease_sec,
      price: row.price_micros === null || row.currency_code === null ? null : { micros: Number(row.price_micros), currency: row.currency_code },
      availabilityFormat: row.availability_format,
    },
    deactivatedAt: row.deactivated_at === null ? null : Number(row.deactivated_at),
  };
}

// A merchant, its opening hours and its tables are read in every write's transaction that needs them: built once (prepared.ts).
const merchantById = prepared<[id: string], Selectable<MerchantTable>>((q) => q.selectFrom('merchants').selectAll().where('id', '=', arg<string>(0)));
const hoursOf = prepared<[merchantId: string], OpeningInterval>((q) =>
  q.selectFrom('opening_hours').select(['day', 'open', 'close']).where('merchant_id', '=', arg<string>(0)).orderBy('position'),
);
const tablesOf = prepared<[merchantId: string], { id: string; name: string; min_seats: number; seats: number }>((q) =>
  q.selectFrom('dining_tables').select(['id', 'name', 'min_seats', 'seats']).where('merchant_id', '=', arg<string>(0)).orderBy('seats').orderBy('id'),
);

export async function findMerchant(q: Q, id: string): Promise<Merchant | null> {
  // Both at once: on PostgreSQL, in a transaction, one round trip (store/postgres-pipeline.ts).
  const [[row], hours] = await Promise.all([merchantById(q, id), hoursOf(q, id)]);
  if (!row) return null;
  return toMerchant(row, hours);
}

export async function listMerchants(q: Q, onlyId: string | null): Promise<Merchant[]> {
  let query = q.selectFrom('merchants').select('id').orderBy('id');
  if (onlyId !== null) query = query.where('id', '=', onlyId);
  const ids = await query.execute();
  const merchants = await Promise.all(ids.map((r) => findMerchant(q, r.id)));
  return merchants.filter((m): m is Merchant => m !== null);
}

/** One keyset page of merchants: ids after `afterId` (from the first when null), ascending. For feeds. */
export async function merchantsAfter(q: Q, afterId: string | null, limit: number): Promise<Merchant[]> {
  let query = q.selectFrom('merchants').selectAll().orderBy('id').limit(limit);
  if (afterId !== null) query = query.where('id', '>', afterId);
  const rows = await query.execute();
  if (rows.length === 0) return [];
  const hours = await q
    .selectFrom('opening_hours')
    .select(['merchant_id', 'day', 'open', 'close'])
    .where(
      'merchant_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('merchant_id')
    .orderBy('position')
    .execute();
  const byMerchant = new Map<string, OpeningInterval[]>();
  for (const h of hours) {
    const list = byMerchant.get(h.merchant_id) ?? [];
    list.push({ day: h.day, open: h.open, close: h.close });
    byMerchant.set(h.merchant_id, list);
  }
  return rows.map((r) => toMerchant(r, byMerchant.get(r.id) ?? []));
}

/** The services of these merchants, by merchant then service id. For feeds. */
export async function servicesOfMerchants(q: Q, merchantIds: readonly string[]): Promise<Service[]> {
  if (merchantIds.length === 0) return [];
  const rows = await q
    .selectFrom('services')
    .selectAll()
    .where('merchant_id', 'in', [...merchantIds])
    .orderBy('merchant_id')
    .orderBy('id')
    .execute();
  return rows.map(toService);
}

export interface MerchantWrite {
  readonly id: string;
  readonly name: string;
  readonly timeZone: string;
  readonly telephone: string | null;
  readonly address: Merchant['address'];
  readonly waitlistAdvisement: string | null;
  readonly turnTimes: readonly TurnTime[];
  /** Left as stored (the defaults on insert) when not given. */
  readonly guestMessages?: GuestMessageSettings;
}

function merchantColumns(m: MerchantWrite) {
  const g = m.guestMessages;
  return {
    ...(g === undefined ? {} : { guest_language: g.language, ready_grace_minutes: g.graceMinutes, almost_turn_position: g.almostTurnPosition }),
    name: m.name,
    time_zone: m.timeZone,
    telephone: m.telephone,
    street_address: m.address.streetAddress,
    locality: m.address.locality,
    region: m.address.region,
    postal_code: m.address.postalCode,
    country: m.address.country,
    waitlist_advisement: m.waitlistAdvisement,
    turn_times: JSON.stringify(
      [...m.turnTimes].sort((a, b) => a.maxPartySize - b.maxPartySize).map((t) => ({ max_party_size: t.maxPartySize, minutes: t.minutes })),
    ),
  };
}

/** Inserts; returns false when the id is taken. */
export async function insertMerchant(q: Q, m: MerchantWrite, now: number): Promise<boolean> {
  const result = await q
    .insertInto('merchants')
    .values({ id: m.id, ...merchantColumns(m), created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function updateMerchant(q: Q, m: MerchantWrite, now: number): Promise<void> {
  await q
    .updateTable('merchants')
    .set({ ...merchantColumns(m), updated_at: now })
    .where('id', '=', m.id)
    .execute();
}

export async function replaceOpeningHours(q: Q, merchantId: string, hours: readonly OpeningInterval[]): Promise<void> {
  await q.deleteFrom('opening_hours').where('merchant_id', '=', merchantId).execute();
  if (hours.length === 0) return;
  await q
    .insertInto('opening_hours')
    .values(hours.map((h, position) => ({ merchant_id: merchantId, position, day: h.day, open: h.open, close: h.close })))
    .execute();
}

export async function findService(q: Q, merchantId: string, serviceId: string): Promise<Service | null> {
  const row = await q.selectFrom('services').selectAll().where('merchant_id', '=', merchantId).where('id', '=', serviceId).executeTakeFirst();
  return row ? toService(row) : null;
}

/**
 * Serialises writers of one service's queue (capacity checks). SQLite writers already hold the
 * database write lock (BEGIN IMMEDIATE); PostgreSQL takes a row lock.
 */
export async function lockService(trx: Tx, dialect: 'sqlite' | 'postgres', merchantId: string, serviceId: string): Promise<Service | null> {
  let query = trx.selectFrom('services').selectAll().where('merchant_id', '=', merchantId).where('id', '=', serviceId);
  if (dialect === 'postgres') query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toService(row) : null;
}

export async function listServices(q: Q, merchantId: string): Promise<Service[]> {
  const rows = await q.selectFrom('services').selectAll().where('merchant_id', '=', merchantId).orderBy('id').execute();
  return rows.map(toService);
}

export interface ServiceWrite {
  readonly merchantId: string;
  readonly id: string;
  readonly name: string;
  readonly waitlist: Service['waitlist'];
  /** Defaults to DEFAULT_BOOKING_RULES (no booking) when a service is created without it. */
  readonly booking?: Service['booking'];
}

function serviceColumns(s: ServiceWrite) {
  const w = s.waitlist;
  const b = s.booking ?? DEFAULT_BOOKING_RULES;
  return {
    name: s.name,
    waitlist_enabled: w.enabled ? 1 : 0,
    waitlist_paused: w.paused ? 1 : 0,
    min_party_size: w.minPartySize,
    max_party_size: w.maxPartySize,
    max_queue_length: w.maxQueueLength,
    allowed_phone_countries: JSON.stringify(w.allowedPhoneCountries),
    supports_additional_request: w.supportsAdditionalRequest ? 1 : 0,
    confirmation_mode: w.confirmationMode,
    walk_in_when_no_wait: w.walkInWhenNoWait ? 1 : 0,
    max_quoted_wait_minutes: w.maxQuotedWaitMinutes,
    booking_enabled: b.enabled ? 1 : 0,
    booking_confirmation_mode: b.confirmationMode,
    booking_min_party_size: b.minPartySize,
    booking_max_party_size: b.maxPartySize,
    cancel_before_start_sec: b.cancelBeforeStartSec,
    user_booking_limit: b.userBookingLimit,
    max_lease_sec: b.maxLeaseSec,
    price_micros: b.price?.micros ?? null,
    currency_code: b.price?.currency ?? null,
    availability_format: b.availabilityFormat,
    call_merchant_above_max_party_size: w.callMerchantAboveMaxPartySize ? 1 : 0,
  };
}

export async function insertService(q: Q, s: ServiceWrite, now: number): Promise<boolean> {
  const result = await q
    .insertInto('services')
    .values({ merchant_id: s.merchantId, id: s.id, ...serviceColumns(s), created_at: now, updated_at: now })
    .onConflict((oc) => oc.columns(['merchant_id', 'id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function updateService(q: Q, s: ServiceWrite, now: number): Promise<void> {
  await q
    .updateTable('services')
    .set({ ...serviceColumns(s), updated_at: now })
    .where('merchant_id', '=', s.merchantId)
    .where('id', '=', s.id)
    .execute();
}

export async function listTables(q: Q, merchantId: string): Promise<DiningTable[]> {
  const rows = await tablesOf(q, merchantId);
  return rows.map((r) => ({ id: r.id, name: r.name, minSeats: r.min_seats, seats: r.seats }));
}

export async function replaceTables(q: Q, merchantId: string, tables: readonly DiningTable[]): Promise<void> {
  await q.deleteFrom('dining_tables').where('merchant_id', '=', merchantId).execute();
  if (tables.length === 0) return;
  await q
    .insertInto('dining_tables')
    .values(tables.map((t) => ({ merchant_id: merchantId, id: t.id, name: t.name, min_seats: t.minSeats, seats: t.seats })))
    .execute();
}

/**
 * Deactivates (`at` a time) or reactivates (`at` null) a merchant, or one of its services. Takes
 * the row lock that bookings and joins take in share mode, so none slips in beside it. Whether a row changed.
 */
export async function setDeactivated(trx: Tx, merchantId: string, serviceId: string | null, at: number | null): Promise<boolean> {
  const result =
    serviceId === null
      ? await trx.updateTable('merchants').set({ deactivated_at: at }).where('id', '=', merchantId).executeTakeFirst()
      : await trx.updateTable('services').set({ deactivated_at: at }).where('merchant_id', '=', merchantId).where('id', '=', serviceId).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Whether a merchant and its service take new bookings and joins, read under a share lock on
 * PostgreSQL so that a deactivation committing meanwhile is seen (SQLite serialises writers).
 */
export async function isActiveForUpdate(trx: Tx, dialect: 'sqlite' | 'postgres', merchantId: string, serviceId: string): Promise<boolean> {
  // One round trip: on PostgreSQL, FOR SHARE locks the row of each table of the join.
  let query = trx
    .selectFrom('merchants as m')
    .innerJoin('services as s', 's.merchant_id', 'm.id')
    .select(['m.deactivated_at as merchant_deactivated_at', 's.deactivated_at as service_deactivated_at'])
    .where('m.id', '=', merchantId)
    .where('s.id', '=', serviceId);
  if (dialect === 'postgres') query = query.forShare();
  const row = await query.executeTakeFirst();
  return row !== undefined && row.merchant_deactivated_at === null && row.service_deactivated_at === null;
}

/**
 * The service of a write, read in the write's transaction together with whether it and its
 * merchant are active, in one round trip: on PostgreSQL the service's row is locked (`update`:
 * writers of its queue take turns; `share`: a deactivation cannot commit beside the write) and
 * the merchant's row is share-locked. Null when no such service of that merchant exists (the
 * caller tells which of the two is unknown).
 */
export async function serviceOfWrite(
  trx: Tx,
  dialect: 'sqlite' | 'postgres',
  merchantId: string,
  serviceId: string,
  lock: 'update' | 'share',
): Promise<{ service: Service; active: boolean } | null> {
  const [row] = await serviceOfWriteQueries[dialect === 'postgres' ? lock : 'none'](trx, merchantId, serviceId);
  if (row === undefined) return null;
  return { service: toService(row), active: row.merchant_deactivated_at === null && row.deactivated_at === null };
}

type ServiceOfWriteRow = Selectable<ServiceTable> & { merchant_deactivated_at: number | null };

/** serviceOfWrite's select, built once per lock (prepared.ts); none on SQLite, whose writers hold the database's write lock. */
function serviceOfWriteQuery(lock: 'none' | 'update' | 'share') {
  return prepared<[merchantId: string, serviceId: string], ServiceOfWriteRow>((q) => {
    const query = q
      .selectFrom('services as s')
      .innerJoin('merchants as m', 'm.id', 's.merchant_id')
      .selectAll('s')
      .select('m.deactivated_at as merchant_deactivated_at')
      .where('s.merchant_id', '=', arg<string>(0))
      .where('s.id', '=', arg<string>(1));
    return lock === 'none' ? query : lock === 'update' ? query.forUpdate('s').forShare('m') : query.forShare();
  });
}
const serviceOfWriteQueries = { none: serviceOfWriteQuery('none'), update: serviceOfWriteQuery('update'), share: serviceOfWriteQuery('share') };

/**
 * The stamp of the merchant's last configuration change (migration 0012's triggers: merchant,
 * opening hours, services, tables); null when none was recorded (not changed since the migration).
 */
export async function configVersion(q: Q, merchantId: string): Promise<number | null> {
  const [row] = await versionOf(q, merchantId);
  return row === undefined ? null : Number(row.version);
}

const versionOf = prepared<[merchantId: string], { version: number | string }>((q) =>
  q.selectFrom('read_model_versions').select('version').where('merchant_id', '=', arg<string>(0)),
);

/**
 * SQLite only: the merchant's stamp (configVersion) and the connection's `PRAGMA data_version`
 * (which changes when another connection commits) in one statement: what a join on SQLite reads to
 * know whether its merchant's configuration and its service's live floor kept in memory are what its
 * transaction would read (waitlist/live-floors.ts).
 */
export async function configAndDataVersion(q: Q, merchantId: string): Promise<{ version: number | null; dataVersion: number }> {
  const [row] = await versionAndDataOf(q, merchantId);
  return { version: row?.version === null || row?.version === undefined ? null : Number(row.version), dataVersion: Number(row!.data_version) };
}

const versionAndDataOf = prepared<[merchantId: string], { version: number | string | null; data_version: number }>((q) =>
  q.selectNoFrom((eb) => [
    eb.selectFrom('read_model_versions').select('version').where('merchant_id', '=', arg<string>(0)).as('version'),
    sql<number>`(select data_version from pragma_data_version)`.as('data_version'),
  ]),
);

/** The last stamp given to a change of any merchant's configuration (migration 0012). */
export async function configClock(q: Q): Promise<number> {
  const row = await q.selectFrom('read_model_clock').select('version').where('id', '=', 1).executeTakeFirst();
  return row === undefined ? 0 : Number(row.version);
}

/** Merchants whose configuration changed with a stamp above `version`. */
export async function configChangesAfter(q: Q, version: number): Promise<{ merchantId: string; version: number }[]> {
  const rows = await q.selectFrom('read_model_versions').select(['merchant_id', 'version']).where('version', '>', version).execute();
  return rows.map((r) => ({ merchantId: r.merchant_id, version: Number(r.version) }));
}
