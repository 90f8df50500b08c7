import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoadResult } from './load-spec.js';
import { allowances, medianRound, renderStore, type Baselines, type Round, type StoreReport } from './report.js';

const run = (rps: number, p99 = 5): LoadResult => ({
  requests: rps * 5,
  durationSec: 5,
  rps,
  p50: 2,
  p99,
  max: p99 * 2,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  businessFailures: 0,
  confirmed: 0,
  statusCodes: { '200': rps * 5 },
  samples: [],
  generators: 2,
});
const round = (read: number, echo: number, p99 = 5): Round => ({ result: run(read, p99), echo: run(echo) });

test('the median round is the middle ratio to its echo, not the middle request rate', () => {
  // Ratios 0.50, 0.70, 0.60: the fastest read (20,000 req/s) had the fastest echo too.
  const rounds = [round(10_000, 20_000), round(14_000, 20_000), round(20_000, 33_333)];
  assert.equal(medianRound(rounds), rounds[2]);
  // Of an even number, the lower of the two middle ones.
  const four = [round(7_000, 10_000), round(5_000, 10_000), round(9_000, 10_000), round(6_000, 10_000)];
  assert.equal(medianRound(four), four[3]);
  const one = { result: run(1_000) };
  assert.equal(medianRound([one]), one);
  assert.throws(() => medianRound([]), /no rounds/);
});

test("a read's row shows its median round, judged on it, with every round's ratio in the order run", () => {
  const rounds = [round(12_000, 20_000, 12), round(13_000, 20_000, 8), round(10_000, 20_000, 9)];
  const median = medianRound(rounds);
  const report: StoreReport = {
    store: 'SQLite',
    rows: [{ name: 'GetWaitlistEntry', limitMs: 4000, result: median.result, echo: median.echo!, rounds }],
    contention: null,
    notes: [],
    commit: { label: 'commits', rate: 5000, before: 5000, after: 4000 },
  };
  const echo = run(20_000);
  const baselines: Baselines = { echo, echoOneGenerator: echo, echoSeveral: echo, echoPerRequestBody: echo, express: run(6_000) };
  const table = renderStore(report, baselines, { generators: 2, connections: 50, durationSec: 5, warmupSec: 2, rounds: 3 });
  const row = table.split('\n').find((line) => line.startsWith('| GetWaitlistEntry'));
  assert.ok(row, table);
  const cells = row.split('|').map((cell) => cell.trim());
  // req/s, the echo before it, the ratio: the median round's (0.60), then each round's.
  assert.deepEqual(cells.slice(2, 6), ['12,000', '20,000', '0.60', '0.60, 0.65, 0.50']);
  // Its p99 (12 ms) misses the target; the faster rounds' do not count for it.
  assert.match(row, /\*\*not met\*\* \(p99 ≥ 10 ms\)/);
  assert.match(table, /3 rounds of the echo and then the read, 5 s each/);
});

test('a target not met is printed with the rate it asks for and the main-thread CPU that rate allows', () => {
  const cpu = (mainUs: number): NonNullable<LoadResult['serverCpu']> => ({
    processUsPerRequest: mainUs + 10,
    mainUsPerRequest: mainUs,
    mainSystemShare: 0.2,
    mainCores: 0.95,
  });
  const withCpu = (rps: number, mainUs: number): LoadResult => ({ ...run(rps), serverCpu: cpu(mainUs) });
  const report: StoreReport = {
    store: 'SQLite',
    rows: [
      // 0.8 x 5,000 commits/s = 4,000 req/s: 250 us a request at most.
      { name: 'CreateWaitlistEntry', limitMs: 4000, result: withCpu(1_000, 900) },
      // Met: not listed.
      { name: 'CreateBooking', limitMs: 4000, result: withCpu(4_500, 200) },
      // 0.6 x 25,000 = 15,000 req/s: 67 us at most; the echo of its own requests used 40 of them.
      { name: 'BatchAvailabilityLookup', limitMs: 1500, result: withCpu(10_000, 100), echo: withCpu(25_000, 30), echoOwn: withCpu(20_000, 40) },
      // Met (0.7x): not listed.
      { name: 'GetWaitlistEntry', limitMs: 4000, result: withCpu(17_500, 50), echo: withCpu(25_000, 30) },
    ],
    contention: null,
    notes: [],
    commit: { label: 'commits', rate: 5000, before: 5000, after: 4000 },
  };
  const echo = run(20_000);
  const baselines: Baselines = { echo, echoOneGenerator: echo, echoSeveral: echo, echoPerRequestBody: echo, express: withCpu(6_000, 140) };
  const needs = allowances(report, baselines);
  assert.deepEqual(needs, [
    '- CreateWaitlistEntry: 0.8× the commit rate is 4,000 req/s, at most 250 us of the main thread a request; it used 900 us, 3.6× that. Express returning a fixed answer used 140 us.',
    "- BatchAvailabilityLookup: 0.6× the echo before it is 15,000 req/s, at most 67 us of the main thread a request; it used 100 us, 1.5× that. The echo before it used 30 us, and 40 us sent this read's own requests (60% of the allowance before any work of the read's). Express returning a fixed answer used 140 us.",
  ]);
  const table = renderStore(report, baselines, { generators: 2, connections: 50, durationSec: 5, warmupSec: 2, rounds: 1 });
  assert.ok(table.includes(`What the targets not met would need`), table);
  assert.ok(table.includes(needs[0]!), table);
  // Without the server's CPU time (no /proc), nothing is claimed.
  assert.deepEqual(allowances({ ...report, rows: report.rows.map((row) => ({ ...row, result: run(row.result.rps) })) }, baselines), []);
});
