import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Actor } from '../merchants/actor.js';
import { DEFAULT_WAITLIST_RULES } from '../merchants/service.js';
import type { Estimate } from './estimator.js';
import { canServe, joinFailure, offer, phoneCountryAllowed, type Situation } from './rules.js';
import type { WaitlistRules } from '../merchants/rules.js';

const NOW = 1_800_000_000;
const US_PHONE = '+1 212-736-5000'; // New York
const CA_PHONE = '+1 416-979-1234'; // Toronto: same +1 calling code, another country

function situation(rules: Partial<WaitlistRules> = {}, s: Partial<Omit<Situation, 'rules'>> = {}): Situation {
  return {
    now: NOW,
    merchantOpen: true,
    queueLength: 2,
    largestTable: 6,
    ...s,
    rules: { ...DEFAULT_WAITLIST_RULES, minPartySize: 1, maxPartySize: 8, ...rules },
  };
}

const wait = (minutes: number, partiesAhead = 2): Estimate => ({
  partiesAhead,
  seatAt: NOW + minutes * 60,
  range: { start: NOW + minutes * 60, end: NOW + minutes * 60 + 300 },
});

describe('offer (BatchGetWaitEstimates)', () => {
  const estimates = new Map([
    [2, wait(20)],
    [4, wait(40)],
    [6, wait(90)],
  ]);

  test('OPEN offers every servable size', () => {
    const { status, offered } = offer(situation(), estimates);
    assert.equal(status, 'OPEN');
    assert.deepEqual([...offered.keys()], [2, 4, 6]);
    assert.equal(offered.get(4), estimates.get(4));
  });

  test('sizes outside the party limits or the quoted wait are left out', () => {
    assert.deepEqual([...offer(situation({ minPartySize: 3 }), estimates).offered.keys()], [4, 6]);
    assert.deepEqual([...offer(situation({ maxPartySize: 5 }), estimates).offered.keys()], [2, 4]);
    assert.deepEqual([...offer(situation({}, { largestTable: 4 }), estimates).offered.keys()], [2, 4]);
    // 60 minutes quoted at most: 90 is too long, 40 is fine.
    assert.deepEqual([...offer(situation({ maxQuotedWaitMinutes: 60 }), estimates).offered.keys()], [2, 4]);
  });

  for (const [why, s] of [
    ['the waitlist is disabled', situation({ enabled: false })],
    ['the waitlist is paused', situation({ paused: true })],
    ['the merchant is closed', situation({}, { merchantOpen: false })],
    ['the queue is full', situation({ maxQueueLength: 2 }, { queueLength: 2 })],
  ] as const) {
    test(`CLOSED_OTHER with no estimates when ${why}`, () => {
      const { status, offered } = offer(s, estimates);
      assert.equal(status, 'CLOSED_OTHER');
      assert.equal(offered.size, 0);
    });
  }

  test('CLOSED_NO_WAIT only when walk-ins are wanted, nobody waits and every size is seated now', () => {
    const now = new Map([
      [2, wait(0, 0)],
      [4, wait(0, 0)],
    ]);
    const empty = { queueLength: 0 };
    assert.deepEqual(offer(situation({ walkInWhenNoWait: true }, empty), now), { status: 'CLOSED_NO_WAIT', offered: new Map() });
    assert.equal(offer(situation({ walkInWhenNoWait: false }, empty), now).status, 'OPEN');
    assert.equal(offer(situation({ walkInWhenNoWait: true }, { queueLength: 1 }), now).status, 'OPEN');
    const mixed = new Map([...now, [6, wait(30, 0)]]);
    assert.equal(offer(situation({ walkInWhenNoWait: true }, empty), mixed).status, 'OPEN');
  });

  test('canServe follows min, max and the largest table', () => {
    const s = situation({ minPartySize: 2, maxPartySize: 8 }, { largestTable: 6 });
    assert.deepEqual(
      [1, 2, 6, 7, 8].map((size) => canServe(s, size)),
      [false, true, true, false, false],
    );
  });
});

