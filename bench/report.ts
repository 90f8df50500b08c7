// Rendering of bench results: one markdown table per store, printed as it is and, with
// --write-docs, written between this command's markers in docs/PERFORMANCE.md.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import type { LoadResult } from './load-spec.js';
import type { ServerCpu } from './server-cpu.js';

/** One measured run of a method; for a read, with the echo measured right before it. */
export interface Round {
  readonly result: LoadResult;
  readonly echo?: LoadResult;
}

/**
 * The round that stands for a read: the one with the median ratio to its echo (of an even number,
 * the lower of the two middle ones). A round without its echo (a write) is taken as it is.
 */
export function medianRound(rounds: readonly Round[]): Round {
  if (rounds.length === 0) throw new Error('no rounds measured');
  const ratio = (r: Round): number => (r.echo === undefined ? r.result.rps : r.result.rps / r.echo.rps);
  const sorted = [...rounds].sort((a, b) => ratio(a) - ratio(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export interface Row {
  readonly name: string;
  /** Google's latency limit for the method, ms; null for the baseline. */
  readonly limitMs: number | null;
  /** The method's run; for a read measured in rounds, its median round's (medianRound). */
  readonly result: LoadResult;
  /** Reads: the echo measured right before the method (in its median round), the baseline its ratio uses. */
  readonly echo?: LoadResult;
  /** Reads measured in more than one round: every round, in the order run. */
  readonly rounds?: readonly Round[];
  /** Reads whose requests differ from the echo baseline's: the echo sent the method's own requests. */
  readonly echoOwn?: LoadResult;
}

export interface StoreReport {
  readonly store: string;
  readonly rows: readonly Row[];
  readonly contention: { readonly result: LoadResult; readonly spots: number; readonly confirmedInStore: number } | null;
  readonly notes: readonly string[];
  /** The database's own durable commit rate on the same disk, measured in the same run. */
  readonly commit: { readonly label: string; readonly rate: number; readonly before: number; readonly after: number };
}

export interface Baselines {
  /** node:http JSON echo, prepared requests from all generators: the read baseline. */
  readonly echo: LoadResult;
  readonly echoOneGenerator: LoadResult;
  readonly echoSeveral: LoadResult;
  /** The echo driven as the bench drove it before: a body built per request in one generator. */
  readonly echoPerRequestBody: LoadResult;
  /** Express returning a fixed answer: the stub skeletons partners start from. */
  readonly express: LoadResult | null;
}

/** Issue 17's targets, printed next to each method. */
export const READ_TARGET = { echoRatio: 0.6, p99Ms: 10 } as const;
export const WRITE_TARGET = { commitRatio: 0.8 } as const;
const WRITES = new Set(['CreateWaitlistEntry', 'CreateBooking']);

export interface RunSettings {
  readonly generators: number;
  readonly connections: number;
  readonly durationSec: number;
  readonly warmupSec: number;
  /** Rounds of echo and read per read (--rounds). */
  readonly rounds: number;
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function machine(): string {
  const cpu = cpus();
  const gib = totalmem() / 1024 ** 3;
  return `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${fmt(gib, 1)} GiB RAM, ${type()} ${release()}, Node ${process.version}`;
}

/** A server's CPU time per request (bench/server-cpu.ts), as printed on each line and in the results. */
export function describeCpu(cpu: ServerCpu): string {
  return `${fmt(cpu.processUsPerRequest)} us a request (main thread ${fmt(cpu.mainUsPerRequest)} us, ${fmt(cpu.mainSystemShare * 100)}% of it in the kernel; main thread on a core ${fmt(cpu.mainCores * 100)}% of the time)`;
}

/** The table's cell: the method's server CPU per request, and for a read the echo's before it. */
function cpuCell(r: LoadResult, echo: LoadResult | undefined, echoOwn: LoadResult | undefined): string {
  if (r.serverCpu === undefined) return '–';
  const cell = (cpu: NonNullable<LoadResult['serverCpu']>): string => `${fmt(cpu.processUsPerRequest)} (${fmt(cpu.mainCores * 100)}%)`;
  let out = cell(r.serverCpu);
  if (echo?.serverCpu !== undefined) out += ` / ${cell(echo.serverCpu)}`;
  if (echoOwn?.serverCpu !== undefined) out += ` / ${cell(echoOwn.serverCpu)}`;
  return out;
}

/** Every round's ratio to its echo, in the order run. */
function roundsCell(rounds: readonly Round[] | undefined): string {
  if (rounds === undefined) return '–';
  return rounds.map((r) => (r.echo === undefined ? '–' : fmt(r.result.rps / r.echo.rps, 2))).join(', ');
}

/** Whether a method meets issue 17's target, with the reason when it does not. */
function target(name: string, r: LoadResult, echo: LoadResult, baselines: Baselines, commitRate: number): string {
  if (WRITES.has(name)) {
    const ratio = r.rps / commitRate;
    return ratio >= WRITE_TARGET.commitRatio
      ? `met (≥ ${WRITE_TARGET.commitRatio}× commits)`
      : `**not met** (${fmt(ratio, 2)} < ${WRITE_TARGET.commitRatio}× commits)`;
  }
  const missed: string[] = [];
  const ratio = r.rps / echo.rps;
  if (ratio < READ_TARGET.echoRatio) missed.push(`${fmt(ratio, 2)} < ${READ_TARGET.echoRatio}× echo`);
  if (baselines.express !== null && r.rps <= baselines.express.rps) missed.push('not above Express');
  if (r.p99 >= READ_TARGET.p99Ms) missed.push(`p99 ≥ ${READ_TARGET.p99Ms} ms`);
  return missed.length === 0 ? `met (≥ ${READ_TARGET.echoRatio}× echo, above Express, p99 < ${READ_TARGET.p99Ms} ms)` : `**not met** (${missed.join('; ')})`;
}

export function renderStore(report: StoreReport, baselines: Baselines, settings: RunSettings): string {
  const lines = [
    `#### ${report.store}`,
    '',
    `${settings.connections} connections from ${settings.generators} load-generator process(es), ${settings.durationSec} s per method${settings.rounds === 1 ? '' : ' (a read: per round)'} after a ${settings.warmupSec} s warm-up; latency of 2xx responses (the worst generator's p50/p99).`,
    '',
    `Write baseline: ${report.commit.label}: ${fmt(report.commit.rate)} commits/s, the faster of the rate before the server started (${fmt(report.commit.before)}) and after it stopped (${fmt(report.commit.after)}).`,
    '',
    `Read baseline: the echo measured right before each read, driven the same way (the column "echo before it"); a read's ratio is to that echo. Each read ran ${settings.rounds === 1 ? 'once' : `${settings.rounds} rounds of the echo and then the read, ${settings.durationSec} s each (after one warm-up of each)`}${settings.rounds === 1 ? '' : '; its row is the round with the median ratio, and the column "each round" gives every round\'s ratio in the order run'}. For a read whose requests are larger than the echo's, the echo is also sent the read's own requests once, before the rounds ("echo of its requests"; it parses and writes back the same bytes): what moving that read's requests and answers costs by itself. The target is judged against the echo before it.`,
    '',
    "Server CPU: the server process's user and system time over the measured seconds divided by the requests it answered (/proc; bench/server-cpu.ts), in microseconds, with how much of the time its main thread (the event loop) was on a core; for a read, then the echo's before it, and the echo's sent the read's own requests.",
    '',
    "| method | req/s | echo before it | vs echo | each round | echo of its requests (vs it) | vs Express | vs commits | p50 ms | p99 ms | server CPU us/req (main thread busy) / echo's / echo's of its requests | Google limit | p99 within limit | non-2xx / errors | business failures | issue 17 target |",
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|---|',
  ];
  for (const { name, limitMs, result: r, echo: echoNext, echoOwn, rounds } of report.rows) {
    const echo = echoNext ?? baselines.echo;
    const within = limitMs === null ? '–' : r.p99 < limitMs ? `yes (${fmt(limitMs / Math.max(r.p99, 1), 1)}× margin)` : '**NO**';
    const vsExpress = baselines.express === null ? '–' : fmt(r.rps / baselines.express.rps, 2);
    const vsCommits = WRITES.has(name) ? fmt(r.rps / report.commit.rate, 2) : '–';
    lines.push(
      `| ${name} | ${fmt(r.rps)} | ${echoNext === undefined ? '–' : fmt(echoNext.rps)} | ${fmt(r.rps / echo.rps, 2)} | ${roundsCell(rounds)} | ${echoOwn === undefined ? '–' : `${fmt(echoOwn.rps)} (${fmt(r.rps / echoOwn.rps, 2)})`} | ${vsExpress} | ${vsCommits} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${cpuCell(r, echoNext, echoOwn)} | ${limitMs === null ? '–' : `${fmt(limitMs)} ms`} | ${within} | ${fmt(r.non2xx)} / ${fmt(r.errors)} | ${fmt(r.businessFailures)} | ${target(name, r, echo, baselines, report.commit.rate)} |`,
    );
  }
  const needs = allowances(report, baselines);
  if (needs.length > 0) {
    lines.push(
      '',
      "What the targets not met would need: the target's request rate, and the most main-thread CPU a request that allows (the event loop on a core all the time: one second of it over that rate), next to what the method used.",
      '',
      ...needs,
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

/**
 * For each method whose request-rate target is not met: the rate the target asks for and the
 * main-thread CPU a request that rate leaves at most (a necessary condition: the server answers on
 * one thread), next to what the method, the echo before it, the echo of its own requests and
 * Express used of their main threads.
 */
export function allowances(report: StoreReport, baselines: Baselines): string[] {
  const out: string[] = [];
  const main = (r: LoadResult | undefined | null): number | null => r?.serverCpu?.mainUsPerRequest ?? null;
  const express = main(baselines.express);
  const stub = express === null ? '' : ` Express returning a fixed answer used ${fmt(express)} us.`;
  for (const { name, result: r, echo: echoNext, echoOwn } of report.rows) {
    const used = main(r);
    if (used === null) continue;
    let wanted: number;
    let of: string;
    if (WRITES.has(name)) {
      wanted = WRITE_TARGET.commitRatio * report.commit.rate;
      if (r.rps >= wanted) continue;
      of = `${WRITE_TARGET.commitRatio}× the commit rate`;
    } else {
      const echo = echoNext ?? baselines.echo;
      wanted = READ_TARGET.echoRatio * echo.rps;
      if (r.rps >= wanted) continue;
      of = `${READ_TARGET.echoRatio}× the echo before it`;
    }
    const allowed = 1e6 / wanted;
    let line = `- ${name}: ${of} is ${fmt(wanted)} req/s, at most ${fmt(allowed)} us of the main thread a request; it used ${fmt(used)} us, ${fmt(used / allowed, 1)}× that.`;
    const echoUsed = main(echoNext);
    if (echoUsed !== null) line += ` The echo before it used ${fmt(echoUsed)} us`;
    const ownUsed = main(echoOwn);
    if (echoUsed !== null)
      line +=
        ownUsed === null
          ? '.'
          : `, and ${fmt(ownUsed)} us sent this read's own requests (${fmt((ownUsed / allowed) * 100)}% of the allowance before any work of the read's).`;
    out.push(line + stub);
  }
  return out;
}

const http = (r: LoadResult): string =>
  `${fmt(r.rps)} req/s, p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms (${fmt(r.non2xx)} non-2xx, ${fmt(r.errors)} errors)${r.serverCpu === undefined ? '' : `; server CPU ${describeCpu(r.serverCpu)}`}`;

export function renderAll(reports: readonly StoreReport[], baselines: Baselines, settings: RunSettings, skipped: readonly string[]): string {
  const { echo, echoOneGenerator, echoSeveral, echoPerRequestBody, express } = baselines;
  const parts = [
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine()}; load average ${loadavg()
      .map((n) => fmt(n, 1))
      .join(', ')} at the end (other work on the machine shares the cores).`,
    '',
    'Read baselines (each server in its own process, driven like the methods):',
    '',
    `- echo (bare \`node:http\`, parses and writes back the JSON body), body built per request in 1 generator: ${http(echoPerRequestBody)}`,
    `- echo, prepared request, 1 generator: ${http(echoOneGenerator)}`,
    ...(settings.generators > 1 ? [`- echo, prepared request, ${settings.generators} generators: ${http(echoSeveral)}`] : []),
    `- **echo baseline** (the faster prepared-request line): ${fmt(echo.rps)} req/s. The per-request builder reaches ${fmt(echoPerRequestBody.rps / echo.rps, 2)}× of it: it is used for writes only, which need a unique token per request and run far below it. Reads are driven with prepared requests from ${settings.generators} generator(s).`,
    express === null
      ? '- Express: not measured'
      : `- Express 5 returning a fixed answer (after \`express.json()\`): ${http(express)}, ${fmt(express.rps / echo.rps, 2)}× the echo`,
  ];
  for (const report of reports) parts.push('', renderStore(report, baselines, settings));
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
