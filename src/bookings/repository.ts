// Bookings and leases in the store. Rows stay in here; callers get Booking and Lease.
import { type Insertable, sql, type Selectable } from 'kysely';
import { type SlotKeyRow, slotKeyColumns, slotKeyFromRow, HOLDING_STATUSES, type SlotKey } from '../availability/slot.js';
import type { Actor } from '../merchants/actor.js';
import { emailKey } from '../merchants/guest-identity.js';
import { atCommit } from '../store/at-commit.js';
import type { Db, Tx } from '../store/database.js';
import { preparedWith } from '../store/prepared.js';
import type { BookingTable, LeaseTable, OfferTable } from '../store/schema.js';
import type { Booking, BookingStatus, Lease, Offer, PrepaymentStatus } from './model.js';

type Q = Db | Tx;

function keyOf(r: SlotKeyRow & { slot_party_size: number }): SlotKey {
  return slotKeyFromRow(r, r.slot_party_size);
}

// Who cancelled (merchants/actor.ts): the column says 'user' for the guest through Google, as it has
// since migration 0002; the domain says 'google'. bookings.source stores the domain's words.
const canceledByOfColumn = (stored: BookingTable['canceled_by']): Actor | null => (stored === 'user' ? 'google' : stored);
const canceledByColumn = (by: Actor | null): BookingTable['canceled_by'] => (by === 'google' ? 'user' : by);

function toBooking(r: Selectable<BookingTable>): Booking {
  return {
    id: r.id,
    slot: keyOf(r),
    availabilityTag: r.availability_tag,
    partySize: r.party_size,
    status: r.status as BookingStatus,
    confirmationMode: r.confirmation_mode,
    source: r.source,
    user: { userId: r.user_id, givenName: r.given_name, familyName: r.family_name, telephone: r.telephone, email: r.email, languageCode: r.language_code },
    additionalRequest: r.additional_request,
    offerId: r.offer_id,
    leaseId: r.lease_id,
    payment: {
      prepaymentStatus: r.prepayment_status as PrepaymentStatus,
      transactionId: r.payment_transaction_id,
      received: r.payment_json === null ? null : (JSON.parse(r.payment_json) as unknown),
    },
    canceledBy: canceledByOfColumn(r.canceled_by),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    canceledAt: r.canceled_at === null ? null : Number(r.canceled_at),
  };
}

function slotColumns(k: SlotKey) {
  return { ...slotKeyColumns(k), slot_party_size: k.partySize };
}

/**
 * Written at the end of the booking's transaction (atCommit: on PostgreSQL it goes with the
 * COMMIT), still under the slot's lock, which is held until then.
 */
export async function insertBooking(trx: Tx, b: Booking): Promise<void> {
  atCommit(
    trx,
    insertBookingQuery.compile(trx, {
      id: b.id,
      ...slotColumns(b.slot),
      party_size: b.partySize,
      availability_tag: b.availabilityTag,
      status: b.status,
      confirmation_mode: b.confirmationMode,
      source: b.source,
      user_id: b.user.userId,
      given_name: b.user.givenName,
      family_name: b.user.familyName,
      telephone: b.user.telephone,
      email: b.user.email,
      email_key: emailKey(b.user.email),
      language_code: b.user.languageCode,
      additional_request: b.additionalRequest,
      offer_id: b.offerId,
      lease_id: b.leaseId,
      payment_json: b.payment.received === null ? null : JSON.stringify(b.payment.received),
      prepayment_status: b.payment.prepaymentStatus,
      payment_transaction_id: b.payment.transactionId,
      canceled_by: canceledByColumn(b.canceledBy),
      created_at: b.createdAt,
      updated_at: b.updatedAt,
      canceled_at: b.canceledAt,
    }),
  );
}

