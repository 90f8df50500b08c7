// The record of scheduled daily feed runs: one row per UTC date, claimed by the replica that runs it.
import type { Db } from '../store/database.js';

/**
 * Claims the run of `runDate` for `replica`: true if this replica should run it. A claim whose
 * run never finished (the replica died) may be taken over once it is older than `staleAfterSec`.
 */
export async function claimRun(db: Db, runDate: string, replica: string, now: number, staleAfterSec: number): Promise<boolean> {
  const inserted = await db
    .insertInto('feed_runs')
    .values({ run_date: runDate, claimed_by: replica, claimed_at: now, finished_at: null, outcome: null })
    .onConflict((oc) => oc.column('run_date').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return true;
  const taken = await db
    .updateTable('feed_runs')
    .set({ claimed_by: replica, claimed_at: now })
    .where('run_date', '=', runDate)
    .where('finished_at', 'is', null)
    .where('claimed_at', '<', now - staleAfterSec)
    .executeTakeFirst();
  return Number(taken.numUpdatedRows) === 1;
}

export async function finishRun(db: Db, runDate: string, replica: string, now: number, outcome: string): Promise<void> {
  await db
    .updateTable('feed_runs')
    .set({ finished_at: now, outcome: outcome.slice(0, 2000) })
    .where('run_date', '=', runDate)
    .where('claimed_by', '=', replica)
    .execute();
}

export interface FeedRunRecord {
  readonly runDate: string;
  readonly claimedBy: string;
  readonly finishedAt: number | null;
  readonly outcome: string | null;
}

export async function findRun(db: Db, runDate: string): Promise<FeedRunRecord | null> {
  const row = await db.selectFrom('feed_runs').selectAll().where('run_date', '=', runDate).executeTakeFirst();
  return row ? { runDate: row.run_date, claimedBy: row.claimed_by, finishedAt: row.finished_at === null ? null : Number(row.finished_at), outcome: row.outcome } : null;
}
