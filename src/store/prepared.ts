// Queries built and compiled once, then run with new values. Kysely builds a query's tree and
// compiles its SQL on every call, which the benchmark's CPU profile showed as a large share of a
// hot read; a prepared query does that once per dialect and only substitutes the values. On SQLite
// the compiled text also finds its statement in the connection's statement cache (database.ts).
import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { Db, Tx } from './database.js';

class Placeholder {
  constructor(readonly key: number | string) {}
}

/**
 * The value of the prepared query's `index`-th argument, where the query is built. Only where a
 * single value goes (a comparison, an insert's value): a list for `in` is fixed when prepared.
 */
export function arg<T>(index: number): T {
  return new Placeholder(index) as unknown as T;
}

type Slot = number | string | null;
type Compiled<R> = { readonly query: CompiledQuery<R>; readonly slots: readonly Slot[] };

/** Compiles `build`'s query once per adapter (one per dialect and Kysely instance, shared by its transactions). */
function compiledOnce<R>(build: (q: Db | Tx) => Compilable<R>): (q: Db | Tx) => Compiled<R> {
  const compiled = new WeakMap<object, Compiled<R>>();
  return (q) => {
    const adapter = q.getExecutor().adapter;
    let entry = compiled.get(adapter);
    if (entry === undefined) {
      const query = build(q).compile();
      entry = { query, slots: query.parameters.map((p) => (p instanceof Placeholder ? p.key : null)) };
      compiled.set(adapter, entry);
    }
    return entry;
  };
}

/**
 * A query built once by `build` (with arg(i) where the i-th argument goes) and run as
 * `query(q, ...args)`, on a Db or inside a transaction; the rows as Kysely would return them.
 */
export function prepared<A extends readonly unknown[], R>(build: (q: Db | Tx) => Compilable<R>): (q: Db | Tx, ...args: A) => Promise<R[]> {
  const compile = compiledOnce(build);
  const checked = new WeakSet<object>();
  return async (q, ...args) => {
    const { query, slots } = compile(q);
    if (!checked.has(slots)) {
      if (!slots.some((slot) => slot !== null) && args.length > 0) throw new Error('a prepared query with arguments uses none of them');
      checked.add(slots);
    }
    const parameters = slots.map((slot, i) => (slot === null ? query.parameters[i] : args[slot as number]));
    const result = await q.executeQuery<R>({ ...query, parameters });
    return result.rows;
  };
}

/**
 * A query built once with named values, for statements with many of them (a row to insert): `build`
 * gets `v`, whose every property is where that value goes (`values({ id: v.id, ... })`,
 * `where('id', '=', v.id)`), and the query runs as `query(q, values)` with `values` of the same
 * shape. Only where a single value goes, as with arg(). The whole result (rows, and the rows an
 * insert, update or delete affected).
 */
/** A query prepared by preparedWith: run it with values, or only compile it with them. */
export interface PreparedWith<V extends object, R> {
  (q: Db | Tx, values: V): Promise<QueryResult<R>>;
  /** The query with these values, compiled but not run (for a write at commit: at-commit.ts). */
  compile(q: Db | Tx, values: V): CompiledQuery<R>;
}

export function preparedWith<V extends object, R>(build: (q: Db | Tx, v: V) => Compilable<R>): PreparedWith<V, R> {
  const names = new Proxy({} as V, { get: (_, key) => (typeof key === 'string' ? new Placeholder(key) : undefined) });
  const compile = compiledOnce((q) => build(q, names));
  const withValues = (q: Db | Tx, values: V): CompiledQuery<R> => {
    const { query, slots } = compile(q);
    const parameters = slots.map((slot, i) => (slot === null ? query.parameters[i] : (values as Record<string, unknown>)[slot as string]));
    return { ...query, parameters };
  };
  return Object.assign((q: Db | Tx, values: V) => q.executeQuery<R>(withValues(q, values)), { compile: withValues });
}
