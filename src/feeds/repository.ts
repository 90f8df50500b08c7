// The record of scheduled daily feed runs: one row per UTC date, claimed by the replica that runs
// it (the claim itself is the store's, shared with the retention run).
import type { Db } from '../store/database.js';
import { claimDailyRun, findDailyRun, finishDailyRun, type DailyRunRecord } from '../store/daily-runs.js';

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

export type FeedRunRecord = DailyRunRecord;

export function findRun(db: Db, runDate: string): Promise<FeedRunRecord | null> {
  return findDailyRun(db, 'feed_runs', runDate);
}
