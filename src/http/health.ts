// Health for machines: `GET /healthz` (the process is alive: no auth, no database) and `GET /readyz`
// (this replica can take traffic: the database answers, its schema is current, and the process is
// not shutting down). Both are cheap and unauthenticated, for load balancers and orchestrators.
import type { FastifyInstance } from 'fastify';
import { pendingMigrations, ping, type Store } from '../store/database.js';

/** Set by the CLI when graceful shutdown starts, so that /readyz turns 503 before the listener closes. */
export class Lifecycle {
  #shuttingDown = false;
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }
  beginShutdown(): void {
    this.#shuttingDown = true;
  }
}

/** A database that does not answer within this is not ready (the probe must not hang the balancer's check). */
const DATABASE_TIMEOUT_MS = 2_000;

interface Check {
  readonly ok: boolean;
  readonly detail?: string;
}

export function healthRoutes(deps: { readonly store: Store; readonly lifecycle: Lifecycle }) {
  // Applied migrations are never undone: once the schema is seen current it stays so for this build.
  let schemaCurrent = false;

  async function database(): Promise<{ database: Check; schema: Check }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${DATABASE_TIMEOUT_MS} ms`)), DATABASE_TIMEOUT_MS);
    });
    try {
      await Promise.race([ping(deps.store.db), timeout]);
      if (!schemaCurrent) {
        const pending = await Promise.race([pendingMigrations(deps.store.db), timeout]);
        if (pending.length > 0)
          return { database: { ok: true }, schema: { ok: false, detail: `pending migrations: ${pending.join(', ')} (run booking-server migrate)` } };
        schemaCurrent = true;
      }
      return { database: { ok: true }, schema: { ok: true } };
    } catch (error) {
      // The reason, not the error: a driver message may carry the connection string.
      const detail = error instanceof Error && error.message.startsWith('no answer within') ? error.message : 'unreachable';
      return { database: { ok: false, detail }, schema: { ok: schemaCurrent } };
    } finally {
      clearTimeout(timer);
    }
  }

  return async function health(app: FastifyInstance): Promise<void> {
    app.get('/healthz', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return { status: 'ok' };
    });
    app.get('/readyz', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      const shutdown: Check = deps.lifecycle.shuttingDown ? { ok: false, detail: 'shutting down' } : { ok: true };
      // A replica on its way out says so without touching the database.
      const checks = shutdown.ok ? { ...(await database()), shutdown } : { shutdown };
      const ready = Object.values(checks).every((c) => c.ok);
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
    });
  };
}
