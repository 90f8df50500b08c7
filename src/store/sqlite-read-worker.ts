// The worker thread behind openSqliteReader (sqlite-reader.ts): one read-only connection of its own
// to the database file, answering each { id, sql, parameters } with the rows as arrays of column
// values (or the error's message), one at a time, in the order asked.
import { parentPort, workerData } from 'node:worker_threads';
import { sqliteDriver } from './sqlite-driver.js';

interface Request {
  readonly id: number;
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

const SqliteConnection = sqliteDriver();
const db = new SqliteConnection((workerData as { path: string }).path, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 10000');
const statements = new Map<string, ReturnType<typeof db.prepare>>();

parentPort!.on('message', ({ id, sql, parameters }: Request) => {
  try {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql).raw(true);
      // Few query shapes come here (the feeds' reads); the bound is for odd cases.
      if (statements.size >= 100) statements.delete(statements.keys().next().value!);
      statements.set(sql, statement);
    }
    parentPort!.postMessage({ id, rows: statement.all(parameters as unknown[]) });
  } catch (error) {
    parentPort!.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
