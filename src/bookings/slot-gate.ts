// One lane per slot query in this process: booking attempts for the same slot run one after the
// other, and once an attempt has seen the slot full, the attempts that were already waiting behind
// it are refused without touching the database.
//
// Attempts for one slot are serialised by the slot's lock in the database anyway, so the lane costs
// no throughput; what it saves is the queue on that lock. When a thousand bookers race for the last
// spots, each loser would otherwise hold a pooled connection and a transaction while it waits for
// the lock, only to find the slot full. Refusing a waiting attempt on another attempt's reading is
// sound because the reading began after the waiting attempt arrived: the slot was full at a moment
// inside the attempt's own lifetime, which is exactly what answering SLOT_UNAVAILABLE claims.
// The database lock remains what guarantees capacity (across replicas too); the lane only helps.

interface Lane {
  tail: Promise<void>;
  attempts: number;
  /** Sequence number at which the latest reading that found the slot full began; -1 if none. */
  fullSince: number;
}

export interface LaneTurn {
  /** Whether an attempt that began after this one arrived found the slot full. */
  readonly seenFull: boolean;
  /** Whether this attempt waited for others for the same slot (a rush), rather than finding its lane empty. */
  readonly waited: boolean;
  /** Records that this attempt found the slot full (by reads made during its turn). */
  markFull(): void;
}

export class SlotGate {
  readonly #lanes = new Map<string, Lane>();
  #sequence = 0;

  /** Runs `work` after the attempts for `key` that arrived before it have finished. */
  async run<T>(key: string, work: (turn: LaneTurn) => Promise<T>): Promise<T> {
    let lane = this.#lanes.get(key);
    if (lane === undefined) {
      lane = { tail: Promise.resolve(), attempts: 0, fullSince: -1 };
      this.#lanes.set(key, lane);
    }
    const arrived = ++this.#sequence;
    const previous = lane.tail;
    const waited = lane.attempts > 0;
    let release!: () => void;
    lane.tail = new Promise<void>((resolve) => (release = resolve));
    lane.attempts++;
    try {
      await previous;
      const began = ++this.#sequence;
      const current = lane;
      return await work({
        seenFull: lane.fullSince > arrived,
        waited,
        markFull: () => {
          current.fullSince = Math.max(current.fullSince, began);
        },
      });
    } finally {
      release();
      if (--lane.attempts === 0) this.#lanes.delete(key);
    }
  }

  /** Slots with attempts under way or waiting (for tests and metrics). */
  get size(): number {
    return this.#lanes.size;
  }
}
