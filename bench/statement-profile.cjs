// Bench only (`npm run bench -- --profile`, SQLite): preloaded into the booking server's process with
// NODE_OPTIONS=--require by bench/processes.ts, never by the server itself. It times every SQLite
// statement the server runs (better-sqlite3's Statement run/get/all/iterate and Database exec) and
// sums the time and the calls per SQL text. The bench sends SIGUSR2 between its phases: each signal
// writes what was summed since the previous one to BENCH_STATEMENT_PROFILE_DIR as
// statements-<pid>-<n>.json (n = 0, 1, ...) and starts again from zero; the process's exit writes
// the rest as the next n. Bounded in memory: at most MAX_STATEMENTS distinct texts per phase, the
// others summed under one line.
'use strict';
const { createRequire } = require('node:module');
const { writeFileSync, renameSync } = require('node:fs');
const { join } = require('node:path');
const { isMainThread } = require('node:worker_threads');

const MAX_STATEMENTS = 1000;
const OTHERS = '(other statements)';
const dir = process.env.BENCH_STATEMENT_PROFILE_DIR;

/** SQL text -> [calls, nanoseconds] since the last phase was written. */
let stats = new Map();
let phase = 0;

function add(text, ns) {
  const sql = stats.has(text) || stats.size < MAX_STATEMENTS ? text : OTHERS;
  let entry = stats.get(sql);
  if (entry === undefined) {
    entry = [0, 0];
    stats.set(sql, entry);
  }
  entry[0] += 1;
  entry[1] += ns;
}

function timed(original, sqlOf) {
  return function (...args) {
    const started = process.hrtime.bigint();
    try {
      return original.apply(this, args);
    } finally {
      add(sqlOf(this, args), Number(process.hrtime.bigint() - started));
    }
  };
}

/** iterate() does its work in next(): each step is timed, and the statement counts one call. */
function timedIterate(original) {
  return function (...args) {
    const started = process.hrtime.bigint();
    const iterator = original.apply(this, args);
    let ns = Number(process.hrtime.bigint() - started);
    let counted = false;
    const count = () => {
      if (counted) return;
      counted = true;
      add(this.source, ns);
    };
    return {
      next(...nextArgs) {
        const at = process.hrtime.bigint();
        try {
          const step = iterator.next(...nextArgs);
          ns += Number(process.hrtime.bigint() - at);
          if (step.done) count();
          return step;
        } catch (error) {
          count();
          throw error;
        }
      },
      return(value) {
        count();
        return typeof iterator.return === 'function' ? iterator.return(value) : { done: true, value };
      },
      [Symbol.iterator]() {
        return this;
      },
    };
  };
}

function patchStatements(proto) {
  for (const name of ['run', 'get', 'all']) {
    if (typeof proto[name] === 'function') proto[name] = timed(proto[name], (statement) => statement.source);
  }
  if (typeof proto.iterate === 'function') proto.iterate = timedIterate(proto.iterate);
}

function patchDriver(Database) {
  if (Database.prototype.__benchStatementProfile) return;
  Object.defineProperty(Database.prototype, '__benchStatementProfile', { value: true });
  let statementsPatched = false;
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function (...args) {
    const statement = prepare.apply(this, args);
    if (!statementsPatched) {
      statementsPatched = true;
      patchStatements(Object.getPrototypeOf(statement));
    }
    return statement;
  };
  Database.prototype.exec = timed(Database.prototype.exec, (_db, args) => `exec: ${String(args[0])}`);
}

function writePhase() {
  const statements = [...stats].map(([sql, [calls, ns]]) => ({ sql, calls, ns }));
  stats = new Map();
  const file = join(dir, `statements-${process.pid}-${phase}.json`);
  phase += 1;
  // Written whole, then renamed: the bench never reads half a file.
  writeFileSync(`${file}.tmp`, JSON.stringify({ pid: process.pid, statements }));
  renameSync(`${file}.tmp`, file);
}

// The server's main thread only: worker threads (the checkpointer, the feed's reader) are not
// timed, and child processes (the feeds) do not inherit the directory.
if (dir && isMainThread && process.argv[1]) {
  delete process.env.BENCH_STATEMENT_PROFILE_DIR;
  // The package src/store/sqlite-driver.ts loads on this Node, resolved from the server's own
  // entry point, so that the server's require finds this very module (patched) in the cache.
  const name = Number(process.versions.node.split('.')[0]) >= 22 ? 'better-sqlite3' : 'better-sqlite3-node20';
  patchDriver(createRequire(process.argv[1])(name));
  process.on('SIGUSR2', writePhase);
  process.on('exit', writePhase);
}
