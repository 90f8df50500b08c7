// The learned model as the estimator reads it: lookups, and the replay with a model.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateNewParty, estimateQueuedParty, plannedNewParty, type Floor, type TableSpec } from './estimator.js';
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
    // The later party: elapsed 0.5 means: 0.6 * 40 = 24 min left.
    assert.equal(plannedNewParty(f, 2)?.plannedSeatAt, MON_19 + 24 * MIN);
  });

  test('parties ahead hold a table for their turn time times the chance they are still there', () => {
    const sure = model();
    const queue = [{ id: 'q1', partySize: 2, joinedAt: MON_19 - 3600 }];
    assert.equal(plannedNewParty(floor(sure, { queue }), 2)?.plannedSeatAt, MON_19 + 40 * MIN);
    const leaving = model({ noShowRate: 0.25, leaveRatePerHour: 0 });
    assert.equal(plannedNewParty(floor(leaving, { queue }), 2)?.plannedSeatAt, MON_19 + 30 * MIN);
    const hazard = model({ leaveRatePerHour: Math.log(2) });
    // Joined an hour ago, seated now: half of them are still there.
    assert.equal(plannedNewParty(floor(hazard, { queue }), 2)?.plannedSeatAt, MON_19 + 20 * MIN);
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
