// Guest texts from a real process: `serve --demo` with SMS_PROVIDER=twilio pointed at a local fake
// of Twilio. A guest joins through Google's API, gets a text with the status link, the page shows
// the place in line, the host calls the party ("ready" text), the guest answers 9 (a webhook signed
// over PUBLIC_BASE_URL, as behind a proxy) and the host stand sees the entry CANCELED and the reply.
// Then a SIGKILL after the commit and before the send: the text goes out once after the restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import twilio from 'twilio';
import { startFakeTwilio, type FakeTwilio } from '../../src/test-support/fake-twilio.js';
import { eventually, postJson, removeTempDirs, secret, serverEnv, sleep, spawnServer, stopAll, tempDir, withTimeout, type ServerProcess } from './support.js';

const PUBLIC = 'https://wait.example.test';
const M = 'dining-1';

describe('guest texts (serve with a fake Twilio)', () => {
  const servers: ServerProcess[] = [];
  let fake: FakeTwilio;
  before(async () => {
    fake = await startFakeTwilio();
  });
  after(async () => {
    await stopAll(servers);
    await fake?.close();
    removeTempDirs();
  });

  function client(server: ServerProcess, env: { BOOKING_SERVER_CREDENTIALS: string; ADMIN_TOKEN: string }) {
    return {
      async join(user: string, phone: string): Promise<string> {
        const res = await postJson(
          server.baseUrl,
          '/v3/CreateWaitlistEntry',
          {
            merchant_id: M,
            service_id: 'reservation',
            party_size: 2,
            idempotency_token: `e2e-${user}`,
            user_information: { user_id: user, given_name: 'Grace', family_name: 'Hopper', telephone: phone },
          },
          env.BOOKING_SERVER_CREDENTIALS,
        );
        assert.equal(res.status, 200, res.text);
        return JSON.parse(res.text).waitlist_entry_id as string;
      },
      async admin(method: string, path: string, body?: unknown): Promise<any> {
        const res = await fetch(`${server.baseUrl}/admin/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await res.text();
        assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${text}`);
        return JSON.parse(text);
      },
      /** A text from the guest, as Twilio posts it: signed over the public URL, sent to the server behind the "proxy". */
      async text(from: string, body: string): Promise<number> {
        const params = { From: from, To: fake.from, Body: body, MessageSid: `SM${secret(16)}`, AccountSid: fake.accountSid };
        const res = await fetch(`${server.baseUrl}/sms/twilio/inbound`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-twilio-signature': twilio.getExpectedTwilioSignature(fake.authToken, `${PUBLIC}/sms/twilio/inbound`, params),
          },
          body: new URLSearchParams(params).toString(),
          signal: AbortSignal.timeout(15_000),
        });
        return res.status;
      },
    };
  }

  it('join -> text with the link -> status page -> notify -> "ready" text -> reply 9 -> CANCELED at the host stand', { timeout: 180_000 }, async () => {
    fake.reset();
    const env = serverEnv(tempDir(), fake.env(PUBLIC));
    const server = await spawnServer(env, ['serve', '--demo']);
    servers.push(server);
    const c = client(server, env);
    const phone = '+12127365300';
    const id = await c.join(`walk-${secret(4)}`, '(212) 736-5300');
    const joined = await eventually(() => fake.texts.find((x) => x.to === phone), 30_000, 'the join text');
    assert.match(joined.body, /: Grace, you are \d+(st|nd|rd|th) in line, table expected /);
    const link = /https:\/\/wait\.example\.test(\/w\/[A-Za-z0-9_-]{24})/.exec(joined.body);
    assert.ok(link, joined.body);
    const page = await fetch(`${server.baseUrl}${link[1]}`, { signal: AbortSignal.timeout(15_000) });
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /You are on the waitlist/);
    assert.match(html, /You are next in line|ahead of you/);
    assert.doesNotMatch(html, /Hopper|5300/);

    await c.admin('POST', `/merchants/${M}/waitlist-entries/${id}/notify`, {});
    const ready = await eventually(() => fake.texts.find((x) => x.to === phone && /your table is ready/.test(x.body)), 30_000, 'the ready text');
    assert.ok(ready.body.includes(link[1]!));

    assert.equal(await c.text(phone, '9'), 200);
    const entry = await c.admin('GET', `/merchants/${M}/waitlist-entries/${id}`);
    assert.equal(entry.state, 'CANCELED');
    const replies = (await c.admin('GET', `/merchants/${M}/guest-replies`)).replies;
    assert.deepEqual(
      replies.map((r: { kind: string; entry_id: string }) => [r.kind, r.entry_id]),
      [['cancel', id]],
    );
    await eventually(() => fake.texts.find((x) => x.to === phone && /cancelled/.test(x.body)), 30_000, 'the cancellation text');
    const messaging = await c.admin('GET', `/merchants/${M}/waitlist-entries/${id}/guest-messages`);
    assert.deepEqual(
      messaging.messages.map((m: { kind: string }) => m.kind),
      ['joined', 'ready', 'canceled'],
    );
    assert.equal(fake.texts.filter((x) => x.to === phone).length, 3, 'one text per event');
    // Nothing personal in the logs: no number, no text body.
    const output = server.output();
    assert.doesNotMatch(output, /736-?5300|2127365300/);
    assert.doesNotMatch(output, /your table is ready/);
    await server.stop();
  });

  it('SIGKILL after the commit and before the send: the text goes out once after the restart', { timeout: 240_000 }, async () => {
    fake.reset();
    // Retry-After: 5 keeps the failed send waiting well past the kill below, however slow the machine.
    fake.down(503, 1, 5);
    const env = serverEnv(tempDir(), fake.env(PUBLIC));
    const first = await spawnServer(env, ['serve', '--demo']);
    servers.push(first);
    const phone = '+12127365301';
    await client(first, env).join(`kill-${secret(4)}`, phone);
    // The worker tried and Twilio said 503: committed, not sent, waiting for Retry-After.
    await eventually(() => (fake.requests.some((r) => r.to === phone && r.status === 503) ? true : undefined), 30_000, 'a failed send');
    await sleep(100);
    first.kill('SIGKILL');
    assert.equal((await withTimeout(first.exited, 10_000, 'SIGKILL')).signal, 'SIGKILL');
    assert.equal(fake.texts.filter((x) => x.to === phone).length, 0, 'nothing was sent before the kill');

    const second = await spawnServer(env, ['serve']);
    servers.push(second);
    await eventually(() => fake.texts.find((x) => x.to === phone), 120_000, 'the join text after the restart');
    await sleep(2000);
    assert.equal(fake.texts.filter((x) => x.to === phone).length, 1, 'sent exactly once');
    const status = await client(second, env).admin('GET', '/guest-messages/status');
    assert.deepEqual([status.pending, status.dead], [0, 0]);
    await second.stop();
  });
});
