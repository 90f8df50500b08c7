// Row types of every table, as Kysely sees them. Rows never leave the repositories.
import type { Generated } from 'kysely';

/** 0/1 in SQLite, kept as integers on PostgreSQL too so that both dialects read the same. */
export type Flag = number;

export interface MerchantTable {
  id: string;
  name: string;
  time_zone: string;
  telephone: string | null;
  street_address: string | null;
  locality: string | null;
  region: string | null;
  postal_code: string | null;
  country: string | null;
  waitlist_advisement: string | null;
  /** JSON: [{ "max_party_size": 2, "minutes": 45 }, ...] sorted by max_party_size. */
  turn_times: string;
  created_at: number;
  updated_at: number;
  /** Language of guest texts when Google sent none (migration 0006). */
  guest_language: Generated<string>;
  /** SERVICE_READY for this long becomes NO_SHOW; null: off. */
  ready_grace_minutes: Generated<number | null>;
  /** "Almost your turn" at this place in line; null: off. */
  almost_turn_position: number | null;
  /** Deactivated (migration 0008): Google no longer sees it; null: active. */
  deactivated_at: number | null;
}

export interface OpeningHoursTable {
  merchant_id: string;
  position: number;
  day: number;
  open: string;
  close: string;
}

export interface ServiceTable {
  merchant_id: string;
  id: string;
  name: string;
  waitlist_enabled: Flag;
  /** Set by the merchant to stop new joins for now (Google sees CLOSED_OTHER). */
  waitlist_paused: Flag;
  min_party_size: number;
  max_party_size: number;
  max_queue_length: number | null;
  /** JSON array of ISO 3166-1 alpha-2 codes; empty means every country. */
  allowed_phone_countries: string;
  supports_additional_request: Flag;
  confirmation_mode: 'SYNCHRONOUS' | 'ASYNCHRONOUS';
  walk_in_when_no_wait: Flag;
  max_quoted_wait_minutes: number | null;
  created_at: number;
  updated_at: number;
  booking_enabled: Generated<Flag>;
  booking_confirmation_mode: Generated<'SYNCHRONOUS' | 'ASYNCHRONOUS'>;
  booking_min_party_size: Generated<number>;
  booking_max_party_size: Generated<number>;
  /** Google users may cancel until this many seconds before the start (0: until the start). */
  cancel_before_start_sec: Generated<number>;
  user_booking_limit: number | null;
  max_lease_sec: Generated<number>;
  price_micros: number | null;
  currency_code: string | null;
  /** How feeds and real-time updates describe this service's slots (migration 0004). */
  availability_format: Generated<'spots_open' | 'recurrence'>;
  /** Waitlist: tell parties above max_party_size to call the merchant (feed `above_max_party_size_options`). */
  call_merchant_above_max_party_size: Generated<Flag>;
  /** Deactivated (migration 0008): Google no longer sees it; null: active. */
  deactivated_at: number | null;
}

export interface DiningTableTable {
  merchant_id: string;
  id: string;
  name: string;
  min_seats: number;
  seats: number;
}

export interface WaitlistEntryTable {
  id: string;
  merchant_id: string;
  service_id: string;
  source: 'google' | 'walk_in';
  state: string;
  party_size: number;
  given_name: string;
  family_name: string;
  telephone: string | null;
  email: string | null;
  google_user_id: string | null;
  /** Normalised email of an entry made through Google (unique among live entries); null otherwise. */
  email_key: string | null;
  additional_request: string | null;
  table_id: string | null;
  /** Milliseconds since the epoch; orders the queue (first come, first served). */
  queue_seq: number;
  created_at: number;
  confirmed_at: number | null;
  canceled_at: number | null;
  declined_at: number | null;
  service_readied_at: number | null;
  checked_in_at: number | null;
  seated_at: number | null;
  marked_no_show_at: number | null;
  updated_at: number;
  /** A seated party left its table ("table cleared"), migration 0009. */
  left_at: number | null;
  /** The estimate quoted at join (planned seat time and range), migration 0009. */
  quoted_seat_at: number | null;
  quoted_range_start: number | null;
  quoted_range_end: number | null;
  /** Personal data cleared by retention (migration 0008); null: not yet. */
  anonymised_at: number | null;
  /** Extra time the host granted a called party, added to the grace timer (migration 0006). */
  hold_extended_sec: Generated<number>;
}

