// Each request's logger (request.log), created only when the request logs something. Fastify makes
// a pino child with the request id for every request; with the redaction paths of src/logger.ts,
// pino runs the redaction over the child's bindings, which cost a fast read about a fifth of its
// time (docs/PERFORMANCE.md, issue 17) while most requests never log a line (a request's own line
// is at debug). The child made on first use is the same pino child as Fastify's, so every line a
// request writes is unchanged; a call at a level the logger leaves out makes no child.
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilentOrString, LogFn } from 'pino';

/** The pino logger the app was built with: what a child is made from. */
type ParentLogger = FastifyBaseLogger & { isLevelEnabled(level: string): boolean };

const METHODS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
type Method = (typeof METHODS)[number];

export class LazyRequestLogger implements FastifyBaseLogger {
  #child: FastifyBaseLogger | null = null;
  /** Children made so far by all request loggers (tests count them). */
  static made = 0;

  constructor(
    private readonly parent: ParentLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  /** The request's pino child, made now if it was not yet. */
  #logger(): FastifyBaseLogger {
    if (this.#child === null) {
      LazyRequestLogger.made += 1;
      this.#child = this.parent.child(this.bindings, this.options);
    }
    return this.#child;
  }

  /** What each log method does (they are put on the prototype below, so a request's logger is one small object). */
  write(method: Method, args: unknown[]): void {
    // Without a child yet, the request's level is the parent's (Fastify gives the child no level of
    // its own unless the route has one, and then the child is made for it at once: see lazyChildLogger).
    if (this.#child === null && !this.parent.isLevelEnabled(method)) return;
    (this.#logger()[method] as (...a: unknown[]) => void)(...args);
  }

  get level(): LevelWithSilentOrString {
    return this.#child?.level ?? this.parent.level;
  }

  set level(level: LevelWithSilentOrString) {
    this.#logger().level = level;
  }

  declare fatal: LogFn;
  declare error: LogFn;
  declare warn: LogFn;
  declare info: LogFn;
  declare debug: LogFn;
  declare trace: LogFn;
  declare silent: LogFn;

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#logger().child(bindings, options);
  }
}

for (const method of METHODS) {
  Object.defineProperty(LazyRequestLogger.prototype, method, {
    value: function (this: LazyRequestLogger, ...args: unknown[]): void {
      this.write(method, args);
    },
  });
}
Object.defineProperty(LazyRequestLogger.prototype, 'silent', { value: () => {} });

/**
 * Fastify's `childLoggerFactory`: the request's logger, made lazily. A route with a log level or
 * serializers of its own gets its pino child at once, as Fastify would make it.
 */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  const parent = logger as ParentLogger;
  if (options.level !== undefined || options.serializers !== undefined || typeof parent.isLevelEnabled !== 'function') return logger.child(bindings, options);
  return new LazyRequestLogger(parent, bindings, options);
}

/**
 * Request ids as Fastify's default makes them ("req-" and a base-36 counter), from one counter shared
 * by Fastify (its `genReqId`) and the direct read path (fast-reads.ts), so that ids stay unique
 * across both. The direct path takes one only for a request that logs.
 */
export function requestIds(): () => string {
  let next = 0;
  return () => {
    // Below 2^31, as Fastify's own (a small integer for V8).
    next = (next + 1) & 2147483647;
    return `req-${next.toString(36)}`;
  };
}
