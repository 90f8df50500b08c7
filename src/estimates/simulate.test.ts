// The simulator: reproducible from a seed, and its nights are ones a host stand could record.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HistoryFormatError, parseHistory, partyLine, restaurantLine } from './format.js';
import { splitNights } from './history.js';
import { simulate } from './simulate.js';

describe('simulate', () => {
  test('the same seed gives the same nights; another seed other nights; restaurant k does not depend on how many are asked for', () => {
    const a = simulate({ seed: 5, restaurants: 2, nights: 3 });
    const b = simulate({ seed: 5, restaurants: 2, nights: 3 });
    assert.deepEqual(a, b);
    const c = simulate({ seed: 6, restaurants: 2, nights: 3 });
    assert.notDeepEqual(
      a.map((r) => r.history.parties.length),
      c.map((r) => r.history.parties.length),
    );
    const one = simulate({ seed: 5, restaurants: 1, nights: 3 });
    assert.deepEqual(one[0], a[0]);
  });

  test('every night is consistent: tables fit and are never shared, times in order, states match their times', () => {
    for (const sim of simulate({ seed: 9, restaurants: 3, nights: 7 })) {
      const h = sim.history;
      assert.equal(splitNights(h).length, 7);
      const byTable = new Map<string, { from: number; to: number }[]>();
      let waited = 0;
      for (const p of h.parties) {
        assert.ok(p.partySize >= 1 && p.partySize <= 8);
        if (p.state === 'SEATED') {
          assert.ok(p.seatedAt !== null && p.seatedAt >= p.joinedAt);
          const table = h.tables.find((t) => t.id === p.tableId);
          assert.ok(table !== undefined && p.partySize >= table.minSeats && p.partySize <= table.seats, `${p.id} fits ${p.tableId}`);
          if (p.leftAt !== null) assert.ok(p.leftAt - p.seatedAt >= 10 * 60);
          if (p.seatedAt > p.joinedAt) waited += 1;
          const list = byTable.get(table.id) ?? [];
          byTable.set(table.id, list);
          list.push({ from: p.seatedAt, to: p.leftAt ?? p.seatedAt + 1 });
        } else if (p.state === 'CANCELED') {
          assert.ok(p.canceledAt !== null && p.canceledAt >= p.joinedAt && p.seatedAt === null);
        } else {
          assert.equal(p.state, 'NO_SHOW');
          assert.ok(p.noShowAt !== null && p.noShowAt >= p.joinedAt && p.seatedAt === null);
        }
        assert.ok(p.quote === null || (p.quote.rangeStart <= p.quote.seatAt && p.quote.seatAt <= p.quote.rangeEnd && p.quote.rangeStart >= p.joinedAt));
      }
      assert.ok(waited > 0, 'queues form');
      for (const [id, stays] of byTable) {
        stays.sort((x, y) => x.from - y.from);
        for (let i = 1; i < stays.length; i++) assert.ok(stays[i]!.from >= stays[i - 1]!.to, `table ${id} is not shared`);
      }
    }
  });

  test('walk-aways and no-shows happen, and not everyone records "table cleared"', () => {
    const parties = simulate({ seed: 2, restaurants: 2, nights: 14 }).flatMap((r) => r.history.parties);
    const share = (f: (p: (typeof parties)[number]) => boolean) => parties.filter(f).length / parties.length;
    assert.ok(share((p) => p.state === 'CANCELED') > 0.01);
    assert.ok(share((p) => p.state === 'NO_SHOW') > 0.01);
    const seated = parties.filter((p) => p.state === 'SEATED');
    const cleared = seated.filter((p) => p.leftAt !== null).length / seated.length;
    assert.ok(cleared > 0.1 && cleared < 0.95, String(cleared));
  });
});

describe('the history file', () => {
  test('what simulate writes, evaluate reads back as it was', () => {
    const sims = simulate({ seed: 4, restaurants: 2, nights: 2 });
    const text = sims.flatMap((s) => [restaurantLine(s), ...s.history.parties.map((p) => partyLine(s.history.id, p))]).join('\n');
    assert.deepEqual(
      parseHistory(text),
      sims.map((s) => s.history),
    );
  });

  test('a bad file is refused with the line and the reason', () => {
    const restaurant =
      '{"type":"restaurant","id":"r","time_zone":"UTC","tables":[{"id":"a","min_seats":1,"seats":2}],"turn_times":[{"max_party_size":2,"minutes":45}]}';
    const partyOf = (extra: string) =>
      `{"type":"party","restaurant":"r","id":"p","party_size":2,"state":"SEATED","table_id":"a","joined_at":1,"seated_at":2,"left_at":null,"canceled_at":null,"no_show_at":null,"quote":null${extra}}`;
    const cases: [string, RegExp][] = [
      ['', /no restaurant/],
      ['not json', /line 1: not JSON/],
      [`${restaurant}\n{"type":"table"}`, /line 2: "type" must be "restaurant" or "party"/],
      [partyOf(''), /line 1: party of restaurant "r" before \(or without\) its restaurant line/],
      [`${restaurant}\n${partyOf('').replace('"SEATED"', '"LEFT"')}`, /line 2: unknown state "LEFT"/],
      [`${restaurant}\n${partyOf('').replace('"joined_at":1', '"joined_at":"1"')}`, /line 2: "joined_at" must be a whole number/],
      [restaurant.replace('"UTC"', '"Mars/Base"'), /unknown time_zone/],
      [restaurant.replace(/"tables":\[[^\]]*\]/, '"tables":[]'), /"tables" must be a non-empty array/],
    ];
    for (const [text, message] of cases)
      assert.throws(
        () => parseHistory(text),
        (e: unknown) => e instanceof HistoryFormatError && message.test(e.message),
        text,
      );
  });
});
