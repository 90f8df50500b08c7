// The host stand's live-update stream: authenticated and merchant-scoped; a change made through
// the admin API, through Google's /v3, or through another replica on the same database reaches it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp } from '../app.js';
import { openStore, type Store } from '../store/database.js';
import { ADMIN_TOKEN, bearer, DIALECTS, forDialect, seedMerchant, type TestApp } from '../test-support/app.js';
import type { FastifyInstance } from 'fastify';

/** Reads a server-sent event stream and waits for events by name, with a deadline. */
class EventReader {
  private buffer = '';
  private readonly events: { event: string; data: string }[] = [];
  private constructor(
    private readonly controller: AbortController,
    readonly status: number,
  ) {}

  static async open(url: string, headers: Record<string, string>): Promise<EventReader> {
    const controller = new AbortController();
    const res = await fetch(url, { headers, signal: controller.signal });
    const reader = new EventReader(controller, res.status);
    if (res.body && res.ok) void reader.pump(res.body.getReader());
    return reader;
  }

  private async pump(body: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await body.read();
        if (done) return;
        this.buffer += decoder.decode(value, { stream: true });
        let end = this.buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = this.buffer.slice(0, end);
          this.buffer = this.buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1] ?? '';
          if (event) this.events.push({ event, data });
          end = this.buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    }
  }

  /** Removes and returns the first event with this name, waiting up to `ms`. */
  async next(name: string, ms = 10_000): Promise<{ event: string; data: string }> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.events.findIndex((e) => e.event === name);
      if (i >= 0) return this.events.splice(i, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`no "${name}" event within ${ms} ms (got ${JSON.stringify(this.events)})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  count(name: string): number {
    return this.events.filter((e) => e.event === name).length;
  }

  clear(): void {
    this.events.length = 0;
  }

  close(): void {
    this.controller.abort();
  }
}

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    const startApp = forDialect(dialect);
    let t: TestApp;
    let base: string;
    let alphaToken: string;
    const A = 'alpha';
    const B = 'beta';

    before(async () => {
      t = await startApp();
      await seedMerchant(t.services, { id: A });
      await seedMerchant(t.services, { id: B });
      alphaToken = (await t.admin('POST', '/tokens', { merchant_id: A, label: 'alpha' })).json().token;
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      const address = t.app.server.address();
      assert.ok(address && typeof address === 'object');
      base = `http://127.0.0.1:${address.port}`;
    });
    after(() => t.close());

    test("needs authentication and stays inside the token's merchant", async () => {
      assert.equal((await fetch(`${base}/admin/v1/merchants/${A}/events`)).status, 401);
      const other = await EventReader.open(`${base}/admin/v1/merchants/${B}/events`, { authorization: bearer(alphaToken) });
      assert.equal(other.status, 403);
      other.close();
    });

    test('an unknown merchant is a 404, not an empty stream', async () => {
      const res = await fetch(`${base}/admin/v1/merchants/no-such-merchant/events`, { headers: { authorization: bearer(ADMIN_TOKEN) } });
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
    });

    test('a walk-in through the admin API, a join through /v3, and a change of another merchant', async () => {
      const stream = await EventReader.open(`${base}/admin/v1/merchants/${A}/events`, { authorization: bearer(alphaToken) });
      try {
        assert.equal(stream.status, 200);
        await stream.next('ready');
        const walkIn = await t.admin('POST', `/merchants/${A}/services/waitlist/walk-ins`, { party_size: 2, given_name: 'Live' });
        assert.equal(walkIn.statusCode, 201);
        assert.deepEqual(JSON.parse((await stream.next('changed')).data), { merchant_id: A });

        const join = await t.google('CreateWaitlistEntry', {
          merchant_id: A,
          service_id: 'waitlist',
          party_size: 2,
          idempotency_token: 'sse-join',
          user_information: { user_id: 'u-sse', given_name: 'Gia', family_name: 'Google', telephone: '+1 212-555-0100' },
        });
        assert.equal(join.statusCode, 200, join.body);
        await stream.next('changed');

        // Another merchant's change is not sent to this stream.
        stream.clear();
        await t.admin('POST', `/merchants/${B}/services/waitlist/walk-ins`, { party_size: 2, given_name: 'Elsewhere' });
        await t.admin('PATCH', `/merchants/${A}`, { name: 'Alpha renamed' });
        await stream.next('changed');
        assert.equal(stream.count('changed'), 0);
      } finally {
        stream.close();
      }
    });

    test("a guest's text reply reaches the stream (a reply alone changes no entry); a text from an unknown number changes nothing", async () => {
      const stream = await EventReader.open(`${base}/admin/v1/merchants/${A}/events`, { authorization: bearer(alphaToken) });
      try {
        await stream.next('ready');
        const walkIn = await t.admin('POST', `/merchants/${A}/services/waitlist/walk-ins`, {
          party_size: 2,
          given_name: 'Texter',
          telephone: '+1 212 555 0177',
        });
        assert.equal(walkIn.statusCode, 201, walkIn.body);
        await stream.next('changed', 30_000);
        stream.clear();
        // As the Twilio webhook of another replica would record it: found by this process's poll.
        const kind = await t.services.guestMessages.inbound({ from: '+12125550177', body: 'Parking now, two minutes', sid: 'SM-sse-reply' });
        assert.equal(kind, 'text');
        assert.deepEqual(JSON.parse((await stream.next('changed', 30_000)).data), { merchant_id: A });
        assert.equal(await t.services.guestMessages.inbound({ from: '+12125550999', body: 'wrong number', sid: 'SM-sse-unknown' }), 'text');
      } finally {
        stream.close();
      }
    });

    test("a guest's \"+10\" and the host's refusal reach the stream (a refusal changes only the guest's link, migration 0013)", async () => {
      const stream = await EventReader.open(`${base}/admin/v1/merchants/${A}/events`, { authorization: bearer(alphaToken) });
      const logged = async (): Promise<number> =>
        Number(
          (
            await t.store.db
              .selectFrom('change_log')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('merchant_id', '=', A)
              .executeTakeFirstOrThrow()
          ).n,
        );
      try {
        await stream.next('ready');
        const walkIn = await t.admin('POST', `/merchants/${A}/services/waitlist/walk-ins`, {
          party_size: 3,
          given_name: 'Late',
          telephone: '+1 212 555 0178',
        });
        assert.equal(walkIn.statusCode, 201, walkIn.body);
        const entryId = walkIn.json().id as string;
        await stream.next('changed', 30_000);
        stream.clear();
        assert.equal(await t.services.guestMessages.inbound({ from: '+12125550178', body: '+10', sid: 'SM-sse-extra' }), 'extra_time');
        await stream.next('changed', 30_000);
        stream.clear();
        // Refused as another replica would (this process's feed is not poked): no entry, booking or
        // table changes, so only the trigger on guest_links tells the tablets.
        const before = await logged();
        const answered = await t.services.guestMessages.answerExtraTime(A, entryId, false);
        assert.equal(answered.extra?.status, 'refused');
        assert.ok((await logged()) > before, 'a change_log row for the refusal');
        assert.deepEqual(JSON.parse((await stream.next('changed', 30_000)).data), { merchant_id: A });
      } finally {
        stream.close();
      }
    });

    test('a change made through another replica on the same database reaches the stream', async () => {
      const store: Store = await openStore(t.config.database);
      const replica: FastifyInstance = await buildApp(t.config, { store, clock: t.clock });
      const stream = await EventReader.open(`${base}/admin/v1/merchants/${A}/events`, { authorization: bearer(ADMIN_TOKEN) });
      try {
        await stream.next('ready');
        const res = await replica.inject({
          method: 'POST',
          url: `/admin/v1/merchants/${A}/services/waitlist/walk-ins`,
          headers: { authorization: bearer(ADMIN_TOKEN) },
          payload: { party_size: 4, given_name: 'Replica' },
        });
        assert.equal(res.statusCode, 201);
        // Not poked in this process: found by the poll (every second).
        await stream.next('changed');
      } finally {
        stream.close();
        await replica.close();
        await store.close();
      }
    });

    test('the session cookie opens the stream (EventSource sends no headers)', async () => {
      const signIn = await t.app.inject({ method: 'POST', url: '/admin/v1/session', payload: { token: alphaToken } });
      const cookie = String(([] as string[]).concat(signIn.headers['set-cookie'] ?? [])[0]).split(';')[0]!;
      const stream = await EventReader.open(`${base}/admin/v1/merchants/${A}/events`, { cookie });
      try {
        assert.equal(stream.status, 200);
        await stream.next('ready');
      } finally {
        stream.close();
      }
    });
  });
}
