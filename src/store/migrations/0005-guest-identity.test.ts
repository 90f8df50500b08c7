// Migration 0005 on a database that already holds bookings and waitlist entries: normalised email
// keys are backfilled, walk-ins get none, and two live Google entries that already share an address
// (possible before this migration) do not stop the unique index from being built.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, type MigrationProvider } from 'kysely';
import { openStore, type Store } from '../database.js';
import { admin, DIALECTS, TEST_PG_URL } from '../../test-support/postgres.js';
import { migrations } from './index.js';

const provider: MigrationProvider = { getMigrations: async () => migrations };

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c();
    });

    async function storeBefore0005(): Promise<Store> {
      let store: Store;
      if (dialect === 'postgres') {
        // An empty database of its own (the suite's test databases come migrated to the latest schema).
        const name = `m0005_${randomBytes(6).toString('hex')}`;
        await admin((c) => c.query(`create database ${name}`));
        const url = new URL(TEST_PG_URL!);
        url.pathname = `/${name}`;
        store = await openStore({ kind: 'postgres', url: url.toString(), poolMax: 2 }, { migrate: false });
        cleanups.push(() => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined));
      } else {
        const dir = mkdtempSync(join(tmpdir(), 'm0005-'));
        store = await openStore({ kind: 'sqlite', path: join(dir, 'db.sqlite') }, { migrate: false });
        cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      }
      cleanups.push(() => store.close());
      const { error } = await new Migrator({ db: store.db, provider }).migrateTo('0004-feeds');
      if (error) throw error;
      return store;
    }

    test('backfills email keys; a live duplicate address keeps the earlier entry keyed; the index then refuses a third', async () => {
      const store = await storeBefore0005();
      const db = store.db;
      await db
        .insertInto('merchants')
        .values({
          id: 'm',
          name: 'M',
          time_zone: 'UTC',
          telephone: null,
          street_address: null,
          locality: null,
          region: null,
          postal_code: null,
          country: null,
          waitlist_advisement: null,
          turn_times: '[]',
          created_at: 0,
          updated_at: 0,
        })
        .execute();
      await db
        .insertInto('services')
        .values({
          merchant_id: 'm',
          id: 's',
          name: 'S',
          waitlist_enabled: 1,
          waitlist_paused: 0,
          min_party_size: 1,
          max_party_size: 10,
          max_queue_length: null,
          allowed_phone_countries: '[]',
          supports_additional_request: 1,
          confirmation_mode: 'SYNCHRONOUS',
          walk_in_when_no_wait: 0,
          max_quoted_wait_minutes: null,
          created_at: 0,
          updated_at: 0,
        } as never)
        .execute();
      const entry = (id: string, source: string, state: string, email: string | null, seq: number) => ({
        id,
        merchant_id: 'm',
        service_id: 's',
        source,
        state,
        party_size: 2,
        given_name: 'A',
        family_name: 'B',
        telephone: null,
        email,
        google_user_id: `u-${id}`,
        additional_request: null,
        table_id: null,
        queue_seq: seq,
        created_at: 0,
        confirmed_at: null,
        canceled_at: null,
        declined_at: null,
        service_readied_at: null,
        checked_in_at: null,
        seated_at: null,
        marked_no_show_at: null,
        updated_at: 0,
      });
      await db
        .insertInto('waitlist_entries')
        .values([
          entry('first', 'google', 'WAITING', ' Dup@Example.com', 1),
          entry('second', 'google', 'WAITING', 'dup@example.COM', 2),
          entry('done', 'google', 'SEATED', 'DUP@example.com', 0),
          entry('walkin', 'walk_in', 'WAITING', 'walk@example.com', 3),
        ] as never)
        .execute();
      await db
        .insertInto('bookings')
        .values({
          id: 'b1',
          merchant_id: 'm',
          service_id: 's',
          start_sec: 100,
          duration_sec: 60,
          staff_id: '',
          room_id: '',
          slot_party_size: 0,
          party_size: 2,
          availability_tag: '',
          status: 'CONFIRMED',
          confirmation_mode: 'SYNCHRONOUS',
          source: 'google',
          user_id: 'u',
          given_name: 'A',
          family_name: 'B',
          telephone: null,
          email: 'Ünïcode@Example.com ',
          language_code: null,
          additional_request: null,
          offer_id: null,
          lease_id: null,
          payment_json: null,
          prepayment_status: 'PREPAYMENT_NOT_PROVIDED',
          payment_transaction_id: null,
          canceled_by: null,
          created_at: 0,
          updated_at: 0,
          canceled_at: null,
        } as never)
        .execute();

      const { error } = await new Migrator({ db, provider }).migrateTo('0005-guest-identity');
      if (error) throw error;

      const keys = Object.fromEntries((await db.selectFrom('waitlist_entries').select(['id', 'email_key']).execute()).map((r) => [r.id, r.email_key]));
      assert.deepEqual(keys, { first: 'dup@example.com', second: null, done: 'dup@example.com', walkin: null });
      const booking = await db.selectFrom('bookings').select('email_key').where('id', '=', 'b1').executeTakeFirstOrThrow();
      assert.equal(booking.email_key, 'ünïcode@example.com', 'Unicode lower case, the same on both databases');
      await assert.rejects(
        db
          .insertInto('waitlist_entries')
          .values({ ...entry('third', 'google', 'WAITING', 'dup@example.com', 4), email_key: 'dup@example.com' } as never)
          .execute(),
        /unique|UNIQUE/,
        'one live entry per address',
      );
    });
  });
}
