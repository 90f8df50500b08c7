// A local fake of Twilio's Messaging API for tests: POST /2010-04-01/Accounts/{sid}/Messages.json
// with HTTP Basic auth (AccountSid:AuthToken) and Twilio's form fields, answering as Twilio does
// (201 with a sid, or an error JSON with a numeric code). It checks what Twilio checks and records
// every accepted text; outages and refusals are scripted.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeText {
  readonly sid: string;
  readonly to: string;
  readonly from: string | null;
  readonly messagingServiceSid: string | null;
  readonly body: string;
  readonly statusCallback: string | null;
}

export interface FakeTwilio {
  readonly baseUrl: string;
  readonly accountSid: string;
  readonly authToken: string;
  readonly from: string;
  /** Texts Twilio accepted, in order. */
  readonly texts: FakeText[];
  /** Every request, with the status answered (accepted or not). */
  readonly requests: { status: number; to: string | null }[];
  /** The next `times` sends get `status` (503: an outage; 429 with Retry-After: 2), with Retry-After: `retryAfterSec` when given. */
  down(status: number, times: number, retryAfterSec?: number): void;
  /** The next send is refused with this HTTP status and Twilio error code. */
  refuse(status: number, code: number, message: string): void;
  /** Holds every send unanswered until released (a worker killed mid-call). */
  hold(): void;
  reset(): void;
  env(publicBaseUrl: string): Record<string, string>;
  close(): Promise<void>;
}

const E164 = /^\+[1-9]\d{6,14}$/;

export async function startFakeTwilio(): Promise<FakeTwilio> {
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const from = '+15005550006';
  const texts: FakeText[] = [];
  const requests: { status: number; to: string | null }[] = [];
  let outage: { status: number; times: number; retryAfterSec: number | undefined } | null = null;
  let refusal: { status: number; code: number; message: string } | null = null;
  let holding = false;
  const held: ServerResponse[] = [];

  const answer = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void =>
    answer(
      res,
      status,
      {
        code,
        message,
        more_info: `https://www.twilio.com/docs/errors/${code}`,
        status,
      },
      headers,
    );

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      if (req.method !== 'POST' || url.pathname !== `/2010-04-01/Accounts/${accountSid}/Messages.json`)
        return error(res, 404, 20404, 'The requested resource was not found');
      if (req.headers.authorization !== `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`) return error(res, 401, 20003, 'Authenticate');
      if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return error(res, 400, 20001, 'expected a form');
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const to = form.get('To');
      const record = (status: number): void => {
        requests.push({ status, to });
      };
      const refuseWith = (r: ServerResponse, status: number, code: number, message: string): void => {
        record(status);
        error(r, status, code, message);
      };
      if (holding) {
        record(0);
        held.push(res);
        return;
      }
      if (outage !== null && outage.times > 0) {
        outage.times -= 1;
        record(outage.status);
        const retryAfter = outage.retryAfterSec ?? (outage.status === 429 ? 2 : undefined);
        return error(res, outage.status, 20500, 'scripted outage', retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) });
      }
      if (refusal !== null) {
        const r = refusal;
        refusal = null;
        record(r.status);
        return error(res, r.status, r.code, r.message);
      }
      const body = form.get('Body');
      const fromField = form.get('From');
      const service = form.get('MessagingServiceSid');
      if (to === null || !E164.test(to)) return refuseWith(res, 400, 21211, `The 'To' number ${to ?? ''} is not a valid phone number.`);
      if (fromField === null && service === null) return refuseWith(res, 400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required");
      if (fromField !== null && fromField !== from)
        return refuseWith(res, 400, 21606, "The 'From' phone number provided is not a valid message-capable Twilio phone number for this account.");
      if (body === null || body === '') return refuseWith(res, 400, 21602, 'Message body is required.');
      if (body.length > 1600) return refuseWith(res, 400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
      const callback = form.get('StatusCallback');
      if (callback !== null && !/^https?:\/\//.test(callback)) return refuseWith(res, 400, 21609, 'Invalid StatusCallback');
      const sid = `SM${randomBytes(16).toString('hex')}`;
      texts.push({
        sid,
        to,
        from: fromField,
        messagingServiceSid: service,
        body,
        statusCallback: callback,
      });
      record(201);
      answer(res, 201, {
        sid,
        account_sid: accountSid,
        to,
        from: fromField,
        body,
        status: 'queued',
        num_segments: '1',
        date_created: new Date().toUTCString(),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    accountSid,
    authToken,
    from,
    texts,
    requests,
    down: (status, times, retryAfterSec) => {
      outage = { status, times, retryAfterSec };
    },
    refuse: (status, code, message) => {
      refusal = { status, code, message };
    },
    hold: () => {
      holding = true;
    },
    reset: () => {
      texts.length = 0;
      requests.length = 0;
      outage = null;
      refusal = null;
      holding = false;
      for (const res of held.splice(0)) res.destroy();
    },
    env: (publicBaseUrl) => ({
      SMS_PROVIDER: 'twilio',
      PUBLIC_BASE_URL: publicBaseUrl,
      TWILIO_ACCOUNT_SID: accountSid,
      TWILIO_AUTH_TOKEN: authToken,
      TWILIO_FROM: from,
      TWILIO_API_URL: baseUrl,
    }),
    close: async () => {
      for (const res of held.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