type BookingRow = Insertable<BookingTable>;
const BOOKING_COLUMNS = [
  'id',
  'merchant_id',
  'service_id',
  'start_sec',
  'duration_sec',
  'staff_id',
  'room_id',
  'slot_party_size',
  'party_size',
  'availability_tag',
  'status',
  'confirmation_mode',
  'source',
  'user_id',
  'given_name',
  'family_name',
  'telephone',
  'email',
  'email_key',
  'language_code',
  'additional_request',
  'offer_id',
  'lease_id',
  'payment_json',
  'prepayment_status',
  'payment_transaction_id',
  'canceled_by',
  'created_at',
  'updated_at',
  'canceled_at',
] as const satisfies readonly (keyof BookingRow)[];

/** insertBooking's statement, built once (prepared.ts): a booking's row, every column named. */
const insertBookingQuery = preparedWith<Required<Pick<BookingRow, (typeof BOOKING_COLUMNS)[number]>>, never>((q, v) =>
  q.insertInto('bookings').values(Object.fromEntries(BOOKING_COLUMNS.map((column) => [column, v[column]])) as BookingRow),
);

export async function findBooking(q: Q, id: string): Promise<Booking | null> {
  const row = await q.selectFrom('bookings').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toBooking(row) : null;
}

export async function findBookingForUpdate(trx: Tx, dialect: 'sqlite' | 'postgres', id: string): Promise<Booking | null> {
  let query = trx.selectFrom('bookings').selectAll().where('id', '=', id);
  if (dialect === 'postgres') query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toBooking(row) : null;
}

/** Writes a changed booking back (every mutable field). */
export async function saveBooking(trx: Tx, b: Booking): Promise<void> {
  await trx
    .updateTable('bookings')
    .set({
      ...slotColumns(b.slot),
      party_size: b.partySize,
      availability_tag: b.availabilityTag,
      status: b.status,
      prepayment_status: b.payment.prepaymentStatus,
      payment_transaction_id: b.payment.transactionId,
      canceled_by: canceledByColumn(b.canceledBy),
      updated_at: b.updatedAt,
      canceled_at: b.canceledAt,
    })
    .where('id', '=', b.id)
    .execute();
}

/** A user's bookings that hold a spot and end after `since`, at one merchant or at all. */
export async function holdingBookingsOfUser(q: Q, userId: string, merchantId: string | null, since: number): Promise<Booking[]> {
  const { rows } = await (merchantId === null ? holdingOfUserAnywhere : holdingOfUserAtMerchant)(q, { userId, merchantId, since });
  return rows.map(toBooking);
}

/** holdingBookingsOfUser's select, built once per shape (prepared.ts): every booking of a known user makes one. */
function holdingOfUser(atMerchant: boolean) {
  return preparedWith<{ userId: string; merchantId: string | null; since: number }, Selectable<BookingTable>>((q, v) => {
    const query = q
      .selectFrom('bookings')
      .selectAll()
      .where('user_id', '=', v.userId)
      .where('status', 'in', [...HOLDING_STATUSES])
      .where((eb) => eb(eb('start_sec', '+', eb.ref('duration_sec')), '>', v.since));
    return (atMerchant ? query.where('merchant_id', '=', v.merchantId as string) : query).orderBy('start_sec');
  });
}
const holdingOfUserAnywhere = holdingOfUser(false);
const holdingOfUserAtMerchant = holdingOfUser(true);

/**
 * Bookings that hold a spot at `merchantId` starting at `startSec` for `partySize` (null: any),
 * made by this user id or by this email address (normalised): what Google calls a duplicate.
 * One select per identity, as a UNION: each is a lookup of the guest's own bookings at that time
 * (bookings_user_idx, bookings_email_idx). With the two identities ORed in one WHERE, SQLite's
 * planner took the merchant's bookings instead (the slot index, now bookings_slot_held_idx, by
 * merchant_id alone) and read every booking the merchant has, at every booking.
 */
export async function duplicatesOf(
  q: Q,
  merchantId: string,
  startSec: number,
  partySize: number | null,
  userId: string | null,
  email: string | null,
): Promise<Booking[]> {
  const key = emailKey(email);
  if (userId === null && key === null) return [];
  const shape = `${partySize !== null}${userId !== null}${key !== null}`;
  let query = duplicatesQueries.get(shape);
  if (query === undefined) {
    query = duplicatesQuery(partySize !== null, userId !== null, key !== null);
    duplicatesQueries.set(shape, query);
  }
  const { rows } = await query(q, { merchantId, startSec, partySize, userId, emailKey: key });
  return rows.map(toBooking);
}

