// Reads a V8 .cpuprofile (node --cpu-prof) and prints where the time went: self time by function,
// by area (our code, each dependency, node internals, GC), and inclusive time of our functions.
// Also reads the SQLite statement profile (bench/statement-profile.cjs) phase by phase.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function place(url: string, root: string): string {
  if (url === '') return '';
  let path = url;
  if (url.startsWith('file://')) path = relative(root, fileURLToPath(url));
  return path;
}

function area(url: string): string {
  if (url === '') return '(native/V8)';
  if (url.startsWith('node:')) return 'node internals';
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return dep[1]!;
  if (url.includes('/dist/') || url.includes('/src/')) return 'our code';
  return url;
}

/**
 * A stretch of the run: microseconds of the monotonic clock (process.hrtime), which V8 stamps the
 * profile's samples with on Linux, so a window taken in the bench's process selects the server's
 * samples during one method.
 */
export interface ProfileWindow {
  readonly label: string;
  readonly fromUs: number;
  readonly toUs: number;
}

/** Now on the clock the profile's timestamps use (see ProfileWindow). */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * `functions`: names of functions, ours or a library's (BENCH_PROFILE_FUNCTIONS), whose inclusive
 * time is listed too, each name summed over every function of that name (not at all when none of
 * them ran, as in a worker's profile).
 */
export function summarise(file: string, root: string, top = 20, window?: ProfileWindow, functions: readonly string[] = []): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Each sample's time; with a window, only the samples inside it count.
  const inWindow: boolean[] = [];
  let at = profile.startTime;
  for (const [i] of profile.samples.entries()) {
    at += profile.timeDeltas[i] ?? 0;
    inWindow.push(window === undefined || (at >= window.fromUs && at <= window.toUs));
  }
  const selfUs = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) if (inWindow[i]) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const totalUs =
    window === undefined
      ? profile.endTime - profile.startTime
      : Math.max(1, Math.min(window.toUs, profile.endTime) - Math.max(window.fromUs, profile.startTime));

  const key = (n: ProfileNode): string => `${n.callFrame.functionName || '(anonymous)'} ${place(n.callFrame.url, root)}:${n.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    const name = n.callFrame.functionName;
    const k = name.startsWith('(') ? name : key(n);
    self.set(k, (self.get(k) ?? 0) + us);
    const a = name === '(idle)' || name === '(garbage collector)' || name === '(program)' ? name : area(n.callFrame.url);
    areas.set(a, (areas.get(a) ?? 0) + us);
  }
  // Inclusive time of our own functions: every sample counts once for each distinct function on its stack.
  const inclusive = new Map<string, number>();
  const stackKeys = new Map<number, string[]>();
  const ours = (n: ProfileNode): boolean => /\/(dist|src)\//.test(n.callFrame.url) && !n.callFrame.url.includes('node_modules');
  const keysOf = (id: number): string[] => {
    const cached = stackKeys.get(id);
    if (cached) return cached;
    const keys = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      if (ours(n)) keys.add(key(n));
    }
    const list = [...keys];
    stackKeys.set(id, list);
    return list;
  };
  profile.samples.forEach((id, i) => {
    if (!inWindow[i]) return;
    for (const k of keysOf(id)) inclusive.set(k, (inclusive.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  // The named functions' inclusive time: a sample counts for a name when a frame of that name is on its stack.
  const named = new Map<string, number>(functions.map((f) => [f, 0]));
  if (functions.length > 0) {
    const wanted = new Set(functions);
    const namesOn = new Map<number, string[]>();
    const namesOf = (id: number): string[] => {
      let names = namesOn.get(id);
      if (names === undefined) {
        const found = new Set<string>();
        for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
          const name = byId.get(cur)!.callFrame.functionName;
          if (wanted.has(name)) found.add(name);
        }
        names = [...found];
        namesOn.set(id, names);
      }
      return names;
    };
    profile.samples.forEach((id, i) => {
      if (!inWindow[i]) return;
      for (const name of namesOf(id)) named.set(name, named.get(name)! + (profile.timeDeltas[i] ?? 0));
    });
  }

  const pct = (us: number): string => `${((100 * us) / totalUs).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>, n: number): string[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  return [
    window === undefined ? `CPU profile ${file}: ${(totalUs / 1e6).toFixed(1)} s` : `CPU profile during ${window.label}: ${(totalUs / 1e6).toFixed(1)} s`,
    'Self time by area:',
    ...list(areas, 15),
    `Self time, top ${top} functions:`,
    ...list(self, top),
    `Inclusive time of our functions, top ${top}:`,
    ...list(inclusive, top),
    ...([...named.values()].some((us) => us > 0)
      ? [
          'Inclusive time of the functions named (BENCH_PROFILE_FUNCTIONS):',
          ...[...named].map(([k, us]) => `  ${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`),
        ]
      : []),
  ].join('\n');
}

