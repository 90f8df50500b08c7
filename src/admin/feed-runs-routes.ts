// The last run of each daily feed kind (docs/ADMIN-API.md, "What reached Google"): every count for
// the bootstrap token; for a merchant's managers when and how each kind's last run ended (the
// counts are every merchant's inventory, so they are the operator's alone).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FeedKindRun, FeedRunsService } from '../feeds/runs.js';
import type { MerchantService } from '../merchants/service.js';
import { assertRoot } from './principal.js';
import { principalOf } from './request.js';

function runJson(r: FeedKindRun, withCounts: boolean) {
  return {
    kind: r.kind,
    started_at: r.startedAt,
    finished_at: r.finishedAt,
    outcome: r.outcome,
    error: r.error,
    ...(withCounts ? { records: r.records, slots: r.slots, shards: r.shards, bytes: r.bytes, uploaded_files: r.uploadedFiles } : {}),
  };
}

export const feedRunsAdminRoutes =
  (feedRuns: FeedRunsService, merchants: MerchantService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get('/feed-runs', async (request) => {
      assertRoot(principalOf(request));
      return { feed_runs: (await feedRuns.last()).map((r) => runJson(r, true)) };
    });
    app.get('/merchants/:merchantId/feed-runs', { schema: { params: Type.Object({ merchantId: Type.String() }) } }, async (request) => {
      await merchants.get(request.params.merchantId);
      return { feed_runs: (await feedRuns.last()).map((r) => runJson(r, false)) };
    });
  };
