// The learned model as the estimator reads it: lookups, and the replay with a model.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  estimateNewParties,
  estimateNewParty,
  estimateQueue,
  estimateQueuedParty,
  plannedNewParty,
  REPLAY_DRAWS,
  stratified,
  type Floor,
  type TableSpec,
} from './estimator.js';
import {
  calibrated,
  HOUR_BANDS,
  learnedTurnSeconds,
  localCell,
  RANGE_BUCKETS_MINUTES,
  rangeBucket,
  remainingSeconds,
  staysUntil,
  type LearnedModel,
} from './learned-model.js';
import { DEFAULT_TURN_TIMES } from '../merchants/rules.js';

// Monday 2026-01-05 19:00 UTC.
const MON_19 = Date.UTC(2026, 0, 5, 19) / 1000;
const MIN = 60;

/** A model with one turn time per band everywhere (2 -> 40, 4 -> 50, 6 -> 70, more -> 80), flat remaining curve. */
function model(overrides: Partial<LearnedModel> = {}): LearnedModel {
  const perBand = [40, 50, 70, 80];
  return {
    merchantId: 'm',
    computedAt: MON_19,
    bands: [2, 4, 6, 1000],
    turnMinutes: perBand.map((m) => Array.from({ length: 7 }, () => HOUR_BANDS.map(() => m))),
    // E[r - x | r > x] for x = 0, 0.5, 1, 1.5: 1, 0.6, 0.3, 0.2.
    remaining: [1, 0.6, 0.3, 0.2],
    remainingStep: 0.5,
    // Every turn exactly its cell's mean, every leaving recorded: the replay's draws all agree.
    turnRatios: [1],
    clearedShare: 1,
    noShowRate: 0,
    leaveRatePerHour: 0,
    coverage: 0.8,
    rangePadSeconds: 600,
    range: RANGE_BUCKETS_MINUTES.map(() => ({ low: 0, mid: 0, high: 0 })),
    ...overrides,
  };
}

const table = (id: string, minSeats: number, seats: number): TableSpec => ({ id, minSeats, seats });

function floor(m: LearnedModel, partial: Partial<Floor> = {}): Floor {
  return { now: MON_19, tables: [table('a2', 1, 2)], turnTimes: DEFAULT_TURN_TIMES, seated: [], queue: [], model: m, utcOffsetSeconds: 0, ...partial };
}

describe('lookups', () => {
  test('localCell: day of week (Monday 0) and hour band at the merchant offset', () => {
    assert.deepEqual(localCell(MON_19, 0), { day: 0, hourBand: 3 }, 'Monday 19:00 is in 18-20');
    assert.deepEqual(localCell(MON_19, -5 * 3600), { day: 0, hourBand: 1 }, '14:00 in New York is in 11-15');
    assert.deepEqual(localCell(MON_19, 6 * 3600), { day: 1, hourBand: 0 }, '01:00 on Tuesday in 00-11');
  });

  test('learnedTurnSeconds reads band x day x hour band', () => {
    const turnMinutes = [2, 4, 6, 1000].map(() => Array.from({ length: 7 }, () => HOUR_BANDS.map(() => 60)));
    turnMinutes[1]![0]![3] = 33; // parties of 3-4, Monday, 18-20
    const m = model({ turnMinutes });
    assert.equal(learnedTurnSeconds(m, 4, MON_19, 0), 33 * MIN);
    assert.equal(learnedTurnSeconds(m, 3, MON_19 + 86_400, 0), 60 * MIN, 'Tuesday');
    assert.equal(learnedTurnSeconds(m, 2, MON_19, 0), 60 * MIN, 'other band');
    assert.equal(learnedTurnSeconds(m, 12, MON_19, 0), 60 * MIN, 'beyond the last band: the last band');
  });

  test('remainingSeconds interpolates the mean residual life curve and holds its last value', () => {
    const m = model();
    assert.equal(remainingSeconds(m, 3600, 0), 3600);
    assert.equal(remainingSeconds(m, 3600, 1800), 0.6 * 3600);
    assert.equal(Math.round(remainingSeconds(m, 3600, 2700)), Math.round(0.45 * 3600));
    assert.equal(remainingSeconds(m, 3600, 5 * 3600), 0.2 * 3600);
  });

  test('staysUntil: no-shows and walk-aways per waiting hour', () => {
    const m = model({ noShowRate: 0.1, leaveRatePerHour: 0.5 });
    assert.equal(staysUntil(m, MON_19, MON_19), 0.9);
    assert.equal(staysUntil(m, MON_19, MON_19 + 2 * 3600), 0.9 * Math.exp(-1));
  });

  test('ranges: bucket by planned wait; quantiles scaled by wait + pad; whole minutes, never before now', () => {
    assert.deepEqual(
      RANGE_BUCKETS_MINUTES.map((m) => rangeBucket(m * 60)),
      [0, 1, 2, 3, 4],
    );
    const m = model({ range: RANGE_BUCKETS_MINUTES.map(() => ({ low: -0.2, mid: 0.1, high: 0.5 })) });
    // Planned 30 min: scale = 30 + 10 = 40 min; window [30 - 8, 30 + 20] min; seat time 30 + 4.
    assert.deepEqual(calibrated(m, MON_19, MON_19 + 30 * MIN), { seatAt: MON_19 + 34 * MIN, range: { start: MON_19 + 22 * MIN, end: MON_19 + 50 * MIN } });
    // Planned now: scale 10 min: the window would start 2 min ago: it starts now.
    assert.deepEqual(calibrated(m, MON_19, MON_19), { seatAt: MON_19 + MIN, range: { start: MON_19, end: MON_19 + 5 * MIN } });
  });
});

