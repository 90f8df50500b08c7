// The evaluation: held-out nights, the same joins for every method, the heuristics as described,
// and the figures it prints.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { HistoryParty } from '../waitlist/model.js';
import { CONFIGURED, evaluate, LAST_WAITS, PER_PARTY, renderEvaluation, TABLES_READY, type Method } from './evaluate.js';
import type { RestaurantHistory } from './history.js';
import { DEFAULT_TURN_TIMES } from '../merchants/rules.js';

// Mondays at 19:00 UTC, a week apart.
const MON_19 = Date.UTC(2026, 0, 5, 19) / 1000;
const WEEK = 7 * 86_400;
const MIN = 60;

let ids = 0;
function party(p: Partial<HistoryParty> & { joinedAt: number }): HistoryParty {
  ids += 1;
  return {
    id: `p${ids}`,
    serviceId: 'waitlist',
    partySize: 2,
    state: 'SEATED',
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
    id: 'r',
    timeZone: 'UTC',
    tables: [{ id: 'a2', minSeats: 1, seats: 2 }],
    turnTimes: DEFAULT_TURN_TIMES,
    parties: parties.sort((a, b) => a.joinedAt - b.joinedAt),
  };
}

/**
 * One Monday night: three parties of two join at 19:00, 19:01, 19:02 for one two-top; they are
 * seated at 19:00, 19:40 and 20:20 (40-minute turns) and "table cleared" is recorded.
 */
function night(week: number): HistoryParty[] {
  const t = MON_19 + week * WEEK;
  return [0, 1, 2].map((i) => party({ joinedAt: t + i * MIN, seatedAt: t + i * 40 * MIN, leftAt: t + (i + 1) * 40 * MIN, tableId: 'a2' }));
}

describe('evaluate', () => {
  test('methods learn from the nights before and are measured on the last ones only, on the same joins', () => {
    const h = restaurant([...night(0), ...night(1), ...night(2)]);
    const seen: number[] = [];
    const spy: Method = {
      key: 'spy',
      label: 'spy',
      train(training) {
        seen.push(...training.parties.map((p) => p.joinedAt));
        return ({ history, index }) => ({ seatAt: history.parties[index]!.seatedAt!, range: { start: 0, end: 0 } });
      },
    };
    const e = evaluate([h], { testNights: 1, coverage: 0.8, methods: [spy, CONFIGURED] });
    assert.equal(e.trainingNights, 2);
    assert.equal(e.testNights, 1);
    assert.ok(
      seen.every((t) => t < MON_19 + 2 * WEEK),
      'nothing of the test night is learned from',
    );
    assert.equal(seen.length, 6);
    const exact = e.tallies.get('spy')!.get(0)!;
    assert.deepEqual(exact, { parties: 3, absError: 0, error: 0, inside: 0, quotedWait: 2, quotedWaitInside: 0 });
    // The configured replay (45-minute turns for two) on the test night plans 19:00, 19:45, 20:30
    // for seatings at 19:00, 19:40, 20:20: errors 0, +5, +10 minutes.
    const configured = e.tallies.get('configured')!.get(0)!;
    assert.equal(configured.parties, 3);
    assert.equal(configured.error, 0 + 5 + 10);
    assert.equal(configured.absError, 15);
    assert.throws(() => evaluate([h], { testNights: 3, coverage: 0.8 }), /has 3 nights: need more than --test-nights \(3\)/);
  });

  test('the heuristics: seating interval x parties of the size ahead, mean of recent waits, fitted minutes per party', () => {
    // The seating-interval method needs 50 parties of history; with three it falls back to 15 minutes
    // per party of the size ahead. The third party of a night has one ahead (the first is seated at once).
    const short = restaurant([...night(0), ...night(1)]);
    const fallback = TABLES_READY.train({ ...short, parties: short.parties.slice(0, 3) }, 0.8);
    const third = short.parties.findIndex((p) => p.joinedAt === MON_19 + WEEK + 2 * MIN);
    assert.equal(fallback({ history: short, index: third, utcOffsetSeconds: 0 })!.seatAt - (MON_19 + WEEK + 2 * MIN), 15 * MIN);

    // Seventeen training Mondays (51 parties): two seatings in the 19:00 hour each Monday (19:00,
    // 19:40), so the interval for parties of two on Mondays at 19:00 is 60 / 2 = 30 minutes.
    const long = restaurant(Array.from({ length: 18 }, (_, w) => night(w)).flat());
    const training = { ...long, parties: long.parties.slice(0, 51) };
    const predict = TABLES_READY.train(training, 0.8);
    const lastNight = long.parties.length - 3;
    const interval = predict({ history: long, index: lastNight + 2, utcOffsetSeconds: 0 });
    assert.equal(interval!.seatAt - long.parties[lastNight + 2]!.joinedAt, 1 * 30 * MIN);

    // Mean of the last 30 actual waits in the 4 hours before: at the last night's third join only
    // its first party (wait 0) was seated in the 4 hours before: 0.
    const recent = LAST_WAITS.train(training, 0.8)({ history: long, index: lastNight + 2, utcOffsetSeconds: 0 });
    assert.equal(recent!.seatAt, long.parties[lastNight + 2]!.joinedAt);

    // Fixed minutes per party ahead, fitted on the training nights: the second party of a night waits
    // 39 minutes with nobody ahead, the third 78 with one ahead: least absolute error at the cap, 60.
    const perParty = PER_PARTY.train(training, 0.8)({ history: long, index: lastNight + 2, utcOffsetSeconds: 0 });
    assert.equal(perParty!.seatAt - long.parties[lastNight + 2]!.joinedAt, 60 * MIN);
  });

  test('the report has one row per method, a row per party size, and the ratio to the best heuristic', () => {
    const h = restaurant(Array.from({ length: 4 }, (_, w) => night(w)).flat());
    const text = renderEvaluation(evaluate([h], { testNights: 1, coverage: 0.8 }));
    for (const label of [
      'learned replay (ours)',
      'configured replay (before)',
      'parties ahead x seating interval',
      'mean of last 30 actual waits (4 h)',
      'fixed minutes per party ahead',
    ]) {
      assert.match(text, new RegExp(`^${label.replace(/[()]/g, '\\$&')}\\s+3\\s`, 'm'));
    }
    assert.match(text, /^2\s+3\s/m);
    assert.match(text, /^learned MAE \/ best heuristic MAE \(.+\): \d\.\d{3} \(target <= 0\.50\)$/m);
    assert.match(text, /^learned in range: [\d.]+% of seated parties, [\d.]+% of those quoted a wait \(target 80% \+\/- 5\)$/m);
  });
});
