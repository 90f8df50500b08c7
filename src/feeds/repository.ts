// The record of scheduled daily feed runs: one row per UTC date, claimed by the replica that runs
// it (the claim itself is the store's, shared with the retention run).
import type { Db } from '../store/database.js';
import { claimDailyRun, finishDailyRun } from '../store/daily-runs.js';

/**
 * Claims the run of `runDate` for `replica`: true if this replica should run it. A claim whose
 * run never finished (the replica died) may be taken over once it is older than `staleAfterSec`.
 */
export function claimRun(db: Db, runDate: string, replica: string, now: number, staleAfterSec: number): Promise<boolean> {
  return claimDailyRun(db, 'feed_runs', runDate, replica, now, staleAfterSec);
}

export function finishRun(db: Db, runDate: string, replica: string, now: number, outcome: string): Promise<void> {
  return finishDailyRun(db, 'feed_runs', runDate, replica, now, outcome);
}

/** The outcome of one feed kind in one run of `feeds run` (the daily run included). */
export interface FeedKindRun {
  readonly kind: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly outcome: 'ok' | 'failed';
  /** Null when generation did not get that far. */
  readonly records: number | null;
  readonly slots: number | null;
  readonly shards: number | null;
  readonly bytes: number | null;
  readonly uploadedFiles: number | null;
  readonly error: string | null;
}

export async function recordKindRuns(db: Db, runs: readonly FeedKindRun[]): Promise<void> {
  if (runs.length === 0) return;
  await db
    .insertInto('feed_kind_runs')
    .values(
      runs.map((r) => ({
        kind: r.kind,
        started_at: r.startedAt,
        finished_at: r.finishedAt,
        outcome: r.outcome,
        records: r.records,
        slots: r.slots,
        shards: r.shards,
        bytes: r.bytes,
        uploaded_files: r.uploadedFiles,
        error: r.error === null ? null : r.error.slice(0, 2000),
      })),
    )
    .execute();
}

const nullableNumber = (v: number | string | null): number | null => (v === null ? null : Number(v));

/** The latest run of each kind that has run. */
export async function lastKindRuns(db: Db, kinds: readonly string[]): Promise<FeedKindRun[]> {
  const out: FeedKindRun[] = [];
  for (const kind of kinds) {
    const r = await db.selectFrom('feed_kind_runs').selectAll().where('kind', '=', kind).orderBy('id', 'desc').limit(1).executeTakeFirst();
    if (r === undefined) continue;
    out.push({
      kind: r.kind,
      startedAt: Number(r.started_at),
      finishedAt: Number(r.finished_at),
      outcome: r.outcome,
      records: nullableNumber(r.records),
      slots: nullableNumber(r.slots),
      shards: nullableNumber(r.shards),
      bytes: nullableNumber(r.bytes),
      uploadedFiles: nullableNumber(r.uploaded_files),
      error: r.error,
    });
  }
  return out;
}
