// Request logging that stays off the hot path: each request has its own line at debug (method,
// route pattern, status, ms: never a URL, a body or a header, so no guest's data), and one info
// line per interval sums them up: how many, by status class and by route, and latency percentiles.
// At info, a server answering tens of thousands of requests a second writes one line a minute
// instead of one per request (issue 17: per-request lines were a visible share of a read's cost).

/** Latencies are counted in buckets growing by this factor: a percentile is within 5% of the true value. */
const GROWTH = 1.05;
const LOG_GROWTH = Math.log(GROWTH);
/** The first bucket ends at this many ms; anything faster counts there. */
const FIRST_MS = 0.05;
/** Buckets up to about 10 minutes; anything slower counts in the last. */
const BUCKETS = Math.ceil(Math.log((10 * 60_000) / FIRST_MS) / LOG_GROWTH) + 1;

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';

export interface RequestSummaryLine {
  /** Length of the interval summed up, in seconds. */
  readonly seconds: number;
  readonly requests: number;
  readonly status: Readonly<Partial<Record<StatusClass, number>>>;
  /** Requests per route pattern (e.g. "/v3/BatchGetWaitEstimates"; "unmatched" for 404s without a route). */
  readonly routes: Readonly<Record<string, number>>;
  /** Latency percentiles in ms (the upper end of the 5% bucket they fall in; max is exact). */
  readonly ms: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
}

function bucketOf(ms: number): number {
  if (!(ms > FIRST_MS)) return 0;
  return Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / FIRST_MS) / LOG_GROWTH));
}

/** The upper end of a bucket, rounded to 0.01 ms. */
function bucketEnd(bucket: number): number {
  return Math.round(FIRST_MS * GROWTH ** bucket * 100) / 100;
}

/** Sums requests up between two take() calls. Pure: no clock, no timer (the caller has those). */
export class RequestSummary {
  #requests = 0;
  #status: Partial<Record<StatusClass, number>> = {};
  #routes = new Map<string, number>();
  #buckets = new Uint32Array(BUCKETS);
  #max = 0;

  record(route: string, status: number, ms: number): void {
    this.#requests += 1;
    const cls = `${Math.min(5, Math.max(1, Math.floor(status / 100)))}xx` as StatusClass;
    this.#status[cls] = (this.#status[cls] ?? 0) + 1;
    this.#routes.set(route, (this.#routes.get(route) ?? 0) + 1);
    this.#buckets[bucketOf(ms)]! += 1;
    if (ms > this.#max) this.#max = ms;
  }

  get requests(): number {
    return this.#requests;
  }

  /** The summary of everything recorded since the last take (null when nothing was), and a fresh start. */
  take(seconds: number): RequestSummaryLine | null {
    if (this.#requests === 0) return null;
    const percentile = (p: number): number => {
      // The smallest latency with at least p of the requests at or below it.
      const rank = Math.ceil(p * this.#requests);
      let seen = 0;
      for (let b = 0; b < BUCKETS; b++) {
        seen += this.#buckets[b]!;
        if (seen >= rank) return Math.min(bucketEnd(b), Math.round(this.#max * 100) / 100);
      }
      return Math.round(this.#max * 100) / 100;
    };
    const line: RequestSummaryLine = {
      seconds,
      requests: this.#requests,
      status: this.#status,
      routes: Object.fromEntries([...this.#routes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      ms: { p50: percentile(0.5), p90: percentile(0.9), p99: percentile(0.99), max: Math.round(this.#max * 100) / 100 },
    };
    this.#requests = 0;
    this.#status = {};
    this.#routes = new Map();
    this.#buckets = new Uint32Array(BUCKETS);
    this.#max = 0;
    return line;
  }
}
