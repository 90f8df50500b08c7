import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES } from './errors.js';

test('every error code is documented with its status, and the docs list no code that does not exist', () => {
  const doc = readFileSync(new URL('../docs/GOOGLE-API.md', import.meta.url), 'utf8');
  const documented = new Map<string, number>();
  for (const match of doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)) documented.set(match[1]!, Number(match[2]));
  for (const [code, status] of Object.entries(ERROR_CODES)) {
    assert.equal(documented.get(code), status, `${code} should be documented as ${status}`);
  }
  const extra = [...documented.keys()].filter((code) => !(code in ERROR_CODES) && code !== 'INTERNAL');
  assert.deepEqual(extra, []);
});
