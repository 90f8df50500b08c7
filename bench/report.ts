// Rendering of bench results: one markdown table per store, printed as it is and, with
// --write-docs, written between this command's markers in docs/PERFORMANCE.md.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import type { LoadResult } from './load-spec.js';

export interface Row {
  readonly name: string;
  /** Google's latency limit for the method, ms; null for the baseline. */
  readonly limitMs: number | null;
  readonly result: LoadResult;
}

export interface StoreReport {
  readonly store: string;
  readonly rows: readonly Row[];
  readonly contention: { readonly result: LoadResult; readonly spots: number; readonly confirmedInStore: number } | null;
  readonly notes: readonly string[];
}

export interface RunSettings {
  readonly connections: number;
  readonly durationSec: number;
  readonly warmupSec: number;
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function machine(): string {
  const cpu = cpus();
  const gib = totalmem() / 1024 ** 3;
  return `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${fmt(gib, 1)} GiB RAM, ${type()} ${release()}, Node ${process.version}`;
}

export function renderStore(report: StoreReport, baseline: LoadResult, settings: RunSettings): string {
  const lines = [
    `#### ${report.store}`,
    '',
    `${settings.connections} connections, ${settings.durationSec} s per method after a ${settings.warmupSec} s warm-up; latency of 2xx responses.`,
    '',
    '| method | req/s | vs baseline | p50 ms | p99 ms | Google limit | p99 within limit | non-2xx / errors | business failures |',
    '|---|--:|--:|--:|--:|--:|---|--:|--:|',
  ];
  for (const { name, limitMs, result: r } of report.rows) {
    const within = limitMs === null ? '–' : r.p99 < limitMs ? `yes (${fmt(limitMs / Math.max(r.p99, 1), 1)}× margin)` : '**NO**';
    lines.push(
      `| ${name} | ${fmt(r.rps)} | ${fmt(r.rps / baseline.rps, 2)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${limitMs === null ? '–' : `${fmt(limitMs)} ms`} | ${within} | ${fmt(r.non2xx)} / ${fmt(r.errors)} | ${fmt(r.businessFailures)} |`,
    );
  }
  if (report.contention !== null) {
    const { result: c, spots, confirmedInStore } = report.contention;
    lines.push(
      '',
      `Contention: ${fmt(c.requests)} concurrent CreateBooking for one slot of ${spots} spots: **${c.confirmed} confirmed** ` +
        `(${confirmedInStore} CONFIRMED in the store${confirmedInStore === spots && c.confirmed === spots ? ', as required' : `, **expected ${spots}**`}), ` +
        `${fmt(c.businessFailures)} SLOT_UNAVAILABLE, ${fmt(c.non2xx)} non-2xx, ${fmt(c.errors)} errors; p50 ${fmt(c.p50)} ms, p99 ${fmt(c.p99)} ms (Google limit 4,000 ms).`,
    );
  }
  for (const note of report.notes) lines.push('', note);
  return lines.join('\n');
}

export function renderAll(reports: readonly StoreReport[], baseline: LoadResult, settings: RunSettings, skipped: readonly string[]): string {
  const parts = [
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine()}.`,
    '',
    `Baseline: bare \`node:http\` JSON echo server, ${fmt(baseline.rps)} req/s, p50 ${fmt(baseline.p50)} ms, p99 ${fmt(baseline.p99)} ms (${fmt(baseline.non2xx)} non-2xx, ${fmt(baseline.errors)} errors).`,
  ];
  for (const report of reports) parts.push('', renderStore(report, baseline, settings));
  for (const line of skipped) parts.push('', line);
  return parts.join('\n');
}

// Markers as `npm run bench:feeds` uses them: each command rewrites only its own section.
const BEGIN = '<!-- bench:booking-server:start -->';
const END = '<!-- bench:booking-server:end -->';

/**
 * Replaces this command's section of docs/PERFORMANCE.md with what the run printed, leaving the
 * rest (the hand-written method, other commands' sections) alone.
 */
export function writeDocs(root: string, body: string): string {
  const path = join(root, 'docs', 'PERFORMANCE.md');
  const section = `${BEGIN}\n### Results\n\nWritten by \`npm run bench -- --write-docs\`; the figures are the command's output, unedited.\n\n${body}\n${END}`;
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Performance\n';
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  const next =
    start !== -1 && end > start
      ? `${current.slice(0, start)}${section}${current.slice(end + END.length)}`
      : `${current.trimEnd()}\n\n## Booking server\n\n${section}\n`;
  writeFileSync(path, next);
  return path;
}
