// Prometheus metrics: request latency per route (against Google's limits), real-time update
// deliveries, and the outbox backlog read from the store at scrape time.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { nowSeconds, type Clock } from '../clock.js';
import { stats } from '../rtu/outbox.js';
import type { DeliveryObserver } from '../rtu/worker.js';
import { dailyRunHealth, type DailyRunTable } from '../store/daily-runs.js';
import type { Store } from '../store/database.js';

export class Metrics {
  readonly registry = new Registry();
  readonly requestSeconds: Histogram<'method' | 'route' | 'status'>;
  private readonly deliveries: Counter<'kind' | 'result' | 'status'>;

  constructor(store: Store, clock: Clock) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requestSeconds = new Histogram({
      name: 'booking_server_request_duration_seconds',
      help: 'HTTP request latency by route pattern and status (Google: 1 s wait estimates, 1.5 s availability, 4 s bookings)',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 4, 10],
      registers,
    });
    this.deliveries = new Counter({
      name: 'booking_server_rtu_deliveries_total',
      help: 'Real-time update calls to Google by kind and result (delivered, retry, rejected)',
      labelNames: ['kind', 'result', 'status'],
      registers,
    });
    // One read of the outbox per scrape feeds the three gauges below.
    let snapshot: Promise<Awaited<ReturnType<typeof stats>>> | null = null;
    const read = () => (snapshot ??= stats(store.db).finally(() => setTimeout(() => (snapshot = null), 0)));
    new Gauge({
      name: 'booking_server_outbox_pending',
      help: 'Real-time updates waiting for delivery',
      registers,
      async collect() {
        this.set((await read()).pending);
      },
    });
    new Gauge({
      name: 'booking_server_outbox_dead',
      help: 'Real-time updates Google rejected, parked until replayed',
      registers,
      async collect() {
        this.set((await read()).dead);
      },
    });
    new Gauge({
      name: 'booking_server_outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest undelivered real-time update (Google expects updates within minutes)',
      registers,
      async collect() {
        const oldest = (await read()).oldestPendingCreatedAt;
        this.set(oldest === null ? 0 : Math.max(0, nowSeconds(clock) - oldest));
      },
    });
    this.dailyRuns(store, registers);
  }

  /** Daily jobs (feeds upload, retention), read from their run records at scrape time. */
  private dailyRuns(store: Store, registers: Registry[]): void {
    const jobs: [string, DailyRunTable][] = [
      ['feeds', 'feed_runs'],
      ['retention', 'retention_runs'],
    ];
    const read = () => Promise.all(jobs.map(async ([job, table]) => [job, await dailyRunHealth(store.db, table)] as const));
    new Gauge({
      name: 'booking_server_daily_run_last_success_timestamp_seconds',
      help: 'When the latest successful daily run ended (epoch seconds; 0: none yet), by job (feeds, retention)',
      labelNames: ['job'],
      registers,
      async collect() {
        for (const [job, health] of await read()) this.set({ job }, health.lastSuccessAt ?? 0);
      },
    });
    new Gauge({
      name: 'booking_server_daily_run_last_failed',
      help: 'Whether the latest finished daily run failed (1) or not (0), by job (feeds, retention)',
      labelNames: ['job'],
      registers,
      async collect() {
        for (const [job, health] of await read()) this.set({ job }, health.lastFailed ? 1 : 0);
      },
    });
  }

  observer(): DeliveryObserver {
    return {
      delivered: (kind) => this.deliveries.inc({ kind, result: 'delivered', status: '2xx' }),
      failed: (kind, reason, status) => this.deliveries.inc({ kind, result: reason, status: status === null ? 'network' : String(status) }),
    };
  }
}
