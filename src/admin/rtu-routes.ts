// Admin routes for real-time updates (bootstrap token only: the outbox spans every merchant).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { assertRoot } from './principal.js';
import { principalOf } from './request.js';
import type { RtuService } from '../rtu/service.js';

export const rtuAdminRoutes =
  (rtu: RtuService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.addHook('preValidation', async (request) => assertRoot(principalOf(request)));

    app.get('/rtu/status', async () => {
      const s = await rtu.status();
      return { pending: s.pending, pending_by_kind: s.pendingByKind, dead: s.dead, oldest_pending_age_sec: s.oldestPendingAgeSec };
    });

    app.get('/rtu/dead-letters', { schema: { querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }) } }, async (request) => ({
      dead_letters: (await rtu.deadLetters(request.query.limit)).map((d) => ({
        id: d.id,
        kind: d.kind,
        entity: d.entityKey,
        attempts: d.attempts,
        last_error: d.lastError,
        created_at: d.createdAt,
      })),
    }));

    app.post(
      '/rtu/dead-letters/replay',
      {
        // A POST with no body at all replays everything (curl -X POST ...); Fastify would validate `undefined` otherwise.
        preValidation: async (request) => {
          request.body ??= {};
        },
        schema: { body: Type.Object({ ids: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 10_000 })) }) },
      },
      async (request) => ({ replayed: await rtu.replay(request.body.ids) }),
    );
  };
