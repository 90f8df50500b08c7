// `npm run bench -- --perf`: where a server's CPU goes per request, from Linux `perf`, kernel and
// V8's own code included. Node's --cpu-prof (--profile) samples the main thread by wall time and
// sees neither: a sample taken while the thread is off its core (preempted on a loaded 2-core
// machine, typically right after `writev` wakes a load generator) counts as JavaScript time, and
// V8's runtime (inline-cache misses, JSON parsing, BigInt, regular expressions) and the kernel's
// TCP work are not told apart. `perf record` samples the process's CPU time on every thread, so
// its samples add up to the CPU the server used, and each can be divided by the requests answered.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Samples a second of CPU time: each sample stands for 1e6 / FREQUENCY microseconds. */
export const FREQUENCY = 4000;

/** The servers run with this so that perf can name their JavaScript functions (/tmp/perf-<pid>.map). */
export const PERF_NODE_OPTION = '--perf-basic-prof';

/** Whether `perf` can be run here; the reason when not. */
export function perfAvailable(): string | null {
  const probe = spawnSync('perf', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) return 'Linux perf was not found (on Debian: apt-get install linux-perf)';
  return null;
}

export interface PerfSample {
  readonly dso: string;
  readonly symbol: string;
  readonly samples: number;
}

/**
 * Reads `perf report --stdio -n --sort dso,sym --field-separator=\x1f`: one line per symbol,
 * "overhead \x1f samples \x1f dso \x1f [k|.] symbol", comment lines starting with '#'.
 */
export function parsePerfReport(text: string): PerfSample[] {
  const rows: PerfSample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const fields = line.split('\x1f');
    if (fields.length < 4) continue;
    const samples = Number(fields[1]!.trim());
    if (!Number.isInteger(samples)) continue;
    const dso = fields[2]!.trim();
    const symbol = fields
      .slice(3)
      .join('\x1f')
      .trim()
      .replace(/^\[[k.]\]\s+/, '');
    rows.push({ dso, symbol, samples });
  }
  return rows;
}

/**
 * Where a sample's time went, in areas that tell a server's own work from what any Node HTTP
 * server pays: the kernel (TCP, the disk), V8's runtime and builtins, node's C++ and libuv,
 * JavaScript by where it lives, SQLite, the C library (malloc), and the rest.
 */
export function area(sample: PerfSample, root: string): string {
  const { dso, symbol } = sample;
  if (dso === '[kernel.kallsyms]' || dso.startsWith('[kernel')) return 'kernel';
  if (dso.startsWith('[JIT]') || dso.startsWith('perf-') || dso.endsWith('.map')) {
    if (symbol.startsWith('RegExp:')) return 'regular expressions';
    const js = /^JS:[*~^+]?\S*\s+(.*)$/.exec(symbol);
    const where = js?.[1] ?? symbol;
    if (where.startsWith('node:')) return "node's JavaScript";
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where);
    if (pkg !== null) return `JavaScript of ${pkg[1]}`;
    if (where.includes(root)) return 'our JavaScript';
    return 'other JIT code';
  }
  if (dso.includes('better_sqlite3')) return 'SQLite (better-sqlite3)';
  if (dso.startsWith('libc.so') || dso.startsWith('ld-linux')) return 'C library (malloc, memcpy)';
  if (dso === 'node' || dso.endsWith('/node')) {
    if (symbol.startsWith('Builtins_')) return 'V8 builtins (inline caches, calls)';
    if (symbol.startsWith('v8::') || symbol.startsWith('Builtins')) return 'V8 runtime (JSON, strings, objects, GC)';
    return "node's C++ and libuv (HTTP parser, streams)";
  }
  return 'other';
}

export interface PerfSummary {
  readonly label: string;
  readonly requests: number;
  readonly total: number;
  readonly areas: ReadonlyMap<string, number>;
  readonly top: readonly PerfSample[];
}

