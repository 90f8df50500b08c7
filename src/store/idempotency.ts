// Idempotency ledger: a successful outcome is recorded under (scope, token) in the same
// transaction as the change it describes. Failures roll back and are re-attempted on retry.
import { createHash } from 'node:crypto';
import { DomainError } from '../errors.js';
import type { Db, Store, Tx } from './database.js';
import { atCommit } from './at-commit.js';
import { preparedWith } from './prepared.js';

export interface IdempotencyKey {
  readonly scope: string;
  readonly token: string;
  /** Digest of the request as parsed; the same token with another request is refused. */
  readonly requestHash: string;
  /**
   * The same token with a different request: `refuse` (409 IDEMPOTENCY_KEY_REUSED, the default)
   * or `replay` the stored result, flagged `differentRequest` (Google's CreateBooking: "If a
   * booking was already created for a CreateBooking request with this idempotency token, that
   * booking should be returned").
   */
  readonly onDifferentRequest?: 'refuse' | 'replay';
}

export type Outcome<R, F> = { readonly ok: R } | { readonly failure: F };

export function requestHash(canonical: Uint8Array | string): string {
  return createHash('sha256').update(canonical).digest('base64url');
}

class Rollback<F> extends Error {
  constructor(readonly failure: F) {
    super('rolled back');
  }
}

/**
 * Runs `work` in one transaction that commits only when it succeeds: a business failure it returns
 * rolls back everything it wrote (as a thrown error would) and is handed back as the result. The one
 * rollback-on-failure helper, shared by runIdempotent and the use cases without an idempotency key.
 */
export async function transactionUnlessFailure<R, F>(store: Store, work: (trx: Tx) => Promise<Outcome<R, F>>): Promise<Outcome<R, F>> {
  try {
    return await store.transaction(async (trx) => {
      const outcome = await work(trx);
      if ('failure' in outcome) throw new Rollback(outcome.failure);
      return outcome;
    });
  } catch (error) {
    if (error instanceof Rollback) return { failure: error.failure as F };
    throw error;
  }
}

/** Whether a result is recorded under this key (a request with this token has already succeeded). */
export async function isRecorded(db: Db, key: Pick<IdempotencyKey, 'scope' | 'token'>): Promise<boolean> {
  const row = await db.selectFrom('idempotency_records').select('token').where('scope', '=', key.scope).where('token', '=', key.token).executeTakeFirst();
  return row !== undefined;
}

// The two statements every idempotent write makes, built once (prepared.ts).
const claim = preparedWith<{ scope: string; token: string; requestHash: string; now: number }, never>((q, v) =>
  q
    .insertInto('idempotency_records')
    .values({ scope: v.scope, token: v.token, request_hash: v.requestHash, response_json: '', created_at: v.now })
    .onConflict((oc) => oc.columns(['scope', 'token']).doNothing()),
);
const recordResult = preparedWith<{ scope: string; token: string; responseJson: string }, never>((q, v) =>
  q.updateTable('idempotency_records').set({ response_json: v.responseJson }).where('scope', '=', v.scope).where('token', '=', v.token),
);

/**
 * Runs `work` once per key. The ledger row is claimed first: on PostgreSQL a concurrent claim of
 * the same key blocks on the unique index until the first transaction ends, then sees its result;
 * on SQLite write transactions are serialised. A replay returns the stored result (`replayed`).
 */
export async function runIdempotent<R, F>(
  store: Store,
  key: IdempotencyKey,
  now: number,
  work: (trx: Tx) => Promise<Outcome<R, F>>,
): Promise<{ ok: R; replayed: boolean; differentRequest?: boolean } | { failure: F }> {
  const result = await transactionUnlessFailure<{ result: R; replayed: boolean; differentRequest?: boolean }, F>(store, async (trx) => {
    const claimed = await claim(trx, { scope: key.scope, token: key.token, requestHash: key.requestHash, now });
    if (Number(claimed.numAffectedRows ?? 0) === 0) {
      const prior = await trx
        .selectFrom('idempotency_records')
        .select(['request_hash', 'response_json'])
        .where('scope', '=', key.scope)
        .where('token', '=', key.token)
        .executeTakeFirstOrThrow();
      const differentRequest = prior.request_hash !== key.requestHash;
      if (differentRequest && key.onDifferentRequest !== 'replay') {
        throw new DomainError('IDEMPOTENCY_KEY_REUSED', `idempotency_token "${key.token}" was already used for a different request`);
      }
      return { ok: { result: JSON.parse(prior.response_json) as R, replayed: true, ...(differentRequest ? { differentRequest } : {}) } };
    }
    const outcome = await work(trx);
    if ('failure' in outcome) return outcome;
    // Nobody reads the update's result: it goes with the COMMIT (one round trip on PostgreSQL).
    atCommit(trx, recordResult.compile(trx, { scope: key.scope, token: key.token, responseJson: JSON.stringify(outcome.ok) }));
    return { ok: { result: outcome.ok, replayed: false } };
  });
  if ('failure' in result) return result;
  const { result: ok, ...rest } = result.ok;
  return { ok, ...rest };
}

/**
 * Retention: deletes up to `limit` ledger records older than `cutoff` (a stored answer can hold
 * the guest's details; Google retries a request within minutes, never after the retention period).
 */
export async function deleteRecordsBefore(trx: Tx, cutoff: number, limit: number): Promise<number> {
  const keys = await trx
    .selectFrom('idempotency_records')
    .select(['scope', 'token'])
    .where('created_at', '<', cutoff)
    .orderBy('created_at')
    .limit(limit)
    .execute();
  let deleted = 0;
  for (const key of keys) {
    const result = await trx
      .deleteFrom('idempotency_records')
      .where('scope', '=', key.scope)
      .where('token', '=', key.token)
      .where('created_at', '<', cutoff)
      .executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}
