// The host stand's messages: every key in every language, the same placeholders, plural forms
// that Intl.PluralRules can pick, a message for every value the server sends that a screen shows,
// and Arabic right to left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { STAFF_LANGUAGES } from '../admin/staff.js';
import type { StaffRole } from '../admin/principal.js';
import type { EntrySourceJson } from '../admin/waitlist-routes.js';
import { BOOKING_STATUSES } from '../bookings/model.js';
import type { Reply } from '../messages/service.js';
import { ACTIVE_STATES, WAITLIST_STATES, allowedActions } from '../waitlist/state-machine.js';
import { CATALOGS, format, formatNote, isRtl, LANGUAGES, type Note } from '../../web/src/i18n.js';

const placeholders = (message: unknown): string[] => {
  const texts = typeof message === 'string' ? [message] : Object.values(message as Record<string, string>);
  return [...new Set(texts.flatMap((text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '')))].filter((p) => p !== 'n').sort();
};

test('every language has every key, with the same placeholders as English', () => {
  const english = CATALOGS.en;
  for (const lang of LANGUAGES) {
    const catalog = CATALOGS[lang];
    assert.deepEqual(Object.keys(catalog).sort(), Object.keys(english).sort(), lang);
    for (const [key, message] of Object.entries(english)) {
      assert.deepEqual(placeholders(catalog[key as keyof typeof english]), placeholders(message), `${lang} ${key}`);
    }
  }
});

test('plural messages have an "other" form and a form for each category the language uses', () => {
  for (const lang of LANGUAGES) {
    const categories = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
    for (const [key, message] of Object.entries(CATALOGS[lang])) {
      if (typeof message === 'string') continue;
      assert.ok(message.other, `${lang} ${key}`);
      for (const category of categories) assert.ok(message[category] !== undefined, `${lang} ${key} lacks "${category}"`);
    }
  }
});

test('format fills placeholders, picks plural forms, and writes numbers the language way', () => {
  assert.equal(format('en', 'queue.count', { n: 1 }), '1 party waiting');
  assert.equal(format('en', 'queue.count', { n: 3 }), '3 parties waiting');
  assert.equal(format('it', 'queue.count', { n: 1 }), '1 gruppo in attesa');
  assert.equal(format('ar', 'queue.count', { n: 2 }), 'مجموعتان تنتظران');
  assert.equal(format('ar', 'queue.count', { n: 3 }), `${new Intl.NumberFormat('ar').format(3)} مجموعات تنتظر`);
  assert.equal(format('zh-CN', 'party.size', { n: 4 }), '4 位');
  assert.equal(format('tr', 'action.done', { name: 'Ayşe', state: 'Oturdu' }), 'Ayşe: Oturdu');
  assert.ok(isRtl('ar'));
  assert.ok(!isRtl('tr'));
});

// The screens build some keys from what the server sends (`state.${entry.state}`, ...): each
// such prefix, with every value the server can send. A new prefix in web/src fails until it is
// listed here, so no value can reach a screen without a message in every language.
const REPLY_KINDS: Record<Exclude<Reply['kind'], 'text'>, true> = { on_my_way: true, cancel: true, extra_time: true, opt_out: true, opt_in: true, help: true };
const SOURCES: Record<EntrySourceJson, true> = { google: true, walk_in: true };
const ROLES: Record<StaffRole, true> = { host: true, manager: true };
const DYNAMIC: Record<string, readonly string[]> = {
  'state.': WAITLIST_STATES,
  // The queue shows active entries, with the actions the server allows from their states.
  'action.': [...new Set(ACTIVE_STATES.flatMap((s) => allowedActions(s)).map((a) => a.replace('_', '-')))],
  'booking.': BOOKING_STATUSES,
  'reply.': Object.keys(REPLY_KINDS),
  'source.': Object.keys(SOURCES),
  'settings.role.': Object.keys(ROLES),
  // The availability screen's own states of an update to Google.
  'avail.google.': ['pending', 'delivered', 'failed'],
};

test('every key a screen builds from a server value has a message in every language', () => {
  const dir = new URL('../../web/src/', import.meta.url);
  const built = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => /\.tsx?$/.test(f))) {
    for (const m of readFileSync(new URL(file, dir), 'utf8').matchAll(/`([\w.-]+\.)\$\{[^`]*`\s+as\s+MessageKey/g)) built.add(m[1] ?? '');
  }
  assert.ok(built.has('state.'), 'the scan finds the keys the screens build');
  for (const prefix of built) assert.ok(DYNAMIC[prefix], `web/src builds keys "${prefix}…": list the values the server can send in DYNAMIC`);
  for (const lang of LANGUAGES) {
    const catalog = CATALOGS[lang] as Record<string, unknown>;
    for (const [prefix, values] of Object.entries(DYNAMIC)) {
      for (const value of values) assert.ok(typeof catalog[`${prefix}${value}`] !== 'undefined', `${lang} lacks "${prefix}${value}"`);
    }
  }
});

test('the screens offer exactly the languages a staff member can have', () => {
  assert.deepEqual([...LANGUAGES], [...STAFF_LANGUAGES]);
});

test('a Note is written in the language asked for, a message within it too', () => {
  const note: Note = { key: 'action.done', values: { name: 'Walker', state: { key: 'state.SERVICE_READY' } } };
  for (const lang of LANGUAGES) {
    assert.equal(formatNote(lang, note), format(lang, 'action.done', { name: 'Walker', state: format(lang, 'state.SERVICE_READY') }), lang);
  }
  assert.equal(formatNote('en', note), 'Walker: Notified');
  assert.equal(formatNote('it', { key: 'walkin.added', values: { name: 'Walker' } }), format('it', 'walkin.added', { name: 'Walker' }));
});
