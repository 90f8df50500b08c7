import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '../errors.js';
import {
  WAITLIST_ACTIONS,
  WAITLIST_STATES,
  allowedActions,
  isActive,
  isWaitlistAction,
  transition,
  type WaitlistAction,
  type WaitlistState,
} from './state-machine.js';

// The lifecycle written out by hand from Google's flowchart (spec 5.4, 6.2), independently of the
// table in state-machine.ts: [from, action, to, timestamp column].
const LEGAL: readonly [WaitlistState, WaitlistAction, WaitlistState, string][] = [
  ['PENDING_MERCHANT_CONFIRMATION', 'confirm', 'WAITING', 'confirmed_at'],
  ['PENDING_MERCHANT_CONFIRMATION', 'decline', 'DECLINED_BY_MERCHANT', 'declined_at'],
  ['PENDING_MERCHANT_CONFIRMATION', 'cancel', 'CANCELED', 'canceled_at'],
  ['WAITING', 'notify', 'SERVICE_READY', 'service_readied_at'],
  ['WAITING', 'check_in', 'CHECKED_IN', 'checked_in_at'],
  ['WAITING', 'seat', 'SEATED', 'seated_at'],
  ['WAITING', 'no_show', 'NO_SHOW', 'marked_no_show_at'],
  ['WAITING', 'cancel', 'CANCELED', 'canceled_at'],
  ['SERVICE_READY', 'check_in', 'CHECKED_IN', 'checked_in_at'],
  ['SERVICE_READY', 'seat', 'SEATED', 'seated_at'],
  ['SERVICE_READY', 'no_show', 'NO_SHOW', 'marked_no_show_at'],
  ['SERVICE_READY', 'cancel', 'CANCELED', 'canceled_at'],
  ['CHECKED_IN', 'seat', 'SEATED', 'seated_at'],
  ['CHECKED_IN', 'cancel', 'CANCELED', 'canceled_at'],
];

const legal = (state: WaitlistState, action: WaitlistAction) => LEGAL.find(([from, a]) => from === state && a === action);

describe('transition', () => {
  for (const state of WAITLIST_STATES) {
    for (const action of WAITLIST_ACTIONS) {
      const rule = legal(state, action);
      if (rule) {
        test(`${action} from ${state} moves to ${rule[2]} and stamps ${rule[3]}`, () => {
          const t = transition(state, action);
          assert.equal(t.to, rule[2]);
          assert.equal(t.stamp, rule[3]);
        });
      } else {
        test(`${action} from ${state} is refused`, () => {
          assert.throws(
            () => transition(state, action),
            (error: unknown) =>
              error instanceof DomainError &&
              error.code === 'ILLEGAL_TRANSITION' &&
              error.message.includes(state) &&
              error.message.includes(action.replace('_', '-')),
          );
        });
      }
    }
  }
});

describe('allowedActions and isActive', () => {
  test('allowedActions lists exactly the legal actions of each state', () => {
    for (const state of WAITLIST_STATES) {
      const expected = LEGAL.filter(([from]) => from === state).map(([, action]) => action);
      assert.deepEqual([...allowedActions(state)].sort(), [...expected].sort(), state);
    }
  });

  test('terminal states allow nothing and are not in the queue', () => {
    for (const state of ['SEATED', 'NO_SHOW', 'CANCELED', 'DECLINED_BY_MERCHANT'] as const) {
      assert.deepEqual(allowedActions(state), []);
      assert.equal(isActive(state), false);
    }
    for (const state of ['WAITING', 'PENDING_MERCHANT_CONFIRMATION', 'SERVICE_READY', 'CHECKED_IN'] as const) assert.equal(isActive(state), true);
  });

  test('isWaitlistAction accepts the seven actions only', () => {
    assert.deepEqual(WAITLIST_ACTIONS.filter(isWaitlistAction).length, 7);
    for (const name of ['check-in', 'delete', 'SEAT', '']) assert.equal(isWaitlistAction(name), false, name);
  });
});
