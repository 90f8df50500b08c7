// `npm run bench -- --syscalls`: the system calls a request costs the server, thread by thread,
// from Linux `perf trace -s`, during each method's first measured run. --perf shows CPU time; a
// thread that waits in a system call (an fsync on the event loop, a read of a page SQLite does not
// have in its cache) uses none, so the wait only shows as a main thread that is not on a core all
// the time. Here each call is counted and timed, on the main thread (the event loop) apart from
// the others (libuv's thread pool, where the WAL's fsync runs; the checkpoint worker).
import { readFileSync } from 'node:fs';
import { PerfSession } from './perf-profile.js';

export interface SyscallRow {
  readonly name: string;
  readonly calls: number;
  /** Time from entering the call to leaving it, waiting included. */
  readonly totalMs: number;
}

export interface ThreadSyscalls {
  readonly tid: number;
  readonly rows: readonly SyscallRow[];
}

const THREAD = /^\s*\S.* \((\d+)\), \d+ events/;
const ROW = /^\s+([a-z_0-9]+)\s+(\d+)\s+\d+\s+([\d.]+)\s/;

/**
 * Reads the summary `perf trace -s` writes: a header line per thread ("node (1234), 5678 events,
 * 97.4%"), then a table with a row per system call (name, calls, errors, total msec, ...).
 */
export function parseTraceSummary(text: string): ThreadSyscalls[] {
  const threads: { tid: number; rows: SyscallRow[] }[] = [];
  for (const line of text.split('\n')) {
    const thread = THREAD.exec(line);
    if (thread !== null) {
      threads.push({ tid: Number(thread[1]), rows: [] });
      continue;
    }
    const row = ROW.exec(line);
    if (row !== null && threads.length > 0) threads[threads.length - 1]!.rows.push({ name: row[1]!, calls: Number(row[2]), totalMs: Number(row[3]) });
  }
  return threads;
}

/** The calls of several threads added up by name, most time first. */
function merged(threads: readonly ThreadSyscalls[]): SyscallRow[] {
  const byName = new Map<string, { calls: number; totalMs: number }>();
  for (const thread of threads) {
    for (const row of thread.rows) {
      const sum = byName.get(row.name) ?? { calls: 0, totalMs: 0 };
      sum.calls += row.calls;
      sum.totalMs += row.totalMs;
      byName.set(row.name, sum);
    }
  }
  return [...byName].map(([name, s]) => ({ name, ...s })).sort((a, b) => b.totalMs - a.totalMs || b.calls - a.calls);
}

const perRequest = (value: number, requests: number): string => (requests > 0 ? value / requests : 0).toFixed(2).padStart(8);

/**
 * The system calls of a method a request: the main thread's (the thread whose id is the process's)
 * and the other threads' together, each call's count and time in microseconds, most time first.
 */
export function renderSyscalls(label: string, threads: readonly ThreadSyscalls[], pid: number, requests: number, top = 8): string {
  const main = threads.filter((t) => t.tid === pid);
  const others = threads.filter((t) => t.tid !== pid);
  const lines = [`syscalls: a request of ${label} (${requests.toLocaleString('en-US')} requests), calls and microseconds in them (waiting included):`];
  const section = (name: string, rows: SyscallRow[]): void => {
    const calls = rows.reduce((n, r) => n + r.calls, 0);
    const us = rows.reduce((n, r) => n + r.totalMs * 1000, 0);
    lines.push(`  ${name}: ${perRequest(calls, requests).trim()} calls, ${perRequest(us, requests).trim()} us`);
    for (const row of rows.slice(0, top)) lines.push(`  ${perRequest(row.calls, requests)} ${perRequest(row.totalMs * 1000, requests)}  ${row.name}`);
  };
  section('main thread (the event loop; epoll_pwait is its idle time)', merged(main));
  section(`other threads (${others.length})`, merged(others));
  return lines.join('\n');
}

/** A `perf trace -s` of one process, from construction to stop(); stop() gives its summary by thread. */
export class SyscallTrace {
  readonly #session: PerfSession;

  constructor(pid: number) {
    this.#session = new PerfSession((file) => ['trace', '-s', '-o', file, '-p', String(pid)]);
  }

  /** Ends the trace and reads its summary. */
  stop(): Promise<ThreadSyscalls[]> {
    return this.#session.stop((file) => parseTraceSummary(readFileSync(file, 'utf8')));
  }
}
