// The last run of each daily feed kind, as the health screens show it (GET /admin/v1/feed-runs and
// .../merchants/{m}/feed-runs): when, outcome, counts, error. Written by `feeds run` (the daily run
// is that command in a child process), one row per kind per run.
import type { Store } from '../store/database.js';
import { FEED_KINDS } from './generate.js';
import { type FeedKindRun, lastKindRuns } from './repository.js';

export type { FeedKindRun } from './repository.js';

export class FeedRunsService {
  constructor(private readonly store: Store) {}

  /** The latest run of each kind (merchants, services, availability) that has run at all. */
  last(): Promise<FeedKindRun[]> {
    return lastKindRuns(this.store.db, FEED_KINDS);
  }
}
