// The outbox workers' polling loop (PollLoop in outbox-queue.ts): passes one after the other,
// a failed pass reported and the loop going on, stop waiting for the pass in progress.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PollLoop } from './outbox-queue.js';
import { until } from '../test-support/poll.js';

test('passes never overlap, a failure is reported and the loop goes on, stop waits for the pass in progress', async () => {
  let passes = 0;
  let inPass = 0;
  let overlapped = false;
  let release: (() => void) | null = null;
  const errors: unknown[] = [];
  const loop = new PollLoop(
    async () => {
      passes += 1;
      inPass += 1;
      if (inPass > 1) overlapped = true;
      try {
        if (passes === 2) throw new Error('pass 2 failed');
        if (passes === 4) await new Promise<void>((r) => (release = r));
      } finally {
        inPass -= 1;
      }
    },
    1,
    (error) => errors.push(error),
  );
  assert.equal(loop.stopped, true);
  loop.start();
  loop.start(); // a second start is a no-op
  assert.equal(loop.stopped, false);
  await until(() => release !== null, 'the fourth pass', 30_000);
  assert.deepEqual(
    errors.map((e) => (e as Error).message),
    ['pass 2 failed'],
  );
  let stopped = false;
  const stopping = loop.stop().then(() => {
    stopped = true;
  });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(stopped, false, 'stop waits for the pass in progress');
  assert.equal(loop.stopped, true, 'the pass sees the loop stopping');
  release!();
  await stopping;
  const after = passes;
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(passes, after, 'no pass after stop');
  assert.equal(overlapped, false);
});
