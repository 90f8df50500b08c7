// The conformance client's HTTP side: plain JSON over fetch, as Google speaks it (proto field
// names, int64 as strings), Basic auth on every request. Every call is timed and kept as an
// exchange so that a failing case can show what was sent and what came back. The Authorization
// header is never recorded: the password appears in no report.
import type { Method } from './contract.js';

export interface Exchange {
  readonly method: string;
  readonly path: string;
  /** The body sent, as text; null for a GET. */
  readonly request: string | null;
  /** 0 when no HTTP answer came (connection refused, timeout). */
  readonly status: number;
  readonly response: string;
  readonly ms: number;
  readonly note?: string;
}

export interface Answer extends Exchange {
  /** The body parsed as JSON; undefined when it is not JSON. */
  readonly json: unknown;
}

export type Auth = { readonly user: string; readonly password: string } | 'none';

export interface CallOptions {
  /** Credentials other than the configured ones (the authentication negatives). */
  readonly auth?: Auth;
  /** Counted in the latency figures; false for the concurrent bursts, which measure nothing about one request. */
  readonly timed?: boolean;
  readonly note?: string;
}

export class ConformanceClient {
  /** Latencies in ms of the timed calls, per method. */
  readonly latencies = new Map<Method, number[]>();
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly auth: { readonly user: string; readonly password: string },
    private readonly timeoutMs: number,
    /** Every exchange, as it completes (the case runner keeps the ones of the running case). */
    private readonly onExchange: (exchange: Exchange) => void = () => {},
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  /** POST /v3/<method> with a JSON body (an object, or the exact text to send). */
  post(method: Method | string, body: unknown, options: CallOptions = {}): Promise<Answer> {
    return this.call('POST', method, typeof body === 'string' ? body : JSON.stringify(body), options);
  }

  get(method: Method | string, options: CallOptions = {}): Promise<Answer> {
    return this.call('GET', method, null, options);
  }

  private async call(verb: 'GET' | 'POST', method: string, body: string | null, options: CallOptions): Promise<Answer> {
    const path = `/v3/${method}`;
    const auth = options.auth ?? this.auth;
    const headers: Record<string, string> = {};
    if (auth !== 'none') headers.authorization = `Basic ${Buffer.from(`${auth.user}:${auth.password}`, 'utf8').toString('base64')}`;
    if (body !== null) headers['content-type'] = 'application/json';
    const started = performance.now();
    let status = 0;
    let text = '';
    try {
      const response = await fetch(`${this.base}${path}`, {
        method: verb,
        headers,
        ...(body === null ? {} : { body }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      text = `(no HTTP answer: ${describeFetchError(error)})`;
    }
    const ms = performance.now() - started;
    if (options.timed !== false && status !== 0) {
      const list = this.latencies.get(method as Method) ?? [];
      list.push(ms);
      this.latencies.set(method as Method, list);
    }
    const exchange: Exchange = { method: verb, path, request: body, status, response: text, ms, ...(options.note ? { note: options.note } : {}) };
    this.onExchange(exchange);
    return { ...exchange, json: parseJson(text) };
  }
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timed out';
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** p-th percentile (nearest rank) of the values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}
