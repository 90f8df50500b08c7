// The daily-run gauges of /metrics (what the shipped alert rules read for feed run failures): the
// time of the latest good run and whether the latest finished run failed, per job.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { claimDailyRun, finishDailyRun } from '../store/daily-runs.js';
import { ADMIN_TOKEN, bearer, DIALECTS, forDialect } from '../test-support/app.js';

function sample(text: string, name: string, job: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{job="${job}"}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

for (const dialect of DIALECTS) {
  describe(dialect, () => {
    test('daily runs: last success time and last failure, per job', async () => {
      const t = await forDialect(dialect)();
      try {
        const scrape = async () => (await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: bearer(ADMIN_TOKEN) } })).body;
        let text = await scrape();
        for (const job of ['feeds', 'retention']) {
          assert.equal(sample(text, 'booking_server_daily_run_last_success_timestamp_seconds', job), 0, `${job}: no run yet`);
          assert.equal(sample(text, 'booking_server_daily_run_last_failed', job), 0);
        }
        assert.ok(await claimDailyRun(t.store.db, 'feed_runs', '2026-01-04', 'a', 1_000, 3600));
        await finishDailyRun(t.store.db, 'feed_runs', '2026-01-04', 'a', 1_100, 'ok: 3 feeds');
        assert.ok(await claimDailyRun(t.store.db, 'feed_runs', '2026-01-05', 'a', 2_000, 3600));
        await finishDailyRun(t.store.db, 'feed_runs', '2026-01-05', 'a', 2_100, 'failed: SFTP refused the key');
        text = await scrape();
        assert.equal(sample(text, 'booking_server_daily_run_last_success_timestamp_seconds', 'feeds'), 1_100);
        assert.equal(sample(text, 'booking_server_daily_run_last_failed', 'feeds'), 1);
        assert.equal(sample(text, 'booking_server_daily_run_last_failed', 'retention'), 0);
        assert.ok(await claimDailyRun(t.store.db, 'feed_runs', '2026-01-06', 'a', 3_000, 3600));
        await finishDailyRun(t.store.db, 'feed_runs', '2026-01-06', 'a', 3_100, 'ok: 3 feeds');
        text = await scrape();
        assert.equal(sample(text, 'booking_server_daily_run_last_failed', 'feeds'), 0, 'a good run clears it');
        assert.equal(sample(text, 'booking_server_daily_run_last_success_timestamp_seconds', 'feeds'), 3_100);
      } finally {
        await t.close();
      }
    });
  });
}

describe('deploy/prometheus/booking-server-alerts.yml', () => {
  test('every rule names only metrics the server exports, with a severity and a summary', async () => {
    const t = await forDialect('sqlite')();
    try {
      // One request of each kind so that every labelled series exists.
      await t.google('BatchGetWaitEstimates', { merchant_id: 'x', service_id: 'y', party_size: [2] });
      const text = (await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: bearer(ADMIN_TOKEN) } })).body;
      const exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
      const doc = parse(readFileSync(new URL('../../deploy/prometheus/booking-server-alerts.yml', import.meta.url), 'utf8')) as {
        groups: { name: string; rules: { alert: string; expr: string; for: string; labels: { severity: string }; annotations: { summary: string } }[] }[];
      };
      const rules = doc.groups.flatMap((g) => g.rules);
      assert.ok(rules.length >= 10);
      const alerts = new Set<string>();
      for (const rule of rules) {
        assert.ok(!alerts.has(rule.alert), `${rule.alert} twice`);
        alerts.add(rule.alert);
        assert.match(rule.for, /^\d+[smh]$/, rule.alert);
        assert.ok(['page', 'ticket'].includes(rule.labels.severity), rule.alert);
        assert.ok(rule.annotations.summary.length > 10, rule.alert);
        const names = [...rule.expr.matchAll(/\bbooking_server_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, ''));
        assert.ok(names.length > 0, rule.alert);
        for (const name of names) assert.ok(exported.has(name), `${rule.alert} reads ${name}, which /metrics does not export`);
      }
      // Google's thresholds are all there: latency and errors per method, RTU backlog, age and dead letters, feed failures.
      for (const needed of [
        'BookingServerWaitEstimatesSlow',
        'BookingServerAvailabilityLookupSlow',
        'BookingServerBookingErrorRate',
        'BookingServerRtuBacklogOld',
        'BookingServerRtuDeadLetters',
        'BookingServerFeedRunFailed',
      ]) {
        assert.ok(alerts.has(needed), needed);
      }
    } finally {
      await t.close();
    }
  });
});
