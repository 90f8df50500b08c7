// Daily jobs that exactly one replica runs per UTC date (the feeds upload, the retention run): a
// row per date, claimed by the replica that runs it, finished with a one-line outcome.
import type { Db } from './database.js';

export type DailyRunTable = 'feed_runs' | 'retention_runs';

/**
 * Claims the run of `runDate` for `replica`: true if this replica should run it. A claim whose
 * run never finished (the replica died) may be taken over once it is older than `staleAfterSec`.
 */
export async function claimDailyRun(db: Db, table: DailyRunTable, runDate: string, replica: string, now: number, staleAfterSec: number): Promise<boolean> {
  const inserted = await db
    .insertInto(table)
    .values({ run_date: runDate, claimed_by: replica, claimed_at: now, finished_at: null, outcome: null })
    .onConflict((oc) => oc.column('run_date').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return true;
  const taken = await db
    .updateTable(table)
    .set({ claimed_by: replica, claimed_at: now })
    .where('run_date', '=', runDate)
    .where('finished_at', 'is', null)
    .where('claimed_at', '<', now - staleAfterSec)
    .executeTakeFirst();
  return Number(taken.numUpdatedRows) === 1;
}

export async function finishDailyRun(db: Db, table: DailyRunTable, runDate: string, replica: string, now: number, outcome: string): Promise<void> {
  await db
    .updateTable(table)
    .set({ finished_at: now, outcome: outcome.slice(0, 2000) })
    .where('run_date', '=', runDate)
    .where('claimed_by', '=', replica)
    .execute();
}

export interface DailyRunHealth {
  /** finished_at of the latest run that ended well; null: none yet. */
  readonly lastSuccessAt: number | null;
  /** Whether the latest finished run failed. */
  readonly lastFailed: boolean;
}

/** For monitoring: the latest good run and whether the latest finished one failed. */
export async function dailyRunHealth(db: Db, table: DailyRunTable): Promise<DailyRunHealth> {
  const [good, latest] = await Promise.all([
    db.selectFrom(table).select('finished_at').where('outcome', 'like', 'ok%').orderBy('finished_at', 'desc').limit(1).executeTakeFirst(),
    db.selectFrom(table).select('outcome').where('finished_at', 'is not', null).orderBy('finished_at', 'desc').limit(1).executeTakeFirst(),
  ]);
  return {
    lastSuccessAt: good?.finished_at === null || good?.finished_at === undefined ? null : Number(good.finished_at),
    lastFailed: latest?.outcome?.startsWith('failed') ?? false,
  };
}
