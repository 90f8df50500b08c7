// Clock times in the merchant's zone and the guest's locale: the formatters are kept per locale and
// zone, so a time formatted for one merchant's zone or one guest's language never comes out in
// another's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GUEST_LANGUAGES } from '../merchants/model.js';
import { clockTime } from './i18n.js';

// 2026-07-01 18:40 UTC.
const AT = Date.UTC(2026, 6, 1, 18, 40) / 1000;
const ZONES = ['America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'UTC'];

const fresh = (language: string, timeZone: string): string =>
  new Intl.DateTimeFormat(language, { hour: 'numeric', minute: '2-digit', timeZone }).format(new Date(AT * 1000));

describe('clockTime', () => {
  it('formats in each zone and language as a formatter made for that pair, in any order of calls', () => {
    // Interleaved pairs, twice: the second pass is served by the kept formatters.
    for (let pass = 0; pass < 2; pass++) {
      for (const zone of ZONES)
        for (const language of GUEST_LANGUAGES) assert.equal(clockTime(language, AT, zone), fresh(language, zone), `${language} ${zone}`);
    }
  });

  it('gives the zone its own hour (a kept formatter is not another zone’s)', () => {
    assert.equal(clockTime('en', AT, 'America/New_York'), '2:40 PM');
    assert.equal(clockTime('en', AT, 'Europe/Berlin'), '8:40 PM');
    assert.equal(clockTime('it', AT, 'Europe/Berlin'), '20:40');
    assert.equal(clockTime('en', AT + 3600, 'America/New_York'), '3:40 PM');
  });
});
