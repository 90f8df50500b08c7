// The direct read path: Google's three hottest reads (BatchGetWaitEstimates, GetWaitlistEntry,
// BatchAvailabilityLookup), and since its two hottest writes (CreateWaitlistEntry, CreateBooking),
// answered at the node:http level, in front of Fastify, when the request is plain; everything else
// goes to Fastify untouched. Fastify's own pipeline (routing, hooks, content-type parsing, reply,
// its per-request objects) was most of what a read from memory cost (docs/PERFORMANCE.md, issue
// 17); a write is the same transaction either way, only that pipeline is skipped. The work of each
// route is the same function the Fastify route calls, and errors are answered by the same mapping
// (error-mapping.ts `errorAnswer`), so both paths answer byte for byte alike; fast-reads.test.ts
// compares them over real HTTP.
//
// A request is taken only when, before its body is read: it is a POST to one of the routes' exact
// paths (no query, no other spelling Fastify's router would also accept), its Content-Type is
// application/json (optionally with charset=utf-8), its Content-Length is given, above 0 and within
// BODY_LIMIT_BYTES, it has no Expect, Transfer-Encoding or Content-Encoding, it has a Host, its
// Authorization header is one that already passed the full Basic auth check (VerifiedCredentials),
// the server is not shutting down, and the logger would not write a line per request (debug).
// Then everything Fastify would do for it is done here: the JSON body parsed as Fastify's parser
// does (a BOM dropped, __proto__ and constructor.prototype refused), the answer or the error's
// answer written with the same headers, and the request counted in the metrics, the request
// summary and the change feed's poke as the onResponse hooks do.
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';
import { DomainError } from '../errors.js';
import type { VerifiedCredentials } from './basic-auth.js';
import { errorAnswer } from './error-mapping.js';
import { LazyRequestLogger } from './request-logger.js';

const JSON_TYPE = 'application/json; charset=utf-8';

export interface FastRoute {
  /** The full path, prefix included, exactly as registered with Fastify. */
  readonly path: string;
  /**
   * The route's work, from the parsed body to the answer's JSON (at once when it needs no I/O);
   * shared with the Fastify route. `log` gives the request's logger (made on first use).
   */
  readonly answer: (body: unknown, log: () => FastifyBaseLogger) => string | Promise<string>;
}

export interface FastReadsOptions {
  readonly routes: readonly FastRoute[];
  readonly bodyLimit: number;
  readonly verified: VerifiedCredentials;
  readonly logger: Logger;
  /** False once the server drains or shuts down: Fastify then answers (503, Connection: close). */
  readonly open: () => boolean;
  /** What the onResponse hooks do for a request answered: metrics, summary, change feed. */
  readonly answered: (method: string, route: string, status: number, ms: number) => void;
  /** The shared request id generator (Fastify's genReqId), for requests that log. */
  readonly requestId: () => string;
}

/** The Content-Type values taken (Node gives the header as sent; Fastify's parser lowercases). */
function isJsonType(value: string | undefined): boolean {
  if (value === undefined) return false;
  if (value === 'application/json' || value === 'application/json; charset=utf-8') return true;
  const lower = value.toLowerCase();
  return lower === 'application/json' || lower === 'application/json; charset=utf-8';
}

/** A Content-Length of digits only, above 0; -1 otherwise. */
function contentLength(value: string | undefined): number {
  if (value === undefined || value.length === 0 || value.length > 15) return -1;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
  }
  return Number(value);
}

const SUSPECT_PROTO =
  /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"\s*:/;
const SUSPECT_CONSTRUCTOR =
  /"(?:c|\\u0063)(?:o|\\u006[Ff])(?:n|\\u006[Ee])(?:s|\\u0073)(?:t|\\u0074)(?:r|\\u0072)(?:u|\\u0075)(?:c|\\u0063)(?:t|\\u0074)(?:o|\\u006[Ff])(?:r|\\u0072)"\s*:/;

/** Whether a parsed value holds a __proto__ key or a constructor with a prototype key, anywhere. */
function poisoned(root: object): boolean {
  let next: object[] = [root];
  while (next.length > 0) {
    const nodes = next;
    next = [];
    for (const node of nodes) {
      if (Object.hasOwn(node, '__proto__')) return true;
      const ctor = Object.hasOwn(node, 'constructor') ? (node as { constructor: unknown }).constructor : null;
      if (ctor !== null && typeof ctor === 'object' && Object.hasOwn(ctor, 'prototype')) return true;
      for (const key in node) {
        const value = (node as Record<string, unknown>)[key];
        if (value !== null && typeof value === 'object') next.push(value);
      }
    }
  }
  return false;
}

const NOT_JSON = 'request body is not valid JSON';

/**
 * The body as Fastify's application/json parser (secure-json-parse, refusing prototype poisoning)
 * reads it: a leading BOM dropped, then JSON.parse; a __proto__ key or a constructor.prototype
 * anywhere is refused like invalid JSON. Throws the error Fastify's route would get.
 */