/** One phase of the statement profile, as bench/statement-profile.cjs writes it. */
interface StatementPhaseFile {
  readonly pid: number;
  readonly statements: readonly { readonly sql: string; readonly calls: number; readonly ns: number }[];
}

/**
 * The SQLite statement profile of one booking server (bench/statement-profile.cjs, preloaded in
 * its process): `mark()` ends the current phase (SIGUSR2) and resolves with the file it was
 * written to, once written; the process's exit writes the last one.
 */
export class StatementProfile {
  #next = 0;

  constructor(
    private readonly dir: string,
    private readonly pid: number,
  ) {}

  async mark(): Promise<string> {
    const file = join(this.dir, `statements-${this.pid}-${this.#next}.json`);
    this.#next += 1;
    process.kill(this.pid, 'SIGUSR2');
    // The server writes it on its event loop, which a group of writes may hold for a while.
    const deadline = Date.now() + 60_000;
    while (!existsSync(file)) {
      if (Date.now() > deadline) throw new Error(`the booking server did not write its statement profile ${file}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return file;
  }
}

const digits = (n: number, fraction = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: fraction, maximumFractionDigits: fraction });

/**
 * The top statements of one phase by total time: calls, calls per request, microseconds per call,
 * total milliseconds, and the SQL (whitespace folded, cut at `width`). Time is wall time inside
 * better-sqlite3's synchronous calls on the server's main thread, so on a loaded machine it
 * includes time the process waited for a core.
 */
export function summariseStatements(file: string, label: string, requests: number, top = 12, width = 110): string {
  const phase = JSON.parse(readFileSync(file, 'utf8')) as StatementPhaseFile;
  const rows = [...phase.statements].sort((a, b) => b.ns - a.ns);
  const calls = rows.reduce((sum, r) => sum + r.calls, 0);
  const ns = rows.reduce((sum, r) => sum + r.ns, 0);
  const perRequest = requests > 0 ? `, ${digits(calls / requests, 1)} statements and ${digits(ns / 1000 / requests)} us a request` : '';
  const sql = (text: string): string => {
    const folded = text.replace(/\s+/g, ' ').trim();
    return folded.length > width ? `${folded.slice(0, width - 3)}...` : folded;
  };
  return [
    `SQLite statements during ${label}: ${digits(requests)} requests; ${digits(calls)} calls, ${digits(ns / 1e6)} ms${perRequest}`,
    `  ${'calls'.padStart(9)} ${'/req'.padStart(6)} ${'us/call'.padStart(8)} ${'total ms'.padStart(9)}  statement (top ${top} by total time)`,
    ...rows
      .slice(0, top)
      .map(
        (r) =>
          `  ${digits(r.calls).padStart(9)} ${(requests > 0 ? digits(r.calls / requests, 2) : '-').padStart(6)} ${digits(r.ns / 1000 / r.calls, 1).padStart(8)} ${digits(r.ns / 1e6).padStart(9)}  ${sql(r.sql)}`,
      ),
  ].join('\n');
}

// `node --import tsx bench/profile.ts <file.cpuprofile>` prints the summary of a saved profile.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top = '25'] = process.argv.slice(2);
  if (!file || !Number.isInteger(Number(top))) {
    process.stderr.write('usage: bench/profile.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${summarise(file, process.cwd(), Number(top))}\n`);
}
