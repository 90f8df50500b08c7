// The kept Authorization headers that passed (VerifiedCredentials): only exact values that were
// added pass, compared with each kept one, and at most `max` are kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VerifiedCredentials } from './basic-auth.js';

test('only the exact header values added pass', () => {
  const verified = new VerifiedCredentials();
  const good = `Basic ${Buffer.from('google:new-password-2026').toString('base64')}`;
  assert.equal(verified.has(good), false, 'nothing kept yet');
  verified.add(good);
  assert.equal(verified.has(good), true);
  for (const other of [`Basic ${Buffer.from('google:new-password-2027').toString('base64')}`, good.toLowerCase(), `${good} `, good.slice(0, -1), '']) {
    assert.equal(verified.has(other), false, other);
  }
  verified.add(good);
  assert.equal(verified.size, 1, 'added once');
});

test('several values are kept (two rotated pairs), at most max', () => {
  const verified = new VerifiedCredentials(2);
  verified.add('Basic AAAA');
  verified.add('Basic BBBBBB');
  verified.add('Basic CCCC');
  assert.equal(verified.size, 2);
  assert.equal(verified.has('Basic AAAA'), true);
  assert.equal(verified.has('Basic BBBBBB'), true);
  assert.equal(verified.has('Basic CCCC'), false, 'not kept beyond max: it is checked in full every time');
});

test('a header with characters above latin1 never matches a kept one by truncation', () => {
  const verified = new VerifiedCredentials();
  verified.add('Basic A');
  // U+0141 would become 0x41 ("A") in latin1: Node's HTTP parser never gives such a header, and
  // the check must not be fooled if one came from elsewhere.
  assert.equal(verified.has('Basic \u0141'), false);
});
