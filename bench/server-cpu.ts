// The CPU time a server's process spent on a load, from /proc (Linux): user and system time of
// the whole process (every thread: the event loop, libuv's pool, V8's helpers, worker threads)
// and of its main thread (the event loop) alone, divided by the requests it answered. Unlike a
// share of a CPU profile or a rate in requests a second, this does not depend on how fast the
// load generators were or on what else shared the cores: it is what one request cost the server.
// (The V8 profile's "(idle)" is not time the event loop had free: native work between the poll
// and JavaScript, such as reading the socket and parsing HTTP, is counted there too; on this
// machine the main thread was on a core the whole time while its profile showed 45% "(idle)".)
import { readFileSync } from 'node:fs';
import { monotonicUs } from './profile.js';

/** /proc reports times in clock ticks of USER_HZ, which is 100 on Linux on every architecture. */
const US_PER_TICK = 10_000;

export interface CpuSample {
  /** Monotonic time of the sample, microseconds. */
  readonly atUs: number;
  /** User and system time of the whole process, microseconds. */
  readonly processUs: number;
  /** User and system time of its main thread (the event loop), microseconds. */
  readonly mainUs: number;
  /** System time of the main thread, microseconds. */
  readonly mainSystemUs: number;
}

export interface ServerCpu {
  /** CPU microseconds of the whole process per request answered. */
  readonly processUsPerRequest: number;
  /** CPU microseconds of the main thread per request answered. */
  readonly mainUsPerRequest: number;
  /** The main thread's share in the kernel (system time), 0 to 1. */
  readonly mainSystemShare: number;
  /** How much of one core the main thread used while the load ran (its CPU time over the load's duration). */
  readonly mainCores: number;
}

/** utime and stime (fields 14 and 15) of a /proc stat line; the name before them may hold spaces. */
export function parseStat(line: string): { readonly user: number; readonly system: number } {
  const fields = line.slice(line.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  if (!Number.isFinite(user) || !Number.isFinite(system)) throw new Error(`not a /proc stat line: ${line.slice(0, 80)}`);
  return { user, system };
}

/** A sample of `pid`'s CPU times, or null where /proc cannot tell (not Linux, the process gone). */
export function sampleCpu(pid: number | undefined): CpuSample | null {
  if (pid === undefined) return null;
  try {
    const main = parseStat(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'));
    const whole = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return {
      atUs: monotonicUs(),
      processUs: (whole.user + whole.system) * US_PER_TICK,
      mainUs: (main.user + main.system) * US_PER_TICK,
      mainSystemUs: main.system * US_PER_TICK,
    };
  } catch {
    return null;
  }
}

/**
 * What the server spent between two samples on `requests` requests that took `durationSec`;
 * null without both samples or requests. The samples are taken around the load generators'
 * whole run (their start included, when the server is idle), so per request the figure is exact,
 * and its share of a core is taken over the load's own duration.
 */
export function cpuPerRequest(before: CpuSample | null, after: CpuSample | null, requests: number, durationSec: number): ServerCpu | null {
  if (before === null || after === null || requests <= 0) return null;
  const mainUs = after.mainUs - before.mainUs;
  const wallUs = Math.min(after.atUs - before.atUs, durationSec * 1e6);
  return {
    processUsPerRequest: (after.processUs - before.processUs) / requests,
    mainUsPerRequest: mainUs / requests,
    mainSystemShare: mainUs > 0 ? (after.mainSystemUs - before.mainSystemUs) / mainUs : 0,
    mainCores: wallUs > 0 ? mainUs / wallUs : 0,
  };
}