export interface IdempotencyRecordTable {
  scope: string;
  token: string;
  request_hash: string;
  response_json: string;
  created_at: number;
}

export interface AdminTokenTable {
  id: string;
  token_hash: string;
  merchant_id: string | null;
  label: string;
  created_at: number;
  revoked_at: number | null;
}

/** Slot key columns shared by slots, bookings and leases. `party_size` 0: any size the service takes. */
interface SlotKeyColumns {
  merchant_id: string;
  service_id: string;
  start_sec: number;
  duration_sec: number;
  staff_id: string;
  room_id: string;
}

export interface AvailabilitySlotTable extends SlotKeyColumns {
  party_size: number;
  spots_total: number;
  availability_tag: string;
}

export interface BookingTable extends SlotKeyColumns {
  id: string;
  slot_party_size: number;
  party_size: number;
  availability_tag: string;
  status: string;
  confirmation_mode: 'SYNCHRONOUS' | 'ASYNCHRONOUS';
  source: 'google' | 'merchant';
  user_id: string | null;
  given_name: string;
  family_name: string;
  telephone: string | null;
  email: string | null;
  /** Normalised email (duplicate detection). */
  email_key: string | null;
  language_code: string | null;
  additional_request: string | null;
  offer_id: string | null;
  lease_id: string | null;
  /** Payment details as received from Google (proto3 JSON), echoed back. */
  payment_json: string | null;
  prepayment_status: string;
  payment_transaction_id: string | null;
  canceled_by: 'user' | 'merchant' | null;
  created_at: number;
  updated_at: number;
  canceled_at: number | null;
  /** Personal data cleared by retention (migration 0008); null: not yet. */
  anonymised_at: number | null;
}

export interface LeaseTable extends SlotKeyColumns {
  id: string;
  slot_party_size: number;
  party_size: number;
  availability_tag: string;
  user_reference: string;
  expires_at: number;
  booking_id: string | null;
  created_at: number;
}

export interface OfferTable {
  merchant_id: string;
  id: string;
  service_id: string | null;
  active: Flag;
  valid_from_sec: number | null;
  valid_until_sec: number | null;
  description: string;
}

export interface OutboxTable {
  id: Generated<number>;
  kind: 'booking' | 'availability';
  /** Rows of one entity are delivered in id order, by one worker at a time. */
  entity_key: string;
  payload: string;
  status: 'pending' | 'done' | 'dead';
  attempts: number;
  available_at: number;
  claimed_by: string | null;
  claimed_until: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
  /** The merchant the update is about (migration 0010); null for rows written before whose booking is gone. */
  merchant_id: string | null;
}

/** The last runs of each daily feed kind (migration 0010), for the health screens. */
export interface FeedKindRunTable {
  id: Generated<number>;
  kind: string;
  started_at: number;
  finished_at: number;
  outcome: 'ok' | 'failed';
  records: number | null;
  slots: number | null;
  shards: number | null;
  bytes: number | null;
  uploaded_files: number | null;
  error: string | null;
}

