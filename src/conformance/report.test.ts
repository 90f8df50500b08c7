// The report's forms: the printed lines (request and answer under a failure, WARN for a failed
// recommended case), the summary, JUnit XML that stays well-formed whatever a server answers, and JSON.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CaseResult } from './framework.js';
import { caseLines, jsonReport, junitReport, summaryLines } from './report.js';
import type { ConformanceReport } from './run.js';

const hostile = 'bad <tag> & "quotes" \'apos\' \u0001\u0008 end';

const results: CaseResult[] = [
  {
    id: 'health.ok',
    title: 'HealthCheck answers 200',
    group: 'common',
    doc: 'healthcheck-method',
    required: true,
    outcome: 'pass',
    ms: 12.4,
    message: '',
    exchanges: [],
  },
  {
    id: 'gbs.unknown',
    title: 'GetBookingStatus of an unknown booking: 404',
    group: 'bookings',
    doc: 'getbookingstatus-grpc',
    required: true,
    outcome: 'fail',
    ms: 8,
    message: `expected HTTP 404, got 500 ${hostile}`,
    exchanges: [
      {
        method: 'POST',
        path: '/v3/GetBookingStatus',
        request: '{"booking_id":"x"}',
        status: 500,
        response: `{"error":"${hostile}"}\n${'y'.repeat(700)}`,
        ms: 7.6,
      },
    ],
  },
  {
    id: 'lb.unknown',
    title: 'ListBookings of an unknown user: 404',
    group: 'bookings',
    doc: 'listbookings-grpc',
    required: false,
    outcome: 'fail',
    ms: 3,
    message: 'HTTP 200 with no bookings',
    exchanges: [],
  },
  {
    id: 'lease.create',
    title: 'CreateLease',
    group: 'bookings',
    doc: 'createlease-method',
    required: false,
    outcome: 'skip',
    ms: 1,
    message: 'not offered (HTTP 404)',
    exchanges: [],
  },
];

const report: ConformanceReport = {
  url: 'http://127.0.0.1:1',
  startedAt: '2026-11-30T21:00:00.000Z',
  runId: 'abcd1234',
  results,
  latency: [
    { method: 'GetBookingStatus', calls: 3, p50: 7.6, p99: 2000.4, thresholdMs: 1500 },
    { method: 'HealthCheck', calls: 1, p50: 12.4, p99: 12.4, thresholdMs: 1500 },
  ],
  leftovers: ['booking b1 could not be cancelled'],
  passed: false,
};

describe('conformance report', () => {
  it('prints a line per case, the request and the answer under a failure, WARN for a recommended one', () => {
    assert.match(caseLines(results[0]!)[0]!, /^PASS {2}health\.ok +HealthCheck answers 200 {2}\(12 ms\) {2}\[healthcheck-method\]$/);
    const failed = caseLines(results[1]!);
    assert.equal(failed.length, 3);
    assert.match(failed[0]!, /^FAIL {2}gbs\.unknown .*expected HTTP 404, got 500/);
    assert.equal(failed[1], '      > POST /v3/GetBookingStatus {"booking_id":"x"}');
    // Long answers are cut, with their length; line breaks do not break the report's layout.
    assert.match(failed[2]!, /^ {6}< 500 \{"error":"bad <tag>.*… \(\d+ characters\) \(8 ms\)$/);
    assert.match(caseLines(results[2]!)[0]!, /^WARN {2}lb\.unknown /);
    assert.match(caseLines(results[3]!)[0]!, /^SKIP {2}lease\.create .*not offered/);
  });

  it('summarises latency against the thresholds, what cleanup left, and the counts', () => {
    const text = summaryLines(report).join('\n');
    assert.match(text, /^GetBookingStatus +3 +8 +2000 +1500 {2}OVER$/m);
    assert.match(text, /^HealthCheck +1 +12 +12 +1500$/m);
    assert.match(text, /\[getbookingstatus-grpc\] https:\/\/developers\.google\.com\/actions-center\/reference\/grpc-api-v2\/getbookingstatus-method/);
    assert.match(text, /cleanup could not undo:\n {2}booking b1 could not be cancelled/);
    assert.match(text, /1 passed, 1 failed, 1 warning\(s\) \(recommended cases\), 1 skipped: required cases fail$/);
  });

  it('writes JUnit XML that stays well-formed whatever the server answered', () => {
    const xml = junitReport(report);
    assert.match(xml, /<testsuites name="booking-server conformance" tests="4" failures="1" skipped="1"/);
    assert.equal(xml.match(/<testcase /g)?.length, 4);
    assert.equal(xml.match(/<failure /g)?.length, 1);
    assert.equal(xml.match(/<skipped /g)?.length, 1);
    assert.match(xml, /<system-out>WARNING \(recommended case\): HTTP 200 with no bookings<\/system-out>/);
    // No raw markup or control characters from the answer: escaped, or dropped where XML 1.0 has no character for them.
    const controls = [...xml].filter((ch) => ch.charCodeAt(0) < 0x20 && ch !== '\t' && ch !== '\n' && ch !== '\r');
    assert.deepEqual(controls, []);
    assert.ok(!xml.includes('<tag>'));
    assert.match(xml, /bad &lt;tag&gt; &amp; &quot;quotes&quot; &apos;apos&apos;/);
    assert.match(xml, /<property name="google_doc" value="https:\/\/developers\.google\.com\/actions-center\/reference\/grpc-api-v2\/listbookings-method"\/>/);
    // Every element opened is closed.
    for (const tag of ['testsuites', 'testsuite', 'testcase', 'properties']) {
      assert.equal(xml.match(new RegExp(`<${tag}[ >]`, 'g'))?.length, xml.match(new RegExp(`</${tag}>`, 'g'))?.length, tag);
    }
  });

  it('writes JSON with the Google page of every case and the exchanges of failures', () => {
    const json = JSON.parse(jsonReport(report)) as {
      passed: boolean;
      cases: { id: string; google_doc: string; exchanges: unknown[] }[];
      latency: { p99_ms: number }[];
      leftovers: string[];
    };
    assert.equal(json.passed, false);
    assert.deepEqual(
      json.cases.map((c) => c.id),
      ['health.ok', 'gbs.unknown', 'lb.unknown', 'lease.create'],
    );
    for (const c of json.cases) assert.match(c.google_doc, /^https:\/\/developers\.google\.com\//);
    assert.equal(json.cases[1]!.exchanges.length, 1);
    assert.deepEqual(
      json.latency.map((f) => f.p99_ms),
      [2000, 12],
    );
    assert.deepEqual(json.leftovers, ['booking b1 could not be cancelled']);
  });
});
