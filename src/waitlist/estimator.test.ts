import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  EstimateMemo,
  estimateNewParties,
  estimateQueue,
  estimateNewParty,
  estimateQueuedParty,
  largestServable,
  seatTimeRange,
  turnSeconds,
  type Floor,
  type QueuedParty,
  type SeatedParty,
  type TableSpec,
} from './estimator.js';
import { DEFAULT_TURN_TIMES } from '../merchants/rules.js';

// A whole minute, so that the rounding in seatTimeRange is easy to follow by hand.
const N = 1_800_000_000;
const MIN = 60;

const table = (id: string, minSeats: number, seats: number): TableSpec => ({ id, minSeats, seats });
const queued = (...sizes: number[]): QueuedParty[] => sizes.map((partySize, i) => ({ id: `q${i + 1}`, partySize }));

function floor(tables: TableSpec[], queue: QueuedParty[] = [], seated: SeatedParty[] = []): Floor {
  return { now: N, tables, turnTimes: DEFAULT_TURN_TIMES, seated, queue };
}

describe('turn times', () => {
  test('by party size, with the last bracket for anything larger and one hour without any', () => {
    // Defaults: up to 2 -> 45 min, up to 4 -> 60, up to 6 -> 75, up to 1000 -> 90.
    assert.equal(turnSeconds(DEFAULT_TURN_TIMES, 1), 45 * MIN);
    assert.equal(turnSeconds(DEFAULT_TURN_TIMES, 2), 45 * MIN);
    assert.equal(turnSeconds(DEFAULT_TURN_TIMES, 3), 60 * MIN);
    assert.equal(turnSeconds(DEFAULT_TURN_TIMES, 5), 75 * MIN);
    assert.equal(turnSeconds(DEFAULT_TURN_TIMES, 7), 90 * MIN);
    assert.equal(
      turnSeconds(
        [
          { maxPartySize: 4, minutes: 30 },
          { maxPartySize: 2, minutes: 20 },
        ],
        9,
      ),
      30 * MIN,
    );
    assert.equal(turnSeconds([], 2), 60 * MIN);
  });

  test('largestServable is the biggest table, 0 without tables', () => {
    assert.equal(largestServable([table('a', 1, 2), table('b', 5, 10), table('c', 2, 4)]), 10);
    assert.equal(largestServable([]), 0);
  });
});

