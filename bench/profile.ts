// Reads a V8 .cpuprofile (node --cpu-prof) and prints where the time went: self time by function,
// by area (our code, each dependency, node internals, GC), and inclusive time of our functions.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
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

export function summarise(file: string, root: string, top = 20, window?: ProfileWindow): string {
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
