// Queries built and compiled once, then run with new values. Kysely builds a query's tree and
// compiles its SQL on every call, which the benchmark's CPU profile showed as a large share of a
// hot read; a prepared query does that once per dialect and only substitutes the values. On SQLite
// the compiled text also finds its statement in the connection's statement cache (database.ts).
import type { Compilable, CompiledQuery } from 'kysely';
import type { Db, Tx } from './database.js';

class Placeholder {
  constructor(readonly index: number) {}
}

/**
 * The value of the prepared query's `index`-th argument, where the query is built. Only where a
 * single value goes (a comparison, an insert's value): a list for `in` is fixed when prepared.
 */
export function arg<T>(index: number): T {
  return new Placeholder(index) as unknown as T;
}

/**
 * A query built once by `build` (with arg(i) where the i-th argument goes) and run as
 * `query(q, ...args)`, on a Db or inside a transaction; the rows as Kysely would return them.
 */
export function prepared<A extends readonly unknown[], R>(build: (q: Db | Tx) => Compilable<R>): (q: Db | Tx, ...args: A) => Promise<R[]> {
  // Compiled per adapter (one per dialect and Kysely instance, shared by its transactions).
  const compiled = new WeakMap<object, { query: CompiledQuery<R>; slots: (number | null)[] }>();
  return async (q, ...args) => {
    const adapter = q.getExecutor().adapter;
    let entry = compiled.get(adapter);
    if (entry === undefined) {
      const query = build(q).compile();
      entry = { query, slots: query.parameters.map((p) => (p instanceof Placeholder ? p.index : null)) };
      if (!entry.slots.some((slot) => slot !== null) && args.length > 0) throw new Error('a prepared query with arguments uses none of them');
      compiled.set(adapter, entry);
    }
    const { query, slots } = entry;
    const parameters = slots.map((slot, i) => (slot === null ? query.parameters[i] : args[slot]));
    const result = await q.executeQuery<R>({ ...query, parameters });
    return result.rows;
  };
}
