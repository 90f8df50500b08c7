// Twilio's Messaging API over fetch: one call to send, the webhook signature to check. We do not
// use the `twilio` package at run time (docs/DEPENDENCIES.md): its base URL cannot be pointed at
// a proxy or a test fake without replacing its request client, and these are ~100 lines.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { OutgoingSms, SendResult, SmsProvider } from './provider.js';

export interface TwilioOptions {
  readonly accountSid: string;
  readonly authToken: string;
  readonly from: string | null;
  readonly messagingServiceSid: string | null;
  /** https://api.twilio.com, or TWILIO_API_URL. */
  readonly apiUrl: string;
  readonly timeoutMs?: number;
}

/** Twilio error codes that mean the number will never take our texts. */
const OPTED_OUT = new Set(['21610']);
const BAD_NUMBER = new Set(['21211', '21214', '21217', '21401', '21407', '21408', '21612', '21614']);

export class TwilioProvider implements SmsProvider {
  readonly name = 'twilio';
  constructor(private readonly o: TwilioOptions) {}

  async send(sms: OutgoingSms): Promise<SendResult> {
    const form = new URLSearchParams();
    form.set('To', sms.to);
    if (this.o.messagingServiceSid !== null) form.set('MessagingServiceSid', this.o.messagingServiceSid);
    else form.set('From', this.o.from!);
    form.set('Body', sms.body);
    if (sms.statusCallback !== null) form.set('StatusCallback', sms.statusCallback);
    const url = `${this.o.apiUrl}/2010-04-01/Accounts/${encodeURIComponent(this.o.accountSid)}/Messages.json`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${this.o.accountSid}:${this.o.authToken}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form.toString(),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 15_000),
      });
    } catch (error) {
      return {
        outcome: 'retry',
        error: `network: ${error instanceof Error ? error.message : String(error)}`,
        retryAfterSec: null,
      };
    }
    const text = await response.text().catch(() => '');
    let json: {
      sid?: unknown;
      status?: unknown;
      code?: unknown;
      message?: unknown;
    } = {};
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      // A proxy's HTML error page: the status decides.
    }
    if (response.status === 200 || response.status === 201) {
      if (typeof json.sid !== 'string')
        return {
          outcome: 'retry',
          error: `Twilio answered ${response.status} without a message sid`,
          retryAfterSec: null,
        };
      return {
        outcome: 'accepted',
        sid: json.sid,
        status: typeof json.status === 'string' ? json.status : 'queued',
      };
    }
    const code = json.code === undefined || json.code === null ? null : String(json.code);
    // Twilio's message, without the number it may quote: dead letters and logs never hold a number.
    const message = typeof json.message === 'string' ? json.message.replace(/\+?\d[\d\s().-]{5,}\d/g, '[number]') : '';
    const error = `Twilio ${response.status}${code ? ` code ${code}` : ''}${message ? `: ${message}` : ''}`.slice(0, 500);
    if (response.status === 429 || response.status >= 500) {
      const retryAfter = Number(response.headers.get('retry-after'));
      return {
        outcome: 'retry',
        error,
        retryAfterSec: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
      };
    }
    return {
      outcome: 'rejected',
      error,
      code,
      optedOut: code !== null && OPTED_OUT.has(code),
      badNumber: code !== null && BAD_NUMBER.has(code),
    };
  }
}

/**
 * X-Twilio-Signature: base64 HMAC-SHA1, keyed with the auth token, of the full URL Twilio called
 * followed by each POST parameter sorted by name, as name then value without separators.
 */
export function twilioSignature(authToken: string, url: string, params: ReadonlyArray<readonly [string, string]>): string {
  const sorted = [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let data = url;
  for (const [name, value] of sorted) data += name + value;
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** Compares in constant time; false for a missing or malformed header. */
export function validTwilioSignature(authToken: string, url: string, params: ReadonlyArray<readonly [string, string]>, header: string | undefined): boolean {
  if (header === undefined || header === '') return false;
  const expected = Buffer.from(twilioSignature(authToken, url, params), 'utf8');
  const given = Buffer.from(header, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
