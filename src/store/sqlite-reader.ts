// Bulk reads of a SQLite file in a worker thread, on a read-only connection of its own: better-sqlite3
// runs every query on the calling thread, so a long read (the feeds read millions of slots) would
// otherwise leave that thread nothing else to do meanwhile. With the reads in a worker, the feeds
// render one page while the next one is read, on the machine's other core. Each query is its own
// read transaction, as on the main connection outside a transaction; WAL lets it run beside writers.
import { Worker } from 'node:worker_threads';
import type { CompiledQuery } from 'kysely';

/** Runs compiled reads, returning each row as an array of its column values (Store.selectArrays). */
export interface ArrayReader {
  selectArrays(query: CompiledQuery): Promise<unknown[][]>;
  close(): Promise<void>;
}

type Reply = { readonly id: number; readonly rows: unknown[][] } | { readonly id: number; readonly error: string };

/** Starts the worker; close() ends it (reads still waiting then fail). */
export function openSqliteReader(path: string): ArrayReader {
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(`./sqlite-read-worker${ts ? '.ts' : '.js'}`, import.meta.url);
  // Run from the TypeScript sources (tests, benchmarks under tsx), the worker registers tsx first:
  // a worker's execArgv does not carry the main thread's --import hooks on every supported Node.
  const worker = ts
    ? new Worker(
        `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`,
        {
          eval: true,
          workerData: { path },
        },
      )
    : new Worker(entry, { workerData: { path } });
  const waiting = new Map<number, { resolve: (rows: unknown[][]) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let failure: Error | null = null;
  const failAll = (error: Error) => {
    failure ??= error;
    for (const w of waiting.values()) w.reject(failure);
    waiting.clear();
  };
  worker.on('message', (reply: Reply) => {
    const w = waiting.get(reply.id);
    if (w === undefined) return;
    waiting.delete(reply.id);
    if ('error' in reply) w.reject(new Error(reply.error));
    else w.resolve(reply.rows);
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`the SQLite read worker exited (code ${code})`)));
  // An idle reader does not keep the process alive.
  worker.unref();
  return {
    selectArrays: (query) =>
      new Promise((resolve, reject) => {
        if (failure !== null) return reject(failure);
        const id = nextId++;
        waiting.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage({ id, sql: query.sql, parameters: query.parameters });
      }).finally(() => {
        if (waiting.size === 0) worker.unref();
      }) as Promise<unknown[][]>,
    close: async () => {
      failAll(new Error('the SQLite reader is closed'));
      await worker.terminate();
    },
  };
}
