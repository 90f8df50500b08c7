// The one source of "now". Services take a Clock so that tests can move time (DST, expiry) by hand.
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export function nowSeconds(clock: Clock): number {
  return Math.floor(clock.nowMs() / 1000);
}

/**
 * The first whole second at least `seconds` from now: a retry's `available_at`. A row is due once
 * nowSeconds reaches it, so `nowSeconds(clock) + seconds` would let a retry of one second run a few
 * milliseconds after its failure, when that failure came at the end of a second.
 */
export function secondsFromNow(clock: Clock, seconds: number): number {
  return Math.ceil(clock.nowMs() / 1000) + seconds;
}

/** A clock that only moves when told to; for tests. */
export class ManualClock implements Clock {
  constructor(private ms: number) {}
  nowMs(): number {
    return this.ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
  advanceSeconds(seconds: number): void {
    this.ms += seconds * 1000;
  }
}
