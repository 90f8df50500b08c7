// Learning a merchant's model: the shrinkage by hand, where turn times come from, walk-aways, and
// ranges that hold what they promise.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { HistoryParty } from '../waitlist/model.js';
import { evaluate, LEARNED } from './evaluate.js';
import { splitNights, withParties, type RestaurantHistory } from './history.js';
import { fitRange, learnModel, PRIOR_WEIGHT, RANGE_PAD_SECONDS, type ErrorSample } from './learn.js';
import { rangeAround } from '../waitlist/learned-model.js';
import { simulate } from './simulate.js';
import { DEFAULT_TURN_TIMES } from '../merchants/rules.js';

// Monday 2026-01-05 19:00 UTC (the restaurant below is on UTC).
const MON_19 = Date.UTC(2026, 0, 5, 19) / 1000;
const MIN = 60;

let ids = 0;
function party(p: Partial<HistoryParty> & { joinedAt: number }): HistoryParty {
  ids += 1;
  return {
    id: `p${ids}`,
    serviceId: 'waitlist',
    partySize: 2,
    state: p.seatedAt != null ? 'SEATED' : p.canceledAt != null ? 'CANCELED' : p.noShowAt != null ? 'NO_SHOW' : 'WAITING',
    tableId: null,
    seatedAt: null,
    leftAt: null,
    canceledAt: null,
    noShowAt: null,
    quote: null,
    ...p,
  };
}

function restaurant(parties: HistoryParty[]): RestaurantHistory {
  return {
    id: 'm',
    timeZone: 'UTC',
    tables: [
      { id: 'a2', minSeats: 1, seats: 2 },
      { id: 'b4', minSeats: 2, seats: 4 },
    ],
    turnTimes: DEFAULT_TURN_TIMES,
    parties: parties.sort((a, b) => a.joinedAt - b.joinedAt),
  };
}

const learn = (parties: HistoryParty[]) => learnModel(restaurant(parties), { coverage: 0.8, now: MON_19 + 86_400, calibrate: false });

