// PostgreSQL's side of `npm run bench -- --postgres --profile`: what the database's processes did
// while one method ran. Three views, each printed as measured:
// - the server's connections, sampled every few milliseconds in pg_stat_activity: how many were
//   running a statement (on CPU, or waiting on a lock, the WAL, I/O), how many sat in an open
//   transaction waiting for the booking server's next statement, how many were idle;
// - the CPU time of every PostgreSQL process (from /proc, when the database runs on this machine)
//   and of the whole machine, during the window;
// - with pg_stat_statements loaded (the bench's embedded PostgreSQL loads it), the statements by
//   total execution time.
import { readFileSync } from 'node:fs';
import pg from 'pg';

const SAMPLE_MS = 5;
const TICKS_PER_SECOND = 100;

/** User and system CPU ticks of a process, or null when it is not on this machine (or gone). */
function processTicks(pid: number): { user: number; system: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may contain spaces) in parentheses; utime and stime are the 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]), system: Number(fields[12]) };
  } catch {
    return null;
  }
}

/** CPU seconds (user, system) spent by `pids` since `start` (their ticks then), and how many of them were seen. */
function cpuSince(pids: readonly number[], start: ReadonlyMap<number, { user: number; system: number }>): { user: number; system: number; seen: number } {
  const sum = { user: 0, system: 0, seen: 0 };
  for (const pid of pids) {
    const end = processTicks(pid);
    if (end === null) continue;
    const from = start.get(pid) ?? end;
    sum.seen += 1;
    sum.user += (end.user - from.user) / TICKS_PER_SECOND;
    sum.system += (end.system - from.system) / TICKS_PER_SECOND;
  }
  return sum;
}

const cores = (seconds: number, over: number): string => `${seconds.toFixed(1)} s, ${(seconds / over).toFixed(2)} cores`;

/** The machine's busy and total CPU ticks, over all cores. */
function machineTicks(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const total = values.reduce((a, b) => a + b, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

export interface PgWindow {
  /** Stops sampling and returns the summary, ready to print. */
  stop(): Promise<string>;
}

/**
 * Starts watching the PostgreSQL database at `url` (the one the booking server uses) until stop().
 * Its own connection is left out of every count. With `serverPid`, the booking server's CPU time
 * is printed beside PostgreSQL's.
 */
export async function watchPostgres(url: string, label: string, serverPid?: number): Promise<PgWindow> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const statements = await client
    .query('create extension if not exists pg_stat_statements')
    .then(() => client.query('select pg_stat_statements_reset()'))
    .then(() => true)
    .catch(() => false);
  const pidsQuery = 'select pid from pg_stat_activity where pid <> pg_backend_pid() and (datname = current_database() or datname is null)';
  const pids = async (): Promise<number[]> => (await client.query<{ pid: number }>(pidsQuery)).rows.map((r) => r.pid);
  const startTicks = new Map<number, { user: number; system: number }>();
  for (const pid of [...(await pids()), ...(serverPid === undefined ? [] : [serverPid])]) {
    const t = processTicks(pid);
    if (t !== null) startTicks.set(pid, t);
  }
  const machineStart = machineTicks();
  const started = performance.now();
  const states = new Map<string, number>();
  let samples = 0;
  let connections = 0;
  let stopped = false;
  const sampling = (async () => {
    while (!stopped) {
      const { rows } = await client.query<{ state: string | null; wait: string | null; backend: string }>(
        `select state, wait_event_type || ':' || wait_event as wait, backend_type as backend from pg_stat_activity
          where pid <> pg_backend_pid() and datname = current_database() and backend_type = 'client backend'`,
      );
      samples += 1;
      connections += rows.length;
      for (const row of rows) {
        const key =
          row.state === 'active'
            ? `running a statement: ${row.wait ?? 'on CPU'}`
            : row.state === 'idle in transaction'
              ? 'in a transaction, waiting for the client'
              : (row.state ?? 'unknown');
        states.set(key, (states.get(key) ?? 0) + 1);
      }
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await sampling;
      const seconds = (performance.now() - started) / 1000;
      const lines = [`PostgreSQL during ${label}: ${seconds.toFixed(1)} s`];
      lines.push(
        `  the server's connections, ${samples} samples of pg_stat_activity (about every ${SAMPLE_MS} ms): ${(connections / Math.max(1, samples)).toFixed(1)} open on average, of which`,
      );
      for (const [key, n] of [...states.entries()].sort((a, b) => b[1] - a[1])) {
        lines.push(`    ${(n / Math.max(1, samples)).toFixed(2).padStart(6)}  ${key}`);
      }
      const database = cpuSince(await pids(), startTicks);
      const machineEnd = machineTicks();
      if (database.seen > 0) {
        lines.push(`  CPU of PostgreSQL's ${database.seen} processes: user ${cores(database.user, seconds)}; system ${cores(database.system, seconds)}`);
      } else {
        lines.push("  CPU of PostgreSQL's processes: not on this machine");
      }
      if (serverPid !== undefined) {
        const server = cpuSince([serverPid], startTicks);
        if (server.seen > 0) lines.push(`  CPU of the booking server: user ${cores(server.user, seconds)}; system ${cores(server.system, seconds)}`);
      }
      if (machineStart !== null && machineEnd !== null) {
        const busy = machineEnd.busy - machineStart.busy;
        const total = machineEnd.total - machineStart.total;
        lines.push(`  the machine's CPU: ${((100 * busy) / Math.max(1, total)).toFixed(0)}% busy over all its cores (every process, the bench's and others')`);
      }
      if (statements) {
        // Planning time is counted only when pg_stat_statements.track_planning is on (the bench's embedded PostgreSQL).
        const { rows } = await client.query<{ calls: string; exec: number; plan: number; query: string }>(
          `select calls::text, total_exec_time as exec, total_plan_time as plan, query from pg_stat_statements
            where dbid = (select oid from pg_database where datname = current_database()) and query not like '%pg_stat_activity%'
            order by total_exec_time + total_plan_time desc limit 12`,
        );
        lines.push('  statements by execution + planning time (pg_stat_statements; the sampling above left out): exec ms, plan ms, calls, us per call');
        for (const row of rows) {
          const text = row.query.replace(/\s+/g, ' ');
          const perCall = ((Number(row.exec) + Number(row.plan)) * 1000) / Math.max(1, Number(row.calls));
          lines.push(
            `    ${Number(row.exec).toFixed(0).padStart(6)} ${Number(row.plan).toFixed(0).padStart(6)} ${row.calls.padStart(7)} ${perCall.toFixed(0).padStart(6)}  ${text.length > 100 ? `${text.slice(0, 100)}...` : text}`,
          );
        }
      }
      await client.end();
      return lines.join('\n');
    },
  };
}