export interface Database {
  merchants: MerchantTable;
  opening_hours: OpeningHoursTable;
  services: ServiceTable;
  dining_tables: DiningTableTable;
  waitlist_entries: WaitlistEntryTable;
  idempotency_records: IdempotencyRecordTable;
  admin_tokens: AdminTokenTable;
  availability_slots: AvailabilitySlotTable;
  bookings: BookingTable;
  leases: LeaseTable;
  offers: OfferTable;
  outbox: OutboxTable;
  feed_runs: FeedRunTable;
  feed_kind_runs: FeedKindRunTable;
  retention_runs: FeedRunTable;
  staff: StaffTable;
  web_sessions: WebSessionTable;
  change_log: ChangeLogTable;
  read_model_clock: ReadModelClockTable;
  read_model_versions: ReadModelVersionTable;
  guest_links: GuestLinkTable;
  guest_messages: GuestMessageTable;
  guest_replies: GuestReplyTable;
  sms_opt_outs: SmsOptOutTable;
  learned_models: LearnedModelTable;
}

/** A merchant's learned wait model (issue 15), stored by the background refresh and read by every replica. */
export interface LearnedModelTable {
  merchant_id: string;
  version: number;
  computed_at: number;
  /** JSON: the LearnedModel the estimator reads. */
  model: string;
  /** JSON: what the model was learned from (counts, cells), for the admin API. */
  details: string;
}

/** One per waitlist entry: the status-page token, where texts go, the guest's language. */
export interface GuestLinkTable {
  entry_id: string;
  merchant_id: string;
  token: string;
  /** E.164; null when the guest gave none or it could not be read. */
  phone: string | null;
  sms: 'on' | 'no_number' | 'invalid_number' | 'off';
  language: string;
  join_position: number;
  on_my_way_at: number | null;
  extra_minutes: number | null;
  extra_requested_at: number | null;
  extra_status: 'pending' | 'accepted' | 'refused' | null;
  extra_decided_at: number | null;
  created_at: number;
}

/** Texts to guests: outbox columns (as in `outbox`) and the record of what became of them. */
export interface GuestMessageTable {
  id: Generated<number>;
  entry_id: string;
  merchant_id: string;
  kind: string;
  dedupe_key: string;
  entity_key: string;
  payload: string;
  status: 'pending' | 'done' | 'dead';
  attempts: number;
  available_at: number;
  claimed_by: string | null;
  claimed_until: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
  delivery: string;
  skip_reason: string | null;
  to_phone: string | null;
  body: string | null;
  provider_sid: string | null;
  error_code: string | null;
  sent_at: number | null;
  updated_at: number;
}

export interface GuestReplyTable {
  id: Generated<number>;
  provider_sid: string;
  phone: string;
  merchant_id: string | null;
  entry_id: string | null;
  kind: string;
  minutes: number | null;
  body: string;
  received_at: number;
}

export interface SmsOptOutTable {
  phone: string;
  source: string;
  created_at: number;
}

/** One row per scheduled daily feed run (UTC date), claimed by the replica that runs it. */
export interface FeedRunTable {
  run_date: string;
  claimed_by: string;
  claimed_at: number;
  finished_at: number | null;
  outcome: string | null;
}

export type { Generated };

/** Host-stand staff (migration 0007): each signs in with a token of their own. */
export interface StaffTable {
  id: string;
  merchant_id: string;
  name: string;
  role: 'host' | 'manager';
  language: string;
  token_hash: string;
  created_at: number;
  revoked_at: number | null;
}

/** Browser sessions of /app (migration 0007), keyed by the digest of the cookie's secret. */
export interface WebSessionTable {
  id_hash: string;
  csrf_token: string;
  kind: 'root' | 'merchant' | 'staff';
  merchant_id: string | null;
  admin_token_id: string | null;
  staff_id: string | null;
  language: string | null;
  created_at: number;
  expires_at: number;
}

/** One row per changed row of a merchant's data, written by triggers (migration 0007). */
export interface ChangeLogTable {
  seq: Generated<number>;
  merchant_id: string;
  changed_at: number;
}

/** One row (id 1): the last stamp given to a merchant's configuration change (migration 0012). */
export interface ReadModelClockTable {
  id: number;
  version: number;
}

/** Per merchant, the stamp of the last change of its configuration (merchant, hours, services, tables). */
export interface ReadModelVersionTable {
  merchant_id: string;
  version: number;
}
