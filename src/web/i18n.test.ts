// The host stand's messages: every key in every language, the same placeholders, plural forms
// that Intl.PluralRules can pick, and Arabic right to left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATALOGS, format, isRtl, LANGUAGES } from '../../web/src/i18n.js';

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
