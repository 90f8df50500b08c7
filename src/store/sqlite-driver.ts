// Which better-sqlite3 this process loads. better-sqlite3 13 is built on Node-API and ships
// prebuilt binaries; it is the one to use, but it needs Node >= 22 (on Node 20 it crashes in
// `new Database()`). better-sqlite3 12 still runs on Node 20, but on Node 24.19 and later it
// aborts the process when a statement is garbage-collected outside a V8 context (it derives from
// node::ObjectWrap, whose header-only destructor now asserts an Environment; nodejs/node#65446).
// So Node 20 loads 12 (installed under the alias better-sqlite3-node20) and every later Node loads
// 13. Both have the same JavaScript API; the alias goes when Node 20 support does.
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const require = createRequire(import.meta.url);

export const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/** The package name loaded on this Node: `better-sqlite3` (13) or `better-sqlite3-node20` (12). */
export const sqlitePackage = NODE_MAJOR >= 22 ? 'better-sqlite3' : 'better-sqlite3-node20';

export const SqliteDatabase = require(sqlitePackage) as typeof BetterSqlite3;
export type SqliteDatabase = BetterSqlite3.Database;