describe('turn times', () => {
  test('without history every cell is the configured turn time', () => {
    const { model, stats } = learn([]);
    assert.deepEqual(model.bands, [2, 4, 6, 1000]);
    for (const [b, minutes] of [45, 60, 75, 90].entries()) for (const day of model.turnMinutes[b]!) for (const m of day) assert.equal(m, minutes);
    assert.equal(stats.turnObservations, 0);
  });

  test('shrunk level by level toward the one above, with the count as weight (by hand)', () => {
    assert.equal(PRIOR_WEIGHT, 10);
    // Ten parties of two, Monday 19:00-19:45, each 30 minutes from seated to "table cleared".
    const parties = Array.from({ length: 10 }, (_, i) =>
      party({ joinedAt: MON_19 + i * 300, seatedAt: MON_19 + i * 300, leftAt: MON_19 + i * 300 + 30 * MIN, tableId: 'a2' }),
    );
    const { model, stats } = learn(parties);
    // Band (up to 2): (10 * 45 + 300) / 20 = 37.5; band x 18-20: (10 * 37.5 + 300) / 20 = 33.75;
    // Monday x 18-20: (10 * 33.75 + 300) / 20 = 31.875. Tuesday 18-20 keeps 33.75; Monday 11-15 keeps 37.5.
    assert.equal(model.turnMinutes[0]![0]![3], 31.875);
    assert.equal(model.turnMinutes[0]![1]![3], 33.75);
    assert.equal(model.turnMinutes[0]![0]![1], 37.5);
    assert.equal(model.turnMinutes[1]![0]![3], 60, 'other bands keep the configured value');
    assert.equal(stats.turnObservations, 10);
    assert.equal(stats.clearedObservations, 10);
    assert.deepEqual(stats.bands[0], { maxPartySize: 2, configuredMinutes: 45, minutes: 37.5, observations: 10 });
    const cell = stats.cells.find((c) => c.band === 0 && c.day === 0 && c.hourBand === 3);
    assert.deepEqual(cell, { band: 0, maxPartySize: 2, day: 0, hourBand: 3, minutes: 31.875, configuredMinutes: 45, observations: 10 });
  });

  test('many observations: the cell converges to its own mean', () => {
    const parties = Array.from({ length: 400 }, (_, i) =>
      party({
        joinedAt: MON_19 + (i % 20) * 300 + Math.floor(i / 20) * 7 * 86_400,
        seatedAt: MON_19 + (i % 20) * 300 + Math.floor(i / 20) * 7 * 86_400,
        leftAt: MON_19 + (i % 20) * 300 + Math.floor(i / 20) * 7 * 86_400 + 70 * MIN,
        tableId: `t${i % 20}`,
        partySize: 4,
      }),
    );
    const { model } = learn(parties);
    assert.ok(Math.abs(model.turnMinutes[1]![0]![3]! - 70) < 0.5, String(model.turnMinutes[1]![0]![3]));
  });

  test('without "table cleared": the next seating at the table ends the turn, only when that party had been waiting', () => {
    const first = party({ joinedAt: MON_19, seatedAt: MON_19, tableId: 'a2' });
    // Waited 20 minutes, seated at a2 50 minutes after the first: a turn of 50 minutes.
    const second = party({ joinedAt: MON_19 + 30 * MIN, seatedAt: MON_19 + 50 * MIN, tableId: 'a2' });
    // Walked in to a free table 3 hours after the second: the table may have stood empty, no observation.
    const third = party({ joinedAt: MON_19 + 230 * MIN, seatedAt: MON_19 + 230 * MIN, tableId: 'a2' });
    const { stats } = learn([first, second, third]);
    assert.equal(stats.turnObservations, 1);
    assert.equal(stats.clearedObservations, 0);
    assert.equal(stats.bands[0]!.minutes, (10 * 45 + 50) / 11);
  });

  test('implausible turn times (under 5 minutes, over 6 hours) are not learned from', () => {
    const { stats } = learn([
      party({ joinedAt: MON_19, seatedAt: MON_19, leftAt: MON_19 + 2 * MIN, tableId: 'a2' }),
      party({ joinedAt: MON_19, seatedAt: MON_19, leftAt: MON_19 + 7 * 3600, tableId: 'b4' }),
    ]);
    assert.equal(stats.turnObservations, 0);
  });
  test('the spread of turn times: quantiles of turn / cell mean, from the observations and a lognormal prior', () => {
    const prior = learn([]).model.turnRatios;
    assert.equal(prior.length, 64);
    for (let i = 1; i < prior.length; i++) assert.ok(prior[i - 1]! <= prior[i]!, 'ascending');
    // The prior alone: a lognormal with mean 1 (median exp(-0.35^2 / 2) = 0.94).
    assert.ok(Math.abs(prior[31]! - Math.exp(-(0.35 ** 2) / 2)) < 0.03, String(prior[31]));
    // 200 turns of 20 or 80 minutes at Monday 19:00 (cell mean about 50): the quantiles follow them.
    const parties = Array.from({ length: 200 }, (_, i) => {
      const seatedAt = MON_19 + (i % 10) * 300 + Math.floor(i / 10) * 7 * 86_400;
      return party({ joinedAt: seatedAt, seatedAt, leftAt: seatedAt + (i % 2 === 0 ? 20 : 80) * MIN, tableId: `t${i % 10}` });
    });
    const { model } = learn(parties);
    const mean = model.turnMinutes[0]![0]![3]!;
    assert.ok(Math.abs(model.turnRatios[5]! - 20 / mean) < 0.01, `low quantile ${model.turnRatios[5]} vs ${20 / mean}`);
    assert.ok(Math.abs(model.turnRatios[58]! - 80 / mean) < 0.01, `high quantile ${model.turnRatios[58]} vs ${80 / mean}`);
  });
});

