// Guest texts end to end inside the app, on both databases: the outbox written with the change,
// the worker sending through a fake Twilio (Basic auth and form fields checked), retries, dead
// letters, languages, numbers, opt-outs, replies (signed webhooks), extra time and the grace timer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS, forDialect } from '../test-support/app.js';
import { PUBLIC_BASE, type SmsHarness, seedSmsMerchant, startSms, tokenOf } from '../test-support/sms.js';

for (const dialect of DIALECTS) {
  describe(`guest texts (${dialect})`, () => {
    const startApp = forDialect(dialect);
    let h: SmsHarness;
    let seq = 0;
    before(async () => {
      h = await startSms(startApp);
    });
    after(async () => h.close());

    /** A fresh merchant per test, so that tests do not see each other's queues. */
    async function merchant(guestMessages?: Record<string, unknown>, country = 'US'): Promise<string> {
      const id = `sms-m-${++seq}`;
      await seedSmsMerchant(h, {
        id,
        ...(guestMessages ? { guestMessages } : {}),
      });
      if (country !== 'US') await h.t.admin('PATCH', `/merchants/${id}`, { address: { country } });
      return id;
    }
    const textsTo = (phone: string) => h.fake.texts.filter((x) => x.to === phone);

    it('join: one text with the quote and the status link, sent after commit; a replayed join sends no second', async () => {
      const m = await merchant();
      h.fake.reset();
      const phone = '+12127365001';
      const id = await h.join(m, {
        user: 'u-join',
        phone: '+1 (212) 736-5001',
      });
      assert.equal(h.fake.texts.length, 0, 'nothing is sent inside the request');
      assert.equal(await h.drain(), 1);
      const [text] = textsTo(phone);
      assert.ok(text);
      assert.equal(text.from, h.fake.from);
      assert.equal(text.statusCallback, `${PUBLIC_BASE}/sms/twilio/status`);
      assert.match(
        text.body,
        new RegExp(
          `^Merchant ${m}: Ada, you are 1st in line, table expected \\d{1,2}:\\d{2}.*Status: ${PUBLIC_BASE}/w/[A-Za-z0-9_-]{24} Reply 1 = on my way, 9 = cancel$`,
        ),
      );
      assert.doesNotMatch(text.body, /Lovelace|Maria/, 'first name only');
      // Google retries the same request: the same entry, no second text.
      const again = await h.t.google('CreateWaitlistEntry', {
        merchant_id: m,
        service_id: 'waitlist',
        party_size: 2,
        idempotency_token: 'replayed',
        user_information: {
          user_id: 'u-join',
          given_name: 'Ada',
          telephone: phone,
        },
      });
      assert.equal(again.json().waitlist_business_logic_failure.cause, 'EXISTING_WAITLIST_ENTRY');
      await h.drain();
      assert.equal(textsTo(phone).length, 1);
      const messaging = await h.messaging(m, id);
      assert.equal(messaging.sms, 'on');
      assert.deepEqual(
        messaging.messages.map((x: { kind: string; status: string }) => [x.kind, x.status]),
        [['joined', 'accepted']],
      );
    });

    it('notify, then Google cancels: "ready" and "cancelled" texts, once each, in order', async () => {
      const m = await merchant();
      h.fake.reset();
      const id = await h.join(m, { phone: '+12127365002' });
      await h.act(m, id, 'notify');
      const del = await h.t.google('DeleteWaitlistEntry', {
        waitlist_entry_id: id,
      });
      assert.equal(del.statusCode, 200);
      await h.t.google('DeleteWaitlistEntry', { waitlist_entry_id: id });
      await h.drain();
      const bodies = textsTo('+12127365002').map((x) => x.body);
      assert.equal(bodies.length, 3);
      assert.match(bodies[1]!, /your table is ready! Please come within 10 min\. Reply 1 = on my way, \+10 = more time\./);
      // DeleteWaitlistEntry is the guest cancelling on Google's side: thanked, not apologised to.
      assert.match(bodies[2]!, /your waitlist spot is cancelled\. Thank you for telling us\./);
      const token = tokenOf(bodies[0]!);
      for (const body of bodies) assert.equal(tokenOf(body), token, 'every text links to the same status page');
    });

    it('decline (asynchronous confirmation) is texted', async () => {
      const m = `sms-m-${++seq}`;
      await seedSmsMerchant(h, {
        id: m,
        rules: { confirmationMode: 'ASYNCHRONOUS' },
      });
      h.fake.reset();
      const id = await h.join(m, { phone: '+12127365003' });
      await h.act(m, id, 'decline');
      await h.drain();
      const bodies = textsTo('+12127365003').map((x) => x.body);
      assert.match(bodies[0]!, /we got your waitlist request for 2 guests; the restaurant will confirm\./);
      assert.match(bodies[1]!, /sorry Ada, we cannot take your party this time\./);
    });

    it("languages: Google's language_code when we speak it, else the merchant's", async () => {
      const m = await merchant({ language: 'it' });
      h.fake.reset();
      await h.join(m, { phone: '+12127365010', language: 'ar-EG' });
      await h.join(m, { phone: '+12127365011', language: 'zh-CN' });
      await h.join(m, { phone: '+12127365012', language: 'zh-TW' });
      await h.join(m, { phone: '+12127365013', language: 'tr' });
      await h.join(m, { phone: '+12127365014' });
      await h.drain();
      assert.match(textsTo('+12127365010')[0]!.body, /ترتيبك/);
      assert.match(textsTo('+12127365011')[0]!.body, /您排在第2位/);
      assert.match(textsTo('+12127365012')[0]!.body, /sei 3° in fila/, "Traditional Chinese is not offered: the merchant's Italian");
      assert.match(textsTo('+12127365013')[0]!.body, /4\. sıradasınız/);
      assert.match(textsTo('+12127365014')[0]!.body, /sei 5° in fila/);
    });

    it("numbers: national numbers use the merchant's country; an unusable one joins without texts", async () => {
      const m = await merchant(undefined, 'IT');
      h.fake.reset();
      await h.join(m, { phone: '06 6982 1234' });
      const bad = await h.join(m, { phone: '12' });
      const none = await h.join(m, { phone: null });
      await h.drain();
      assert.deepEqual(
        h.fake.texts.map((x) => x.to),
        ['+390669821234'],
      );
      assert.equal((await h.messaging(m, bad)).sms, 'invalid_number');
      assert.equal((await h.messaging(m, none)).sms, 'no_number');
      assert.deepEqual((await h.messaging(m, bad)).messages, []);
    });

    it('a failure at the end of a second waits its whole Retry-After: the retry is not due at the next second', async () => {
      const m = await merchant();
      h.fake.reset();
      // The fake's 429 carries Retry-After: 2. The failure comes 1 ms before a whole second.
      const failedAt = Math.floor(h.t.clock.nowMs() / 1000) * 1000 + 1999;
      h.t.clock.set(failedAt);
      h.fake.down(429, 1);
      await h.join(m, { phone: '+12127365024' });
      await h.drain();
      assert.equal(h.fake.requests.filter((r) => r.status === 429).length, 1);
      h.t.clock.set(failedAt + 1001);
      assert.equal(await h.drain(), 0, '1.001 s after a Retry-After of 2 s');
      h.t.clock.set(failedAt + 2001);
      assert.equal(await h.drain(), 1);
      assert.equal(textsTo('+12127365024').length, 1);
    });

    it('an outage is retried with backoff and sends once; a refusal is a dead letter the operator replays', async () => {
      const m = await merchant();
      h.fake.reset();
      h.fake.down(503, 1);
      const id = await h.join(m, { phone: '+12127365020' });
      await h.drain();
      assert.equal(h.fake.texts.length, 0);
      assert.equal((await h.messaging(m, id)).messages[0].status, 'queued');
      assert.equal(await h.drain(), 0, 'not due before its backoff');
      h.t.clock.advanceSeconds(400);
      await h.drain();
      assert.equal(textsTo('+12127365020').length, 1);

      h.fake.refuse(400, 21606, 'The From phone number +15005550006 is not a valid message-capable Twilio phone number.');
      await h.act(m, id, 'notify');
      await h.drain();
      assert.equal(textsTo('+12127365020').length, 1);
      const dead = (await h.t.admin('GET', '/guest-messages/dead-letters')).json().dead_letters;
      const mine = dead.filter((d: { entry_id: string }) => d.entry_id === id);
      assert.equal(mine.length, 1);
      assert.equal(mine[0].kind, 'ready');
      assert.match(mine[0].last_error, /Twilio 400 code 21606/);
      assert.doesNotMatch(mine[0].last_error, /5005550006/, 'no number in a dead letter');
      assert.equal((await h.messaging(m, id)).messages[1].status, 'dead');
      const status = (await h.t.admin('GET', '/guest-messages/status')).json();
      assert.equal(status.provider, 'twilio');
      assert.ok(status.dead >= 1);
      const replay = await h.t.admin('POST', '/guest-messages/dead-letters/replay', { ids: [mine[0].id] });
      assert.equal(replay.json().replayed, 1);
      await h.drain();
      assert.equal(textsTo('+12127365020').length, 2);
      assert.match(textsTo('+12127365020')[1]!.body, /your table is ready/);
    });

    it("webhooks: a bad or missing signature is 403; the signed URL is PUBLIC_BASE_URL's", async () => {
      const params = {
        From: '+12127365030',
        To: h.fake.from,
        Body: '1',
        MessageSid: 'SMbad',
        AccountSid: h.fake.accountSid,
      };
      assert.equal((await h.webhook('/sms/twilio/inbound', params, 'AAAA')).status, 403);
      assert.equal((await h.webhook('/sms/twilio/inbound', params, '')).status, 403);
      const res = await h.t.app.inject({
        method: 'POST',
        url: '/sms/twilio/inbound',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          host: 'internal:8080',
        },
        payload: new URLSearchParams(params).toString(),
      });
      assert.equal(res.statusCode, 403);
      // Tampering with a parameter after signing breaks it.
      const twilio = (await import('twilio')).default;
      const sig = twilio.getExpectedTwilioSignature(h.fake.authToken, `${PUBLIC_BASE}/sms/twilio/inbound`, params);
      assert.equal((await h.webhook('/sms/twilio/inbound', { ...params, Body: '9' }, sig)).status, 403);
      assert.equal((await h.webhook('/sms/twilio/inbound', params, sig)).status, 200);
    });

    it('replies: 1 is "on my way", 9 cancels, anything else is kept for the host, all in the reply feed', async () => {
      const m = await merchant();
      h.fake.reset();
      const phone = '+12127365040';
      const id = await h.join(m, { phone });
      await h.drain();
      const one = await h.text(phone, ' 1 ');
      assert.equal(one.status, 200);
      assert.match(one.body, /<Response\/>/);
      assert.ok((await h.messaging(m, id)).on_my_way_at > 0);
      await h.text(phone, 'Running 5 min late, sorry!');
      await h.text(phone, '9');
      const entry = (await h.t.admin('GET', `/merchants/${m}/waitlist-entries/${id}`)).json();
      assert.equal(entry.state, 'CANCELED');
      await h.drain();
      assert.match(textsTo(phone).at(-1)!.body, /your waitlist spot is cancelled\. Thank you for telling us\./);
      const feed = (await h.t.admin('GET', `/merchants/${m}/guest-replies`)).json().replies;
      assert.deepEqual(
        feed.map((r: { kind: string; body: string; entry_id: string }) => [r.kind, r.body, r.entry_id]),
        [
          ['on_my_way', ' 1 ', id],
          ['text', 'Running 5 min late, sorry!', id],
          ['cancel', '9', id],
        ],
      );
      const later = (await h.t.admin('GET', `/merchants/${m}/guest-replies?after=${feed[1].id}`)).json().replies;
      assert.deepEqual(
        later.map((r: { kind: string }) => r.kind),
        ['cancel'],
      );
    });

    it('a webhook delivered twice counts once', async () => {
      const m = await merchant();
      const phone = '+12127365045';
      await h.join(m, { phone });
      const params = {
        From: phone,
        To: h.fake.from,
        Body: 'hello',
        MessageSid: 'SMdup00000000000000000000000000001',
        AccountSid: h.fake.accountSid,
      };
      await h.webhook('/sms/twilio/inbound', params);
      await h.webhook('/sms/twilio/inbound', params);
      assert.equal((await h.t.admin('GET', `/merchants/${m}/guest-replies`)).json().replies.length, 1);
    });

    it('STOP and CANCEL are opt-outs, never a cancellation: nothing more is sent until START', async () => {
      const m = await merchant();
      h.fake.reset();
      const phone = '+12127365050';
      const id = await h.join(m, { phone });
      await h.drain();
      await h.text(phone, 'Cancel');
      const entry = (await h.t.admin('GET', `/merchants/${m}/waitlist-entries/${id}`)).json();
      assert.equal(entry.state, 'WAITING', "CANCEL is the carrier's opt-out word, not ours");
      const messaging = await h.messaging(m, id);
      assert.equal(messaging.sms, 'opted_out');
      assert.equal(messaging.replies[0].kind, 'opt_out');
      await h.act(m, id, 'notify');
      await h.drain();
      assert.equal(textsTo(phone).length, 1, 'no text to an opted-out number');
      const ready = (await h.messaging(m, id)).messages[1];
      assert.deepEqual([ready.kind, ready.status, ready.skip_reason], ['ready', 'skipped', 'opted_out']);
      await h.text(phone, 'START');
      assert.equal((await h.messaging(m, id)).sms, 'on');
      await h.act(m, id, 'cancel');
      await h.drain();
      assert.equal(textsTo(phone).length, 2);
      assert.match(textsTo(phone)[1]!.body, /sorry Ada, your waitlist spot was cancelled\./, 'cancelled by the merchant');
    });

    it('a send Twilio refuses with 21610 records the opt-out', async () => {
      const m = await merchant();
      h.fake.reset();
      const phone = '+12127365055';
      const id = await h.join(m, { phone });
      h.fake.refuse(400, 21610, 'Attempt to send to unsubscribed recipient');
      await h.drain();
      assert.equal((await h.messaging(m, id)).sms, 'opted_out');
      assert.deepEqual(
        (await h.t.admin('GET', '/guest-messages/dead-letters')).json().dead_letters.filter((d: { entry_id: string }) => d.entry_id === id),
        [],
      );
    });

    it('status callbacks record delivery; a late "sent" never moves "delivered" back', async () => {
      const m = await merchant();
      h.fake.reset();
      const id = await h.join(m, { phone: '+12127365060' });
      await h.drain();
      const sid = h.fake.texts[0]!.sid;
      const status = (s: string, extra: Record<string, string> = {}) =>
        h.webhook('/sms/twilio/status', {
          MessageSid: sid,
          MessageStatus: s,
          AccountSid: h.fake.accountSid,
          ...extra,
        });
      assert.equal((await status('delivered')).status, 204);
      assert.equal((await status('sent')).status, 204);
      assert.equal((await h.messaging(m, id)).messages[0].status, 'delivered');
      assert.equal((await h.webhook('/sms/twilio/status', { MessageSid: sid, MessageStatus: 'failed' }, 'forged')).status, 403);
    });

    it('+10: the host accepts, the guest is told, and the grace timer gives the extra minutes', async () => {
      const m = await merchant();
      h.fake.reset();
      const phone = '+12127365070';
      const id = await h.join(m, { phone });
      await h.act(m, id, 'notify');
      await h.text(phone, '+10');
      const pending = (await h.messaging(m, id)).extra_time;
      assert.deepEqual([pending.minutes, pending.status], [10, 'pending']);
      const accepted = await h.t.admin('POST', `/merchants/${m}/waitlist-entries/${id}/extra-time`, { accept: true });
      assert.equal(accepted.statusCode, 200, accepted.body);
      assert.equal(accepted.json().extra_time.status, 'accepted');
      const twice = await h.t.admin('POST', `/merchants/${m}/waitlist-entries/${id}/extra-time`, { accept: true });
      assert.equal(twice.statusCode, 409);
      assert.equal(twice.json().error.code, 'NO_EXTRA_TIME_REQUEST');
      await h.drain();
      assert.match(textsTo(phone).at(-1)!.body, /we will hold your table 10 more min\./);
      // Other tests' called parties share the database: only this one's matter here.
      const expire = async () => (await h.t.services.waitlist.expireOverdueReady()).filter((x) => x === id);
      h.t.clock.advanceSeconds(11 * 60);
      assert.deepEqual(await expire(), []);
      h.t.clock.advanceSeconds(10 * 60);
      assert.deepEqual(await expire(), [id]);
      assert.equal((await h.t.admin('GET', `/merchants/${m}/waitlist-entries/${id}`)).json().state, 'NO_SHOW');
      await h.drain();
      assert.match(textsTo(phone).at(-1)!.body, /we held your table but did not see you/);
    });

    it('grace timer: default 10 minutes, off with null, per merchant', async () => {
      const on = await merchant();
      const off = await merchant({ grace_minutes: null });
      const a = await h.join(on, { phone: '+12127365080' });
      const b = await h.join(off, { phone: '+12127365081' });
      await h.act(on, a, 'notify');
      await h.act(off, b, 'notify');
      const expire = async () => (await h.t.services.waitlist.expireOverdueReady()).filter((x) => x === a || x === b);
      h.t.clock.advanceSeconds(9 * 60);
      assert.deepEqual(await expire(), []);
      h.t.clock.advanceSeconds(61);
      assert.deepEqual(await expire(), [a]);
      h.t.clock.advanceSeconds(3 * 3600);
      assert.deepEqual(await expire(), []);
      assert.equal((await h.t.admin('GET', `/merchants/${off}/waitlist-entries/${b}`)).json().state, 'SERVICE_READY');
    });

    it('"almost your turn" once, when a party reaches the merchant\'s place in line', async () => {
      const m = await merchant({ almost_turn_position: 2 });
      h.fake.reset();
      const first = await h.join(m, { phone: '+12127365090' });
      await h.join(m, { phone: '+12127365091' });
      const third = await h.join(m, { phone: '+12127365092' });
      await h.act(m, first, 'seat');
      await h.drain();
      assert.equal(textsTo('+12127365091').length, 1, 'joined at place 2: no "almost" text');
      assert.match(textsTo('+12127365092').at(-1)!.body, /it is almost your turn \(2nd in line\)/);
      await h.act(m, third, 'notify');
      await h.drain();
      assert.equal(textsTo('+12127365092').filter((x) => /almost/.test(x.body)).length, 1);
    });

    it('settings: validated, shown on the merchant', async () => {
      const m = await merchant();
      const got = (await h.t.admin('GET', `/merchants/${m}`)).json();
      assert.deepEqual(got.guest_messages, {
        language: 'en',
        grace_minutes: 10,
        almost_turn_position: null,
      });
      for (const bad of [{ language: 'fr' }, { grace_minutes: 0 }, { almost_turn_position: 51 }]) {
        const res = await h.t.admin('PATCH', `/merchants/${m}`, {
          guest_messages: bad,
        });
        assert.equal(res.statusCode, 400, JSON.stringify(bad));
      }
      const res = await h.t.admin('PATCH', `/merchants/${m}`, {
        guest_messages: { language: 'ar', almost_turn_position: 3 },
      });
      assert.deepEqual(res.json().guest_messages, {
        language: 'ar',
        grace_minutes: 10,
        almost_turn_position: 3,
      });
    });

    it('retention clears numbers and texts past the cutoff; an opt-out is kept and still honoured', async () => {
      const m = await merchant();
      h.fake.reset();
      const phone = '+12127365110';
      const id = await h.join(m, { phone });
      await h.drain();
      await h.text(phone, 'see you soon');
      await h.text(phone, 'STOP');
      const cutoff = Math.floor(h.t.clock.nowMs() / 1000) + 1;
      assert.ok((await h.t.services.guestMessages.anonymiseBefore(cutoff)) >= 3);
      assert.equal(await h.t.services.guestMessages.anonymiseBefore(cutoff), 0, 'idempotent');
      const rows = await h.t.store.db.selectFrom('guest_messages').select(['to_phone', 'body', 'payload']).where('entry_id', '=', id).execute();
      assert.deepEqual(rows, [{ to_phone: null, body: null, payload: '{}' }]);
      const replies = (await h.t.admin('GET', `/merchants/${m}/guest-replies`)).json().replies;
      assert.deepEqual(
        replies.map((r: { body: string; kind: string }) => [r.kind, r.body]),
        [
          ['text', ''],
          ['opt_out', ''],
        ],
      );
      const stored = await h.t.store.db.selectFrom('guest_replies').select('phone').where('entry_id', '=', id).execute();
      assert.ok(stored.every((r) => r.phone === ''));
      // The opt-out outlives retention: a new entry with the same number gets no text.
      const again = await h.join(m, { phone });
      await h.drain();
      assert.equal(textsTo(phone).length, 1);
      assert.equal((await h.messaging(m, again)).sms, 'opted_out');
    });

    it('per-number rate limit: a loop stops after SMS_PER_NUMBER_PER_HOUR texts', async () => {
      const m = await merchant();
      h.fake.reset();
      const phone = '+12127365099';
      for (let i = 0; i < 6; i++) {
        const id = await h.join(m, { phone });
        await h.act(m, id, 'cancel');
      }
      await h.drain();
      assert.equal(textsTo(phone).length, 10);
    });
  });
}
