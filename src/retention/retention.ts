// Retention of guests' personal data: once a day (one replica per UTC date, claimed in the store),
// entries and bookings older than RETENTION_DAYS are anonymised in place, in batches (counts,
// states and times stay for wait-estimate learning and reports), and the idempotency ledger's
// older answers, which can hold a guest's details, are deleted. Only counts are logged.
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { nowSeconds, type Clock } from '../clock.js';
import { claimDailyRun, finishDailyRun } from '../store/daily-runs.js';
import type { Store } from '../store/database.js';
import { deleteRecordsBefore } from '../store/idempotency.js';

/** Google may poll a waitlist entry for up to 30 days: personal data is kept at least that long. */
export const MIN_RETENTION_DAYS = 30;
const BATCH = 500;
const DAY_SEC = 86_400;
/** How often a replica checks whether today's run is still to do. */
const CHECK_EVERY_MS = 3_600_000;
/** A claim older than this whose run never finished is taken over by another replica. */
const STALE_CLAIM_SEC = 6 * 3600;

/** One kind of personal data the daily run clears (waitlist entries, bookings, guest messages...). */
export interface RetentionTarget {
  readonly name: string;
  /** Anonymises (or deletes) what is older than `cutoff` (epoch seconds), in batches; how many rows. */
  anonymiseBefore(cutoff: number): Promise<number>;
}

export interface RetentionReport {
  readonly cutoff: number;
  readonly counts: Readonly<Record<string, number>>;
}

export interface RetentionDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly days: number;
  readonly targets: readonly RetentionTarget[];
  readonly logger: Logger;
  readonly replicaId?: string;
}

/** The ledger's answers older than the cutoff; a target like the capabilities' own. */
export function idempotencyTarget(store: Store): RetentionTarget {
  return {
    name: 'idempotency_records',
    anonymiseBefore: async (cutoff) => {
      let total = 0;
      for (;;) {
        const n = await store.transaction((trx) => deleteRecordsBefore(trx, cutoff, BATCH));
        if (n === 0) return total;
        total += n;
      }
    },
  };
}

export class Retention {
  readonly replicaId: string;
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<unknown> | null = null;
  private stopped = false;

  constructor(private readonly deps: RetentionDeps) {
    if (deps.days < MIN_RETENTION_DAYS) throw new Error(`retention must be at least ${MIN_RETENTION_DAYS} days`);
    this.replicaId = deps.replicaId ?? `${hostname()}:${process.pid}`;
  }

  /** The instant before which personal data goes. */
  cutoff(): number {
    return nowSeconds(this.deps.clock) - this.deps.days * DAY_SEC;
  }

  /** Runs every target now (idempotent; safe beside another replica's run). */
  async runNow(): Promise<RetentionReport> {
    const cutoff = this.cutoff();
    const counts: Record<string, number> = {};
    for (const target of this.deps.targets) counts[target.name] = await target.anonymiseBefore(cutoff);
    return { cutoff, counts };
  }

  /** Today's run if this replica claims it: the report, or null when another replica has it. */
  async runDaily(runDate: string): Promise<RetentionReport | null> {
    const { store, clock, logger } = this.deps;
    if (!(await claimDailyRun(store.db, 'retention_runs', runDate, this.replicaId, nowSeconds(clock), STALE_CLAIM_SEC))) return null;
    try {
      const report = await this.runNow();
      const summary = Object.entries(report.counts)
        .map(([name, n]) => `${name} ${n}`)
        .join(', ');
      await finishDailyRun(store.db, 'retention_runs', runDate, this.replicaId, nowSeconds(clock), `ok: ${summary}`);
      // Counts only: never the data removed.
      logger.info({ runDate, cutoff: report.cutoff, ...report.counts }, 'retention: personal data older than the retention period anonymised');
      return report;
    } catch (error) {
      await finishDailyRun(store.db, 'retention_runs', runDate, this.replicaId, nowSeconds(clock), `failed: ${(error as Error).message}`).catch(() => {});
      throw error;
    }
  }

  /** Checks now and then every hour whether today's run is still to do. */
  start(): void {
    const tick = (): void => {
      if (this.stopped || this.current !== null) return;
      const runDate = new Date(this.deps.clock.nowMs()).toISOString().slice(0, 10);
      this.current = this.runDaily(runDate)
        .catch((error: unknown) => this.deps.logger.error({ err: error, runDate }, 'retention: run failed'))
        .finally(() => {
          this.current = null;
        });
    };
    tick();
    this.timer = setInterval(tick, CHECK_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    await this.current;
  }
}