describe('walk-aways', () => {
  test('no-shows per called party and cancellations per waiting hour, with weak priors', () => {
    const parties = [
      party({ joinedAt: MON_19, seatedAt: MON_19 + 3600, tableId: 'a2' }),
      party({ joinedAt: MON_19, noShowAt: MON_19 + 3600 }),
      party({ joinedAt: MON_19, canceledAt: MON_19 + 2 * 3600 }),
      party({ joinedAt: MON_19 }), // still waiting: not counted
    ];
    const { model, stats } = learn(parties);
    assert.equal(stats.noShows, 1);
    assert.equal(stats.cancellations, 1);
    assert.equal(stats.waitingHours, 4);
    assert.equal(model.noShowRate, (1 + 1) / (2 + 20));
    assert.equal(model.leaveRatePerHour, (1 + 0.5) / (4 + 5));
  });

  test('the share of seated parties whose leaving the host records, with a prior of half worth 20 parties', () => {
    assert.equal(learn([]).model.clearedShare, 0.5);
    const parties = Array.from({ length: 40 }, (_, i) =>
      party({ joinedAt: MON_19 + i * 60, seatedAt: MON_19 + i * 60, leftAt: i % 4 === 0 ? MON_19 + i * 60 + 40 * MIN : null, tableId: 'a2' }),
    );
    // 10 of 40 recorded: (10 + 10) / (40 + 20).
    assert.equal(learn(parties).model.clearedShare, 20 / 60);
  });
});

describe('calibrated ranges', () => {
  test('on the nights after the ones learned from, about the stated share of parties that waited is inside the range', () => {
    const [sim] = simulate({ seed: 13, restaurants: 1, nights: 42 });
    const h = sim!.history;
    for (const coverage of [0.6, 0.8]) {
      const e = evaluate([h], { testNights: 14, coverage, methods: [LEARNED] });
      const t = e.tallies.get('learned')!.get(0)!;
      const share = t.quotedWaitInside / t.quotedWait;
      assert.ok(t.quotedWait > 150, `enough parties waited (${t.quotedWait})`);
      assert.ok(Math.abs(share - coverage) < 0.12, `coverage ${coverage}: ${share}`);
    }
  });

  /** Samples of one planned wait (minutes) whose actual seat times are spread evenly over +/- `spread` minutes. */
  function waited(n: number, waitMinutes: number, spread: number): ErrorSample[] {
    return Array.from({ length: n }, (_, i) => {
      const planned = MON_19 + waitMinutes * 60;
      const actual = planned + Math.round(((2 * (i + 0.5)) / n - 1) * spread * 60);
      return { now: MON_19, planned, actual, z: (actual - planned) / (waitMinutes * 60 + RANGE_PAD_SECONDS) };
    });
  }
  const held = (samples: readonly ErrorSample[], coverage: number): number => {
    const q = fitRange(samples, coverage, RANGE_PAD_SECONDS);
    return samples.filter((s) => {
      const { range } = rangeAround(s.now, s.planned, q, RANGE_PAD_SECONDS);
      return s.actual >= range.start && s.actual <= range.end;
    }).length;
  };

  test('the range holds the stated share of the guests quoted a wait, not of every party', () => {
    // 100 parties quoted 30 minutes and seated within +/- 20 of it, and 300 seated on arrival as
    // planned: counting those, 80% of all would be reached with windows that hold a fifth of the waiting.
    const wait = waited(100, 30, 20);
    const none = Array.from({ length: 300 }, () => ({ now: MON_19, planned: MON_19, actual: MON_19, z: 0 }));
    assert.ok(held([...wait, ...none], 0.8) - 300 >= 81);
  });

  test('the share held on the samples is the conformal one: at least ceil((n + 1) x coverage) of n', () => {
    for (const [n, coverage] of [
      [100, 0.8],
      [59, 0.8],
      [200, 0.6],
    ] as const) {
      assert.ok(held(waited(n, 30, 20), coverage) >= Math.ceil((n + 1) * coverage - 1e-9), `${n} samples, coverage ${coverage}`);
    }
  });

  test('the range is fitted on the history (not the prior) once there are enough seated parties', () => {
    const [sim] = simulate({ seed: 3, restaurants: 1, nights: 14 });
    const nights = splitNights(sim!.history);
    const h = withParties(
      sim!.history,
      nights.flatMap((n) => n.parties),
    );
    const { model, stats } = learnModel(h, { coverage: 0.8, now: MON_19 });
    assert.ok(stats.rangeSamples > 200);
    assert.notDeepEqual(model.range[3], { low: -0.3, mid: 0, high: 0.4 });
    for (const q of model.range) assert.ok(q.low <= q.mid && q.mid <= q.high, JSON.stringify(q));
  });
});
