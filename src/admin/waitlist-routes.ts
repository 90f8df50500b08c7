// Host-stand routes: the queue with live estimates, walk-ins, and moving entries through their
// states. Entries from Google and walk-ins share one representation; only `source` differs.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DomainError, invalid } from '../errors.js';
import { nullableString } from '../http/nullable.js';
import { requestHash } from '../store/idempotency.js';
import type { WaitlistEntry } from '../waitlist/model.js';
import type { EntryView, WaitlistService } from '../waitlist/service.js';
import { WAITLIST_STATES, allowedActions, isWaitlistAction, type WaitlistState } from '../waitlist/state-machine.js';

/** An entry's `source` in the admin API: older words than the domain's (merchants/actor.ts); the merchant's entries are walk-ins. */
export type EntrySourceJson = 'google' | 'walk_in';

export function entryJson(view: EntryView | { entry: WaitlistEntry; estimate?: null }) {
  const { entry } = view;
  const t = entry.times;
  return {
    id: entry.id,
    merchant_id: entry.merchantId,
    service_id: entry.serviceId,
    source: (entry.source === 'merchant' ? 'walk_in' : 'google') satisfies EntrySourceJson,
    state: entry.state,
    party_size: entry.partySize,
    guest: {
      given_name: entry.guest.givenName,
      family_name: entry.guest.familyName,
      telephone: entry.guest.telephone,
      email: entry.guest.email,
      google_user_id: entry.guest.googleUserId,
    },
    additional_request: entry.additionalRequest,
    table_id: entry.tableId,
    times: {
      created_at: t.createdAt,
      confirmed_at: t.confirmedAt,
      canceled_at: t.canceledAt,
      declined_at: t.declinedAt,
      service_readied_at: t.serviceReadiedAt,
      checked_in_at: t.checkedInAt,
      seated_at: t.seatedAt,
      marked_no_show_at: t.markedNoShowAt,
      left_at: t.leftAt,
    },
    quoted: entry.quote === null ? null : { seat_at: entry.quote.seatAt, range_start: entry.quote.rangeStart, range_end: entry.quote.rangeEnd },
    estimate:
      view.estimate == null
        ? null
        : {
            parties_ahead: view.estimate.partiesAhead,
            seat_at: view.estimate.seatAt,
            range_start: view.estimate.range.start,
            range_end: view.estimate.range.end,
          },
    allowed_actions: [...allowedActions(entry.state).map((a) => a.replace('_', '-')), ...(entry.state === 'SEATED' && t.leftAt === null ? ['leave'] : [])],
  };
}

const MerchantParams = Type.Object({ merchantId: Type.String() });
const ServiceParams = Type.Object({ merchantId: Type.String(), serviceId: Type.String() });
const EntryParams = Type.Object({ merchantId: Type.String(), entryId: Type.String() });
const WalkInBody = Type.Object({
  party_size: Type.Integer({ minimum: 1, maximum: 1000 }),
  given_name: Type.String({ maxLength: 100 }),
  family_name: Type.Optional(Type.String({ maxLength: 100 })),
  telephone: Type.Optional(nullableString({ maxLength: 50 })),
  email: Type.Optional(nullableString({ maxLength: 320 })),
  additional_request: Type.Optional(nullableString({ maxLength: 2000 })),
});

export const waitlistAdminRoutes =
  (waitlist: WaitlistService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get('/merchants/:merchantId/services/:serviceId/queue', { schema: { params: ServiceParams } }, async (request) => ({
      entries: (await waitlist.queue(request.params.merchantId, request.params.serviceId)).map(entryJson),
    }));

    app.get(
      '/merchants/:merchantId/waitlist-entries',
      {
        schema: {
          params: MerchantParams,
          querystring: Type.Object({
            service_id: Type.Optional(Type.String()),
            state: Type.Optional(Type.String()),
            since: Type.Optional(Type.Integer({ minimum: 0 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          }),
        },
      },
      async (request) => {
        const { service_id, state, since, limit } = request.query;
        const states = state === undefined ? undefined : state.split(',').map((s) => s.trim().toUpperCase());
        for (const s of states ?? []) if (!(WAITLIST_STATES as readonly string[]).includes(s)) throw invalid(`unknown state "${s}"`);
        const list = await waitlist.list({
          merchantId: request.params.merchantId,
          ...(service_id !== undefined ? { serviceId: service_id } : {}),
          ...(states !== undefined ? { states: states as WaitlistState[] } : {}),
          ...(since !== undefined ? { since } : {}),
          limit: limit ?? 200,
        });
        return { entries: list.map((entry) => entryJson({ entry, estimate: null })) };
      },
    );

    app.post('/merchants/:merchantId/services/:serviceId/walk-ins', { schema: { params: ServiceParams, body: WalkInBody } }, async (request, reply) => {
      const { merchantId, serviceId } = request.params;
      const b = request.body;
      const key = request.headers['idempotency-key'];
      const result = await waitlist.join(
        {
          merchantId,
          serviceId,
          partySize: b.party_size,
          guest: { givenName: b.given_name, familyName: b.family_name ?? '', telephone: b.telephone ?? null, email: b.email ?? null, googleUserId: null },
          additionalRequest: b.additional_request ?? null,
          source: 'merchant',
        },
        typeof key === 'string' && key !== '' ? { scope: `walk-in:${merchantId}`, token: key, requestHash: requestHash(JSON.stringify([serviceId, b])) } : null,
      );
      if ('failure' in result) {
        return reply.status(422).send({ error: { status: 422, code: result.failure.cause, message: result.failure.description } });
      }
      const view = await waitlist.get(result.entryId, merchantId);
      return reply.status(result.replayed ? 200 : 201).send(entryJson(view));
    });

    app.get('/merchants/:merchantId/waitlist-entries/:entryId', { schema: { params: EntryParams } }, async (request) =>
      entryJson(await waitlist.get(request.params.entryId, request.params.merchantId)),
    );

    app.post(
      '/merchants/:merchantId/waitlist-entries/:entryId/:action',
      {
        schema: {
          params: Type.Object({ merchantId: Type.String(), entryId: Type.String(), action: Type.String() }),
          body: Type.Optional(Type.Object({ table_id: Type.Optional(nullableString()) })),
        },
      },
      async (request) => {
        // "Table cleared": the seated party left; not a state of Google's flowchart, so its own use case.
        if (request.params.action.toLowerCase() === 'leave') return entryJson(await waitlist.leave(request.params.entryId, request.params.merchantId));
        const action = request.params.action.replace('-', '_');
        if (!isWaitlistAction(action)) throw new DomainError('NOT_FOUND', `unknown action "${request.params.action}"`);
        const view = await waitlist.act(request.params.entryId, action, {
          merchantId: request.params.merchantId,
          tableId: request.body?.table_id ?? null,
        });
        return entryJson(view);
      },
    );
  };
