// The waitlist entry lifecycle (Google's state flowchart) as data: which action moves which state,
// and which timestamp records it. Pure; the service applies it inside a transaction.
import { DomainError } from '../errors.js';

export const WAITLIST_STATES = [
  'WAITING',
  'PENDING_MERCHANT_CONFIRMATION',
  'SERVICE_READY',
  'CHECKED_IN',
  'SEATED',
  'NO_SHOW',
  'CANCELED',
  'DECLINED_BY_MERCHANT',
] as const;
export type WaitlistState = (typeof WAITLIST_STATES)[number];

/** States in which the party is still in the queue (not seated, not gone). */
export const ACTIVE_STATES: readonly WaitlistState[] = ['WAITING', 'PENDING_MERCHANT_CONFIRMATION', 'SERVICE_READY', 'CHECKED_IN'];

export const WAITLIST_ACTIONS = ['confirm', 'decline', 'notify', 'check_in', 'seat', 'no_show', 'cancel'] as const;
export type WaitlistAction = (typeof WAITLIST_ACTIONS)[number];

/** Column of the entry that records the moment an action happened. */
export type StateTimeColumn = 'confirmed_at' | 'declined_at' | 'service_readied_at' | 'checked_in_at' | 'seated_at' | 'marked_no_show_at' | 'canceled_at';

interface Transition {
  readonly from: readonly WaitlistState[];
  readonly to: WaitlistState;
  readonly stamp: StateTimeColumn;
}

const TRANSITIONS: Readonly<Record<WaitlistAction, Transition>> = {
  confirm: { from: ['PENDING_MERCHANT_CONFIRMATION'], to: 'WAITING', stamp: 'confirmed_at' },
  decline: { from: ['PENDING_MERCHANT_CONFIRMATION'], to: 'DECLINED_BY_MERCHANT', stamp: 'declined_at' },
  notify: { from: ['WAITING'], to: 'SERVICE_READY', stamp: 'service_readied_at' },
  // A guest may reach the host stand before being called.
  check_in: { from: ['WAITING', 'SERVICE_READY'], to: 'CHECKED_IN', stamp: 'checked_in_at' },
  seat: { from: ['WAITING', 'SERVICE_READY', 'CHECKED_IN'], to: 'SEATED', stamp: 'seated_at' },
  // A checked-in guest is at the restaurant, so cannot be a no-show.
  no_show: { from: ['WAITING', 'SERVICE_READY'], to: 'NO_SHOW', stamp: 'marked_no_show_at' },
  cancel: { from: ['WAITING', 'PENDING_MERCHANT_CONFIRMATION', 'SERVICE_READY', 'CHECKED_IN'], to: 'CANCELED', stamp: 'canceled_at' },
};

export function isActive(state: string): boolean {
  return (ACTIVE_STATES as readonly string[]).includes(state);
}

export function isWaitlistAction(value: string): value is WaitlistAction {
  return (WAITLIST_ACTIONS as readonly string[]).includes(value);
}

/** The transition for `action` from `current`, or a DomainError naming both when it is not allowed. */
export function transition(current: WaitlistState, action: WaitlistAction): Transition {
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(current)) {
    throw new DomainError('ILLEGAL_TRANSITION', `cannot ${action.replace('_', '-')} an entry that is ${current}; allowed from ${rule.from.join(', ')}`);
  }
  return rule;
}

/** Every legal (state, action) pair; used by tests and the admin docs. */
export function allowedActions(state: WaitlistState): WaitlistAction[] {
  return WAITLIST_ACTIONS.filter((action) => TRANSITIONS[action].from.includes(state));
}