describe('estimateNewParty', () => {
  test('empty floor: seated now, nobody ahead, a five-minute window', () => {
    const f = floor([table('a2', 1, 2), table('c4', 2, 4)]);
    // wait 0: start = floor(N / 60) * 60 = N; end = ceil((N + max(300, 0)) / 60) * 60 = N + 300.
    assert.deepEqual(estimateNewParty(f, 2), { partiesAhead: 0, seatAt: N, range: { start: N, end: N + 300 } });
    assert.deepEqual(estimateNewParty(f, 4), { partiesAhead: 0, seatAt: N, range: { start: N, end: N + 300 } });
    assert.equal(estimateNewParty(f, 5), null, 'no table seats five');
  });

  test('tables busy with seated parties free up a turn time after they sat down', () => {
    const f = floor(
      [table('a2', 1, 2), table('b4', 2, 4)],
      [],
      [
        // 2 at a2 since N-10min, turn 45 min: a2 frees at N+35min = N+2100.
        { partySize: 2, tableId: 'a2', seatedAt: N - 10 * MIN },
        // 4 at b4 since N-30min, turn 60 min: b4 frees at N+30min = N+1800.
        { partySize: 4, tableId: 'b4', seatedAt: N - 30 * MIN },
        // 2 at b4 since N-2h: left long ago (N-75min), holds nothing.
        { partySize: 2, tableId: 'b4', seatedAt: N - 120 * MIN },
      ],
    );
    // Party of 2 fits both; b4 frees first -> seatAt N+1800, wait 1800.
    // start = floor((N+1800 - round(0.15*1800 = 270)) / 60) * 60 = floor((N+1530)/60)*60 = N+1500
    // end   = ceil((N+1800 + max(300, round(0.25*1800 = 450))) / 60) * 60 = ceil((N+2250)/60)*60 = N+2280
    assert.deepEqual(estimateNewParty(f, 2), { partiesAhead: 0, seatAt: N + 1800, range: { start: N + 1500, end: N + 2280 } });
    // Party of 1: b4 needs two, so only a2 -> N+2100.
    assert.equal(estimateNewParty(f, 1)?.seatAt, N + 2100);
  });

  test('a party seated without a table holds the fitting table that frees first', () => {
    const f = floor(
      [table('a2', 1, 2), table('b2', 1, 2)],
      [],
      // 2 seated at N-15min with no table recorded: takes a2 (tie at N, same size, lower id) until N+30min.
      [{ partySize: 2, tableId: null, seatedAt: N - 15 * MIN }],
    );
    assert.equal(estimateNewParty(f, 2)?.seatAt, N, 'b2 is still free');
    const full = floor([table('a2', 1, 2)], [], [{ partySize: 2, tableId: null, seatedAt: N - 15 * MIN }]);
    assert.equal(estimateNewParty(full, 2)?.seatAt, N + 30 * MIN);
  });

  test('a queue replayed over two-tops and a four-top', () => {
    // Tables a2, b2 (1-2 seats) and c4 (2-4 seats), all free at N. Queue 2, 4, 2, 2, 3.
    // Each party takes the fitting table that frees first (ties: fewer seats, then id):
    //   q1 (2): a2, b2, c4 all at N -> a2 at N;            a2 frees N+45min = N+2700
    //   q2 (4): only c4 -> c4 at N;                        c4 frees N+60min = N+3600
    //   q3 (2): b2 at N;                                   b2 frees N+2700
    //   q4 (2): a2 (N+2700) ties b2 -> a2 at N+2700;      a2 frees N+5400
    //   q5 (3): only c4 -> N+3600, turn 60;                c4 frees N+7200
    const f = floor([table('c4', 2, 4), table('b2', 1, 2), table('a2', 1, 2)], queued(2, 4, 2, 2, 3));
    // New 2: a2 N+5400, b2 N+2700, c4 N+7200 -> b2 at N+2700, five ahead.
    // start = floor((N+2700-405)/60)*60 = N+2280; end = ceil((N+2700+675)/60)*60 = N+3420.
    assert.deepEqual(estimateNewParty(f, 2), { partiesAhead: 5, seatAt: N + 2700, range: { start: N + 2280, end: N + 3420 } });
    // New 4: only c4 -> N+7200.
    assert.equal(estimateNewParty(f, 4)?.seatAt, N + 7200);
    assert.equal(estimateNewParty(f, 4)?.partiesAhead, 5);
  });

  test('parties no table fits count as ahead but hold no table', () => {
    // Only a2. Queue: 8 (fits nothing, the host seats them by hand), then 2 -> a2 at N, frees N+2700.
    const f = floor([table('a2', 1, 2)], queued(8, 2));
    assert.deepEqual(estimateNewParty(f, 2), { partiesAhead: 2, seatAt: N + 2700, range: { start: N + 2280, end: N + 3420 } });
    assert.equal(estimateNewParty(f, 8), null);
    assert.equal(estimateNewParty(floor([]), 1), null, 'no tables, no estimate');
  });
});

