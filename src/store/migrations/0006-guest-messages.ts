// Guest messages (issue 18): texts to waitlist guests through an outbox, the status-page link of
// each entry, the guests' replies, opt-outs per number, and the merchant settings they need.
import { type Kysely, PostgresAdapter } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const serial = postgres ? 'bigserial' : 'integer';

  // Merchant settings: the language of texts when Google sent none, the grace timer after "ready"
  // (null: off), and the place in line that triggers "almost your turn" (null: off).
  await db.schema
    .alterTable('merchants')
    .addColumn('guest_language', 'text', (c) => c.notNull().defaultTo('en'))
    .execute();
  await db.schema
    .alterTable('merchants')
    .addColumn('ready_grace_minutes', 'integer', (c) => c.defaultTo(10))
    .execute();
  await db.schema.alterTable('merchants').addColumn('almost_turn_position', 'integer').execute();
  // Extra time the host granted a called party (the guest's "+10"), added to the grace timer.
  await db.schema
    .alterTable('waitlist_entries')
    .addColumn('hold_extended_sec', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('waitlist_entries_ready_idx').on('waitlist_entries').columns(['state', 'service_readied_at']).execute();

  // One row per waitlist entry: the unguessable status-page token, the number texts go to
  // (E.164, or why there is none) and the guest's language.
  await db.schema
    .createTable('guest_links')
    .addColumn('entry_id', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull().unique())
    .addColumn('phone', 'text')
    .addColumn('sms', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('join_position', 'integer', (c) => c.notNull())
    .addColumn('on_my_way_at', 'bigint')
    .addColumn('extra_minutes', 'integer')
    .addColumn('extra_requested_at', 'bigint')
    .addColumn('extra_status', 'text')
    .addColumn('extra_decided_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('guest_links_phone_idx').on('guest_links').columns(['phone', 'created_at']).execute();

  // The outbox of texts, which is also their record: the outbox columns are those of `outbox`
  // (claimed with the same helper, src/store/outbox-queue.ts), then what the provider said.
  await db.schema
    .createTable('guest_messages')
    .addColumn('id', serial, (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('entry_id', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    // One text per event: a retried transaction or a repeated call cannot add a second.
    .addColumn('dedupe_key', 'text', (c) => c.notNull())
    .addColumn('entity_key', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('available_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .addColumn('delivery', 'text', (c) => c.notNull())
    .addColumn('skip_reason', 'text')
    .addColumn('to_phone', 'text')
    .addColumn('body', 'text')
    .addColumn('provider_sid', 'text')
    .addColumn('error_code', 'text')
    .addColumn('sent_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('guest_messages_once', ['entry_id', 'dedupe_key'])
    .execute();
  await db.schema.createIndex('guest_messages_pending_idx').on('guest_messages').columns(['status', 'available_at', 'id']).execute();
  await db.schema.createIndex('guest_messages_entity_idx').on('guest_messages').columns(['entity_key', 'status', 'id']).execute();
  await db.schema.createIndex('guest_messages_sid_idx').on('guest_messages').column('provider_sid').execute();
  await db.schema.createIndex('guest_messages_phone_idx').on('guest_messages').columns(['to_phone', 'sent_at']).execute();
  await db.schema.createIndex('guest_messages_merchant_idx').on('guest_messages').columns(['merchant_id', 'sent_at']).execute();

  // Texts from guests. The provider's message id makes a webhook delivered twice count once.
  await db.schema
    .createTable('guest_replies')
    .addColumn('id', serial, (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('provider_sid', 'text', (c) => c.notNull().unique())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text')
    .addColumn('entry_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('minutes', 'integer')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('guest_replies_merchant_idx').on('guest_replies').columns(['merchant_id', 'id']).execute();
  await db.schema.createIndex('guest_replies_entry_idx').on('guest_replies').columns(['entry_id', 'id']).execute();

  // Numbers that opted out (STOP and the other carrier keywords, or the provider's 21610): never texted.
  await db.schema
    .createTable('sms_opt_outs')
    .addColumn('phone', 'text', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['sms_opt_outs', 'guest_replies', 'guest_messages', 'guest_links']) await db.schema.dropTable(table).ifExists().execute();
  await db.schema.dropIndex('waitlist_entries_ready_idx').ifExists().execute();
  await db.schema.alterTable('waitlist_entries').dropColumn('hold_extended_sec').execute();
  for (const column of ['almost_turn_position', 'ready_grace_minutes', 'guest_language']) await db.schema.alterTable('merchants').dropColumn(column).execute();
}
