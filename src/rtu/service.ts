// What operators see and do with real-time updates: backlog, dead letters, replay.
import { nowSeconds, type Clock } from '../clock.js';
import type { Store } from '../store/database.js';
import * as outbox from './outbox.js';

export interface RtuStatus extends outbox.OutboxStats {
  readonly oldestPendingAgeSec: number | null;
}

export interface MerchantRtuStatus extends outbox.MerchantOutboxStats {
  readonly oldestPendingAgeSec: number | null;
}

/** "Delivered" counts the updates Google accepted in this window (delivered rows are kept 7 days). */
export const DELIVERED_WINDOW_SEC = 86_400;

export class RtuService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async status(): Promise<RtuStatus> {
    const s = await outbox.stats(this.store.db);
    return { ...s, oldestPendingAgeSec: s.oldestPendingCreatedAt === null ? null : Math.max(0, nowSeconds(this.clock) - s.oldestPendingCreatedAt) };
  }

  /** One merchant's updates to Google: waiting, delivered in the last 24 hours, dead letters, the latest unresolved failure. */
  async merchantStatus(merchantId: string): Promise<MerchantRtuStatus> {
    const now = nowSeconds(this.clock);
    const s = await outbox.merchantStats(this.store.db, merchantId, now - DELIVERED_WINDOW_SEC);
    return { ...s, oldestPendingAgeSec: s.oldestPendingCreatedAt === null ? null : Math.max(0, now - s.oldestPendingCreatedAt) };
  }

  deadLetters(limit = 200): Promise<outbox.DeadLetter[]> {
    return outbox.listDead(this.store.db, limit);
  }

  /** Queues dead letters again (all, or the given ids) once the cause is fixed. */
  replay(ids?: readonly number[]): Promise<number> {
    const now = nowSeconds(this.clock);
    return this.store.transaction((trx) => outbox.replayDead(trx, now, ids));
  }
}