describe('the replay with a learned model', () => {
  test('a seated party holds its table for its expected remaining stay, also past its mean turn time', () => {
    const m = model();
    // Two seated 60 min ago at a2: mean 40 min, elapsed 1.5 means: 0.2 * 40 min left.
    const f = floor(m, { seated: [{ partySize: 2, tableId: 'a2', seatedAt: MON_19 - 60 * MIN }] });
    assert.equal(plannedNewParty(f, 2)?.plannedSeatAt, MON_19 + 8 * MIN);
    // Without a model the table is free (the configured 45 minutes have run out).
    assert.equal(estimateNewParty({ ...f, model: null }, 2)?.seatAt, MON_19);
  });

  test('only the party seated last at a table holds it', () => {
    const m = model();
    const f = floor(m, {
      seated: [
        { partySize: 2, tableId: 'a2', seatedAt: MON_19 - 100 * MIN },
        { partySize: 2, tableId: 'a2', seatedAt: MON_19 - 20 * MIN },
      ],
    });
    // The later party: every turn is 40 min, it has sat 20: 20 min left.
    assert.equal(plannedNewParty(f, 2)?.plannedSeatAt, MON_19 + 20 * MIN);
  });

  test('a seated party stays for a remaining turn drawn from the turns longer than it has sat', () => {
    // Turns of 0.5, 1 or 1.5 means (20, 40, 60 min); the party has sat 30 min: it leaves in 10 or 30 min.
    const m = model({ turnRatios: [0.5, 1, 1.5] });
    const f = floor(m, { seated: [{ partySize: 2, tableId: 'a2', seatedAt: MON_19 - 30 * MIN }] });
    const at = plannedNewParty(f, 2)!.plannedSeatAt;
    assert.ok(at >= MON_19 + 10 * MIN && at <= MON_19 + 30 * MIN, `planned ${(at - MON_19) / MIN} min`);
  });

  test('the planned seat time is the median over the draws: the first of several tables frees earlier than the mean says', () => {
    // Three two-tops, each taken just now; turns of 20, 40 or 60 min alike. Each table's mean free
    // time is in 40 min, but the first of three frees in 20 min with probability 1 - (2/3)^3 = 0.70.
    const m = model({ turnRatios: [0.5, 1, 1.5] });
    const tables = [table('a2', 1, 2), table('b2', 1, 2), table('c2', 1, 2)];
    const seated = tables.map((t) => ({ partySize: 2, tableId: t.id, seatedAt: MON_19 }));
    const f = floor(m, { tables, seated });
    assert.equal(plannedNewParty(f, 2)?.plannedSeatAt, MON_19 + 20 * MIN);
    // The same floor always gets the same estimate (the draws have a fixed seed).
    assert.deepEqual(estimateNewParty(f, 2), estimateNewParty(f, 2));
  });

  test('the draws are stratified: over the draws, each random choice takes one uniform from each slice of [0, 1)', () => {
    let calls = 0;
    const rand = (): number => {
      calls += 1;
      return (calls * 0.618_033_988_75) % 1;
    };
    for (const dim of [0, 1, 2, 7, 100, 511]) {
      const slices = Array.from({ length: REPLAY_DRAWS }, (_, draw) => Math.floor(stratified(dim, draw, rand) * REPLAY_DRAWS)).sort((a, b) => a - b);
      assert.deepEqual(
        slices,
        Array.from({ length: REPLAY_DRAWS }, (_, i) => i),
        `dimension ${dim}`,
      );
    }
    // Different dimensions take the slices in different orders (else the choices would move together).
    const order = (dim: number): number[] => Array.from({ length: REPLAY_DRAWS }, (_, draw) => Math.floor(stratified(dim, draw, () => 0.5) * REPLAY_DRAWS));
    assert.notDeepEqual(order(0), order(1));
    // Beyond the precomputed dimensions (a queue of hundreds), plain uniforms.
    assert.equal(
      stratified(100_000, 3, () => 0.25),
      0.25,
    );
  });

  test("a seated party's stay is drawn once from each slice of the turns: the planned seat time is their median", () => {
    // Turns evenly spread from 0.5 to 1.5 means (20 to 60 min), the party seated just now, nobody
    // waiting: the median of the 32 stratified draws is within a slice of the middle (40 min).
    const turnRatios = Array.from({ length: 64 }, (_, i) => 0.5 + i / 63);
    const f = floor(model({ turnRatios }), { seated: [{ partySize: 2, tableId: 'a2', seatedAt: MON_19 }] });
    const minutes = (plannedNewParty(f, 2)!.plannedSeatAt - MON_19) / MIN;
    assert.ok(minutes >= 39 && minutes <= 41, `planned ${minutes} min`);
  });

  test('a party at a table whose leaving may have gone unrecorded is likely gone once it has sat longer than the turns', () => {
    const seated = [{ partySize: 2, tableId: 'a2', seatedAt: MON_19 - 60 * MIN }];
    // Every turn is 40 min; it has sat 60: if the host records every leaving, it is still there
    // (the curve's tail: 0.2 x 40 min), else it has left and nobody recorded it.
    assert.equal(plannedNewParty(floor(model(), { seated }), 2)?.plannedSeatAt, MON_19 + 8 * MIN);
    assert.equal(plannedNewParty(floor(model({ clearedShare: 0.5 }), { seated }), 2)?.plannedSeatAt, MON_19);
    // Sat 20 of 40 min: still there whatever the host records.
    const early = [{ partySize: 2, tableId: 'a2', seatedAt: MON_19 - 20 * MIN }];
    assert.equal(plannedNewParty(floor(model({ clearedShare: 0.2 }), { seated: early }), 2)?.plannedSeatAt, MON_19 + 20 * MIN);
  });

  test('parties ahead take their table only if they are still there when called', () => {
    const queue = [{ id: 'q1', partySize: 2, joinedAt: MON_19 - 3600 }];
    assert.equal(plannedNewParty(floor(model(), { queue }), 2)?.plannedSeatAt, MON_19 + 40 * MIN);
    // A quarter are no-shows: in most draws it stays, and the median waits for it.
    assert.equal(plannedNewParty(floor(model({ noShowRate: 0.25 }), { queue }), 2)?.plannedSeatAt, MON_19 + 40 * MIN);
    // Joined an hour ago at 2 walk-aways per waiting hour: e^-2 = 14% still there: the table is free in most draws.
    assert.equal(plannedNewParty(floor(model({ leaveRatePerHour: 2 }), { queue }), 2)?.plannedSeatAt, MON_19);
  });

  test('estimates for several sizes and for the whole queue come from one replay and match the single ones', () => {
    const m = model({ turnRatios: [0.5, 0.8, 1, 1.3, 1.6], noShowRate: 0.1, leaveRatePerHour: 0.3, clearedShare: 0.6 });
    const tables = [table('a2', 1, 2), table('b2', 1, 2), table('c4', 2, 4), table('d6', 3, 6)];
    const seated = [
      { partySize: 2, tableId: 'a2', seatedAt: MON_19 - 30 * MIN },
      { partySize: 4, tableId: 'c4', seatedAt: MON_19 - 50 * MIN },
      { partySize: 5, tableId: 'd6', seatedAt: MON_19 - 10 * MIN },
      { partySize: 2, tableId: null, seatedAt: MON_19 - 15 * MIN },
    ];
    const queue = [
      { id: 'q1', partySize: 2, joinedAt: MON_19 - 20 * MIN },
      { id: 'q2', partySize: 6, joinedAt: MON_19 - 10 * MIN },
      { id: 'q3', partySize: 12, joinedAt: MON_19 - 5 * MIN },
      { id: 'q4', partySize: 4, joinedAt: MON_19 },
    ];
    const f = floor(m, { tables, seated, queue });
    const sizes = [1, 2, 3, 4, 5, 6, 9];
    assert.deepEqual(
      estimateNewParties(f, sizes),
      sizes.map((size) => estimateNewParty(f, size)),
    );
    assert.equal(estimateNewParty(f, 9), null, 'no table seats 9');
    const all = estimateQueue(f);
    assert.deepEqual([...all.keys()], ['q1', 'q2', 'q4'], 'q3 fits no table');
    for (const id of ['q1', 'q2', 'q3', 'q4']) assert.deepEqual(estimateQueuedParty(f, id), all.get(id) ?? null);
    assert.ok(all.get('q4')!.partiesAhead === 3 && estimateNewParty(f, 2)!.partiesAhead === 4);
  });

  test('the estimate is the calibrated one; a queued party gets it too', () => {
    const m = model({ range: RANGE_BUCKETS_MINUTES.map(() => ({ low: -0.25, mid: 0, high: 0.25 })) });
    const queue = [
      { id: 'q1', partySize: 2, joinedAt: MON_19 },
      { id: 'q2', partySize: 2, joinedAt: MON_19 },
    ];
    const f = floor(m, { queue });
    // q2 waits for q1's 40 minutes: scale 50 min, window +-12.5 min -> [27.5, 52.5] -> whole minutes [27, 53].
    assert.deepEqual(estimateQueuedParty(f, 'q2'), { partiesAhead: 1, seatAt: MON_19 + 40 * MIN, range: { start: MON_19 + 27 * MIN, end: MON_19 + 53 * MIN } });
    assert.equal(estimateNewParty(f, 2)?.seatAt, MON_19 + 80 * MIN);
  });
});