export function parseJsonBody(text: string): unknown {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch {
    throw new DomainError('INVALID_ARGUMENT', NOT_JSON);
  }
  if (value !== null && typeof value === 'object' && (SUSPECT_PROTO.test(source) || SUSPECT_CONSTRUCTOR.test(source)) && poisoned(value)) {
    throw new DomainError('INVALID_ARGUMENT', NOT_JSON);
  }
  return value;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The direct read path, when on (BOOKING_SERVER_FAST_READS). */
    fastReads?: FastReads;
  }
}

export class FastReads {
  readonly #routes = new Map<string, FastRoute>();
  /** Requests answered here (tests check that the path was taken). */
  taken = 0;

  constructor(private readonly options: FastReadsOptions) {
    for (const route of options.routes) this.#routes.set(route.path, route);
  }

  /** Answers the request and returns true when it is plain (see above); false: Fastify's. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'POST') return false;
    const route = this.#routes.get(req.url ?? '');
    if (route === undefined) return false;
    const headers = req.headers;
    const length = contentLength(headers['content-length']);
    if (length <= 0 || length > this.options.bodyLimit) return false;
    if (!isJsonType(headers['content-type'])) return false;
    if (headers.expect !== undefined || headers['transfer-encoding'] !== undefined || headers['content-encoding'] !== undefined) return false;
    if (headers.host === undefined) return false;
    const authorization = headers.authorization;
    if (authorization === undefined || !this.options.verified.has(authorization)) return false;
    if (!this.options.open() || this.options.logger.isLevelEnabled('debug')) return false;
    this.taken += 1;
    this.#serve(route, req, res);
    return true;
  }

  #serve(route: FastRoute, req: IncomingMessage, res: ServerResponse): void {
    const start = performance.now();
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      chunks.push(chunk);
    };
    const onError = (error: Error & { statusCode?: number }): void => {
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      // As Fastify's body reader: a stream error is the request's fault (400).
      if (!(typeof error.statusCode === 'number' && error.statusCode >= 400)) error.statusCode = 400;
      this.#fail(route, res, error, start, true);
    };
    const onEnd = (): void => {
      req.removeListener('data', onData);
      req.removeListener('error', onError);
      let body: unknown;
      try {
        body = parseJsonBody(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, received).toString('utf8'));
      } catch (error) {
        // As Fastify after a body it could not parse: the connection is closed after the answer.
        this.#fail(route, res, error as Error, start, true);
        return;
      }
      let answer: string | Promise<string>;
      try {
        answer = route.answer(body, () => this.#logger());
      } catch (error) {
        this.#fail(route, res, error as Error, start);
        return;
      }
      if (typeof answer === 'string') {
        this.#ok(route, res, answer, start);
        return;
      }
      answer.then(
        (json) => this.#ok(route, res, json, start),
        (error: unknown) => this.#fail(route, res, error as Error, start),
      );
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
  }

  /** A request's logger, as Fastify's request.log: the shared logger with a request id. */
  #logger(): FastifyBaseLogger {
    return new LazyRequestLogger(this.options.logger as never, { reqId: this.options.requestId() }, {});
  }

  #ok(route: FastRoute, res: ServerResponse, json: string, start: number): void {
    // Shutdown began while the request was being answered: as the onSend hook of cli.ts, the
    // connection closes after it, so that closing the server does not wait for its keep-alive.
    const headers: Record<string, string | number> = { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(json) };
    if (!this.options.open()) headers.connection = 'close';
    res.writeHead(200, headers);
    res.end(json);
    this.options.answered('POST', route.path, 200, performance.now() - start);
  }

  /** Answers an error as Fastify's error handler would; `close`: a body that could not be read (Connection: close first, as Fastify). */
  #fail(route: FastRoute, res: ServerResponse, error: Error, start: number, close = false): void {
    const { logger, requestId } = this.options;
    let log: FastifyBaseLogger | null = null;
    const answer = errorAnswer(error as DomainError, () => (log ??= new LazyRequestLogger(logger as never, { reqId: requestId() }, {})));
    const json = JSON.stringify(answer.body);
    const headers: Record<string, string | number> = close || !this.options.open() ? { connection: 'close' } : {};
    for (const [name, value] of answer.headers) headers[name] = value;
    headers['content-type'] = JSON_TYPE;
    headers['content-length'] = Buffer.byteLength(json);
    if (!res.headersSent && !res.destroyed) {
      res.writeHead(answer.status, headers);
      res.end(json);
    }
    this.options.answered('POST', route.path, answer.status, performance.now() - start);
  }
}

/**
 * Puts the direct read path in front of Fastify on its server: Fastify registers its handler as the
 * server's one 'request' listener; it is replaced by one that offers each request to `fastReads`
 * first. (Rather than Fastify's `serverFactory`, with which Fastify no longer sets its own timeouts
 * on the server nor binds the second address of `localhost`: the server stays Fastify's own.)
 */
export function installFastReads(server: EventEmitter, fastReads: FastReads): void {
  const listeners = server.listeners('request');
  if (listeners.length !== 1) throw new Error(`expected Fastify's one request listener on its server, found ${listeners.length}`);
  const fastify = listeners[0] as (req: IncomingMessage, res: ServerResponse) => void;
  server.removeListener('request', fastify);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!fastReads.handle(req, res)) fastify(req, res);
  });
}
