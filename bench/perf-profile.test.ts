import assert from 'node:assert/strict';
import { test } from 'node:test';
import { area, parsePerfReport, renderPerf, summarisePerf } from './perf-profile.js';

const ROOT = '/work/main';
const S = '\x1f';

// The shape `perf report --stdio -n --sort dso,sym --field-separator=\x1f` prints (perf 6.1).
const REPORT = [
  '# To display the perf.data header info, please use --header/--header-only options.',
  '#',
  "# Samples: 12K of event 'cpu-clock:ppp'",
  '',
  ` 12.60% ${S} 1599       ${S}[kernel.kallsyms]  ${S}[k] pvm_irq_enable`,
  ` 2.25%  ${S} 286        ${S}node               ${S}[.] v8::internal::StringTable::LookupKey<v8::internal::SeqSubStringKey<v8::internal::SeqOneByteString>, v8::internal::Isolate>`,
  ` 2.13%  ${S} 271        ${S}[JIT] tid 23009    ${S}[.] JS:* file:///work/main/dist/http/booking-routes.js:98:12`,
  ` 1.95%  ${S} 248        ${S}node               ${S}[.] Builtins_KeyedLoadIC_Megamorphic`,
  ` 0.84%  ${S} 107        ${S}[JIT] tid 23009    ${S}[.] JS:*parserOnIncoming node:_http_server:1026:26`,
  ` 0.39%  ${S} 49         ${S}[JIT] tid 23009    ${S}[.] RegExp:"(?:_|\\\\u005[Ff])"\\s*:`,
  ` 0.30%  ${S} 40         ${S}[JIT] tid 23009    ${S}[.] JS:~executeQuery file:///work/main/node_modules/kysely/dist/esm/dialect/sqlite/sqlite-driver.js:60:18`,
  ` 0.62%  ${S} 79         ${S}libc.so.6          ${S}[.] _int_malloc`,
  ` 0.54%  ${S} 68         ${S}node               ${S}[.] llhttp__internal_execute`,
  ` 0.11%  ${S} 14         ${S}better_sqlite3.node${S}[.] sqlite3VdbeExec`,
  ` 0.05%  ${S} 6          ${S}[JIT] tid 23009    ${S}[.] 0x00007f8d3c37326b`,
].join('\n');

test('perf report lines are read with their samples, shared object and symbol; comments are skipped', () => {
  const rows = parsePerfReport(REPORT);
  assert.equal(rows.length, 11);
  assert.deepEqual(rows[0], { dso: '[kernel.kallsyms]', symbol: 'pvm_irq_enable', samples: 1599 });
  assert.deepEqual(rows[2], { dso: '[JIT] tid 23009', symbol: 'JS:* file:///work/main/dist/http/booking-routes.js:98:12', samples: 271 });
  assert.equal(rows[9]!.dso, 'better_sqlite3.node');
});

test('each symbol falls in the area that tells a server’s own work from what any Node server pays', () => {
  const areas = parsePerfReport(REPORT).map((row) => area(row, ROOT));
  assert.deepEqual(areas, [
    'kernel',
    'V8 runtime (JSON, strings, objects, GC)',
    'our JavaScript',
    'V8 builtins (inline caches, calls)',
    "node's JavaScript",
    'regular expressions',
    'JavaScript of kysely',
    'C library (malloc, memcpy)',
    "node's C++ and libuv (HTTP parser, streams)",
    'SQLite (better-sqlite3)',
    'other JIT code',
  ]);
});

test('the rendering gives microseconds a request by area, next to the reference, from the samples and requests', () => {
  const ours = summarisePerf('BatchAvailabilityLookup', parsePerfReport(REPORT), 1000, ROOT, 3);
  // The reference: the kernel and node's HTTP parser only, over twice the requests.
  const reference = summarisePerf(
    'the echo',
    [
      { dso: '[kernel.kallsyms]', symbol: 'pvm_irq_enable', samples: 800 },
      { dso: 'node', symbol: 'llhttp__internal_execute', samples: 200 },
    ],
    2000,
    ROOT,
  );
  const text = renderPerf(ours, reference, ROOT);
  const lines = text.split('\n');
  assert.match(lines[0]!, /BatchAvailabilityLookup \(1,000 requests\), next to the echo \(2,000 requests\)/);
  // 2,767 samples at 4,000 a second over 1,000 requests: 691.8 us; the echo 1,000 over 2,000: 125.0.
  assert.match(lines[1]!, /^\s+691\.8\s+125\.0\s+all$/);
  // The kernel first (the largest area of ours): 1,599 samples -> 399.8 us; the echo's 800 -> 100.0.
  assert.match(lines[2]!, /^\s+399\.8\s+100\.0\s+kernel$/);
  assert.match(text, /\n\s+3\.5\s+0\.0\s+SQLite \(better-sqlite3\)/);
  // Top symbols, with the project's root taken out of file names.
  assert.match(text, /top symbols of BatchAvailabilityLookup, us a request:\n\s+399\.8\s+pvm_irq_enable\n\s+71\.5\s+v8::internal::StringTable/);
  assert.match(text, /\n\s+67\.8\s+JS:\* dist\/http\/booking-routes\.js:98:12$/);
});
