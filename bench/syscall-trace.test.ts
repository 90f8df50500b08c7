import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTraceSummary, renderSyscalls } from './syscall-trace.js';

// The shape `perf trace -s -o <file> -p <pid>` writes (perf 6.1): a block per thread.
const SUMMARY = `
 Summary of events:

 node (2923), 442661 events, 97.4%

   syscall            calls  errors  total       min       avg       max       stddev
                                     (msec)    (msec)    (msec)    (msec)        (%)
   --------------- --------  ------ -------- --------- --------- ---------     ------
   pwrite64          159820      0  2182.171     0.008     0.014    12.037      0.64%
   fsync                156      0   478.241     0.171     2.304     9.238      8.05%
   pread64            36255      0   412.757     0.008     0.013     4.043      0.98%
   writev              7736      0   126.103     0.011     0.017     0.216      0.85%


 node (2930), 1376 events, 0.3%

   syscall            calls  errors  total       min       avg       max       stddev
                                     (msec)    (msec)    (msec)    (msec)        (%)
   --------------- --------  ------ -------- --------- --------- ---------     ------
   fsync                 84      0   102.928     0.000     1.225   185.985     10.84%
   futex                620     79  9759.051     0.000    15.740   185.985     10.84%


 libuv-worker (2931), 1418 events, 0.3%

   syscall            calls  errors  total       min       avg       max       stddev
                                     (msec)    (msec)    (msec)    (msec)        (%)
   --------------- --------  ------ -------- --------- --------- ---------     ------
   fsync                 82      0    97.386     0.000     1.187   182.806     10.97%
`;

test("perf trace's summary is read thread by thread, with each call's count and total time", () => {
  const threads = parseTraceSummary(SUMMARY);
  assert.deepEqual(
    threads.map((t) => t.tid),
    [2923, 2930, 2931],
  );
  assert.deepEqual(threads[0]!.rows[0], { name: 'pwrite64', calls: 159820, totalMs: 2182.171 });
  assert.equal(threads[0]!.rows.length, 4);
  assert.deepEqual(threads[1]!.rows[1], { name: 'futex', calls: 620, totalMs: 9759.051 });
  assert.deepEqual(threads[2]!.rows, [{ name: 'fsync', calls: 82, totalMs: 97.386 }]);
  assert.deepEqual(parseTraceSummary('perf: no such process\n'), []);
});

test("a request's calls: the main thread's (the process id) apart, the other threads' added up by name", () => {
  const text = renderSyscalls('CreateWaitlistEntry', parseTraceSummary(SUMMARY), 2923, 7736, 3);
  const lines = text.split('\n');
  assert.equal(lines[0], 'syscalls: a request of CreateWaitlistEntry (7,736 requests), calls and microseconds in them (waiting included):');
  // 159820 + 156 + 36255 + 7736 calls, 3199.272 ms, over 7,736 requests.
  assert.equal(lines[1], '  main thread (the event loop; epoll_pwait is its idle time): 26.37 calls, 413.56 us');
  assert.equal(lines[2], '     20.66   282.08  pwrite64');
  assert.equal(lines[3], '      0.02    61.82  fsync');
  assert.equal(lines[4], '      4.69    53.36  pread64');
  assert.equal(lines.length, 8, text);
  assert.equal(lines[5], '  other threads (2): 0.10 calls, 1287.40 us');
  // The two threads' fsyncs are one row: 166 calls, 200.314 ms.
  assert.equal(lines[6], '      0.08  1261.51  futex');
  assert.equal(lines[7], '      0.02    25.89  fsync');
});