/** Samples per area and the top symbols, with the requests answered while they were taken. */
export function summarisePerf(label: string, samples: readonly PerfSample[], requests: number, root: string, topN = 15): PerfSummary {
  const areas = new Map<string, number>();
  let total = 0;
  for (const s of samples) {
    total += s.samples;
    const a = area(s, root);
    areas.set(a, (areas.get(a) ?? 0) + s.samples);
  }
  const top = [...samples].sort((a, b) => b.samples - a.samples).slice(0, topN);
  return { label, requests, total, areas, top };
}

const usPerRequest = (samples: number, requests: number): number => (requests > 0 ? (samples * 1e6) / FREQUENCY / requests : 0);
const fmt = (us: number): string => us.toFixed(1).padStart(7);

/**
 * The per-request microseconds by area of a server, next to those of its reference when given
 * (the echo sent the same requests), and the top symbols of the server.
 */
export function renderPerf(summary: PerfSummary, reference: PerfSummary | null, root: string): string {
  const lines: string[] = [];
  const { requests } = summary;
  const head = reference === null ? '' : `, next to ${reference.label} (${reference.requests.toLocaleString('en-US')} requests)`;
  lines.push(`perf: CPU a request of ${summary.label} (${requests.toLocaleString('en-US')} requests)${head}, in microseconds:`);
  const names = [...new Set([...summary.areas.keys(), ...(reference?.areas.keys() ?? [])])].sort(
    (a, b) => (summary.areas.get(b) ?? 0) - (summary.areas.get(a) ?? 0),
  );
  const line = (name: string, ours: number, theirs: number | null): string =>
    `  ${fmt(usPerRequest(ours, requests))}${theirs === null || reference === null ? '' : `  ${fmt(usPerRequest(theirs, reference.requests))}`}  ${name}`;
  lines.push(line('all', summary.total, reference?.total ?? null));
  for (const name of names) lines.push(line(name, summary.areas.get(name) ?? 0, reference === null ? null : (reference.areas.get(name) ?? 0)));
  lines.push(`  top symbols of ${summary.label}, us a request:`);
  for (const s of summary.top) {
    const symbol = s.symbol.replace(`file://${root}/`, '').replace(root, '');
    lines.push(`  ${fmt(usPerRequest(s.samples, requests))}  ${symbol.length > 110 ? `${symbol.slice(0, 107)}...` : symbol}`);
  }
  return lines.join('\n');
}

/** A `perf` command attached to a process, writing into a file of its own until stop(). */
export class PerfSession {
  readonly #dir = mkdtempSync(join(tmpdir(), 'booking-bench-perf-'));
  readonly #file = join(this.#dir, 'perf.out');
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;

  /** `args` are perf's, given the file to write (e.g. `record ... -o <file> -p <pid>`). */
  constructor(args: (file: string) => string[]) {
    this.#child = spawn('perf', args(this.#file), { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#exited = new Promise((resolve) => this.#child.once('close', resolve));
  }

  /** Stops perf (SIGINT, as Ctrl-C), then reads what it wrote; the file is removed after. */
  async stop<T>(read: (file: string) => T): Promise<T> {
    this.#child.kill('SIGINT');
    await this.#exited;
    try {
      return read(this.#file);
    } finally {
      rmSync(this.#dir, { recursive: true, force: true });
    }
  }
}

/** A `perf record` of one process, from construction to stop(); stop() gives its symbols. */
export class PerfRecording {
  readonly #session: PerfSession;

  constructor(pid: number) {
    this.#session = new PerfSession((file) => ['record', '-F', String(FREQUENCY), '-o', file, '-p', String(pid)]);
  }

  /** Ends the recording and reads its symbols. */
  stop(): Promise<PerfSample[]> {
    return this.#session.stop((file) => {
      const report = spawnSync('perf', ['report', '-i', file, '--stdio', '-n', '--sort', 'dso,sym', '--field-separator=\x1f'], {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      });
      if (report.status !== 0) throw new Error(`perf report failed: ${report.stderr.split('\n')[0]}`);
      return parsePerfReport(report.stdout);
    });
  }
}