type DuplicateValues = { merchantId: string; startSec: number; partySize: number | null; userId: string | null; emailKey: string | null };
/** duplicatesOf's select per shape (with a party size or not, by user, by email, or both), built once (prepared.ts). */
const duplicatesQueries = new Map<string, (q: Q, values: DuplicateValues) => Promise<{ rows: Selectable<BookingTable>[] }>>();

function duplicatesQuery(withPartySize: boolean, byUser: boolean, byEmail: boolean) {
  return preparedWith<DuplicateValues, Selectable<BookingTable>>((q, v) => {
    const holding = () => {
      const query = q
        .selectFrom('bookings')
        .selectAll()
        .where('merchant_id', '=', v.merchantId)
        .where('start_sec', '=', v.startSec)
        .where('status', 'in', [...HOLDING_STATUSES]);
      return withPartySize ? query.where('party_size', '=', v.partySize as number) : query;
    };
    const user = holding().where('user_id', '=', v.userId as string);
    const email = holding().where('email_key', '=', v.emailKey as string);
    return (byUser && byEmail ? user.union(email) : byUser ? user : email).orderBy('created_at');
  });
}

export async function userHasBookings(q: Q, userId: string): Promise<boolean> {
  const row = await q.selectFrom('bookings').select('id').where('user_id', '=', userId).limit(1).executeTakeFirst();
  return row !== undefined;
}

export interface BookingFilter {
  readonly merchantId: string;
  readonly serviceId?: string;
  readonly fromSec?: number;
  readonly toSec?: number;
  readonly statuses?: readonly BookingStatus[];
  readonly limit: number;
}

export async function listBookings(q: Q, f: BookingFilter): Promise<Booking[]> {
  let query = q.selectFrom('bookings').selectAll().where('merchant_id', '=', f.merchantId);
  if (f.serviceId !== undefined) query = query.where('service_id', '=', f.serviceId);
  if (f.fromSec !== undefined) query = query.where('start_sec', '>=', f.fromSec);
  if (f.toSec !== undefined) query = query.where('start_sec', '<', f.toSec);
  if (f.statuses !== undefined && f.statuses.length > 0) query = query.where('status', 'in', [...f.statuses]);
  const rows = await query.orderBy('start_sec').orderBy('id').limit(f.limit).execute();
  return rows.map(toBooking);
}

function toLease(r: Selectable<LeaseTable>): Lease {
  return {
    id: r.id,
    slot: keyOf(r),
    availabilityTag: r.availability_tag,
    partySize: r.party_size,
    userReference: r.user_reference,
    expiresAt: Number(r.expires_at),
    bookingId: r.booking_id,
  };
}

export async function insertLease(trx: Tx, lease: Lease, now: number): Promise<void> {
  await trx
    .insertInto('leases')
    .values({
      id: lease.id,
      ...slotColumns(lease.slot),
      party_size: lease.partySize,
      availability_tag: lease.availabilityTag,
      user_reference: lease.userReference,
      expires_at: lease.expiresAt,
      booking_id: null,
      created_at: now,
    })
    .execute();
}

export async function findLeaseForUpdate(trx: Tx, dialect: 'sqlite' | 'postgres', id: string): Promise<Lease | null> {
  let query = trx.selectFrom('leases').selectAll().where('id', '=', id);
  if (dialect === 'postgres') query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toLease(row) : null;
}

/** The ledger scope that records, once per lease, that its expiry was announced. */
const LEASE_EXPIRY_SCOPE = 'lease-expiry-announced';

/**
 * Claims the leases that expired unused, for slots still to come, whose expiry nobody has
 * announced yet: each is recorded once in the idempotency ledger under (LEASE_EXPIRY_SCOPE, lease
 * id), whose unique key decides between concurrent sweeps. Returns the leases claimed now.
 */
