// Admin routes for real-time updates: the outbox of every merchant (bootstrap token only), and one
// merchant's delivery status (its managers).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { assertRoot } from './principal.js';
import { principalOf } from './request.js';
import type { MerchantService } from '../merchants/service.js';
import type { RtuService } from '../rtu/service.js';

const rootOnly = async (request: FastifyRequest) => assertRoot(principalOf(request));

export const rtuAdminRoutes =
  (rtu: RtuService, merchants: MerchantService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get('/merchants/:merchantId/rtu/status', { schema: { params: Type.Object({ merchantId: Type.String() }) } }, async (request) => {
      await merchants.get(request.params.merchantId);
      const s = await rtu.merchantStatus(request.params.merchantId);
      const f = s.lastFailure;
      return {
        merchant_id: request.params.merchantId,
        pending: s.pending,
        pending_by_kind: s.pendingByKind,
        delivered_last_24h: s.deliveredSince,
        failed: s.dead,
        oldest_pending_age_sec: s.oldestPendingAgeSec,
        last_failure:
          f === null
            ? null
            : { id: f.id, kind: f.kind, status: f.status, attempts: f.attempts, error: f.error, created_at: f.createdAt, next_attempt_at: f.nextAttemptAt },
      };
    });

    app.get('/rtu/status', { preValidation: rootOnly }, async () => {
      const s = await rtu.status();
      return { pending: s.pending, pending_by_kind: s.pendingByKind, dead: s.dead, oldest_pending_age_sec: s.oldestPendingAgeSec };
    });

    app.get(
      '/rtu/dead-letters',
      { preValidation: rootOnly, schema: { querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }) } },
      async (request) => ({
        dead_letters: (await rtu.deadLetters(request.query.limit)).map((d) => ({
          id: d.id,
          kind: d.kind,
          entity: d.entityKey,
          attempts: d.attempts,
          last_error: d.lastError,
          created_at: d.createdAt,
        })),
      }),
    );

    app.post(
      '/rtu/dead-letters/replay',
      {
        // A POST with no body at all replays everything (curl -X POST ...); Fastify would validate `undefined` otherwise.
        preValidation: [
          rootOnly,
          async (request) => {
            request.body ??= {};
          },
        ],
        schema: { body: Type.Object({ ids: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 10_000 })) }) },
      },
      async (request) => ({ replayed: await rtu.replay(request.body.ids) }),
    );
  };