describe('estimateQueuedParty', () => {
  const f = floor([table('c4', 2, 4), table('b2', 1, 2), table('a2', 1, 2)], queued(2, 4, 2, 2, 3));

  test('parties ahead is the position in the queue; the seat time is the replayed one', () => {
    // Same replay as above: q1 N, q2 N, q3 N, q4 N+2700, q5 N+3600.
    const seen = ['q1', 'q2', 'q3', 'q4', 'q5'].map((id) => {
      const e = estimateQueuedParty(f, id);
      return [e?.partiesAhead, (e?.seatAt ?? 0) - N];
    });
    assert.deepEqual(seen, [
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 2700],
      [4, 3600],
    ]);
  });

  test('unknown ids and parties no table fits have no estimate', () => {
    assert.equal(estimateQueuedParty(f, 'nobody'), null);
    assert.equal(estimateQueuedParty(floor([table('a2', 1, 2)], queued(8, 2)), 'q1'), null);
    assert.equal(estimateQueuedParty(floor([table('a2', 1, 2)], queued(8, 2)), 'q2')?.partiesAhead, 1);
  });

  test('the estimate moves as the queue moves', () => {
    // Only a2: q1 N, q2 N+2700, q3 N+5400. Once q1 is seated (at N) q3 is one closer, same time.
    const before = floor([table('a2', 1, 2)], queued(2, 2, 2));
    assert.deepEqual([estimateQueuedParty(before, 'q3')?.partiesAhead, estimateQueuedParty(before, 'q3')?.seatAt], [2, N + 5400]);
    const seated = { ...before, queue: before.queue.slice(1), seated: [{ partySize: 2, tableId: 'a2', seatedAt: N }] };
    assert.deepEqual([estimateQueuedParty(seated, 'q3')?.partiesAhead, estimateQueuedParty(seated, 'q3')?.seatAt], [1, N + 5400]);
    // q2 leaves the queue: q3 is next, at N+2700.
    const left = { ...seated, queue: seated.queue.filter((p) => p.id !== 'q2') };
    assert.deepEqual([estimateQueuedParty(left, 'q3')?.partiesAhead, estimateQueuedParty(left, 'q3')?.seatAt], [0, N + 2700]);
  });
});

describe('seatTimeRange', () => {
  test('whole minutes, 15% earlier and 25% (at least five minutes) later', () => {
    // wait 1000: start = floor((N+1000-150)/60)*60 = N+840; end = ceil((N+1000+max(300,250))/60)*60 = ceil((N+1300)/60)*60 = N+1320.
    assert.deepEqual(seatTimeRange(N, N + 1000), { start: N + 840, end: N + 1320 });
    // wait 4000: start = floor((N+4000-600)/60)*60 = N+3360; end = ceil((N+4000+1000)/60)*60 = N+5040.
    assert.deepEqual(seatTimeRange(N, N + 4000), { start: N + 3360, end: N + 5040 });
  });

  test('never starts before now, even when now is mid-minute', () => {
    // now = N+10, seat now: start = max(N+10, floor((N+10)/60)*60 = N) = N+10; end = ceil((N+310)/60)*60 = N+360.
    assert.deepEqual(seatTimeRange(N + 10, N + 10), { start: N + 10, end: N + 360 });
  });
});

