// The CPU profile's summary: the inclusive time of functions named by BENCH_PROFILE_FUNCTIONS.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { summarise } from './profile.js';

test('a named function counts every sample with a frame of that name on its stack, once, wherever it is', () => {
  const dir = mkdtempSync(join(tmpdir(), 'profile-test-'));
  try {
    const frame = (functionName: string, url = 'file:///app/node_modules/lib/index.js') => ({ functionName, url, lineNumber: 0 });
    // root -> handler -> toBinary -> encode; handler -> messageHash -> toBinary (toBinary twice on one stack: counted once).
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2] },
        { id: 2, callFrame: frame('handler', 'file:///app/dist/http/routes.js'), children: [3, 5] },
        { id: 3, callFrame: frame('toBinary'), children: [4] },
        { id: 4, callFrame: frame('encode') },
        { id: 5, callFrame: frame('messageHash', 'file:///app/dist/http/proto-json.js'), children: [6] },
        { id: 6, callFrame: frame('toBinary'), children: [7] },
        { id: 7, callFrame: frame('toBinary') },
      ],
      startTime: 0,
      endTime: 10_000,
      samples: [2, 4, 3, 7, 6],
      timeDeltas: [1000, 2000, 1000, 3000, 3000],
    };
    const file = join(dir, 'test.cpuprofile');
    writeFileSync(file, JSON.stringify(profile));
    const text = summarise(file, '/app', 5, undefined, ['toBinary', 'messageHash', 'absent']);
    const lines = text.split('\n');
    const at = lines.indexOf('Inclusive time of the functions named (BENCH_PROFILE_FUNCTIONS):');
    assert.ok(at >= 0, text);
    assert.deepEqual(lines.slice(at + 1), ['   90.0%        9 ms  toBinary', '   60.0%        6 ms  messageHash', '    0.0%        0 ms  absent']);
    assert.ok(!summarise(file, '/app').includes('BENCH_PROFILE_FUNCTIONS'), 'no list when no name is given');
    assert.ok(!summarise(file, '/app', 5, undefined, ['absent']).includes('BENCH_PROFILE_FUNCTIONS'), 'no list when none of them ran');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
