// The conformance report: one line per case as it finishes (with the request and the answer when
// it fails), the latency table, the summary; and the JSON and JUnit files for CI.
import type { Exchange } from './client.js';
import { DOCS } from './contract.js';
import type { CaseResult } from './framework.js';
import type { ConformanceReport } from './run.js';

const MARK: Record<CaseResult['outcome'], string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' };
const BODY_LIMIT = 600;

function clip(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  return flat.length > BODY_LIMIT ? `${flat.slice(0, BODY_LIMIT)}… (${flat.length} characters)` : flat;
}

function exchangeLines(e: Exchange): string[] {
  return [
    `      > ${e.method} ${e.path}${e.request === null ? '' : ` ${clip(e.request)}`}`,
    `      < ${e.status === 0 ? 'no answer' : e.status} ${clip(e.response)} (${e.ms.toFixed(0)} ms)`,
  ];
}

/** The report line(s) of one case: `PASS  id  title  (12 ms)  message  [doc]`, plus the last exchange on failure. */
export function caseLines(r: CaseResult): string[] {
  const mark = r.outcome === 'fail' && !r.required ? 'WARN' : MARK[r.outcome];
  const time = r.group === 'latency' ? '' : `  (${r.ms.toFixed(0)} ms)`;
  const lines = [`${mark}  ${r.id.padEnd(32)} ${r.title}${time}${r.message ? `: ${r.message}` : ''}  [${r.doc}]`];
  if (r.outcome === 'fail') {
    const last = r.exchanges[r.exchanges.length - 1];
    if (last) lines.push(...exchangeLines(last));
  }
  return lines;
}

export function summaryLines(report: ConformanceReport): string[] {
  const count = (pred: (r: CaseResult) => boolean) => report.results.filter(pred).length;
  const failed = count((r) => r.outcome === 'fail' && r.required);
  const warned = count((r) => r.outcome === 'fail' && !r.required);
  const lines = ['', 'latency (ms)      calls    p50    p99  threshold'];
  for (const f of report.latency) {
    lines.push(
      `${f.method.padEnd(24)}${String(f.calls).padStart(5)}${f.p50.toFixed(0).padStart(7)}${f.p99.toFixed(0).padStart(7)}${String(f.thresholdMs).padStart(11)}${f.p99 < f.thresholdMs ? '' : '  OVER'}`,
    );
  }
  const docs = [...new Set(report.results.map((r) => r.doc))];
  lines.push('', "Google's documents cited:", ...docs.map((d) => `  [${d}] ${DOCS[d]}`));
  if (report.leftovers.length > 0) lines.push('', 'cleanup could not undo:', ...report.leftovers.map((l) => `  ${l}`));
  lines.push(
    '',
    `${count((r) => r.outcome === 'pass')} passed, ${failed} failed, ${warned} warning(s) (recommended cases), ${count((r) => r.outcome === 'skip')} skipped: ${
      report.passed ? 'all required cases pass' : 'required cases fail'
    }`,
  );
  return lines;
}

export function jsonReport(report: ConformanceReport): string {
  return `${JSON.stringify(
    {
      url: report.url,
      started_at: report.startedAt,
      run_id: report.runId,
      passed: report.passed,
      cases: report.results.map((r) => ({
        id: r.id,
        title: r.title,
        group: r.group,
        required: r.required,
        outcome: r.outcome,
        ms: Math.round(r.ms),
        message: r.message,
        google_doc: DOCS[r.doc],
        exchanges: r.exchanges.map((e) => ({
          method: e.method,
          path: e.path,
          request: e.request,
          status: e.status,
          response: e.response,
          ms: Math.round(e.ms),
        })),
      })),
      latency: report.latency.map((f) => ({
        method: f.method,
        calls: f.calls,
        p50_ms: Math.round(f.p50),
        p99_ms: Math.round(f.p99),
        threshold_ms: f.thresholdMs,
      })),
      leftovers: report.leftovers,
    },
    null,
    2,
  )}\n`;
}

function xml(text: string): string {
  // Characters XML 1.0 cannot carry at all are dropped; the rest escaped.
  return text
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/[<>&"']/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]};`);
}

/** JUnit XML: one testcase per case; a failed recommended case is a passing testcase with its warning in system-out. */
export function junitReport(report: ConformanceReport): string {
  const failures = report.results.filter((r) => r.outcome === 'fail' && r.required).length;
  const skipped = report.results.filter((r) => r.outcome === 'skip').length;
  const time = (report.results.reduce((n, r) => n + r.ms, 0) / 1000).toFixed(3);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="booking-server conformance" tests="${report.results.length}" failures="${failures}" skipped="${skipped}" time="${time}">`,
    `  <testsuite name="${xml(`conformance ${report.url}`)}" tests="${report.results.length}" failures="${failures}" skipped="${skipped}" timestamp="${xml(report.startedAt)}" time="${time}">`,
  ];
  for (const r of report.results) {
    out.push(`    <testcase classname="conformance.${r.group}" name="${xml(`${r.id}: ${r.title}`)}" time="${(r.ms / 1000).toFixed(3)}">`);
    out.push(`      <properties><property name="google_doc" value="${xml(DOCS[r.doc])}"/><property name="required" value="${r.required}"/></properties>`);
    const detail = [r.message, ...r.exchanges.flatMap(exchangeLines)].join('\n');
    if (r.outcome === 'skip') out.push(`      <skipped message="${xml(r.message)}"/>`);
    else if (r.outcome === 'fail' && r.required) out.push(`      <failure message="${xml(r.message)}">${xml(detail)}</failure>`);
    else if (r.outcome === 'fail') out.push(`      <system-out>${xml(`WARNING (recommended case): ${detail}`)}</system-out>`);
    else if (r.message) out.push(`      <system-out>${xml(r.message)}</system-out>`);
    out.push('    </testcase>');
  }
  out.push('  </testsuite>', '</testsuites>', '');
  return out.join('\n');
}
