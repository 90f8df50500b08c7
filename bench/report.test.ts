import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoadResult } from './load-spec.js';
import { medianRound, renderStore, type Baselines, type Round, type StoreReport } from './report.js';

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