export async function claimExpiredLeases(trx: Tx, now: number): Promise<Lease[]> {
  const claimed = await trx
    .insertInto('idempotency_records')
    .columns(['scope', 'token', 'request_hash', 'response_json', 'created_at'])
    .expression(
      trx
        .selectFrom('leases')
        .select([sql.lit(LEASE_EXPIRY_SCOPE).as('scope'), 'id', sql.lit('').as('request_hash'), sql.lit('').as('response_json'), sql.lit(now).as('created_at')])
        .where('booking_id', 'is', null)
        .where('expires_at', '<=', now)
        .where('start_sec', '>', now),
    )
    .onConflict((oc) => oc.columns(['scope', 'token']).doNothing())
    .returning('token')
    .execute();
  if (claimed.length === 0) return [];
  const rows = await trx
    .selectFrom('leases')
    .selectAll()
    .where(
      'id',
      'in',
      claimed.map((c) => c.token),
    )
    .orderBy('id')
    .execute();
  return rows.map(toLease);
}

/** At the end of the booking's transaction, after the booking's row (atCommit, as insertBooking). */
export async function markLeaseUsed(trx: Tx, leaseId: string, bookingId: string): Promise<void> {
  atCommit(trx, trx.updateTable('leases').set({ booking_id: bookingId }).where('id', '=', leaseId));
}

function toOffer(r: Selectable<OfferTable>): Offer {
  return {
    id: r.id,
    serviceId: r.service_id,
    active: r.active === 1,
    validFromSec: r.valid_from_sec === null ? null : Number(r.valid_from_sec),
    validUntilSec: r.valid_until_sec === null ? null : Number(r.valid_until_sec),
    description: r.description,
  };
}

export async function findOffer(q: Q, merchantId: string, offerId: string): Promise<Offer | null> {
  const row = await q.selectFrom('offers').selectAll().where('merchant_id', '=', merchantId).where('id', '=', offerId).executeTakeFirst();
  return row === undefined ? null : toOffer(row);
}

export async function listOffers(q: Q, merchantId: string): Promise<Offer[]> {
  const rows = await q.selectFrom('offers').selectAll().where('merchant_id', '=', merchantId).orderBy('id').execute();
  return rows.map(toOffer);
}

export async function replaceOffers(trx: Tx, merchantId: string, offers: readonly Offer[]): Promise<void> {
  await trx.deleteFrom('offers').where('merchant_id', '=', merchantId).execute();
  if (offers.length === 0) return;
  await trx
    .insertInto('offers')
    .values(
      offers.map((o) => ({
        merchant_id: merchantId,
        id: o.id,
        service_id: o.serviceId,
        active: o.active ? 1 : 0,
        valid_from_sec: o.validFromSec,
        valid_until_sec: o.validUntilSec,
        description: o.description,
      })),
    )
    .execute();
}

/**
 * Retention: clears the guest's personal data of up to `limit` bookings that ended and were last
 * changed before `cutoff` (names become "", user id, contact details, language, request and
 * payment details null), keeping slot, party size, status and times. Idempotent. How many.
 */
export async function anonymiseBatch(trx: Tx, cutoff: number, now: number, limit: number): Promise<number> {
  const ids = (
    await trx
      .selectFrom('bookings')
      .select('id')
      .where('anonymised_at', 'is', null)
      .where('start_sec', '<', cutoff)
      .where(sql<boolean>`start_sec + duration_sec < ${cutoff}`)
      .where('updated_at', '<', cutoff)
      .orderBy('start_sec')
      .orderBy('id')
      .limit(limit)
      .execute()
  ).map((r) => r.id);
  if (ids.length === 0) return 0;
  const result = await trx
    .updateTable('bookings')
    .set({
      given_name: '',
      family_name: '',
      user_id: null,
      telephone: null,
      email: null,
      email_key: null,
      language_code: null,
      additional_request: null,
      payment_json: null,
      payment_transaction_id: null,
      anonymised_at: now,
    })
    .where('id', 'in', ids)
    .where('anonymised_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
