// Learned wait models shared by every replica (issue 15): the background refresh stores each
// merchant's model here, and every estimate reads the stored model (its version is checked with
// the floor, the model itself is fetched again only when the version changed), so replicas on one
// database give the same estimate.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('learned_models')
    .addColumn('merchant_id', 'text', (c) => c.primaryKey())
    // Raised by one on every store: the request path compares it with its cached copy.
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('computed_at', 'bigint', (c) => c.notNull())
    // The model the estimator reads (JSON), and what it was learned from (JSON, for the admin API).
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('learned_models').ifExists().execute();
}
