// Repository hygiene the docs promise: the licence package.json names is in the repository, and the
// docs cite Google's public pages or files in this repository, never paths on someone's machine.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const root = new URL('../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

test('the Apache-2.0 licence package.json declares is in LICENSE, as the standard text', () => {
  assert.equal(JSON.parse(read('package.json')).license, 'Apache-2.0');
  const license = read('LICENSE');
  assert.match(license, /Apache License\s+Version 2\.0, January 2004/);
  assert.match(license, /TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION/);
  assert.match(license, /END OF TERMS AND CONDITIONS/);
});

test('docs cite nothing outside the repository: no machine paths, no spec files that are not here', () => {
  const files = [
    'README.md',
    ...readdirSync(new URL('docs/', root))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  for (const file of files) {
    const text = read(file);
    for (const match of text.matchAll(/(?<![\w.:/-])(\/(?:work|home|Users|tmp|root)\/[^\s`)]+)/g)) {
      assert.fail(`${file} cites a machine path: ${match[1]}`);
    }
    for (const match of text.matchAll(/`((?:spec|shared)\/[^`\s]+\.md)`/g)) {
      assert.ok(existsSync(new URL(match[1]!, root)), `${file} cites ${match[1]}, which is not in the repository`);
    }
  }
});
