// Guest-text test harness: the real app with SMS_PROVIDER=twilio pointed at a local fake of
// Twilio (fake-twilio.ts), the worker driven by hand (`drain()` sends what is due at the
// ManualClock's "now"), and helpers to join, act, and post signed webhooks as Twilio would.
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { createLogger } from '../logger.js';
import { createSmsWorker } from '../messages/setup.js';
import type { SmsWorker } from '../messages/worker.js';
import type { StartOptions, TestApp } from './app.js';
import { type MerchantFixture, seedMerchant } from './app.js';
import { type FakeTwilio, startFakeTwilio } from './fake-twilio.js';

export const PUBLIC_BASE = 'https://wait.example.test';

export interface SmsHarness {
  readonly t: TestApp;
  readonly fake: FakeTwilio;
  readonly worker: SmsWorker;
  drain(): Promise<number>;
  /** CreateWaitlistEntry as Google sends it; returns the entry id. */
  join(
    merchantId: string,
    o?: {
      user?: string;
      phone?: string | null;
      language?: string;
      given?: string;
      family?: string;
      party?: number;
    },
  ): Promise<string>;
  /** The host's action through the admin API. */
  act(merchantId: string, entryId: string, action: string): Promise<void>;
  /** A webhook POST signed as Twilio signs it (the official package computes the signature). */
  webhook(path: string, params: Record<string, string>, signature?: string): Promise<{ status: number; body: string }>;
  /** An inbound text from `from`. */
  text(from: string, body: string): Promise<{ status: number; body: string }>;
  /** GET .../guest-messages of an entry. */
  messaging(merchantId: string, entryId: string): Promise<any>;
  close(): Promise<void>;
}

let smsSeq = 0;

export async function startSms(startApp: (o?: StartOptions) => Promise<TestApp>, options: StartOptions = {}): Promise<SmsHarness> {
  const fake = await startFakeTwilio();
  const t = await startApp({
    ...options,
    env: { ...fake.env(PUBLIC_BASE), ...options.env },
  });
  const worker = createSmsWorker(t.config, {
    store: t.store,
    clock: t.clock,
    log: createLogger('silent'),
    publicBaseUrl: () => PUBLIC_BASE,
  });
  assert.ok(worker !== null);
  const webhook: SmsHarness['webhook'] = async (path, params, signature) => {
    const sig = signature ?? twilio.getExpectedTwilioSignature(fake.authToken, PUBLIC_BASE + path, params);
    const res = await t.app.inject({
      method: 'POST',
      url: path,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': sig,
      },
      payload: new URLSearchParams(params).toString(),
    });
    return { status: res.statusCode, body: res.body };
  };
  return {
    t,
    fake,
    worker,
    drain: () => worker.drain(),
    async join(merchantId, o = {}) {
      const n = ++smsSeq;
      const res = await t.google('CreateWaitlistEntry', {
        merchant_id: merchantId,
        service_id: 'waitlist',
        party_size: o.party ?? 2,
        idempotency_token: `sms-${n}-${o.user ?? ''}`,
        user_information: {
          user_id: o.user ?? `sms-user-${n}`,
          given_name: o.given ?? 'Ada Maria',
          family_name: o.family ?? 'Lovelace',
          ...(o.phone === null ? {} : { telephone: o.phone ?? '+1 212-736-5000' }),
          ...(o.language ? { language_code: o.language } : {}),
        },
      });
      assert.equal(res.statusCode, 200, res.body);
      const id = res.json().waitlist_entry_id as string | undefined;
      assert.ok(id, res.body);
      return id;
    },
    async act(merchantId, entryId, action) {
      const res = await t.admin('POST', `/merchants/${merchantId}/waitlist-entries/${entryId}/${action}`, {});
      assert.equal(res.statusCode, 200, res.body);
    },
    webhook,
    text: (from, body) =>
      webhook('/sms/twilio/inbound', {
        From: from,
        To: fake.from,
        Body: body,
        MessageSid: `SM${(++smsSeq).toString().padStart(32, '0')}`,
        AccountSid: fake.accountSid,
      }),
    async messaging(merchantId, entryId) {
      const res = await t.admin('GET', `/merchants/${merchantId}/waitlist-entries/${entryId}/guest-messages`);
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    },
    close: async () => {
      await worker.stop();
      await t.close();
      await fake.close();
    },
  };
}

export async function seedSmsMerchant(h: SmsHarness, f: MerchantFixture & { guestMessages?: Record<string, unknown> }): Promise<void> {
  await seedMerchant(h.t.services, f);
  if (f.guestMessages) {
    const res = await h.t.admin('PATCH', `/merchants/${f.id}`, {
      guest_messages: f.guestMessages,
    });
    assert.equal(res.statusCode, 200, res.body);
  }
}

/** The status-page token in a text's link. */
export function tokenOf(body: string): string {
  const m = /\/w\/([A-Za-z0-9_-]{24})/.exec(body);
  assert.ok(m, `no status link in: ${body}`);
  return m[1]!;
}
