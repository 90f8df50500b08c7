// What the waitlist tells the layers above it (guest messages) about its changes, inside the
// transaction of the change: whatever the listener writes (an outbox row) commits or rolls back
// with it. The waitlist does not know who listens; src/app.ts wires the implementation in.
import type { Actor } from '../merchants/actor.js';
import type { Merchant } from '../merchants/model.js';
import type { Tx } from '../store/database.js';
import type { Estimate } from './estimator.js';
import type { WaitlistEntry } from './model.js';
import type { WaitlistAction, WaitlistState } from './state-machine.js';

/**
 * Who caused a change: one who acts (merchants/actor.ts: the merchant at the host stand, Google's
 * DeleteWaitlistEntry), the guest themself (the status page, a text) or the grace timer.
 */
export type ChangeCause = Actor | 'guest' | 'grace_timer';

export interface JoinEvent {
  readonly entry: WaitlistEntry;
  readonly merchant: Merchant;
  /** The estimate quoted at the join; null when the party is not in the queue yet. */
  readonly estimate: Estimate | null;
  /** 1 for the first in line. */
  readonly position: number;
  /** Google's `user_information.language_code` (BCP-47) when it sent one. */
  readonly languageCode: string | null;
}

export interface TransitionEvent {
  readonly entry: WaitlistEntry;
  readonly merchant: Merchant;
  readonly previous: WaitlistState;
  readonly action: WaitlistAction;
  readonly cause: ChangeCause;
  /** The service's live queue after the change, in order (read in the same transaction). */
  queue(): Promise<readonly WaitlistEntry[]>;
}

export interface WaitlistListener {
  joined(trx: Tx, event: JoinEvent): Promise<void>;
  changed(trx: Tx, event: TransitionEvent): Promise<void>;
}

/** The listener when nobody listens (tools that only read, tests of the waitlist alone). */
export const NO_LISTENER: WaitlistListener = {
  joined: async () => {},
  changed: async () => {},
};
