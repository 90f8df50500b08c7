import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { cpuPerRequest, parseStat, sampleCpu } from './server-cpu.js';

test('a /proc stat line: utime and stime, after a name holding spaces and parentheses', () => {
  const line = '4242 (node (a b) c) R 1 4242 4242 0 -1 4194304 2120 0 0 0 731 219 0 0 20 0 11 0 123456 1234567 8901';
  assert.deepEqual(parseStat(line), { user: 731, system: 219 });
  assert.throws(() => parseStat('not a stat line'), /not a \/proc stat line/);
});

test('per request: the process and its main thread, the kernel share, and the share of a core over the load', () => {
  const before = { atUs: 0, processUs: 1_000_000, mainUs: 800_000, mainSystemUs: 200_000 };
  const after = { atUs: 6_000_000, processUs: 4_000_000, mainUs: 3_300_000, mainSystemUs: 1_200_000 };
  // 2.5 s of the main thread over a 5 s load (the generators' start made the window 6 s).
  assert.deepEqual(cpuPerRequest(before, after, 50_000, 5), { processUsPerRequest: 60, mainUsPerRequest: 50, mainSystemShare: 0.4, mainCores: 0.5 });
  assert.equal(cpuPerRequest(null, after, 10, 5), null);
  assert.equal(cpuPerRequest(before, after, 0, 5), null);
});

test('a live process: its CPU time grows as it works; a process that is gone has no sample', { skip: !existsSync('/proc/self/stat') }, () => {
  const first = sampleCpu(process.pid);
  // (The process's and the thread's times are each split into user and system time by the kernel
  // on its own, so at a tick's resolution the thread's may read above the process's.)
  assert.ok(first !== null && first.processUs > 0 && first.mainUs >= first.mainSystemUs);
  let now = first;
  let spins = 0;
  // Work until the kernel has counted more time (a tick is 10 ms) to this thread and to the process.
  while ((now.mainUs <= first.mainUs || now.processUs <= first.processUs) && spins < 1_000_000_000) {
    spins += 1;
    if (spins % 100_000 === 0) now = sampleCpu(process.pid) ?? now;
  }
  assert.ok(now.mainUs > first.mainUs, 'the main thread was counted more CPU time');
  assert.ok(now.processUs > first.processUs);
  assert.equal(sampleCpu(2 ** 30), null);
  assert.equal(sampleCpu(undefined), null);
});
