// The merchant's view of its estimates: learned turn times next to the configured ones, walk-aways,
// the calibrated range, and how accurate the last 7 days' quotes were (docs/ADMIN-API.md).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HOUR_BAND_NAMES, RANGE_BUCKETS_MINUTES } from '../waitlist/learned-model.js';
import type { AccuracyRow } from '../estimates/accuracy.js';
import type { EstimatesOverview, EstimatesService } from '../estimates/service.js';

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const round1 = (x: number): number => Math.round(x * 10) / 10;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function accuracyJson(a: AccuracyRow) {
  return {
    seated: a.seated,
    mean_absolute_error_minutes: a.meanAbsoluteErrorMinutes,
    inside_range_share: a.insideRangeShare,
    bias_minutes: a.biasMinutes,
  };
}

export function estimatesJson(o: EstimatesOverview) {
  const learned = o.learned;
  const configuredFor = (maxPartySize: number): number | null => o.configured.find((t) => t.maxPartySize === maxPartySize)?.minutes ?? null;
  return {
    merchant_id: o.merchantId,
    refreshed_at: learned?.model.computedAt ?? null,
    history_days: o.historyDays,
    range_coverage: o.coverage,
    history:
      learned === null
        ? null
        : {
            parties: learned.stats.parties,
            turn_observations: learned.stats.turnObservations,
            from_table_cleared: learned.stats.clearedObservations,
            range_samples: learned.stats.rangeSamples,
          },
    turn_times: (
      learned?.stats.bands ?? o.configured.map((t) => ({ maxPartySize: t.maxPartySize, configuredMinutes: t.minutes, minutes: null, observations: 0 }))
    ).map((b) => ({
      max_party_size: b.maxPartySize,
      configured_minutes: configuredFor(b.maxPartySize) ?? b.configuredMinutes,
      learned_minutes: b.minutes === null ? null : round1(b.minutes),
      observations: b.observations,
    })),
    turn_times_by_day_and_hour: (learned?.stats.cells ?? [])
      .filter((c) => c.observations > 0)
      .map((c) => ({
        max_party_size: c.maxPartySize,
        day: DAYS[c.day],
        hours: HOUR_BAND_NAMES[c.hourBand],
        configured_minutes: c.configuredMinutes,
        learned_minutes: round1(c.minutes),
        observations: c.observations,
      })),
    walk_aways:
      learned === null
        ? null
        : {
            no_shows: learned.stats.noShows,
            cancellations: learned.stats.cancellations,
            no_show_rate: round3(learned.model.noShowRate),
            cancellations_per_waiting_hour: round3(learned.model.leaveRatePerHour),
          },
    range:
      learned === null
        ? null
        : learned.model.range.map((q, i) => ({
            planned_wait_from_minutes: RANGE_BUCKETS_MINUTES[i],
            low: round3(q.low),
            median: round3(q.mid),
            high: round3(q.high),
          })),
    accuracy_7d: {
      quoted: o.accuracy7d.quoted,
      walked_away: o.accuracy7d.walkedAway,
      ...accuracyJson(o.accuracy7d),
      by_party_size: o.accuracy7d.byPartySize.map((r) => ({ party_size: r.partySize, ...accuracyJson(r) })),
    },
  };
}

const MerchantParams = Type.Object({ merchantId: Type.String() });

export const estimatesAdminRoutes =
  (estimates: EstimatesService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get('/merchants/:merchantId/estimates', { schema: { params: MerchantParams } }, async (request) =>
      estimatesJson(await estimates.overview(request.params.merchantId)),
    );
    // Learn now instead of at the next background refresh (e.g. after importing history).
    app.post('/merchants/:merchantId/estimates/refresh', { schema: { params: MerchantParams } }, async (request) => {
      await estimates.refreshMerchant(request.params.merchantId);
      return estimatesJson(await estimates.overview(request.params.merchantId));
    });
  };
