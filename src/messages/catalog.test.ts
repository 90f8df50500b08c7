// Every language has every key, every template compiles and formats; the pure rules of replies,
// languages and numbers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IntlMessageFormat } from 'intl-messageformat';
import { GUEST_LANGUAGES } from '../merchants/model.js';
import { CATALOGS, SMS_KINDS } from './catalog.js';
import { resolveLanguage, t } from './i18n.js';
import { classifyReply } from './keywords.js';
import { toE164 } from './phone.js';

const VALUES = {
  merchant: 'Trattoria',
  name: 'Ada',
  party: 2,
  position: 3,
  start: '19:40',
  end: '19:55',
  link: 'https://w.example/w/abc',
  state: 'waiting',
  hold: 'yes',
  minutes: 10,
  cause: 'guest',
  ahead: 2,
  time: '19:00',
};

describe('catalog', () => {
  it('has every key in every language, each compiling and formatting without a placeholder left', () => {
    const keys = Object.keys(CATALOGS.en);
    for (const kind of SMS_KINDS) assert.ok(keys.includes(`sms.${kind}`), `sms.${kind}`);
    for (const language of GUEST_LANGUAGES) {
      assert.deepEqual(Object.keys(CATALOGS[language]).sort(), [...keys].sort(), `keys of ${language}`);
      for (const key of keys) {
        new IntlMessageFormat(CATALOGS[language][key]!, language);
        const text = t(language, key, VALUES);
        assert.doesNotMatch(text, /[{}]/, `${language} ${key}: ${text}`);
      }
    }
  });

  it('keeps texts within three segments in every language', () => {
    for (const language of GUEST_LANGUAGES) {
      for (const kind of SMS_KINDS) {
        const text = t(language, `sms.${kind}`, {
          ...VALUES,
          link: 'https://wait.example.com/w/AAAAAAAAAAAAAAAAAAAAAAAA',
        });
        // UCS-2 texts split at 67 characters; GSM-7 ones at 153.
        const perSegment = /^[\x20-\x7e]*$/.test(text) ? 153 : 67;
        assert.ok(text.length <= 3 * perSegment, `${language} ${kind}: ${text.length} characters`);
      }
    }
  });

  it("picks the guest's language from BCP-47, else the merchant's", () => {
    assert.equal(resolveLanguage('ar-EG', 'en'), 'ar');
    assert.equal(resolveLanguage('zh-CN', 'en'), 'zh-Hans');
    assert.equal(resolveLanguage('zh', 'en'), 'zh-Hans');
    assert.equal(resolveLanguage('zh-Hant-TW', 'it'), 'it');
    assert.equal(resolveLanguage('tr_TR', 'en'), 'tr');
    assert.equal(resolveLanguage('fr-FR', 'it'), 'it');
    assert.equal(resolveLanguage('not a tag!', 'tr'), 'tr');
    assert.equal(resolveLanguage(null, 'ar'), 'ar');
  });
});

describe('replies', () => {
  it("reads digits as commands and the carriers' words as opt-outs", () => {
    assert.deepEqual(classifyReply('1'), { kind: 'on_my_way', minutes: null });
    assert.deepEqual(classifyReply(' 9. '), { kind: 'cancel', minutes: null });
    assert.deepEqual(classifyReply('+10'), { kind: 'extra_time', minutes: 10 });
    assert.deepEqual(classifyReply('+ 15 min'), {
      kind: 'extra_time',
      minutes: 15,
    });
    assert.equal(classifyReply('+90').kind, 'text');
    for (const word of ['STOP', 'stop', 'Cancel', 'END', 'quit', 'UNSUBSCRIBE', 'STOPALL', 'REVOKE', 'OPTOUT', 'opt-out'])
      assert.equal(classifyReply(word).kind, 'opt_out', word);
    for (const word of ['START', 'yes', 'Unstop']) assert.equal(classifyReply(word).kind, 'opt_in', word);
    assert.equal(classifyReply('HELP').kind, 'help');
    assert.equal(classifyReply('please cancel my table').kind, 'text', 'only the whole message is a keyword');
    assert.equal(classifyReply('19').kind, 'text');
  });
});

describe('numbers', () => {
  it("normalises to E.164 with the merchant's country; refuses what is no number", () => {
    assert.deepEqual(toE164('(212) 736-5000', 'US'), { phone: '+12127365000' });
    assert.deepEqual(toE164('+44 20 7946 0958', 'US'), {
      phone: '+442079460958',
    });
    assert.deepEqual(toE164('06 6982 1234', 'IT'), { phone: '+390669821234' });
    assert.deepEqual(toE164('12', 'US'), { reason: 'invalid_number' });
    assert.deepEqual(toE164('call me', null), { reason: 'invalid_number' });
    assert.deepEqual(toE164('', 'US'), { reason: 'no_number' });
    assert.deepEqual(toE164(null, 'US'), { reason: 'no_number' });
  });
});

describe('configuration', () => {
  const twilio = {
    SMS_PROVIDER: 'twilio',
    PUBLIC_BASE_URL: 'https://w.example/',
    TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
    TWILIO_AUTH_TOKEN: 'tok',
    TWILIO_FROM: '+12125550100',
  };
  it('is off by default; Twilio needs its account, a sender and PUBLIC_BASE_URL, checked at start', async () => {
    const { ConfigError, loadConfig } = await import('../config.js');
    assert.equal(loadConfig({}).sms.provider, 'off');
    const ok = loadConfig(twilio).sms;
    assert.equal(ok.publicBaseUrl, 'https://w.example');
    assert.equal(ok.twilio?.apiUrl, 'https://api.twilio.com');
    const refused = (env: Record<string, string | undefined>, variable: string) =>
      assert.throws(
        () => loadConfig(env as Record<string, string>),
        (e: unknown) => e instanceof ConfigError && e.variable === variable,
        variable,
      );
    refused({ ...twilio, PUBLIC_BASE_URL: undefined }, 'PUBLIC_BASE_URL');
    refused({ ...twilio, PUBLIC_BASE_URL: 'https://w.example/?x=1' }, 'PUBLIC_BASE_URL');
    refused({ ...twilio, TWILIO_ACCOUNT_SID: 'nope' }, 'TWILIO_ACCOUNT_SID');
    refused({ ...twilio, TWILIO_AUTH_TOKEN: undefined }, 'TWILIO_AUTH_TOKEN');
    refused({ ...twilio, TWILIO_FROM: undefined }, 'TWILIO_FROM');
    refused({ ...twilio, TWILIO_FROM: 'not a number!' }, 'TWILIO_FROM');
    refused({ SMS_PROVIDER: 'carrier-pigeon' }, 'SMS_PROVIDER');
    assert.equal(
      loadConfig({ ...twilio, TWILIO_FROM: undefined, TWILIO_MESSAGING_SERVICE_SID: `MG${'b'.repeat(32)}` }).sms.twilio?.messagingServiceSid,
      `MG${'b'.repeat(32)}`,
    );
  });
});
