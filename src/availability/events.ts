// What availability tells the layers above it, inside the transaction of the change. src/app.ts wires
// the implementation in (the real-time update outbox), so availability never imports them.
import type { Tx } from '../store/database.js';

/** Slots of a service starting in [fromSec, toSec) whose open spots may have changed. */
export interface AvailabilityChange {
  readonly merchantId: string;
  readonly serviceId: string;
  readonly fromSec: number;
  readonly toSec: number;
}

export interface AvailabilityListener {
  /** Called with the open transaction, so what it writes commits or rolls back with the change. */
  availabilityChanged(trx: Tx, change: AvailabilityChange, now: number): Promise<void>;
}