describe('properties', () => {
  const tableArb = fc
    .record({ minSeats: fc.integer({ min: 1, max: 4 }), extra: fc.integer({ min: 0, max: 6 }) })
    .map(({ minSeats, extra }) => ({ minSeats, seats: minSeats + extra }));
  const floorArb = fc
    .record({
      now: fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }),
      tables: fc.array(tableArb, { minLength: 0, maxLength: 6 }),
      seated: fc.array(
        fc.record({ partySize: fc.integer({ min: 1, max: 10 }), table: fc.option(fc.nat(), { nil: null }), ago: fc.integer({ min: 0, max: 4 * 3600 }) }),
        { maxLength: 6 },
      ),
      queue: fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 12 }),
      turnTimes: fc.option(
        fc.array(fc.record({ maxPartySize: fc.integer({ min: 1, max: 12 }), minutes: fc.integer({ min: 1, max: 180 }) }), { minLength: 1, maxLength: 4 }),
        { nil: null },
      ),
    })
    .map(
      (r): Floor => ({
        now: r.now,
        tables: r.tables.map((t, i) => ({ id: `t${i}`, ...t })),
        turnTimes: r.turnTimes ?? DEFAULT_TURN_TIMES,
        seated: r.seated.map((s) => ({
          partySize: s.partySize,
          tableId: s.table === null || r.tables.length === 0 ? null : `t${s.table % r.tables.length}`,
          seatedAt: r.now - s.ago,
        })),
        queue: r.queue.map((partySize, i) => ({ id: `q${i}`, partySize })),
      }),
    );
  const size = fc.integer({ min: 1, max: 12 });

  test('a new party is never seated before now, the window holds the seat time, and everyone queued is ahead', () => {
    fc.assert(
      fc.property(floorArb, size, (f, partySize) => {
        const e = estimateNewParty(f, partySize);
        const fitting = f.tables.some((t) => partySize >= t.minSeats && partySize <= t.seats);
        assert.equal(e !== null, fitting);
        if (e === null) return;
        assert.ok(e.seatAt >= f.now);
        assert.ok(e.range.start >= f.now);
        assert.ok(e.range.start <= e.seatAt && e.seatAt <= e.range.end);
        assert.ok(e.range.end - e.range.start >= 300);
        assert.equal(e.partiesAhead, f.queue.length);
      }),
    );
  });

  test('a party joining the queue never brings a later new party forward', () => {
    fc.assert(
      fc.property(floorArb, size, size, (f, joining, later) => {
        const before = estimateNewParty(f, later);
        const after = estimateNewParty({ ...f, queue: [...f.queue, { id: 'joined', partySize: joining }] }, later);
        assert.equal(after === null, before === null);
        if (before === null || after === null) return;
        assert.ok(after.seatAt >= before.seatAt, `seatAt went from ${before.seatAt} to ${after.seatAt}`);
        assert.equal(after.partiesAhead, before.partiesAhead + 1);
      }),
    );
  });

  test('queued parties are ahead by their position and never seated before now', () => {
    fc.assert(
      fc.property(floorArb, (f) => {
        f.queue.forEach((p, index) => {
          const e = estimateQueuedParty(f, p.id);
          if (e === null) return;
          assert.equal(e.partiesAhead, index);
          assert.ok(e.seatAt >= f.now && e.range.start >= f.now);
        });
      }),
    );
  });
  // The replay keeps table free times in an array by position; the reference below is the plain
  // replay it replaced (a Map by table id, each turn time looked up per party), written out here.
  function referenceReplay(f: Floor): { seatAt: Map<string, number>; newParty: (partySize: number) => number | null } {
    const best = (freeAt: Map<string, number>, partySize: number): TableSpec | null => {
      let found: TableSpec | null = null;
      for (const t of f.tables) {
        if (!(partySize >= t.minSeats && partySize <= t.seats)) continue;
        if (found === null) {
          found = t;
          continue;
        }
        const a = freeAt.get(t.id)!;
        const b = freeAt.get(found.id)!;
        if (a < b || (a === b && (t.seats < found.seats || (t.seats === found.seats && t.id < found.id)))) found = t;
      }
      return found;
    };
    const freeAt = new Map(f.tables.map((t) => [t.id, f.now]));
    const unassigned: SeatedParty[] = [];
    for (const p of f.seated) {
      const leaves = p.seatedAt + turnSeconds(f.turnTimes, p.partySize);
      if (leaves <= f.now) continue;
      if (p.tableId !== null && freeAt.has(p.tableId)) freeAt.set(p.tableId, Math.max(freeAt.get(p.tableId)!, leaves));
      else unassigned.push(p);
    }
    for (const p of unassigned) {
      const t = best(freeAt, p.partySize);
      if (t !== null) freeAt.set(t.id, Math.max(freeAt.get(t.id)!, p.seatedAt + turnSeconds(f.turnTimes, p.partySize)));
    }
    const seatAt = new Map<string, number>();
    for (const p of f.queue) {
      const t = best(freeAt, p.partySize);
      if (t === null) continue;
      const at = Math.max(f.now, freeAt.get(t.id)!);
      seatAt.set(p.id, at);
      freeAt.set(t.id, at + turnSeconds(f.turnTimes, p.partySize));
    }
    const newParty = (partySize: number): number | null => {
      const t = best(freeAt, partySize);
      return t === null ? null : Math.max(f.now, freeAt.get(t.id)!);
    };
    return { seatAt, newParty };
  }

  test('the replay seats every party and every new party as the plain replay by table id does', () => {
    // Longer queues than above, and ties: tables of the same size, parties seated at unknown tables.
    const longFloor = fc
      .record({ f: floorArb, more: fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 60 }) })
      .map(({ f, more }): Floor => ({ ...f, queue: [...f.queue, ...more.map((partySize, i) => ({ id: `m${i}`, partySize }))] }));
    fc.assert(
      fc.property(longFloor, fc.array(size, { minLength: 1, maxLength: 4 }), (f, sizes) => {
        const reference = referenceReplay(f);
        const queue = estimateQueue(f);
        assert.deepEqual([...queue.keys()], [...reference.seatAt.keys()]);
        f.queue.forEach((p, index) => {
          const at = reference.seatAt.get(p.id);
          if (at === undefined) return;
          assert.deepEqual(queue.get(p.id), { partiesAhead: index, seatAt: at, range: seatTimeRange(f.now, at) });
        });
        const fresh = estimateNewParties(f, sizes);
        sizes.forEach((partySize, k) => {
          const expected = reference.newParty(partySize);
          assert.deepEqual(fresh[k], expected === null ? null : { partiesAhead: f.queue.length, seatAt: expected, range: seatTimeRange(f.now, expected) });
        });
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});

describe('EstimateMemo', () => {
  const tables = [table('t2', 1, 2), table('t4', 2, 4)];
  const seated: SeatedParty[] = [
    { partySize: 2, tableId: 't2', seatedAt: N - 20 * MIN },
    { partySize: 4, tableId: 't4', seatedAt: N - 50 * MIN },
  ];

  test('gives the same answer again while the floor is the same, item by item', () => {
    const memo = new EstimateMemo();
    const first = floor(tables, queued(2, 4), seated);
    const once = memo.estimateNewParties('m/s', first, [2, 4]);
    assert.deepEqual(once, estimateNewParties(first, [2, 4]));
    // A new floor object holding the same parties (the live floor kept in memory hands out the same ones).
    const again = memo.estimateNewParties('m/s', { ...first, queue: [...first.queue], seated: [...first.seated] }, [2, 4]);
    assert.equal(again, once, 'reused');
  });

  test('computes again when anything in the floor or the sizes changed, and keeps keys apart', () => {
    const memo = new EstimateMemo();
    const base = floor(tables, queued(2, 4), seated);
    const once = memo.estimateNewParties('m/s', base, [2, 4]);
    const changed: [string, Floor, number[]][] = [
      ['a second later', { ...base, now: N + 1 }, [2, 4]],
      ['one more party queued', { ...base, queue: [...base.queue, { id: 'q3', partySize: 2 }] }, [2, 4]],
      ['a party left its table', { ...base, seated: base.seated.slice(1) }, [2, 4]],
      ['other tables', { ...base, tables: [...tables] }, [2, 4]],
      ['other sizes', base, [2]],
    ];
    for (const [what, f, sizes] of changed) {
      const got = memo.estimateNewParties('m/s', f, sizes);
      assert.notEqual(got, once, what);
      assert.deepEqual(got, estimateNewParties(f, sizes), what);
      memo.estimateNewParties('m/s', base, [2, 4]);
    }
    // Another service with the same floor is computed for itself.
    assert.notEqual(memo.estimateNewParties('m/other', base, [2, 4]), memo.estimateNewParties('m/s', base, [2, 4]));
  });

  test("the queue's estimates: reused for the same floor, computed again for a changed one", () => {
    const memo = new EstimateMemo();
    const base = floor(tables, queued(2, 4, 2), seated);
    const once = memo.estimateQueue('m/s', base);
    assert.deepEqual(once, estimateQueue(base));
    assert.equal(memo.estimateQueue('m/s', { ...base, queue: [...base.queue] }), once, 'reused');
    const later = { ...base, now: N + 1 };
    const again = memo.estimateQueue('m/s', later);
    assert.notEqual(again, once);
    assert.deepEqual(again, estimateQueue(later));
    const shorter = { ...base, queue: base.queue.slice(1) };
    assert.deepEqual(memo.estimateQueue('m/s', shorter), estimateQueue(shorter));
  });

  test('any sequence of floors gets what estimateNewParties computes', () => {
    // A few queues, shared by the steps, so that some steps hit what an earlier one kept.
    const queues = [queued(), queued(2), queued(4, 2, 6)];
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), now: fc.integer({ min: 0, max: 2 }), queue: fc.integer({ min: 0, max: 2 }) }), {
          maxLength: 30,
        }),
        (steps) => {
          const memo = new EstimateMemo(2);
          for (const { key, now, queue } of steps) {
            const f = { ...floor(tables, queues[queue], seated), now: N + now };
            assert.deepEqual(memo.estimateNewParties(key, f, [2, 5]), estimateNewParties(f, [2, 5]));
          }
        },
      ),
      { seed: 17 },
    );
  });
});
