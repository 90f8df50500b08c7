// Host-stand routes: walk-ins, the queue, and moving entries through their states.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, bearer, seedMerchant, type MerchantFixture, type TestApp, DIALECTS, forDialect } from '../test-support/app.js';

// Every test below runs once on SQLite and once on PostgreSQL (when the suite started one).
for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);

    const N = 1767632400; // the harness's "now", 2026-01-05 12:00 New York
    const US_PHONE = '+1 212-736-5000';
    const TWO_TOPS = [
      { id: 'a2', name: 'A2', minSeats: 1, seats: 2 },
      { id: 'b2', name: 'B2', minSeats: 1, seats: 2 },
    ];

    let t: TestApp;
    let users = 0;

    before(async () => {
      t = await startApp();
    });
    after(() => t.close());
    beforeEach(() => t.clock.set(N * 1000));

    async function merchant(f: MerchantFixture): Promise<string> {
      await seedMerchant(t.services, f);
      return f.id;
    }

    async function walkIn(m: string, body: Record<string, unknown> = {}) {
      const res = await t.admin('POST', `/merchants/${m}/services/waitlist/walk-ins`, { party_size: 2, given_name: 'Walk', ...body });
      assert.equal(res.statusCode, 201, res.body);
      return res.json();
    }

    async function googleJoin(m: string, partySize = 2, extra: Record<string, unknown> = {}): Promise<string> {
      users += 1;
      const res = await t.google('CreateWaitlistEntry', {
        merchant_id: m,
        service_id: 'waitlist',
        party_size: partySize,
        idempotency_token: `admin-routes-${users}`,
        user_information: { user_id: `admin-user-${users}`, given_name: 'Walk', family_name: 'In', telephone: US_PHONE, ...extra },
      });
      const id = res.json().waitlist_entry_id;
      assert.ok(id, res.body);
      return id;
    }

    const action = (m: string, id: string, name: string, body: unknown = {}) => t.admin('POST', `/merchants/${m}/waitlist-entries/${id}/${name}`, body);

    async function ok(m: string, id: string, name: string, body: unknown = {}) {
      const res = await action(m, id, name, body);
      assert.equal(res.statusCode, 200, `${name}: ${res.body}`);
      return res.json();
    }

    const queue = async (m: string) => (await t.admin('GET', `/merchants/${m}/services/waitlist/queue`)).json().entries;

    describe('walk-ins', () => {
      test('a walk-in joins the queue with its source and an estimate', async () => {
        const m = await merchant({ id: 'walk' });
        const entry = await walkIn(m, { party_size: 3, given_name: 'Ida', family_name: 'Wells', telephone: US_PHONE, additional_request: 'booth' });
        assert.equal(entry.source, 'walk_in');
        // The merchant added it (merchants/actor.ts); the column keeps its older word, as does the admin API.
        assert.equal((await t.services.waitlist.get(entry.id, m)).entry.source, 'merchant');
        const stored = await t.store.db.selectFrom('waitlist_entries').select('source').where('id', '=', entry.id).executeTakeFirstOrThrow();
        assert.equal(stored.source, 'walk_in');
        assert.equal(entry.state, 'WAITING');
        assert.deepEqual(entry.guest, { given_name: 'Ida', family_name: 'Wells', telephone: US_PHONE, email: null, google_user_id: null });
        assert.equal(entry.additional_request, 'booth');
        assert.equal(entry.times.created_at, N);
        // Empty floor: seated now, window [N, N+300].
        assert.deepEqual(entry.estimate, { parties_ahead: 0, seat_at: N, range_start: N, range_end: N + 300 });
        assert.deepEqual(entry.allowed_actions, ['notify', 'check-in', 'seat', 'no-show', 'cancel']);
      });

      test('a walk-in with null contact fields keeps them null', async () => {
        const m = await merchant({ id: 'walk-null' });
        const entry = await walkIn(m, { telephone: null, email: null, additional_request: null });
        assert.deepEqual([entry.guest.telephone, entry.guest.email, entry.additional_request], [null, null, null]);
      });

      test('walk-ins appear in the queue exactly like Google entries, apart from their source', async () => {
        const m = await merchant({ id: 'alike', tables: TWO_TOPS });
        const g = await googleJoin(m);
        const w = (await walkIn(m, { family_name: 'In', telephone: US_PHONE })).id;
        const [google, walk] = await queue(m);
        assert.deepEqual([google.id, walk.id], [g, w]);
        assert.deepEqual([google.source, walk.source], ['google', 'walk_in']);
        const comparable = (e: Record<string, any>) => ({
          ...e,
          id: null,
          source: null,
          guest: { ...e.guest, google_user_id: null },
          estimate: Object.keys(e.estimate),
        });
        assert.deepEqual(comparable(walk), comparable(google));
        // Both hold a table in the plan: a2 and b2 are both free now.
        assert.deepEqual([google.estimate.seat_at, walk.estimate.seat_at], [N, N]);
        assert.deepEqual([google.estimate.parties_ahead, walk.estimate.parties_ahead], [0, 1]);
      });

      test('the queue keeps join order, even for parties joining in the same millisecond', async () => {
        const m = await merchant({ id: 'order', tables: [{ id: 'a2', name: 'A2', minSeats: 1, seats: 2 }] });
        const ids: string[] = [];
        for (let i = 0; i < 6; i++) ids.push(i % 2 === 0 ? await googleJoin(m) : (await walkIn(m)).id);
        const entries = await queue(m);
        assert.deepEqual(
          entries.map((e: { id: string }) => e.id),
          ids,
        );
        // One two-top, 45 minutes a party: the k-th party sits at N + k*2700.
        assert.deepEqual(
          entries.map((e: { estimate: { parties_ahead: number; seat_at: number } }) => [e.estimate.parties_ahead, e.estimate.seat_at - N]),
          [0, 1, 2, 3, 4, 5].map((k) => [k, k * 2700]),
        );
      });

      test('the host may add walk-ins when Google may not (closed, paused, other country), but not past capacity', async () => {
        const m = await merchant({
          id: 'host',
          hours: [{ day: 2, open: '18:00', close: '22:00' }],
          rules: { paused: true, allowedPhoneCountries: ['CA'], maxQueueLength: 1 },
        });
        await walkIn(m, { telephone: US_PHONE });
        const full = await t.admin('POST', `/merchants/${m}/services/waitlist/walk-ins`, { party_size: 2, given_name: 'Late' });
        assert.equal(full.statusCode, 422);
        assert.deepEqual([full.json().error.code, full.json().error.message], ['WAITLIST_FULL', 'the waitlist is full']);
      });

      test('party size outside the rules: 422 with the cause', async () => {
        const m = await merchant({ id: 'sizes', rules: { minPartySize: 2, maxPartySize: 4 } });
        for (const [size, cause] of [
          [1, 'BELOW_MIN_PARTY_SIZE'],
          [5, 'ABOVE_MAX_PARTY_SIZE'],
        ] as const) {
          const res = await t.admin('POST', `/merchants/${m}/services/waitlist/walk-ins`, { party_size: size, given_name: 'X' });
          assert.equal(res.statusCode, 422);
          assert.equal(res.json().error.code, cause);
        }
      });

      test('invalid walk-ins: 400 naming the field', async () => {
        const m = await merchant({ id: 'invalid-walk' });
        for (const [body, field] of [
          [{ given_name: 'X' }, /party_size/],
          [{ party_size: 0, given_name: 'X' }, /party_size/],
          [{ party_size: 'two', given_name: 'X' }, /party_size/],
          [{ party_size: 2 }, /given_name/],
        ] as const) {
          const res = await t.admin('POST', `/merchants/${m}/services/waitlist/walk-ins`, body);
          assert.equal(res.statusCode, 400, res.body);
          assert.match(res.json().error.message, field);
        }
        const unknown = await t.admin('POST', `/merchants/${m}/services/brunch/walk-ins`, { party_size: 2, given_name: 'X' });
        assert.equal(unknown.statusCode, 400);
        assert.match(unknown.json().error.message, /brunch/);
      });

      test('an Idempotency-Key makes a retried walk-in return the first entry', async () => {
        const m = await merchant({ id: 'walk-key' });
        const post = (body: unknown) =>
          t.app.inject({
            method: 'POST',
            url: `/admin/v1/merchants/${m}/services/waitlist/walk-ins`,
            headers: { authorization: 'Bearer bootstrap-admin-token-for-tests', 'idempotency-key': 'tablet-42' },
            payload: body as Record<string, unknown>,
          });
        const first = await post({ party_size: 2, given_name: 'Kay' });
        const again = await post({ party_size: 2, given_name: 'Kay' });
        assert.deepEqual([first.statusCode, again.statusCode], [201, 200]);
        assert.equal(again.json().id, first.json().id);
        assert.equal((await post({ party_size: 3, given_name: 'Kay' })).statusCode, 409);
        assert.equal((await queue(m)).length, 1);
      });
    });

    describe('transitions', () => {
      test('notify, check in, seat at a named table: each state with its time', async () => {
        const m = await merchant({ id: 'flow', tables: TWO_TOPS });
        const { id } = await walkIn(m);
        t.clock.advanceSeconds(60);
        const ready = await ok(m, id, 'notify');
        assert.equal(ready.state, 'SERVICE_READY');
        assert.equal(ready.times.service_readied_at, N + 60);
        assert.deepEqual(ready.allowed_actions, ['check-in', 'seat', 'no-show', 'cancel']);
        t.clock.advanceSeconds(60);
        const checkedIn = await ok(m, id, 'check-in');
        assert.equal(checkedIn.state, 'CHECKED_IN');
        assert.equal(checkedIn.times.checked_in_at, N + 120);
        t.clock.advanceSeconds(60);
        const seated = await ok(m, id, 'seat', { table_id: 'b2' });
        assert.equal(seated.state, 'SEATED');
        assert.equal(seated.table_id, 'b2');
        assert.deepEqual(seated.times, {
          created_at: N,
          confirmed_at: null,
          canceled_at: null,
          declined_at: null,
          service_readied_at: N + 60,
          checked_in_at: N + 120,
          seated_at: N + 180,
          marked_no_show_at: null,
          left_at: null,
        });
        assert.equal(seated.estimate, null);
        assert.deepEqual(seated.allowed_actions, ['leave']);
        assert.deepEqual(await queue(m), [], 'a seated party leaves the queue');
      });

      test('leave ("table cleared"): recorded once, on a seated party only, and the table is free for the estimates at once', async () => {
        const m = await merchant({ id: 'leave', tables: [{ id: 'a2', name: 'A2', minSeats: 1, seats: 2 }] });
        const first = await walkIn(m);
        const waiting = await walkIn(m);
        const refused = await action(m, waiting.id, 'leave');
        assert.equal(refused.statusCode, 400);
        assert.equal(refused.json().error.code, 'ILLEGAL_TRANSITION');
        await ok(m, first.id, 'seat', { table_id: 'a2' });
        // The second party waits for a2: 45 minutes (the configured turn time for two).
        const before = (await queue(m))[0];
        assert.equal(before.estimate.seat_at, N + 45 * 60);
        t.clock.advanceSeconds(30 * 60);
        const left = await ok(m, first.id, 'leave');
        assert.equal(left.state, 'SEATED');
        assert.equal(left.times.left_at, N + 30 * 60);
        assert.deepEqual(left.allowed_actions, []);
        const after = (await queue(m))[0];
        assert.equal(after.estimate.seat_at, N + 30 * 60, 'a2 is free now');
        const again = await action(m, first.id, 'leave');
        assert.equal(again.statusCode, 400);
        assert.equal(again.json().error.code, 'ILLEGAL_TRANSITION');
        const elsewhere = await t.admin('POST', `/merchants/other/waitlist-entries/${first.id}/leave`, {});
        assert.equal(elsewhere.statusCode, 404, elsewhere.body);
      });

      test('the quote shown at join is stored with the entry', async () => {
        const m = await merchant({ id: 'quoted', tables: [{ id: 'a2', name: 'A2', minSeats: 1, seats: 2 }] });
        const first = await walkIn(m);
        assert.deepEqual(first.quoted, { seat_at: N, range_start: N, range_end: N + 300 });
        await ok(m, first.id, 'seat', { table_id: 'a2' });
        const second = await walkIn(m);
        assert.equal(second.quoted.seat_at, N + 45 * 60);
        assert.deepEqual(second.quoted, { seat_at: second.estimate.seat_at, range_start: second.estimate.range_start, range_end: second.estimate.range_end });
      });

      test('seat without a table: the fitting table that is free, else none', async () => {
        const m = await merchant({
          id: 'auto',
          tables: [
            { id: 'a2', name: 'A2', minSeats: 1, seats: 2 },
            { id: 'c4', name: 'C4', minSeats: 3, seats: 4 },
          ],
        });
        const [x, y, z] = [(await walkIn(m)).id, (await walkIn(m)).id, (await walkIn(m)).id];
        assert.equal((await ok(m, x, 'seat')).table_id, 'a2');
        // a2 is taken and c4 needs three: y is seated with no table recorded.
        assert.equal((await ok(m, y, 'seat', { table_id: null })).table_id, null);
        // 45 minutes on, x's turn is over and a2 is free again.
        t.clock.advanceSeconds(50 * 60);
        assert.equal((await ok(m, z, 'seat')).table_id, 'a2');
      });

      test('seat at an unknown table: 400 naming it, and the entry still waits', async () => {
        const m = await merchant({ id: 'badtable' });
        const { id } = await walkIn(m);
        const res = await action(m, id, 'seat', { table_id: 'patio-9' });
        assert.equal(res.statusCode, 400);
        assert.match(res.json().error.message, /patio-9/);
        assert.equal((await t.admin('GET', `/merchants/${m}/waitlist-entries/${id}`)).json().state, 'WAITING');
      });

      test('actions take no body: none at all, or an empty one sent as application/json', async () => {
        const m = await merchant({ id: 'nobody' });
        const bare = (id: string, name: string, headers: Record<string, string> = {}) =>
          t.app.inject({
            method: 'POST',
            url: `/admin/v1/merchants/${m}/waitlist-entries/${id}/${name}`,
            headers: { authorization: bearer(ADMIN_TOKEN), ...headers },
          });
        const walk = async () => (await walkIn(m)).id;
        const [a, b, c] = [await walk(), await walk(), await walk()];
        for (const [id, name, state] of [
          [a, 'notify', 'SERVICE_READY'],
          [a, 'check-in', 'CHECKED_IN'],
          [a, 'seat', 'SEATED'],
          [b, 'no-show', 'NO_SHOW'],
          [c, 'cancel', 'CANCELED'],
        ] as const) {
          const res = await bare(id, name);
          assert.equal(res.statusCode, 200, `${name}: ${res.body}`);
          assert.equal(res.json().state, state);
        }
        const d = await walk();
        const empty = await bare(d, 'seat', { 'content-type': 'application/json' });
        assert.equal(empty.statusCode, 200, empty.body);
        assert.equal(empty.json().state, 'SEATED');
      });

      test('no-show and cancel', async () => {
        const m = await merchant({ id: 'gone' });
        const [a, b] = [(await walkIn(m)).id, (await walkIn(m)).id];
        t.clock.advanceSeconds(30);
        const noShow = await ok(m, a, 'no-show');
        assert.deepEqual([noShow.state, noShow.times.marked_no_show_at], ['NO_SHOW', N + 30]);
        const canceled = await ok(m, b, 'cancel');
        assert.deepEqual([canceled.state, canceled.times.canceled_at], ['CANCELED', N + 30]);
        assert.deepEqual(await queue(m), []);
      });

      test('an ASYNCHRONOUS service: Google entries wait for the merchant to confirm or decline', async () => {
        const m = await merchant({ id: 'async', rules: { confirmationMode: 'ASYNCHRONOUS' } });
        const [yes, no] = [await googleJoin(m), await googleJoin(m)];
        const entryState = async (id: string) => (await t.google('GetWaitlistEntry', { waitlist_entry_id: id })).json().waitlist_entry.waitlist_entry_state;
        assert.equal(await entryState(yes), 'PENDING_MERCHANT_CONFIRMATION');
        const pending = (await queue(m))[0];
        assert.equal(pending.state, 'PENDING_MERCHANT_CONFIRMATION');
        assert.deepEqual(pending.allowed_actions, ['confirm', 'decline', 'cancel']);
        assert.equal((await action(m, yes, 'notify')).statusCode, 400, 'not before it is confirmed');

        t.clock.advanceSeconds(120);
        const confirmed = await ok(m, yes, 'confirm');
        assert.deepEqual([confirmed.state, confirmed.times.confirmed_at], ['WAITING', N + 120]);
        assert.equal(await entryState(yes), 'WAITING');
        const declined = await ok(m, no, 'decline');
        assert.deepEqual([declined.state, declined.times.declined_at], ['DECLINED_BY_MERCHANT', N + 120]);
        assert.equal(await entryState(no), 'DECLINED_BY_MERCHANT');
      });

      test('illegal transitions are refused with 400 and a message naming the state', async () => {
        const m = await merchant({ id: 'illegal' });
        const { id } = await walkIn(m);
        await ok(m, id, 'seat');
        for (const name of ['notify', 'check-in', 'seat', 'no-show', 'cancel', 'confirm', 'decline']) {
          const res = await action(m, id, name);
          assert.equal(res.statusCode, 400, name);
          assert.equal(res.json().error.code, 'ILLEGAL_TRANSITION');
          assert.match(res.json().error.message, /SEATED/);
        }
        const waiting = (await walkIn(m)).id;
        const confirm = await action(m, waiting, 'confirm');
        assert.equal(confirm.statusCode, 400);
        assert.match(confirm.json().error.message, /cannot confirm an entry that is WAITING/);
        // A checked-in guest is at the restaurant, so cannot be a no-show.
        await ok(m, waiting, 'check-in');
        assert.equal((await action(m, waiting, 'no-show')).statusCode, 400);
      });

      test('unknown actions and entries: 404', async () => {
        const m = await merchant({ id: 'unknowns' });
        const { id } = await walkIn(m);
        const res = await action(m, id, 'teleport');
        assert.equal(res.statusCode, 404);
        assert.match(res.json().error.message, /teleport/);
        assert.equal((await action(m, 'no-such-entry', 'seat')).statusCode, 404);
        assert.equal((await t.admin('GET', `/merchants/${m}/waitlist-entries/no-such-entry`)).statusCode, 404);
      });
    });

    describe('listing entries', () => {
      test('filters by state and service, newest states included', async () => {
        const m = await merchant({ id: 'list' });
        const [a, b, c] = [(await walkIn(m)).id, (await walkIn(m)).id, await googleJoin(m)];
        await ok(m, b, 'seat');
        const list = async (query: string) =>
          (await t.admin('GET', `/merchants/${m}/waitlist-entries${query}`)).json().entries.map((e: { id: string; state: string }) => [e.id, e.state]);
        assert.deepEqual(await list(''), [
          [a, 'WAITING'],
          [b, 'SEATED'],
          [c, 'WAITING'],
        ]);
        assert.deepEqual(await list('?state=seated'), [[b, 'SEATED']]);
        assert.deepEqual(await list('?state=WAITING,SEATED&limit=2'), [
          [a, 'WAITING'],
          [b, 'SEATED'],
        ]);
        assert.deepEqual(await list('?service_id=brunch'), []);
        const bad = await t.admin('GET', `/merchants/${m}/waitlist-entries?state=LOST`);
        assert.equal(bad.statusCode, 400);
        assert.match(bad.json().error.message, /LOST/);
      });
    });
  });
}
