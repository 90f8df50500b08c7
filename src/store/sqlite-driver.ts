// Which better-sqlite3 this process loads. better-sqlite3 13 is built on Node-API and ships
// prebuilt binaries; it is the one to use, but it needs Node >= 22 (on Node 20 it crashes in
// `new Database()`). better-sqlite3 12 still runs on Node 20, but on Node 24.19 and later it
// aborts the process when a statement is garbage-collected outside a V8 context (it derives from
// node::ObjectWrap, whose header-only destructor now asserts an Environment; nodejs/node#65446).
// So Node 20 loads 12 (installed under the alias better-sqlite3-node20) and every later Node loads
// 13. Both have the same JavaScript API; the alias goes when Node 20 support does. 12 is an
// optional dependency: where its native build fails (a Node it does not support, no compiler),
// the install still succeeds, and only Node 20 needs it.
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const require = createRequire(import.meta.url);

export const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/** The package name loaded on this Node: `better-sqlite3` (13) or `better-sqlite3-node20` (12). */
export const sqlitePackage = NODE_MAJOR >= 22 ? 'better-sqlite3' : 'better-sqlite3-node20';

let loaded: typeof BetterSqlite3 | null = null;

/** The driver, loaded on first use (a PostgreSQL-only deployment never needs it). */
export function sqliteDriver(): typeof BetterSqlite3 {
  if (loaded !== null) return loaded;
  try {
    loaded = require(sqlitePackage) as typeof BetterSqlite3;
    return loaded;
  } catch (error) {
    const hint =
      sqlitePackage === 'better-sqlite3-node20' ? ' (its native build needs python3, make and a C++ compiler: `npm rebuild better-sqlite3-node20`)' : '';
    throw new Error(`cannot load ${sqlitePackage}, the SQLite driver for Node ${NODE_MAJOR}${hint}: ${(error as Error).message}`, { cause: error });
  }
}

/** Where the driver's module is, for a worker thread that opens a connection of its own (checkpointer.ts). */
export function sqliteDriverPath(): string {
  return require.resolve(sqlitePackage);
}

export type SqliteDatabase = BetterSqlite3.Database;
