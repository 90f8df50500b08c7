// Host-stand and operator routes for guest messages (/admin/v1): an entry's texts and replies,
// the reply feed, the answer to "+10", and the outbox's dead letters (bootstrap token only).
import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import { principalOf } from './request.js';
import { assertRoot } from './principal.js';

import type { Reply, EntryMessaging, GuestMessageService } from '../messages/service.js';

const EntryParams = Type.Object({
  merchantId: Type.String(),
  entryId: Type.String(),
});

export function replyJson(r: Reply) {
  return {
    id: r.id,
    entry_id: r.entryId,
    kind: r.kind,
    minutes: r.minutes,
    body: r.body,
    received_at: r.receivedAt,
  };
}

export function entryMessagingJson(m: EntryMessaging) {
  return {
    sms: m.sms,
    on_my_way_at: m.onMyWayAt,
    extra_time:
      m.extra === null
        ? null
        : {
            minutes: m.extra.minutes,
            requested_at: m.extra.requestedAt,
            status: m.extra.status,
            decided_at: m.extra.decidedAt,
          },
    messages: m.messages.map((x) => ({
      id: x.id,
      kind: x.kind,
      status: x.status,
      skip_reason: x.skipReason,
      error_code: x.errorCode,
      created_at: x.createdAt,
      sent_at: x.sentAt,
      updated_at: x.updatedAt,
    })),
    replies: m.replies.map(replyJson),
  };
}

export const guestMessageAdminRoutes =
  (guests: GuestMessageService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get('/merchants/:merchantId/waitlist-entries/:entryId/guest-messages', { schema: { params: EntryParams } }, async (request) =>
      entryMessagingJson(await guests.ofEntry(request.params.merchantId, request.params.entryId)),
    );

    app.get(
      '/merchants/:merchantId/guest-replies',
      {
        schema: {
          params: Type.Object({ merchantId: Type.String() }),
          querystring: Type.Object({
            after: Type.Optional(Type.Integer({ minimum: 0 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
          }),
        },
      },
      async (request) => ({
        replies: (await guests.replies(request.params.merchantId, request.query.after ?? 0, request.query.limit ?? 100)).map(replyJson),
      }),
    );

    app.post(
      '/merchants/:merchantId/waitlist-entries/:entryId/extra-time',
      {
        schema: {
          params: EntryParams,
          body: Type.Object({ accept: Type.Boolean() }),
        },
      },
      async (request) => entryMessagingJson(await guests.answerExtraTime(request.params.merchantId, request.params.entryId, request.body.accept)),
    );

    app.get('/guest-messages/status', async (request) => {
      assertRoot(principalOf(request));
      const s = await guests.status();
      return {
        provider: guests.provider,
        pending: s.pending,
        dead: s.dead,
        oldest_pending_age_sec: s.oldestPendingAgeSec,
      };
    });

    app.get(
      '/guest-messages/dead-letters',
      {
        schema: {
          querystring: Type.Object({
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          }),
        },
      },
      async (request) => {
        assertRoot(principalOf(request));
        return {
          dead_letters: (await guests.deadLetters(request.query.limit)).map((d) => ({
            id: d.id,
            entry_id: d.entryId,
            kind: d.kind,
            attempts: d.attempts,
            last_error: d.lastError,
            created_at: d.createdAt,
          })),
        };
      },
    );

    app.post(
      '/guest-messages/dead-letters/replay',
      {
        preValidation: async (request) => {
          request.body ??= {};
        },
        schema: {
          body: Type.Object({
            ids: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 10_000 })),
          }),
        },
      },
      async (request) => {
        assertRoot(principalOf(request));
        return { replayed: await guests.replay(request.body.ids) };
      },
    );
  };
