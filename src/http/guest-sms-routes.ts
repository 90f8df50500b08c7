// Twilio's webhooks: inbound texts (POST /sms/twilio/inbound) and delivery updates
// (POST /sms/twilio/status). Both are form posts signed with X-Twilio-Signature over the URL
// Twilio called: rebuilt from PUBLIC_BASE_URL, never from Host or X-Forwarded-* headers (with
// TRUST_PROXY on or off, the signed URL is the public one the operator configured).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError, invalid } from '../errors.js';
import type { GuestMessageService } from '../messages/service.js';
import { validTwilioSignature } from '../messages/twilio.js';

export interface SmsRouteOptions {
  readonly authToken: string;
  readonly publicBaseUrl: string;
}

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

function formParams(request: FastifyRequest): [string, string][] {
  const body = request.body;
  if (typeof body !== 'string') throw invalid('expected an application/x-www-form-urlencoded body');
  return [...new URLSearchParams(body).entries()];
}

export function smsRoutes(guests: GuestMessageService, options: SmsRouteOptions) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => done(null, body));

    /** The form's parameters once the signature over them checks out; 403 otherwise. */
    const verified = (request: FastifyRequest): Map<string, string> => {
      const params = formParams(request);
      const url = options.publicBaseUrl + request.url;
      const header = request.headers['x-twilio-signature'];
      if (!validTwilioSignature(options.authToken, url, params, typeof header === 'string' ? header : undefined)) {
        throw new DomainError('FORBIDDEN', 'invalid or missing X-Twilio-Signature');
      }
      return new Map(params);
    };

    app.post('/sms/twilio/inbound', async (request, reply) => {
      const p = verified(request);
      const from = p.get('From');
      const sid = p.get('MessageSid') ?? p.get('SmsSid');
      if (!from || !sid) throw invalid('From and MessageSid are required');
      await guests.inbound({ from, body: p.get('Body') ?? '', sid });
      // No answer text: Twilio itself answers STOP/START/HELP; other replies get texts through the outbox.
      return reply.type('text/xml; charset=utf-8').send(EMPTY_TWIML);
    });

    app.post('/sms/twilio/status', async (request, reply) => {
      const p = verified(request);
      const sid = p.get('MessageSid') ?? p.get('SmsSid');
      const status = p.get('MessageStatus') ?? p.get('SmsStatus');
      if (!sid || !status) throw invalid('MessageSid and MessageStatus are required');
      const code = p.get('ErrorCode');
      await guests.deliveryStatus({
        sid,
        status,
        errorCode: code === undefined || code === '' ? null : code,
      });
      return reply.status(204).send();
    });
  };
}
