// The waitlist methods Google calls (/v3/...): wire messages in and out, domain in between.
import { create } from '@bufbuild/protobuf';
import type { FastifyInstance } from 'fastify';
import {
  BatchGetWaitEstimatesRequestSchema,
  CreateWaitlistEntryRequestSchema,
  CreateWaitlistEntryResponseSchema,
  DeleteWaitlistEntryRequestSchema,
  GetWaitlistEntryRequestSchema,
  WaitlistBusinessLogicFailure_Cause,
} from '../gen/ext/maps/booking/partner/v3/waitlist/waitlist_pb.js';
import { invalid } from '../errors.js';
import { messageHash, parseMessage, renderMessage, requireText } from './proto-json.js';
import { zeroWait } from '../waitlist/estimator.js';
import { batchGetWaitEstimatesJson, getWaitlistEntryJson, waitEstimateJson } from './waitlist-json.js';
import type { EntryStatusView, EstimatesResult, WaitlistService } from '../waitlist/service.js';
import { readBatchGetWaitEstimates, readGetWaitlistEntry } from './waitlist-request.js';

/**
 * Google: both WaitLength fields "should be populated". parties_ahead_count has explicit presence
 * in our proto, so 0 is printed too (proto3 would leave a plain int32 0 out). Written directly
 * (waitlist-json.ts): these answers are the hottest reads.
 */
export function renderEntry(view: EntryStatusView): string {
  const { entry } = view;
  // An entry out of the queue (seated, cancelled, ...) or that no table fits waits for nobody we know of.
  const estimate = waitEstimateJson(entry.partySize, view.estimate ?? zeroWait(view.asOf), view.confirmationMode);
  return getWaitlistEntryJson(entry.state, entry.times, estimate);
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** The Google user id, or null when only the email identifies the guest; neither is a 400. */
function guestIdentity(userId: string, email: string): string | null {
  if (userId.trim() !== '') return userId;
  if (email.trim() === '') throw invalid('user_information.user_id or user_information.email is required');
  return null;
}

/**
 * BatchGetWaitEstimates from the parsed JSON body to the answer's JSON: the route's whole work, shared
 * by the Fastify route and the direct read path (fast-reads.ts). Errors are thrown (or rejected).
 * When everything the estimates need is in memory the answer is returned at once, not as a promise
 * (WaitlistService.estimatesKept), and a kept result given again is printed once.
 */
export function estimatesAnswer(waitlist: WaitlistService): (body: unknown) => string | Promise<string> {
  const printed = new WeakMap<EstimatesResult, string>();
  const print = (result: EstimatesResult): string => {
    let json = printed.get(result);
    if (json === undefined) {
      json = batchGetWaitEstimatesJson(result.status, result.estimates);
      printed.set(result, json);
    }
    return json;
  };
  return (body) => {
    // The shape Google sends is read directly (waitlist-request.ts: as protobuf-es reads it, property-tested); anything else by protobuf-es.
    const req = readBatchGetWaitEstimates(body) ?? parseMessage(BatchGetWaitEstimatesRequestSchema, body);
    const merchantId = requireText(req.merchantId, 'merchant_id');
    const serviceId = requireText(req.serviceId, 'service_id');
    const sizes = [...new Set(req.partySize)];
    const kept = waitlist.estimatesKept(merchantId, serviceId, sizes);
    if (kept !== null) return print(kept);
    return waitlist.estimates(merchantId, serviceId, sizes).then(({ status, estimates }) => batchGetWaitEstimatesJson(status, estimates));
  };
}

/** GetWaitlistEntry from the parsed JSON body to the answer's JSON (as estimatesAnswer). */
export function entryAnswer(waitlist: WaitlistService): (body: unknown) => string | Promise<string> {
  return (body) => {
    const req = readGetWaitlistEntry(body) ?? parseMessage(GetWaitlistEntryRequestSchema, body);
    const entryId = requireText(req.waitlistEntryId, 'waitlist_entry_id');
    // At once for a party of a floor kept in memory (WaitlistService.entryStatusKept), else after reading.
    const kept = waitlist.entryStatusKept(entryId);
    return kept !== null ? renderEntry(kept) : waitlist.entryStatus(entryId).then(renderEntry);
  };
}

/**
 * CreateWaitlistEntry from the parsed JSON body to the answer's JSON: the route's whole work, shared
 * by the Fastify route and the direct path (fast-reads.ts), as estimatesAnswer. The join commits
 * (durably) before the promise settles.
 */
export function joinAnswer(waitlist: WaitlistService): (body: unknown) => Promise<string> {
  return async (body) => {
    const req = parseMessage(CreateWaitlistEntryRequestSchema, body);
    const user = req.userInformation;
    if (user === undefined) throw invalid('user_information is required');
    if (req.partySize < 1) throw invalid('party_size must be at least 1');
    const result = await waitlist.join(
      {
        merchantId: requireText(req.merchantId, 'merchant_id'),
        serviceId: requireText(req.serviceId, 'service_id'),
        partySize: req.partySize,
        guest: {
          givenName: user.givenName,
          familyName: user.familyName,
          telephone: user.telephone === '' ? null : user.telephone,
          email: user.email === '' ? null : user.email,
          // Google identifies the guest by user_id or by email (the Google account's address).
          googleUserId: guestIdentity(user.userId, user.email),
        },
        additionalRequest: req.additionalRequest === '' ? null : req.additionalRequest,
        source: 'google',
        languageCode: user.languageCode === '' ? null : user.languageCode,
      },
      {
        scope: 'CreateWaitlistEntry',
        token: requireText(req.idempotencyToken, 'idempotency_token'),
        requestHash: messageHash(CreateWaitlistEntryRequestSchema, req),
      },
    );
    const response = create(
      CreateWaitlistEntryResponseSchema,
      'failure' in result
        ? { waitlistBusinessLogicFailure: { cause: WaitlistBusinessLogicFailure_Cause[result.failure.cause], description: result.failure.description } }
        : { waitlistEntryId: result.entryId },
    );
    return renderMessage(CreateWaitlistEntryResponseSchema, response);
  };
}

export function waitlistRoutes(waitlist: WaitlistService) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const estimates = estimatesAnswer(waitlist);
    const entry = entryAnswer(waitlist);
    app.post('/BatchGetWaitEstimates', async (request, reply) => reply.type(JSON_TYPE).send(await estimates(request.body)));

    const join = joinAnswer(waitlist);
    app.post('/CreateWaitlistEntry', async (request, reply) => reply.type(JSON_TYPE).send(await join(request.body)));

    app.post('/GetWaitlistEntry', async (request, reply) => reply.type(JSON_TYPE).send(await entry(request.body)));

    app.post('/DeleteWaitlistEntry', async (request, reply) => {
      const req = parseMessage(DeleteWaitlistEntryRequestSchema, request.body);
      await waitlist.act(requireText(req.waitlistEntryId, 'waitlist_entry_id'), 'cancel', { idempotentCancel: true, cause: 'google' });
      return reply.type(JSON_TYPE).send('{}');
    });
  };
}
