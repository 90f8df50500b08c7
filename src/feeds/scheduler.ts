// `serve`'s daily feed run: at a fixed UTC time, generate the feeds and upload them (in a child
// process, `booking-server feeds run`, so that the server keeps answering quickly; see feeds/cli.ts).
// With several replicas, each one that has FEEDS_DAILY_AT set tries to
// claim the day's run in the database (feed_runs, one row per UTC date): exactly one runs it. A
// replica that starts after the day's time and finds no run for the day runs it then (catch-up).
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { nowSeconds, type Clock } from '../clock.js';
import type { Store } from '../store/database.js';
import { claimRun, finishRun } from './repository.js';

const DAY_MS = 86_400_000;
/** A claim older than this whose run never finished is taken over by another replica. */
export const STALE_CLAIM_SEC = 6 * 3600;

export interface DailyTime {
  readonly hour: number;
  readonly minute: number;
}

/** The day's scheduled instant (UTC) of the day containing `ms`. */
export function scheduledOn(ms: number, at: DailyTime): number {
  const day = Math.floor(ms / DAY_MS) * DAY_MS;
  return day + (at.hour * 60 + at.minute) * 60_000;
}

/** The first scheduled instant strictly after `ms`. */
export function nextRunAt(ms: number, at: DailyTime): number {
  const today = scheduledOn(ms, at);
  return today > ms ? today : today + DAY_MS;
}

export const runDateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export interface SchedulerDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly at: DailyTime;
  /** Generates and uploads; returns a one-line outcome. */
  readonly run: (signal: AbortSignal) => Promise<string>;
  readonly logger: Logger;
  readonly replicaId?: string;
}

export class FeedScheduler {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<unknown> | null = null;
  private readonly abort = new AbortController();
  readonly replicaId: string;

  constructor(private readonly deps: SchedulerDeps) {
    this.replicaId = deps.replicaId ?? `${hostname()}:${process.pid}`;
  }

  /** Schedules the daily run; if today's time has passed and today has no run yet, runs it now. */
  start(): void {
    const now = this.deps.clock.nowMs();
    if (now >= scheduledOn(now, this.deps.at)) this.launch(runDateOf(now));
    this.arm();
  }

  private arm(): void {
    if (this.abort.signal.aborted) return;
    const now = this.deps.clock.nowMs();
    const next = nextRunAt(now, this.deps.at);
    this.timer = setTimeout(() => {
      this.launch(runDateOf(next));
      this.arm();
    }, next - now);
    this.timer.unref();
  }

  private launch(runDate: string): void {
    if (this.current !== null) {
      this.deps.logger.warn({ runDate }, 'daily feeds: the previous run is still going; skipping this one');
      return;
    }
    this.current = this.runOnce(runDate)
      .catch((error: unknown) => this.deps.logger.error({ err: error, runDate }, 'daily feeds: run failed'))
      .finally(() => {
        this.current = null;
      });
  }

  /** Runs the day's feeds if this replica claims them; 'ran', 'claimed elsewhere' or the failure. */
  async runOnce(runDate: string): Promise<'ran' | 'claimed elsewhere'> {
    const { store, clock, logger } = this.deps;
    if (!(await claimRun(store.db, runDate, this.replicaId, nowSeconds(clock), STALE_CLAIM_SEC))) {
      logger.info({ runDate }, 'daily feeds: another replica runs them today');
      return 'claimed elsewhere';
    }
    logger.info({ runDate, replica: this.replicaId }, 'daily feeds: generating and uploading');
    try {
      const outcome = await this.deps.run(this.abort.signal);
      await finishRun(store.db, runDate, this.replicaId, nowSeconds(clock), `ok: ${outcome}`);
      logger.info({ runDate, outcome }, 'daily feeds: done');
      return 'ran';
    } catch (error) {
      if (!this.abort.signal.aborted) {
        await finishRun(store.db, runDate, this.replicaId, nowSeconds(clock), `failed: ${(error as Error).message}`).catch(() => {});
      }
      throw error;
    }
  }

  /** Stops scheduling and aborts a run in progress (its claim stays open and goes stale). */
  async stop(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.abort.abort();
    await this.current;
  }
}
