// What the bench driver asks the load generator (a separate process) to do, and what it reports.
// Both sides are plain JSON: the load generator builds the request bodies itself.
import type { ServerCpu } from './server-cpu.js';

export interface WaitlistTarget {
  readonly merchantId: string;
  readonly serviceId: string;
}

export interface SlotTarget {
  readonly startSec: number;
  readonly durationSec: number;
}

export type RequestPlan =
  /** The same request(s) over and over; several bodies are sent in turn. */
  | { readonly kind: 'fixed'; readonly path: string; readonly bodies: readonly string[] }
  /** CreateWaitlistEntry with a unique token and user per request, across the targets in turn. */
  | { readonly kind: 'create-waitlist-entry'; readonly path: string; readonly runId: string; readonly targets: readonly WaitlistTarget[] }
  /** CreateBooking with a unique token and user per request, across the slots in turn. */
  | {
      readonly kind: 'create-booking';
      readonly path: string;
      readonly runId: string;
      readonly merchantId: string;
      readonly serviceId: string;
      readonly slots: readonly SlotTarget[];
    };

export interface LoadSpec {
  readonly url: string;
  readonly connections: number;
  /** Seconds to run; ignored when `amount` is set. */
  readonly durationSec: number;
  /** Exactly this many requests, then stop. */
  readonly amount?: number;
  readonly authorization?: string;
  readonly plan: RequestPlan;
  /**
   * Fixed plans only: build each body in autocannon's per-request callback, as write plans must,
   * instead of sending prepared requests. Only to show what that costs the load generator.
   */
  readonly perRequestBody?: boolean;
}

export interface LoadResult {
  readonly requests: number;
  readonly durationSec: number;
  readonly rps: number;
  /** Latency of 2xx responses, milliseconds. */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly non2xx: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  readonly timeouts: number;
  /** 200 responses carrying booking_failure or waitlist_business_logic_failure. */
  readonly businessFailures: number;
  /** Bookings returned CONFIRMED (CreateBooking plans only). */
  readonly confirmed: number;
  readonly statusCodes: Record<string, number>;
  /** The first few non-2xx or failure bodies, to tell what went wrong (not collected for fixed plans). */
  readonly samples: readonly string[];
  /** Load-generator processes that made the load together (their results summed; p50/p99/max are the worst of them). */
  readonly generators: number;
  /** The server's CPU time per request answered (bench/server-cpu.ts), added by the driver where /proc tells it. */
  readonly serverCpu?: ServerCpu;
}