describe('joinFailure (CreateWaitlistEntry)', () => {
  const cause = (s: Situation, size = 2, phone: string | null = US_PHONE, estimate: Estimate | null = wait(20), by?: Actor) =>
    joinFailure(s, size, phone, estimate, by)?.cause ?? null;

  test('a party that may join gets no failure', () => {
    assert.equal(cause(situation()), null);
  });

  test('each cause', () => {
    assert.equal(cause(situation({ enabled: false })), 'WAITLIST_CLOSED');
    assert.equal(cause(situation({ paused: true })), 'WAITLIST_CLOSED');
    assert.equal(cause(situation({ minPartySize: 3 })), 'BELOW_MIN_PARTY_SIZE');
    assert.equal(cause(situation({ maxPartySize: 4 }), 5), 'ABOVE_MAX_PARTY_SIZE');
    assert.equal(cause(situation({}, { largestTable: 4 }), 5), 'ABOVE_MAX_PARTY_SIZE');
    assert.equal(cause(situation(), 3, US_PHONE, null), 'ABOVE_MAX_PARTY_SIZE', 'no table fits this size');
    assert.equal(cause(situation({}, { merchantOpen: false })), 'MERCHANT_CLOSED');
    assert.equal(cause(situation({ maxQueueLength: 2 }, { queueLength: 2 })), 'WAITLIST_FULL');
    assert.equal(cause(situation({ maxQueueLength: 0 }, { queueLength: 0 })), 'WAITLIST_FULL');
    assert.equal(cause(situation({ maxQuotedWaitMinutes: 10 })), 'WAITLIST_FULL', 'the wait is longer than the merchant quotes');
    assert.equal(cause(situation({ allowedPhoneCountries: ['US'] }), 2, CA_PHONE), 'PHONE_NUMBER_COUNTRY_UNSUPPORTED');
    assert.equal(cause(situation({ walkInWhenNoWait: true }, { queueLength: 0 }), 2, US_PHONE, wait(0, 0)), 'NO_WAIT');
  });

  test('descriptions say what the limit is', () => {
    assert.match(joinFailure(situation({ minPartySize: 3 }), 2, null, wait(20))!.description, /3/);
    assert.match(joinFailure(situation({ maxPartySize: 4 }), 5, null, wait(20))!.description, /4/);
  });

  test('party size limits are inclusive', () => {
    const s = situation({ minPartySize: 2, maxPartySize: 6 });
    assert.equal(cause(s, 2), null);
    assert.equal(cause(s, 6), null);
  });

  test('the host stand is held to size and capacity only', () => {
    const host = (s: Situation, size = 2, estimate: Estimate | null = wait(20)) => cause(s, size, null, estimate, 'merchant');
    assert.equal(host(situation({ allowedPhoneCountries: ['US'] }, { merchantOpen: false })), null);
    assert.equal(host(situation({ paused: true, maxQuotedWaitMinutes: 1 })), null);
    assert.equal(host(situation({ walkInWhenNoWait: true }, { queueLength: 0 }), 2, wait(0, 0)), null);
    assert.equal(host(situation({ maxQueueLength: 2 }, { queueLength: 2 })), 'WAITLIST_FULL');
    assert.equal(host(situation({ minPartySize: 3 })), 'BELOW_MIN_PARTY_SIZE');
    assert.equal(host(situation({ enabled: false })), 'WAITLIST_CLOSED');
  });
});

describe('phone countries', () => {
  const usOnly = { ...DEFAULT_WAITLIST_RULES, allowedPhoneCountries: ['US'] };

  test('a US number passes and a Canadian one (also +1) does not, when only US is allowed', () => {
    assert.equal(phoneCountryAllowed(usOnly, US_PHONE), true);
    assert.equal(phoneCountryAllowed(usOnly, '+12127365000'), true);
    assert.equal(phoneCountryAllowed(usOnly, CA_PHONE), false);
    assert.equal(phoneCountryAllowed({ ...usOnly, allowedPhoneCountries: ['US', 'CA'] }, CA_PHONE), true);
  });

  test('without a parseable international number the country is unknown, so refused', () => {
    assert.equal(phoneCountryAllowed(usOnly, null), false);
    assert.equal(phoneCountryAllowed(usOnly, '   '), false);
    assert.equal(phoneCountryAllowed(usOnly, 'not a number'), false);
    assert.equal(phoneCountryAllowed(usOnly, '4169791234'), false, 'national format: no country');
  });

  test('an empty list allows every country, and no phone at all', () => {
    assert.equal(phoneCountryAllowed(DEFAULT_WAITLIST_RULES, CA_PHONE), true);
    assert.equal(phoneCountryAllowed(DEFAULT_WAITLIST_RULES, null), true);
  });
});
