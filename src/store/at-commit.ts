// Writes that run at the end of their transaction, atomically with it, when nobody reads their
// result: on PostgreSQL they leave together with the COMMIT, saving a round trip each.
import type { CompiledQuery } from 'kysely';

/** The atCommit statements of each open transaction run by the Store, by its Transaction object. */
const pendingAtCommit = new WeakMap<object, CompiledQuery[]>();

/**
 * Registers a write whose result nobody reads (an outbox row, a stored answer) to run at the end
 * of `trx`, atomically with it: on PostgreSQL it is sent together with the COMMIT (one round trip
 * for both), on SQLite it runs when the transaction's work returns. If it fails, the transaction
 * rolls back and its caller gets the error, as if the work had thrown it. Statements run in the
 * order registered, after everything the work itself sent. Only for transactions run by the
 * Store (Store.transaction); anywhere else it throws, rather than lose the write.
 */
export function atCommit(trx: object, query: { compile(): CompiledQuery } | CompiledQuery): void {
  const pending = pendingAtCommit.get(trx);
  if (pending === undefined) throw new Error('atCommit needs a transaction run by Store.transaction');
  pending.push('sql' in query ? query : query.compile());
}

/** Opens the list of atCommit statements of a transaction. */
export function openAtCommit(trx: object): void {
  pendingAtCommit.set(trx, []);
}

/** Takes (and empties) the atCommit statements registered so far. */
export function takeAtCommit(trx: object): CompiledQuery[] {
  const pending = pendingAtCommit.get(trx);
  if (pending === undefined) return [];
  return pending.splice(0);
}

/** Closes the list: atCommit on this transaction throws from now on. */
export function closeAtCommit(trx: object): void {
  pendingAtCommit.delete(trx);
}
