// Status-page tokens are drawn from a pool of random bytes refilled at once (listener.ts): every
// token is 144 bits in URL-safe base64, and none repeats, across several refills of the pool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newStatusToken } from './listener.js';

test('status tokens: 24 URL-safe characters, all distinct across several refills of the pool', () => {
  const tokens = Array.from({ length: 1000 }, () => newStatusToken());
  for (const token of tokens) assert.match(token, /^[A-Za-z0-9_-]{24}$/);
  assert.equal(new Set(tokens).size, tokens.length);
  // No token shares its first or last 9 bytes with another (a slice taken twice, or overlapping, would).
  const halves = tokens.flatMap((t) => {
    const bytes = Buffer.from(t, 'base64url');
    return [bytes.subarray(0, 9).toString('hex'), bytes.subarray(9).toString('hex')];
  });
  assert.equal(new Set(halves).size, halves.length);
});
