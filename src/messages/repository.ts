// Guest links, texts, replies and opt-outs in the store. Rows stay in here.
import { type Selectable, sql } from 'kysely';
import type { GuestLanguage } from '../merchants/model.js';
import { atCommit } from '../store/at-commit.js';
import type { Db, Tx } from '../store/database.js';
import { preparedWith } from '../store/prepared.js';
import type { GuestLinkTable, GuestMessageTable, GuestReplyTable } from '../store/schema.js';
import type { SmsKind } from './catalog.js';

type Q = Db | Tx;

export type SmsState = GuestLinkTable['sms'];

export interface GuestLink {
  readonly entryId: string;
  readonly merchantId: string;
  readonly token: string;
  readonly phone: string | null;
  readonly sms: SmsState;
  readonly language: GuestLanguage;
  readonly joinPosition: number;
  readonly onMyWayAt: number | null;
  readonly extra: {
    readonly minutes: number;
    readonly requestedAt: number;
    readonly status: 'pending' | 'accepted' | 'refused';
    readonly decidedAt: number | null;
  } | null;
  readonly createdAt: number;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

function toLink(r: Selectable<GuestLinkTable>): GuestLink {
  return {
    entryId: r.entry_id,
    merchantId: r.merchant_id,
    token: r.token,
    phone: r.phone,
    sms: r.sms,
    language: r.language as GuestLanguage,
    joinPosition: r.join_position,
    onMyWayAt: num(r.on_my_way_at),
    extra:
      r.extra_minutes === null || r.extra_requested_at === null || r.extra_status === null
        ? null
        : {
            minutes: r.extra_minutes,
            requestedAt: Number(r.extra_requested_at),
            status: r.extra_status,
            decidedAt: num(r.extra_decided_at),
          },
    createdAt: Number(r.created_at),
  };
}

/** The link every join inserts, built once (prepared.ts). */
const insertLinkQuery = preparedWith<Omit<GuestLink, 'onMyWayAt' | 'extra'>, never>((q, link) =>
  q.insertInto('guest_links').values({
    entry_id: link.entryId,
    merchant_id: link.merchantId,
    token: link.token,
    phone: link.phone,
    sms: link.sms,
    language: link.language,
    join_position: link.joinPosition,
    on_my_way_at: null,
    extra_minutes: null,
    extra_requested_at: null,
    extra_status: null,
    extra_decided_at: null,
    created_at: link.createdAt,
  }),
);

/** Written at the end of the join's transaction, atomically with it (atCommit: on PostgreSQL it goes with the COMMIT). */
export async function insertLink(trx: Tx, link: Omit<GuestLink, 'onMyWayAt' | 'extra'>): Promise<void> {
  atCommit(trx, insertLinkQuery.compile(trx, link));
}

export async function findLink(q: Q, entryId: string): Promise<GuestLink | null> {
  const row = await q.selectFrom('guest_links').selectAll().where('entry_id', '=', entryId).executeTakeFirst();
  return row ? toLink(row) : null;
}

export async function findLinks(q: Q, entryIds: readonly string[]): Promise<GuestLink[]> {
  if (entryIds.length === 0) return [];
  const rows = await q
    .selectFrom('guest_links')
    .selectAll()
    .where('entry_id', 'in', [...entryIds])
    .execute();
  return rows.map(toLink);
}

export async function findLinkByToken(q: Q, token: string): Promise<GuestLink | null> {
  const row = await q.selectFrom('guest_links').selectAll().where('token', '=', token).executeTakeFirst();
  return row ? toLink(row) : null;
}

/** The guest's most recent entry with this number (replies belong to it). */
export async function latestLinkForPhone(q: Q, phone: string): Promise<GuestLink | null> {
  const row = await q
    .selectFrom('guest_links')
    .selectAll()
    .where('phone', '=', phone)
    .orderBy('created_at', 'desc')
    .orderBy('entry_id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? toLink(row) : null;
}

export async function setOnMyWay(q: Q, entryId: string, at: number): Promise<void> {
  await q.updateTable('guest_links').set({ on_my_way_at: at }).where('entry_id', '=', entryId).execute();
}

export async function requestExtraTime(q: Q, entryId: string, minutes: number, at: number): Promise<void> {
  await q
    .updateTable('guest_links')
    .set({
      extra_minutes: minutes,
      extra_requested_at: at,
      extra_status: 'pending',
      extra_decided_at: null,
    })
    .where('entry_id', '=', entryId)
    .execute();
}

/** Answers the open request; false when there is none (already answered, or never asked). */
export async function decideExtraTime(trx: Tx, entryId: string, accept: boolean, at: number): Promise<boolean> {
  const result = await trx
    .updateTable('guest_links')
    .set({
      extra_status: accept ? 'accepted' : 'refused',
      extra_decided_at: at,
    })
    .where('entry_id', '=', entryId)
    .where('extra_status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// ---------------------------------------------------------------------------------------------
// Texts

export interface NewMessage {
  readonly entryId: string;
  readonly merchantId: string;
  readonly kind: SmsKind;
  /** Unique per entry: the same event never yields a second text. */
  readonly dedupeKey: string;
  readonly toPhone: string;
  /** What the worker needs to render the text: language, token and the message's values. */
  readonly payload: MessagePayload;
}

export interface MessagePayload {
  readonly language: GuestLanguage;
  readonly token: string;
  readonly values: Record<string, string | number>;
}

/** Adds a text to the outbox, in the caller's transaction; a second one for the same event is ignored. */
/** The outbox row of a text (every join's, when texts are on), built once (prepared.ts). */
const enqueueQuery = preparedWith<
  { entryId: string; merchantId: string; kind: SmsKind; dedupeKey: string; payload: string; toPhone: string | null; now: number },
  never
>((q, m) =>
  q
    .insertInto('guest_messages')
    .values({
      entry_id: m.entryId,
      merchant_id: m.merchantId,
      kind: m.kind,
      dedupe_key: m.dedupeKey,
      entity_key: m.entryId,
      payload: m.payload,
      status: 'pending',
      attempts: 0,
      available_at: m.now,
      claimed_by: null,
      claimed_until: null,
      last_error: null,
      created_at: m.now,
      delivered_at: null,
      delivery: 'queued',
      skip_reason: null,
      to_phone: m.toPhone,
      body: null,
      provider_sid: null,
      error_code: null,
      sent_at: null,
      updated_at: m.now,
    })
    .onConflict((oc) => oc.columns(['entry_id', 'dedupe_key']).doNothing()),
);

/** Queued at the end of the change's transaction, atomically with it (atCommit: on PostgreSQL it goes with the COMMIT). */
export async function enqueueMessage(trx: Tx, m: NewMessage, now: number): Promise<void> {
  atCommit(
    trx,
    enqueueQuery.compile(trx, {
      entryId: m.entryId,
      merchantId: m.merchantId,
      kind: m.kind,
      dedupeKey: m.dedupeKey,
      payload: JSON.stringify(m.payload),
      toPhone: m.toPhone,
      now,
    }),
  );
}

export interface OutgoingMessage {
  readonly id: number;
  readonly entryId: string;
  readonly merchantId: string;
  readonly kind: SmsKind;
  readonly toPhone: string | null;
  readonly payload: MessagePayload;
  readonly attempts: number;
}

export async function loadOutgoing(q: Q, ids: readonly number[]): Promise<OutgoingMessage[]> {
  if (ids.length === 0) return [];
  const rows = await q
    .selectFrom('guest_messages')
    .select(['id', 'entry_id', 'merchant_id', 'kind', 'to_phone', 'payload', 'attempts'])
    .where('id', 'in', [...ids])
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    entryId: r.entry_id,
    merchantId: r.merchant_id,
    kind: r.kind as SmsKind,
    toPhone: r.to_phone,
    payload: JSON.parse(r.payload) as MessagePayload,
    attempts: r.attempts,
  }));
}

/** The provider took the text: the outbox row is done, and the record says what was sent. */
export async function markAccepted(trx: Tx, worker: string, id: number, sent: { sid: string; body: string; delivery: string }, now: number): Promise<boolean> {
  const result = await trx
    .updateTable('guest_messages')
    .set({
      status: 'done',
      delivered_at: now,
      claimed_by: null,
      claimed_until: null,
      last_error: null,
      delivery: sent.delivery,
      provider_sid: sent.sid,
      body: sent.body,
      sent_at: now,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('claimed_by', '=', worker)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Not sent, and never will be: an opted-out number, a rate limit, a number the provider refused. */
export async function markSkipped(
  trx: Tx,
  worker: string,
  id: number,
  reason: string,
  now: number,
  delivery = 'skipped',
  errorCode: string | null = null,
): Promise<void> {
  await trx
    .updateTable('guest_messages')
    .set({
      status: 'done',
      delivered_at: now,
      claimed_by: null,
      claimed_until: null,
      delivery,
      skip_reason: reason,
      error_code: errorCode,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('claimed_by', '=', worker)
    .execute();
}

/** Delivery states in the order they can follow each other; a late callback never moves a text back. */
const DELIVERY_RANK: Readonly<Record<string, number>> = {
  queued: 0,
  accepted: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  undelivered: 4,
  failed: 4,
};

/** Applies a provider status callback, in the caller's transaction; returns the entry and merchant when the message is known. */
export async function applyStatus(
  trx: Tx,
  sid: string,
  status: string,
  errorCode: string | null,
  now: number,
): Promise<{ entryId: string; toPhone: string | null } | null> {
  const row = await trx.selectFrom('guest_messages').select(['id', 'entry_id', 'delivery', 'to_phone']).where('provider_sid', '=', sid).executeTakeFirst();
  if (!row) return null;
  const rank = DELIVERY_RANK[status];
  if (rank !== undefined && rank >= (DELIVERY_RANK[row.delivery] ?? 0)) {
    await trx
      .updateTable('guest_messages')
      .set({
        delivery: status,
        updated_at: now,
        ...(errorCode !== null ? { error_code: errorCode } : {}),
      })
      .where('id', '=', row.id)
      .execute();
  }
  return { entryId: row.entry_id, toPhone: row.to_phone };
}

/** Texts sent to a number, or by a merchant, since `since` (rate limits). */
export async function countSent(q: Q, by: { phone: string } | { merchantId: string }, since: number): Promise<number> {
  let query = q.selectFrom('guest_messages').select(sql<number>`count(*)`.as('n')).where('sent_at', '>=', since);
  query = 'phone' in by ? query.where('to_phone', '=', by.phone) : query.where('merchant_id', '=', by.merchantId);
  const row = await query.executeTakeFirst();
  return Number(row?.n ?? 0);
}

export interface MessageRecord {
  readonly id: number;
  readonly kind: string;
  readonly status: string;
  readonly skipReason: string | null;
  readonly errorCode: string | null;
  readonly createdAt: number;
  readonly sentAt: number | null;
  readonly updatedAt: number;
}

export async function messagesOfEntry(q: Q, entryId: string): Promise<MessageRecord[]> {
  const rows = await q.selectFrom('guest_messages').selectAll().where('entry_id', '=', entryId).orderBy('id').execute();
  return rows.map((r: Selectable<GuestMessageTable>) => ({
    id: Number(r.id),
    kind: r.kind,
    status: r.status === 'dead' ? 'dead' : r.delivery,
    skipReason: r.skip_reason,
    errorCode: r.error_code,
    createdAt: Number(r.created_at),
    sentAt: num(r.sent_at),
    updatedAt: Number(r.updated_at),
  }));
}

export interface DeadMessage {
  readonly id: number;
  readonly entryId: string;
  readonly kind: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: number;
}

export async function listDead(q: Q, limit: number): Promise<DeadMessage[]> {
  const rows = await q.selectFrom('guest_messages').selectAll().where('status', '=', 'dead').orderBy('id').limit(limit).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    entryId: r.entry_id,
    kind: r.kind,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: Number(r.created_at),
  }));
}

export async function queueStats(q: Q): Promise<{
  pending: number;
  dead: number;
  oldestPendingCreatedAt: number | null;
}> {
  const rows = await q
    .selectFrom('guest_messages')
    .select(['status', sql<number>`count(*)`.as('n'), sql<number | null>`min(created_at)`.as('oldest')])
    .where('status', 'in', ['pending', 'dead'])
    .groupBy('status')
    .execute();
  const pending = rows.find((r) => r.status === 'pending');
  const dead = rows.find((r) => r.status === 'dead');
  return {
    pending: Number(pending?.n ?? 0),
    dead: Number(dead?.n ?? 0),
    oldestPendingCreatedAt: pending?.oldest == null ? null : Number(pending.oldest),
  };
}

// ---------------------------------------------------------------------------------------------
// Opt-outs and replies

export async function isOptedOut(q: Q, phone: string): Promise<boolean> {
  return (await q.selectFrom('sms_opt_outs').select('phone').where('phone', '=', phone).executeTakeFirst()) !== undefined;
}

export async function optOut(q: Q, phone: string, source: string, now: number): Promise<void> {
  await q
    .insertInto('sms_opt_outs')
    .values({ phone, source, created_at: now })
    .onConflict((oc) => oc.column('phone').doNothing())
    .execute();
}

export async function optIn(q: Q, phone: string): Promise<void> {
  await q.deleteFrom('sms_opt_outs').where('phone', '=', phone).execute();
}

export type ReplyKind = 'on_my_way' | 'cancel' | 'extra_time' | 'opt_out' | 'opt_in' | 'help' | 'text';

export interface Reply {
  readonly id: number;
  readonly entryId: string | null;
  readonly kind: ReplyKind;
  readonly minutes: number | null;
  readonly body: string;
  readonly receivedAt: number;
}

function toReply(r: Selectable<GuestReplyTable>): Reply {
  return {
    id: Number(r.id),
    entryId: r.entry_id,
    kind: r.kind as ReplyKind,
    minutes: r.minutes,
    body: r.body,
    receivedAt: Number(r.received_at),
  };
}

/** Records a reply once per provider message id; false when it was recorded already (a webhook delivered twice). */
export async function insertReply(
  q: Q,
  r: {
    providerSid: string;
    phone: string;
    merchantId: string | null;
    entryId: string | null;
    kind: ReplyKind;
    minutes: number | null;
    body: string;
    receivedAt: number;
  },
): Promise<boolean> {
  const result = await q
    .insertInto('guest_replies')
    .values({
      provider_sid: r.providerSid,
      phone: r.phone,
      merchant_id: r.merchantId,
      entry_id: r.entryId,
      kind: r.kind,
      minutes: r.minutes,
      body: r.body,
      received_at: r.receivedAt,
    })
    .onConflict((oc) => oc.column('provider_sid').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function hasReply(q: Q, providerSid: string): Promise<boolean> {
  return (await q.selectFrom('guest_replies').select('id').where('provider_sid', '=', providerSid).executeTakeFirst()) !== undefined;
}

export async function repliesOfMerchant(q: Q, merchantId: string, afterId: number, limit: number): Promise<Reply[]> {
  const rows = await q
    .selectFrom('guest_replies')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toReply);
}

export async function repliesOfEntry(q: Q, entryId: string): Promise<Reply[]> {
  const rows = await q.selectFrom('guest_replies').selectAll().where('entry_id', '=', entryId).orderBy('id').execute();
  return rows.map(toReply);
}

// ---------------------------------------------------------------------------------------------
// Retention (RETENTION_DAYS): numbers and texts older than the cutoff are cleared in batches.
// Opt-outs are kept: honouring them is the reason they are stored (docs/GUEST-MESSAGES.md).

/** Clears the number, body and rendering values of up to `limit` texts created before `cutoff`; how many. */
export async function anonymiseMessages(trx: Tx, cutoff: number, now: number, limit: number): Promise<number> {
  const ids = (
    await trx
      .selectFrom('guest_messages')
      .select('id')
      .where('created_at', '<', cutoff)
      .where((eb) => eb.or([eb('to_phone', 'is not', null), eb('body', 'is not', null), eb('payload', '!=', '{}')]))
      .orderBy('id')
      .limit(limit)
      .execute()
  ).map((r) => Number(r.id));
  if (ids.length === 0) return 0;
  const result = await trx
    .updateTable('guest_messages')
    .set({ to_phone: null, body: null, payload: '{}', updated_at: now })
    .where('id', 'in', ids)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Clears the number and the text of up to `limit` replies received before `cutoff`; how many. */
export async function anonymiseReplies(trx: Tx, cutoff: number, limit: number): Promise<number> {
  const ids = (
    await trx
      .selectFrom('guest_replies')
      .select('id')
      .where('received_at', '<', cutoff)
      .where((eb) => eb.or([eb('phone', '!=', ''), eb('body', '!=', '')]))
      .orderBy('id')
      .limit(limit)
      .execute()
  ).map((r) => Number(r.id));
  if (ids.length === 0) return 0;
  const result = await trx.updateTable('guest_replies').set({ phone: '', body: '' }).where('id', 'in', ids).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Forgets the number of up to `limit` entries' links created before `cutoff` (the token stays: Google may still link to it); how many. */
export async function anonymiseLinks(trx: Tx, cutoff: number, limit: number): Promise<number> {
  const ids = (
    await trx
      .selectFrom('guest_links')
      .select('entry_id')
      .where('created_at', '<', cutoff)
      .where('phone', 'is not', null)
      .orderBy('entry_id')
      .limit(limit)
      .execute()
  ).map((r) => r.entry_id);
  if (ids.length === 0) return 0;
  const result = await trx.updateTable('guest_links').set({ phone: null }).where('entry_id', 'in', ids).executeTakeFirst();
  return Number(result.numUpdatedRows);
}
