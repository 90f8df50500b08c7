// The per-slot lane: turns in arrival order, other slots unaffected, and a "full" reading refuses
// only the attempts that were already waiting when the reading began.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SlotGate, type LaneTurn } from './slot-gate.js';

/** A promise and the function that settles it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SlotGate', () => {
  test('attempts for one slot take turns in arrival order; other slots run at the same time', async () => {
    const gate = new SlotGate();
    const log: string[] = [];
    const first = deferred();
    const a = gate.run('slot-1', async () => {
      log.push('a start');
      await first.promise;
      log.push('a end');
    });
    const b = gate.run('slot-1', async () => void log.push('b'));
    const c = gate.run('slot-1', async () => void log.push('c'));
    const other = gate.run('slot-2', async () => void log.push('other'));
    await other;
    await tick();
    assert.deepEqual(log, ['a start', 'other']);
    first.resolve();
    await Promise.all([a, b, c]);
    assert.deepEqual(log, ['a start', 'other', 'a end', 'b', 'c']);
    assert.equal(gate.size, 0);
  });

  test('a full reading does not refuse attempts that arrived after it began', async () => {
    const gate = new SlotGate();
    const seen: Record<string, boolean> = {};
    const reading = deferred();
    let markFull!: () => void;
    const holder = gate.run('slot', async (turn) => {
      seen.holder = turn.seenFull;
      markFull = turn.markFull;
      await reading.promise;
    });
    await tick();
    // Arrived after the holder's turn began: its reading may predate them.
    const late = gate.run('slot', async (turn) => {
      seen.late = turn.seenFull;
    });
    markFull();
    reading.resolve();
    await Promise.all([holder, late]);
    assert.deepEqual(seen, { holder: false, late: false });

    assert.equal(gate.size, 0);
  });

  test('attempts that were waiting before the reading began see it', async () => {
    const gate = new SlotGate();
    const blocker = deferred();
    const seen: boolean[] = [];
    // The blocker holds the lane; the observer and two attempts queue behind it, in that order.
    const blocking = gate.run('slot', () => blocker.promise);
    const observer = gate.run('slot', async (turn: LaneTurn) => turn.markFull());
    const waiters = [1, 2].map(() => gate.run('slot', async (turn) => void seen.push(turn.seenFull)));
    blocker.resolve();
    await Promise.all([blocking, observer, ...waiters]);
    // The observer's turn began after both waiters had arrived, so its reading is within their lifetimes.
    assert.deepEqual(seen, [true, true]);
  });

  test('an attempt knows whether it waited behind others for its slot', async () => {
    const gate = new SlotGate();
    const holding = deferred();
    const waited: Record<string, boolean> = {};
    const first = gate.run('slot', async (turn) => {
      waited.first = turn.waited;
      await holding.promise;
    });
    const second = gate.run('slot', async (turn) => {
      waited.second = turn.waited;
    });
    const other = gate.run('other-slot', async (turn) => {
      waited.other = turn.waited;
    });
    holding.resolve();
    await Promise.all([first, second, other]);
    // The lane is empty again: the next attempt finds it so.
    waited.later = await gate.run('slot', async (turn) => turn.waited);
    assert.deepEqual(waited, { first: false, second: true, other: false, later: false });
  });

  test('a failed attempt releases the lane', async () => {
    const gate = new SlotGate();
    await assert.rejects(
      gate.run('slot', async () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(await gate.run('slot', async (turn) => turn.seenFull), false);
    assert.equal(gate.size, 0);
  });
});
