// WAL checkpoints of the SQLite store off the event loop (issue 17). SQLite copies the WAL back
// into the database file (a checkpoint) on the connection that commits, once the WAL holds 1,000
// pages: inside that commit, with an fsync of the WAL before and of the database file after, all
// on the event loop, because better-sqlite3 is synchronous. Here a worker thread with a connection
// of its own runs the checkpoints instead (PASSIVE: it copies what it can without waiting for the
// writer, which goes on committing meanwhile), and the server's connection checkpoints by itself
// only as a backstop, when the WAL has grown to BACKSTOP_PAGES (a checkpoint that found nothing
// left to copy, so that the WAL starts over; see openStore).
import { Worker } from 'node:worker_threads';

/** The server's connection checkpoints by itself only past this many WAL pages (SQLite's default is 1,000). */
export const BACKSTOP_PAGES = 10_000;

/** At most one checkpoint per this many milliseconds: each costs two fsyncs, which the commits' fsyncs share the disk with. */
const INTERVAL_MS = 1000;

// The worker's code: CommonJS, loaded with `eval` so that it needs no file of its own in the build
// (and runs the same under tsx in tests). It loads the same better-sqlite3 as the process.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 10000');
// A checkpoint fsyncs the WAL before copying it and the database file after, as with FULL.
db.pragma('synchronous = FULL');
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, walPages: row.log, copied: row.checkpointed });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: String(error && error.message ? error.message : error) });
  }
});
`;

type Reply = { readonly ok: true; readonly walPages: number; readonly copied: number } | { readonly ok: false; readonly error: string };

export interface CheckpointerOptions {
  /** Told about a checkpoint that failed (the backstop keeps the WAL bounded meanwhile). */
  readonly onError?: (message: string) => void;
  /** Told about each checkpoint done: the WAL's pages and how many of them are in the database file now. */
  readonly onCheckpoint?: (walPages: number, copied: number) => void;
  readonly intervalMs?: number;
}

/**
 * One worker thread that checkpoints the WAL of the database at `path` when asked, at most once
 * per interval; requests made while one runs or waits are served by the next. Durability is
 * unchanged: a checkpoint only copies committed frames into the database file (fsyncing the WAL
 * first), and SQLite lets a checkpoint by one connection run beside another's commits.
 */
export class Checkpointer {
  readonly #worker: Worker;
  readonly #intervalMs: number;
  readonly #onError: (message: string) => void;
  readonly #onCheckpoint: (walPages: number, copied: number) => void;
  #state: 'idle' | 'running' | 'waiting' = 'idle';
  #wanted = false;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  readonly #exited: Promise<void>;
  /** Checkpoints done so far, and the last one's figures; for tests. */
  checkpoints = 0;
  last: { walPages: number; copied: number } | null = null;

  constructor(path: string, driver: string, options: CheckpointerOptions = {}) {
    this.#intervalMs = options.intervalMs ?? INTERVAL_MS;
    this.#onError = options.onError ?? (() => {});
    this.#onCheckpoint = options.onCheckpoint ?? (() => {});
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver } });
    // Never keeps the process alive on its own.
    this.#worker.unref();
    this.#worker.on('message', (reply: Reply) => this.#done(reply));
    this.#worker.on('error', (error) => {
      this.#closed = true;
      this.#onError(`the checkpoint worker failed: ${error.message}`);
    });
    this.#exited = new Promise((resolve) => this.#worker.once('exit', () => resolve()));
  }

  /** Whether a checkpoint runs, or the interval after one has not yet passed. */
  get busy(): boolean {
    return this.#state !== 'idle';
  }

  /** Asks for a checkpoint: now if none ran in the last interval, else at the end of it. */
  request(): void {
    if (this.#closed) return;
    if (this.#state !== 'idle') {
      this.#wanted = true;
      return;
    }
    this.#start();
  }

  #start(): void {
    this.#state = 'running';
    this.#wanted = false;
    this.#worker.postMessage('checkpoint');
  }

  #done(reply: Reply): void {
    if (reply.ok) {
      this.checkpoints += 1;
      this.last = { walPages: reply.walPages, copied: reply.copied };
      this.#onCheckpoint(reply.walPages, reply.copied);
    } else {
      this.#onError(`a WAL checkpoint failed: ${reply.error}`);
    }
    if (this.#closed) return;
    this.#state = 'waiting';
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#closed) return;
      if (this.#wanted) this.#start();
      else this.#state = 'idle';
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** Waits for a checkpoint under way, then ends the worker and its connection. */
  async close(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (!this.#closed) {
      this.#closed = true;
      // Waited for now, so it must keep the process alive until it has exited.
      this.#worker.ref();
      this.#worker.postMessage('close');
    }
    await this.#exited;
  }
}
